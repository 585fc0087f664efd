// A model directory (Hugging Face layout, Qwen3) served over the OpenAI API on a
// background event loop in this process: what `tracemill demo` and `tracemill eval live
// --baseline-model-dir/--candidate-model-dir` point the agent at.
//
//   TM_ASSIGN_OR_RETURN(auto server, ModelServer::Start("out/student", {.threads = 2}));
//   config.endpoint.base_url = server->base_url();  // model name "base"
//
// Loads the weights and the chat template from the directory; the server's tool calls are
// parsed strictly (chat_server.h). Destroying it stops the server. Not thread-safe (the
// server itself runs on its own loop thread).
#ifndef TRACEMILL_LIBS_SERVE_MODEL_SERVER_H_
#define TRACEMILL_LIBS_SERVE_MODEL_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace tracemill::serve {

struct ModelServerOptions {
  int threads = 0;          // libtorch threads for generation; 0: its default
  int64_t max_context = 4096;
  int default_max_tokens = 160;  // for requests that give none
  int max_batch = 8;
};

class ModelServer {
 public:
  static absl::StatusOr<std::unique_ptr<ModelServer>> Start(const std::string& model_dir,
                                                            const ModelServerOptions& options);
  ~ModelServer();
  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;

  std::string base_url() const;  // http://127.0.0.1:PORT/v1

 private:
  struct State;
  explicit ModelServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace tracemill::serve

#endif  // TRACEMILL_LIBS_SERVE_MODEL_SERVER_H_
