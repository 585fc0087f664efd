// What the chat server needs from a model: token generation, batched with whatever else
// is in flight, and LoRA adapters by name. GenerationBackend (generation_backend.h) puts
// libs/model's Generator behind it; tests use scripted fakes.
#ifndef TRACEMILL_LIBS_SERVE_BACKEND_H_
#define TRACEMILL_LIBS_SERVE_BACKEND_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tracemill::serve {

struct GenerateCall {
  std::vector<int64_t> prompt;
  float temperature = 1;
  float top_p = 1;
  int top_k = 0;
  std::optional<uint64_t> seed;
  int max_new_tokens = 256;
  std::vector<int64_t> stop_token_ids;
  std::string adapter;  // "" = the base model
  // Each new token, as soon as it is chosen, on the backend's thread; false stops the
  // generation (a stop string matched, the client went away).
  std::function<bool(int64_t token)> on_token;
};

struct GenerateOutcome {
  std::vector<int64_t> tokens;  // without a stop token
  std::string finish_reason;    // "stop" or "length"
  int64_t prompt_tokens = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Thread-safe; `done` runs on the backend's thread (or at once, for an error).
  virtual void Submit(GenerateCall call, std::function<void(absl::StatusOr<GenerateOutcome>)> done) = 0;
  virtual absl::Status LoadAdapter(const std::string& name, const std::string& dir) = 0;
  virtual absl::Status UnloadAdapter(const std::string& name) = 0;
  virtual std::vector<std::string> Adapters() const = 0;
  virtual int64_t max_context() const = 0;
};

}  // namespace tracemill::serve

#endif  // TRACEMILL_LIBS_SERVE_BACKEND_H_
