// An OpenAI-compatible server over a Backend:
//   POST /v1/chat/completions   plain or streamed (SSE), tools, tool_choice
//                               (auto | none | required | a named function), sampling,
//                               stop strings, usage; Hermes output parsed into tool_calls,
//                               reasoning into reasoning_content and reasoning
//   GET  /v1/models             the base model and every loaded adapter ("base:NAME")
//   POST /v1/load_lora_adapter, /v1/unload_lora_adapter   {"lora_name", "lora_path"} (vLLM's API)
//   GET  /health
// The prompt is the model's own chat template rendering (text::ChatFormat), exactly as
// training renders rows. tool_choice "required" and a named function start the reply
// with the tool-call tag (and the name), which the model then completes.
//
// Tool calls are parsed strictly (llm::HermesOptions::repair off), streamed or not: a
// call cut off by max_tokens or a stop string, or with JSON that would need repair, is
// returned as content (tags included) with finish_reason "length" or "stop", so a
// client never executes a call the model did not finish.
//
// Errors are OpenAI error bodies with the right status: 400 for a bad request (naming
// the parameter), 404 model_not_found, 400 context_length_exceeded for a prompt that
// does not fit, 500 when generation fails.
#ifndef TRACEMILL_LIBS_SERVE_CHAT_SERVER_H_
#define TRACEMILL_LIBS_SERVE_CHAT_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/net/event_loop.h"
#include "libs/net/http_server.h"
#include "libs/serve/backend.h"
#include "libs/text/chat_format.h"

namespace tracemill::serve {

struct ChatServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string model_name = "base";  // what `model` names the base as; adapters are "base:NAME"
  int default_max_tokens = 1024;    // when a request sets none (also capped by the context)
  bool allow_adapter_loading = true;  // the load/unload endpoints
  size_t max_body = 32 << 20;
};

struct ServerStats {
  std::atomic<int64_t> requests{0}, completions{0}, errors{0}, prompt_tokens{0}, completion_tokens{0};
};

class ChatServer {
 public:
  static absl::StatusOr<std::unique_ptr<ChatServer>> Start(net::EventLoop* loop, std::shared_ptr<Backend> backend,
                                                           std::shared_ptr<const text::ChatFormat> format,
                                                           ChatServerOptions options);
  ~ChatServer();

  int port() const { return http_->port(); }
  std::string base_url() const { return http_->Url("/v1"); }
  const ServerStats& stats() const { return *stats_; }

 private:
  ChatServer() = default;
  void Handle(std::shared_ptr<net::HttpExchange> ex);
  void Completions(const std::shared_ptr<net::HttpExchange>& ex);
  void Adapters(const std::shared_ptr<net::HttpExchange>& ex, bool load);

  net::EventLoop* loop_ = nullptr;
  std::shared_ptr<Backend> backend_;
  std::shared_ptr<const text::ChatFormat> format_;
  ChatServerOptions options_;
  std::unique_ptr<net::HttpServer> http_;
  std::shared_ptr<ServerStats> stats_ = std::make_shared<ServerStats>();
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::vector<int64_t> stop_ids_;
  int64_t next_id_ = 1;
};

}  // namespace tracemill::serve

#endif  // TRACEMILL_LIBS_SERVE_CHAT_SERVER_H_
