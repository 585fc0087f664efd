// LoRA adapters as PEFT defines them, saved and loaded in PEFT's format (which vLLM also
// loads).
//
//   y = W x + scaling · B(A(dropout(x))),  scaling = alpha / r  (alpha / sqrt(r) with rsLoRA)
//
// A is [r, in] with PEFT's default init kaiming_uniform_(a=√5), i.e. U(±1/√in); B is
// [out, r], zeros, so a fresh adapter leaves the model unchanged. Dropout applies to the
// LoRA branch only, in training. Adapters are fp32 whatever the base dtype (PEFT's
// autocast_adapter_dtype), and their output is cast to the base output's dtype.
//
// PEFT layout: DIR/adapter_config.json (peft_type LORA, r, lora_alpha, lora_dropout,
// target_modules, use_rslora, ...) and DIR/adapter_model.safetensors with keys
// "base_model.model.<module>.lora_A.weight" / ".lora_B.weight", <module> the Hugging
// Face path ("model.layers.3.self_attn.q_proj").
#ifndef TRACEMILL_LIBS_MODEL_LORA_H_
#define TRACEMILL_LIBS_MODEL_LORA_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace at {
class Tensor;
}

namespace tracemill::model {

struct LoraConfig {
  int64_t r = 16;
  double alpha = 32;
  double dropout = 0.05;
  bool use_rslora = false;
  // Projection names (the last part of the module path).
  std::vector<std::string> target_modules = {"q_proj", "k_proj", "v_proj", "o_proj",
                                             "gate_proj", "up_proj", "down_proj"};
  double scaling() const;
};

// A linear module of the base model: its path and its weight's [out, in].
struct LinearModule {
  std::string path;
  int64_t in = 0;
  int64_t out = 0;
};

class LoraAdapters {
 public:
  // Fresh adapters (PEFT init) on every module whose last path part is a target.
  // InvalidArgument if r <= 0, alpha <= 0, dropout outside [0, 1) or no module matches.
  static absl::StatusOr<std::unique_ptr<LoraAdapters>> Create(
      const LoraConfig& config, const std::vector<LinearModule>& modules, uint64_t seed,
      const std::string& device = "cpu");
  // Reads a PEFT adapter directory for these modules; tensors must have the shapes the
  // modules and r imply. Errors name the file and tensor.
  static absl::StatusOr<std::unique_ptr<LoraAdapters>> LoadPeft(
      const std::string& dir, const std::vector<LinearModule>& modules,
      const std::string& device = "cpu");
  ~LoraAdapters();

  // Writes adapter_config.json and adapter_model.safetensors (fp32) into `dir`.
  absl::Status SavePeft(const std::string& dir, const std::string& base_model) const;

  // y + scaling · B(A(dropout(x))) when `module` has an adapter, else y.
  at::Tensor Apply(const std::string& module, const at::Tensor& x, const at::Tensor& y,
                   bool training) const;
  // scaling · B A, [out, in], for merging; undefined tensor when `module` has none.
  at::Tensor Delta(const std::string& module) const;
  bool Has(const std::string& module) const;

  // The trainable tensors, A then B per module, in module order.
  std::vector<at::Tensor> Parameters() const;
  // Their names as saved ("base_model.model.<module>.lora_A.weight", ...).
  std::vector<std::string> ParameterNames() const;
  int64_t ParameterCount() const;
  const LoraConfig& config() const { return config_; }

 private:
  struct Pair;
  LoraAdapters();
  LoraConfig config_;
  std::map<std::string, std::unique_ptr<Pair>> adapters_;
};

// Parameters that adapters of `config` would add to `modules` (no allocation).
int64_t LoraParameterCount(const LoraConfig& config, const std::vector<LinearModule>& modules);

}  // namespace tracemill::model

#endif  // TRACEMILL_LIBS_MODEL_LORA_H_
