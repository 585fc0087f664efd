// Text generation with a KV cache on a Qwen3Model: continuous batching, per-request
// sampling and per-request LoRA adapters (applied without merging, several loaded at
// once).
//
//   TM_ASSIGN_OR_RETURN(auto gen, Generator::Create(model, {}));
//   TM_RETURN_IF_ERROR(gen->LoadAdapter("tools", "out/adapter"));
//   TM_ASSIGN_OR_RETURN(GenerationResult r,
//                       gen->Generate({.prompt = ids, .sampling = {.max_new_tokens = 64},
//                                      .adapter = "tools"}));
//
// One worker thread owns the model's compute. Each new request is prefilled on its own
// (one forward over the prompt, filling a one-row KV cache; logits only at the last
// position) and then joins the batch: every decode step is one forward over the last
// token of every request in flight, each row reading its own cached keys/values (rows of
// different lengths are padded and masked, see kv_cache.h) and its own adapters
// (ForwardOptions::row_adapters). Finished requests leave after the step that finished
// them. Requests beyond max_batch wait in a queue.
//
// Sampling follows Hugging Face's order and semantics: temperature, then top-k, then
// top-p (nucleus: the smallest set of most likely tokens whose probability reaches
// top_p, at least one), then a draw from the request's own generator (seeded by `seed`,
// else at random). temperature 0 is greedy (argmax).
//
// Thread-safety: every public method is thread-safe. `on_token` and `done` run on the
// worker thread, so they must not block for long nor call Generate (which would wait on
// itself); Submit from there is fine.
#ifndef TRACEMILL_LIBS_MODEL_GENERATE_H_
#define TRACEMILL_LIBS_MODEL_GENERATE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/model/qwen3_model.h"

namespace tracemill::model {

struct SamplingParams {
  float temperature = 0;  // 0: greedy; must be >= 0
  float top_p = 1;        // in (0, 1]
  int top_k = 0;          // 0: off; must be >= 0
  std::optional<uint64_t> seed;  // same seed + same request (and adapter) → same tokens
  int max_new_tokens = 256;      // >= 0; 0 returns no tokens, finish_reason "length"
  // E.g. <|im_end|> 151645, <|endoftext|> 151643. The stop token is not returned.
  std::vector<int64_t> stop_token_ids;
};

struct GenerationRequest {
  std::vector<int64_t> prompt;  // token ids in [0, vocab_size)
  SamplingParams sampling;
  // "" = the base model (without any adapters set on the model with SetLora); else a
  // name given to LoadAdapter / AddAdapter.
  std::string adapter;
  // Called on the worker thread with each new token as soon as it is sampled (never with
  // a stop token). Returning false stops the request after this token (which stays in
  // the result) with finish_reason "stop" — for the server's stop strings and for a
  // client that went away alike.
  std::function<bool(int64_t token)> on_token;
};

struct GenerationResult {
  std::vector<int64_t> tokens;  // generated, without the prompt and without a stop token
  // "stop": a stop token, or on_token returned false. "length": max_new_tokens, or the
  // sequence (prompt + generated) reached the context limit.
  std::string finish_reason;
  int64_t prompt_tokens = 0;
  double time_to_first_token_ms = 0;  // from Submit to the first sampled token
  double decode_tokens_per_s = 0;     // tokens after the first / time after the first
};

struct GeneratorOptions {
  int max_batch = 16;        // requests decoding together; more wait in a queue
  int64_t max_context = 0;   // prompt + generated tokens; 0: config's max_position_embeddings
  std::string device = "cpu";  // must be the model's device
  int threads = 0;           // > 0: at::set_num_threads (process-wide) at Create
};

// Counters since Create, for tests and metrics.
struct GeneratorStats {
  int64_t requests = 0;        // finished (any outcome)
  int64_t prefills = 0;
  int64_t decode_steps = 0;    // batched forwards
  int64_t decode_rows = 0;     // sum of batch sizes over decode steps
  int64_t max_batch_seen = 0;  // largest decode batch
};

class Generator {
 public:
  // InvalidArgument when the options do not fit the model (max_batch < 1, device).
  static absl::StatusOr<std::unique_ptr<Generator>> Create(std::shared_ptr<Qwen3Model> model,
                                                           GeneratorOptions options);
  // Cancels queued and in-flight requests (their `done` gets CancelledError) and joins the
  // worker thread. Must not run on the worker thread.
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Loads a PEFT adapter directory (adapter_config.json + adapter_model.safetensors) for
  // this model under `name` (non-empty). Replacing a name is allowed: requests already
  // admitted keep the adapters they started with. Errors from LoraAdapters::LoadPeft.
  absl::Status LoadAdapter(const std::string& name, const std::string& dir);
  // Adapters already built (e.g. just trained); same rules as LoadAdapter.
  absl::Status AddAdapter(const std::string& name, std::shared_ptr<const LoraAdapters> adapters);
  // NotFound when no adapter has that name. Requests in flight keep theirs.
  absl::Status UnloadAdapter(const std::string& name);
  std::vector<std::string> adapters() const;  // sorted

  // Queues `request`; `done` runs once, on the worker thread, with the result or an error:
  // InvalidArgument (empty prompt, a token id outside the vocabulary, unknown adapter,
  // prompt of max_context tokens or more, bad sampling parameters), Cancelled (the
  // generator is shutting down), Internal (a libtorch error).
  void Submit(GenerationRequest request,
              std::function<void(absl::StatusOr<GenerationResult>)> done);
  // Submit and wait. Must not be called on the worker thread.
  absl::StatusOr<GenerationResult> Generate(GenerationRequest request);

  GeneratorStats stats() const;

 private:
  struct Impl;
  explicit Generator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracemill::model

#endif  // TRACEMILL_LIBS_MODEL_GENERATE_H_
