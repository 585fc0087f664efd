// Qwen3 dense decoder configuration: Hugging Face `config.json` in and out, and the
// presets `tracemill model init` creates.
//
// Accepts both spellings of RoPE: `rope_theta` (transformers < 4.56) and
// `rope_parameters: {rope_theta, rope_type: "default"}`. Refuses what the model does not
// implement (rope_scaling, sliding windows, attention bias, an activation other than
// silu) with an InvalidArgument naming the field, rather than computing something else.
#ifndef TRACEMILL_LIBS_MODEL_QWEN3_CONFIG_H_
#define TRACEMILL_LIBS_MODEL_QWEN3_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace tracemill::model {

struct Qwen3Config {
  int64_t vocab_size = 151936;
  int64_t hidden_size = 1024;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 28;
  int64_t num_attention_heads = 16;
  int64_t num_key_value_heads = 8;
  int64_t head_dim = 128;
  double rope_theta = 1000000.0;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = true;
  int64_t max_position_embeddings = 40960;
  int64_t bos_token_id = 151643;
  int64_t eos_token_id = 151645;
  std::string torch_dtype = "bfloat16";
  // The standard deviation of RandomInit's normal weights (transformers' init). 0.02 suits
  // the released widths; the tiny presets use about 1/sqrt(hidden_size), without which
  // the tied output layer of a 64-wide model cannot reach confident logits.
  double initializer_range = 0.02;

  // Parameters in the model (a tied lm_head counted once).
  int64_t ParameterCount() const;
};

// Parses config.json text; `where` names it in errors.
absl::StatusOr<Qwen3Config> ParseQwen3Config(std::string_view json, std::string_view where);
absl::StatusOr<Qwen3Config> LoadQwen3Config(const std::string& path);
// config.json text as transformers writes it for Qwen3ForCausalLM.
std::string Qwen3ConfigJson(const Qwen3Config& config);

// Presets: "tiny" (a few hundred thousand parameters beside the embedding, for tests),
// "student" (the demo's: 2 layers, hidden 128, two 64-wide heads), "small", "0.6b-shape" and "4b-shape" (the released models' shapes).
// InvalidArgument for other names.
absl::StatusOr<Qwen3Config> Qwen3Preset(std::string_view name);

}  // namespace tracemill::model

#endif  // TRACEMILL_LIBS_MODEL_QWEN3_CONFIG_H_
