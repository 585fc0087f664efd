#include "libs/model/qwen3_config.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"

namespace tracemill::model {
namespace {

using nlohmann::json;

absl::Status Bad(std::string_view where, std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(base::StrCat(where, ": ", field, ": ", what));
}

absl::Status GetInt(const json& j, const char* key, std::string_view where, bool required,
                    int64_t* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return required ? Bad(where, key, "missing") : absl::OkStatus();
  }
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    return Bad(where, key, "must be a non-negative integer");
  }
  *out = it->get<int64_t>();
  return absl::OkStatus();
}

absl::Status GetDouble(const json& j, const char* key, std::string_view where, double* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_number() || it->get<double>() <= 0) return Bad(where, key, "must be a positive number");
  *out = it->get<double>();
  return absl::OkStatus();
}

}  // namespace

int64_t Qwen3Config::ParameterCount() const {
  const int64_t q = num_attention_heads * head_dim;
  const int64_t kv = num_key_value_heads * head_dim;
  const int64_t per_layer = hidden_size * q * 2 + hidden_size * kv * 2 +  // q, o, k, v
                            3 * hidden_size * intermediate_size +          // gate, up, down
                            2 * hidden_size + 2 * head_dim;                 // norms
  return vocab_size * hidden_size * (tie_word_embeddings ? 1 : 2) +
         num_hidden_layers * per_layer + hidden_size;
}

absl::StatusOr<Qwen3Config> ParseQwen3Config(std::string_view text, std::string_view where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(base::StrCat(where, ": not valid JSON (", e.what(), ")"));
  }
  if (!j.is_object()) return absl::InvalidArgumentError(base::StrCat(where, ": not an object"));
  Qwen3Config c;
  auto model_type = j.find("model_type");
  if (model_type != j.end() && *model_type != "qwen3") {
    return Bad(where, "model_type",
               base::StrCat(model_type->dump(), " is not supported (only \"qwen3\")"));
  }
  TM_RETURN_IF_ERROR(GetInt(j, "vocab_size", where, true, &c.vocab_size));
  TM_RETURN_IF_ERROR(GetInt(j, "hidden_size", where, true, &c.hidden_size));
  TM_RETURN_IF_ERROR(GetInt(j, "intermediate_size", where, true, &c.intermediate_size));
  TM_RETURN_IF_ERROR(GetInt(j, "num_hidden_layers", where, true, &c.num_hidden_layers));
  TM_RETURN_IF_ERROR(GetInt(j, "num_attention_heads", where, true, &c.num_attention_heads));
  c.num_key_value_heads = c.num_attention_heads;
  TM_RETURN_IF_ERROR(GetInt(j, "num_key_value_heads", where, false, &c.num_key_value_heads));
  c.head_dim = c.num_attention_heads > 0 ? c.hidden_size / c.num_attention_heads : 0;
  TM_RETURN_IF_ERROR(GetInt(j, "head_dim", where, false, &c.head_dim));
  TM_RETURN_IF_ERROR(GetInt(j, "max_position_embeddings", where, false,
                            &c.max_position_embeddings));
  TM_RETURN_IF_ERROR(GetInt(j, "bos_token_id", where, false, &c.bos_token_id));
  if (j.contains("eos_token_id") && j["eos_token_id"].is_array() &&
      !j["eos_token_id"].empty()) {
    j["eos_token_id"] = j["eos_token_id"][0];
  }
  TM_RETURN_IF_ERROR(GetInt(j, "eos_token_id", where, false, &c.eos_token_id));
  TM_RETURN_IF_ERROR(GetDouble(j, "rms_norm_eps", where, &c.rms_norm_eps));
  TM_RETURN_IF_ERROR(GetDouble(j, "rope_theta", where, &c.rope_theta));
  TM_RETURN_IF_ERROR(GetDouble(j, "initializer_range", where, &c.initializer_range));
  if (auto rp = j.find("rope_parameters"); rp != j.end() && rp->is_object()) {
    TM_RETURN_IF_ERROR(GetDouble(*rp, "rope_theta", where, &c.rope_theta));
    if (rp->contains("rope_type") && (*rp)["rope_type"] != "default") {
      return Bad(where, "rope_parameters.rope_type", "only \"default\" RoPE is supported");
    }
  }
  if (auto rs = j.find("rope_scaling"); rs != j.end() && !rs->is_null()) {
    return Bad(where, "rope_scaling", "RoPE scaling (YaRN etc.) is not supported");
  }
  if (j.value("use_sliding_window", false)) {
    return Bad(where, "use_sliding_window", "sliding-window attention is not supported");
  }
  if (j.value("attention_bias", false)) {
    return Bad(where, "attention_bias", "attention biases are not supported");
  }
  if (j.contains("hidden_act") && j["hidden_act"] != "silu") {
    return Bad(where, "hidden_act", "only silu is supported");
  }
  if (auto t = j.find("tie_word_embeddings"); t != j.end()) {
    if (!t->is_boolean()) return Bad(where, "tie_word_embeddings", "must be a boolean");
    c.tie_word_embeddings = t->get<bool>();
  } else {
    c.tie_word_embeddings = true;  // transformers' PretrainedConfig default
  }
  if (auto d = j.find("torch_dtype"); d != j.end() && d->is_string()) c.torch_dtype = *d;
  if (auto d = j.find("dtype"); d != j.end() && d->is_string()) c.torch_dtype = *d;
  if (c.hidden_size == 0 || c.num_hidden_layers == 0 || c.num_attention_heads == 0 ||
      c.num_key_value_heads == 0 || c.head_dim == 0 || c.vocab_size == 0 ||
      c.intermediate_size == 0) {
    return absl::InvalidArgumentError(base::StrCat(where, ": sizes must be positive"));
  }
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    return Bad(where, "num_key_value_heads", "must divide num_attention_heads");
  }
  if (c.head_dim % 2 != 0) return Bad(where, "head_dim", "must be even (RoPE)");
  return c;
}

absl::StatusOr<Qwen3Config> LoadQwen3Config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(base::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseQwen3Config(buffer.str(), path);
}

std::string Qwen3ConfigJson(const Qwen3Config& c) {
  nlohmann::ordered_json j;
  j["architectures"] = {"Qwen3ForCausalLM"};
  j["attention_bias"] = false;
  j["attention_dropout"] = 0.0;
  j["bos_token_id"] = c.bos_token_id;
  j["eos_token_id"] = c.eos_token_id;
  j["head_dim"] = c.head_dim;
  j["hidden_act"] = "silu";
  j["hidden_size"] = c.hidden_size;
  j["initializer_range"] = c.initializer_range;
  j["intermediate_size"] = c.intermediate_size;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["max_window_layers"] = c.num_hidden_layers;
  j["model_type"] = "qwen3";
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_key_value_heads"] = c.num_key_value_heads;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["rope_scaling"] = nullptr;
  j["rope_theta"] = c.rope_theta;
  j["sliding_window"] = nullptr;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["torch_dtype"] = c.torch_dtype;
  j["transformers_version"] = "4.51.0";
  j["use_cache"] = true;
  j["use_sliding_window"] = false;
  j["vocab_size"] = c.vocab_size;
  return j.dump(2) + "\n";
}

absl::StatusOr<Qwen3Config> Qwen3Preset(std::string_view name) {
  Qwen3Config c;  // 0.6B
  if (name == "0.6b-shape") return c;
  if (name == "4b-shape") {
    c.hidden_size = 2560;
    c.intermediate_size = 9728;
    c.num_hidden_layers = 36;
    c.num_attention_heads = 32;
    c.num_key_value_heads = 8;
    return c;
  }
  if (name == "small") {
    c.hidden_size = 256;
    c.intermediate_size = 768;
    c.num_hidden_layers = 4;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 64;
    c.torch_dtype = "float32";
    c.initializer_range = 0.0625;  // 1/sqrt(256)
    return c;
  }
  if (name == "student") {
    // The demo's student: two 64-wide heads, so a head copies enough of a token's random
    // embedding from where it was seen to where it is written to tell it from 151,936
    // others (the tiny preset's 16-wide heads carry a quarter of its 64 dimensions: not enough).
    c.hidden_size = 128;
    c.intermediate_size = 384;
    c.num_hidden_layers = 2;
    c.num_attention_heads = 2;
    c.num_key_value_heads = 2;
    c.head_dim = 64;
    c.torch_dtype = "float32";
    c.initializer_range = 0.088388347648318;  // 1/sqrt(128)
    return c;
  }
  if (name == "tiny") {
    c.hidden_size = 64;
    c.intermediate_size = 192;
    c.num_hidden_layers = 2;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 16;
    c.torch_dtype = "float32";
    c.initializer_range = 0.125;  // 1/sqrt(64)
    return c;
  }
  return absl::InvalidArgumentError(base::StrCat(
      "unknown preset \"", name, "\" (tiny, student, small, 0.6b-shape, 4b-shape)"));
}

}  // namespace tracemill::model
