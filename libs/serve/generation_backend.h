// The chat server's Backend over libs/model's Generator: a Qwen3 model with a KV cache,
// continuous batching and LoRA adapters by name. Built only with libtorch.
#ifndef TRACEMILL_LIBS_SERVE_GENERATION_BACKEND_H_
#define TRACEMILL_LIBS_SERVE_GENERATION_BACKEND_H_

#include <memory>
#include <string>
#include <vector>

#include "libs/model/generate.h"
#include "libs/serve/backend.h"

namespace tracemill::serve {

class GenerationBackend : public Backend {
 public:
  // `max_context`: the generator's limit (prompt + generated tokens).
  GenerationBackend(std::unique_ptr<model::Generator> generator, int64_t max_context)
      : generator_(std::move(generator)), max_context_(max_context) {}

  void Submit(GenerateCall call, std::function<void(absl::StatusOr<GenerateOutcome>)> done) override;
  absl::Status LoadAdapter(const std::string& name, const std::string& dir) override {
    return generator_->LoadAdapter(name, dir);
  }
  absl::Status UnloadAdapter(const std::string& name) override { return generator_->UnloadAdapter(name); }
  std::vector<std::string> Adapters() const override { return generator_->adapters(); }
  int64_t max_context() const override { return max_context_; }
  model::Generator& generator() { return *generator_; }

 private:
  std::unique_ptr<model::Generator> generator_;
  int64_t max_context_;
};

}  // namespace tracemill::serve

#endif  // TRACEMILL_LIBS_SERVE_GENERATION_BACKEND_H_
