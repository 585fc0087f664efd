#include "libs/serve/generation_backend.h"

namespace tracemill::serve {

void GenerationBackend::Submit(GenerateCall call, std::function<void(absl::StatusOr<GenerateOutcome>)> done) {
  model::GenerationRequest request;
  request.prompt = std::move(call.prompt);
  request.sampling.temperature = call.temperature;
  request.sampling.top_p = call.top_p;
  request.sampling.top_k = call.top_k;
  request.sampling.seed = call.seed;
  request.sampling.max_new_tokens = call.max_new_tokens;
  request.sampling.stop_token_ids = std::move(call.stop_token_ids);
  request.adapter = std::move(call.adapter);
  request.on_token = std::move(call.on_token);
  generator_->Submit(std::move(request), [done = std::move(done)](absl::StatusOr<model::GenerationResult> r) {
    if (!r.ok()) return done(r.status());
    GenerateOutcome out;
    out.tokens = std::move(r->tokens);
    out.finish_reason = std::move(r->finish_reason);
    out.prompt_tokens = r->prompt_tokens;
    done(std::move(out));
  });
}

}  // namespace tracemill::serve
