// Qwen3 dense decoder on libtorch, with weights under their Hugging Face names so a
// released checkpoint (Qwen3-0.6B, Qwen3-4B) loads unchanged.
//
//   TM_ASSIGN_OR_RETURN(auto model, Qwen3Model::Load("models/qwen3-tiny", {}));
//   at::Tensor logits = model->Forward(ids, {.attention_mask = &mask});   // [B, T, vocab]
//
// Forward (transformers' modeling_qwen3): embed → per layer x + Attn(RMSNorm(x)), then
// + MLP(RMSNorm(·)); attention applies per-head q/k RMSNorm before RoPE (rotate-half,
// tables in fp32), grouped-query heads, causal softmax in fp32; MLP is
// down(silu(gate(x)) * up(x)); final norm; lm_head (tied to the embedding when the
// config says so, whether or not the file has lm_head.weight). With libtorch >= 2 the
// attention runs through the fused scaled_dot_product_attention kernel; on older
// libtorch (Debian's 1.13) through the exact eager formula.
//
// Padding: `attention_mask` [B, T] (1 = token, 0 = padding, left or right) keeps padding
// out of every token's attention; positions then count tokens only (cumsum - 1, as
// transformers does), unless `position_ids` are given (packing resets them per row).
// `segment_ids` [B, T] (packed rows): a token attends only within its own segment.
//
// Incremental decoding: with `kv_cache` (libs/model/kv_cache.h) the input ids are new
// tokens that follow each row's cached ones; their keys/values are added to the cache and
// attention covers the cached tokens and the new ones, causally. Positions continue from
// each row's cached length unless `position_ids` are given.
//
// Per-row LoRA: `row_adapters` gives each row of the batch its own adapters (or none)
// for this call only, instead of SetLora's, without merging and without touching the
// shared model, so requests for different adapters run in one batch.
//
// Const use from several threads is safe (libtorch ops are); a KvCache is used by one
// call at a time.
#ifndef TRACEMILL_LIBS_MODEL_QWEN3_MODEL_H_
#define TRACEMILL_LIBS_MODEL_QWEN3_MODEL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/model/lora.h"
#include "libs/model/qwen3_config.h"

namespace at {
class Tensor;
}

namespace tracemill::model {

class KvCache;

enum class WeightDType { kFloat32, kBFloat16, kFloat16 };

struct LoadOptions {
  WeightDType dtype = WeightDType::kFloat32;
  std::string device = "cpu";  // "cpu", "cuda", "cuda:1"
};

struct ForwardOptions {
  const at::Tensor* attention_mask = nullptr;  // [B, T], 1 token / 0 padding
  const at::Tensor* position_ids = nullptr;    // [B, T]
  const at::Tensor* segment_ids = nullptr;     // [B, T], packed rows
  // Incremental decoding: keys/values of the tokens before input_ids, per row, extended
  // by this call. Rows must match B (or the cache be empty). No attention_mask or
  // segment_ids with a cache; no gradient checkpointing.
  KvCache* kv_cache = nullptr;
  // Size B: row b uses (*row_adapters)[b] (nullptr: the base model) instead of SetLora's
  // adapters. The adapters must outlive the call.
  const std::vector<const LoraAdapters*>* row_adapters = nullptr;
};

// The projections LoRA can adapt in a model of `config` (see Qwen3Model::LinearModules).
std::vector<LinearModule> Qwen3LinearModules(const Qwen3Config& config);

class Qwen3Model {
 public:
  // Reads DIR/config.json and DIR/model.safetensors or the shards named by
  // DIR/model.safetensors.index.json. Missing or mis-shaped tensors are InvalidArgument
  // naming them; tensors the model does not use are ignored.
  static absl::StatusOr<std::unique_ptr<Qwen3Model>> Load(const std::string& dir,
                                                          const LoadOptions& options);
  // Random weights as transformers initialises them (normal(0, 0.02), norms 1), from
  // `seed`: on the CPU generator (the same on every machine), or, for an accelerator
  // device, drawn on the device itself.
  static absl::StatusOr<std::unique_ptr<Qwen3Model>> RandomInit(const Qwen3Config& config,
                                                                uint64_t seed,
                                                                const LoadOptions& options);
  ~Qwen3Model();
  Qwen3Model(const Qwen3Model&) = delete;
  Qwen3Model& operator=(const Qwen3Model&) = delete;

  // Writes DIR/config.json and DIR/model.safetensors (bf16 or fp32 as `dtype` says; a
  // tied lm_head is not written, as transformers does).
  absl::Status Save(const std::string& dir, WeightDType dtype) const;

  // Logits [B, T, vocab] in fp32 for input ids [B, T] (int64).
  at::Tensor Forward(const at::Tensor& input_ids, const ForwardOptions& options = {}) const;
  // The final hidden states [B, T, H] before lm_head (for memory-light losses).
  at::Tensor Hidden(const at::Tensor& input_ids, const ForwardOptions& options = {}) const;
  // Hidden states → logits, fp32.
  at::Tensor Logits(const at::Tensor& hidden) const;
  // The lm_head weight [vocab, H] (the embedding when tied).
  const at::Tensor& LmHeadWeight() const;

  const Qwen3Config& config() const;

  // The projections LoRA can adapt: model.layers.{i}.self_attn.{q,k,v,o}_proj and
  // model.layers.{i}.mlp.{gate,up,down}_proj, with their [out, in].
  std::vector<LinearModule> LinearModules() const;
  // Forward then adds the adapters' branch on their modules (nullptr: none).
  void SetLora(std::shared_ptr<const LoraAdapters> lora);
  const LoraAdapters* lora() const;
  // Folds the adapters into the base weights (W += scaling · B A, in fp32, then the
  // weights' dtype) and detaches them.
  absl::Status MergeLora();
  // Training mode turns on LoRA dropout.
  void SetTraining(bool training);
  // Gradient checkpointing: when gradients are being recorded, each decoder layer keeps
  // only its input and recomputes its activations during backward (with the same
  // dropout masks), so activation memory grows with layers × [B, T, H] instead of the
  // full per-layer set. Gradients are unchanged.
  void SetGradientCheckpointing(bool on);
  // Freezes (false) or unfreezes (true, full fine-tune) the base weights.
  void SetBaseTrainable(bool trainable);

  // Base weights by Hugging Face name (a tied lm_head is not listed separately).
  const std::map<std::string, at::Tensor>& weights() const;
  std::map<std::string, at::Tensor>& mutable_weights();

 private:
  struct Impl;
  explicit Qwen3Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracemill::model

#endif  // TRACEMILL_LIBS_MODEL_QWEN3_MODEL_H_
