// Greedy generation speed of tracemill's Generator on a random Qwen3 of a preset shape:
//   generate_bench PRESET PROMPT_LEN NEW_TOKENS THREADS MODEL_DIR [STREAMS=1]
// Writes the model to MODEL_DIR (config.json + model.safetensors, fp32) if it is not
// there, so that bench/peer_generate.py runs the very same weights. The prompt is
// ids (i * 7919 + 13) % 150000. One warm-up request, then STREAMS identical requests at
// once (1: one stream). Prints one JSON line: time to first token, decode tokens/s per
// stream, total generated tokens/s and the tokens of the first stream.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "libs/model/generate.h"
#include "libs/model/qwen3_model.h"

namespace model = tracemill::model;

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s PRESET PROMPT_LEN NEW_TOKENS THREADS MODEL_DIR [STREAMS]\n",
                 argv[0]);
    return 2;
  }
  const std::string preset = argv[1], dir = argv[5];
  const int64_t prompt_len = std::atoll(argv[2]);
  const int new_tokens = std::atoi(argv[3]), threads = std::atoi(argv[4]);
  const int streams = argc > 6 ? std::atoi(argv[6]) : 1;
  auto config = model::Qwen3Preset(preset);
  if (!config.ok()) return 1;
  if (!std::filesystem::exists(dir + "/model.safetensors")) {
    auto fresh = model::Qwen3Model::RandomInit(*config, 1, {});
    if (!fresh.ok() || !(*fresh)->Save(dir, model::WeightDType::kFloat32).ok()) return 1;
  }
  auto loaded = model::Qwen3Model::Load(dir, {});
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", std::string(loaded.status().message()).c_str());
    return 1;
  }
  auto gen = model::Generator::Create(std::shared_ptr<model::Qwen3Model>(std::move(*loaded)),
                                   {.max_batch = std::max(streams, 1), .threads = threads});
  if (!gen.ok()) return 1;
  model::GenerationRequest req;
  for (int64_t i = 0; i < prompt_len; ++i) req.prompt.push_back((i * 7919 + 13) % 150000);
  req.sampling.max_new_tokens = 4;
  if (!(*gen)->Generate(req).ok()) return 1;  // warm-up

  req.sampling.max_new_tokens = new_tokens;
  std::vector<std::promise<absl::StatusOr<model::GenerationResult>>> promises(streams);
  const auto start = std::chrono::steady_clock::now();
  for (int s = 0; s < streams; ++s) {
    (*gen)->Submit(req, [&promises, s](absl::StatusOr<model::GenerationResult> r) {
      promises[s].set_value(std::move(r));
    });
  }
  std::vector<model::GenerationResult> results;
  for (auto& p : promises) {
    auto r = p.get_future().get();
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", std::string(r.status().message()).c_str());
      return 1;
    }
    results.push_back(*r);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int64_t generated = 0;
  for (const auto& r : results) generated += static_cast<int64_t>(r.tokens.size());
  std::string tokens;
  for (int64_t t : results[0].tokens) tokens += (tokens.empty() ? "" : ",") + std::to_string(t);
  std::printf(
      "{\"ttft_ms\": %.2f, \"decode_tokens_per_s\": %.2f, \"total_tokens_per_s\": %.2f, "
      "\"streams\": %d, \"tokens\": [%s]}\n",
      results[0].time_to_first_token_ms, results[0].decode_tokens_per_s, generated / seconds,
      streams, tokens.c_str());
  return 0;
}
