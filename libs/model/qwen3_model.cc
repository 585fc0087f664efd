#include "libs/model/qwen3_model.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/model/kv_cache.h"
#include "libs/model/safetensors.h"
#include "libs/model/torch_dtype.h"

namespace tracemill::model {
namespace {

at::ScalarType ScalarTypeOf(WeightDType dtype) {
  switch (dtype) {
    case WeightDType::kBFloat16:
      return at::kBFloat16;
    case WeightDType::kFloat16:
      return at::kHalf;
    case WeightDType::kFloat32:
      break;
  }
  return at::kFloat;
}

DType FileDType(WeightDType dtype) {
  switch (dtype) {
    case WeightDType::kBFloat16:
      return DType::kBF16;
    case WeightDType::kFloat16:
      return DType::kF16;
    case WeightDType::kFloat32:
      break;
  }
  return DType::kF32;
}

// x * rsqrt(mean(x^2) + eps) in fp32, cast back, times weight.
at::Tensor RmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * normed.to(x.scalar_type());
}

at::Tensor RotateHalf(const at::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// The names of one layer's tensors, in HF spelling.
std::string LayerName(int64_t layer, std::string_view rest) {
  return base::StrCat("model.layers.", layer, ".", rest);
}

// Every weight a Qwen3 of `config` has, with its shape.
std::vector<std::pair<std::string, std::vector<int64_t>>> ExpectedWeights(const Qwen3Config& c) {
  const int64_t q = c.num_attention_heads * c.head_dim;
  const int64_t kv = c.num_key_value_heads * c.head_dim;
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  out.push_back({"model.embed_tokens.weight", {c.vocab_size, c.hidden_size}});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    out.push_back({LayerName(i, "input_layernorm.weight"), {c.hidden_size}});
    out.push_back({LayerName(i, "self_attn.q_proj.weight"), {q, c.hidden_size}});
    out.push_back({LayerName(i, "self_attn.k_proj.weight"), {kv, c.hidden_size}});
    out.push_back({LayerName(i, "self_attn.v_proj.weight"), {kv, c.hidden_size}});
    out.push_back({LayerName(i, "self_attn.o_proj.weight"), {c.hidden_size, q}});
    out.push_back({LayerName(i, "self_attn.q_norm.weight"), {c.head_dim}});
    out.push_back({LayerName(i, "self_attn.k_norm.weight"), {c.head_dim}});
    out.push_back({LayerName(i, "post_attention_layernorm.weight"), {c.hidden_size}});
    out.push_back({LayerName(i, "mlp.gate_proj.weight"), {c.intermediate_size, c.hidden_size}});
    out.push_back({LayerName(i, "mlp.up_proj.weight"), {c.intermediate_size, c.hidden_size}});
    out.push_back({LayerName(i, "mlp.down_proj.weight"), {c.hidden_size, c.intermediate_size}});
  }
  out.push_back({"model.norm.weight", {c.hidden_size}});
  if (!c.tie_word_embeddings) out.push_back({"lm_head.weight", {c.vocab_size, c.hidden_size}});
  return out;
}

#if TORCH_VERSION_MAJOR < 2
// softmax(q kᵀ · scale, masked) v in fp32, by blocks of queries: a block of queries
// [i0, i1) only needs keys [0, i1) under a causal mask, so this does about half the work
// of the full product and never holds a [T, T] score matrix per head at once. Masked
// entries get the fp32 minimum rather than -inf, as transformers does, so a padding
// query's row stays finite; they contribute exactly 0 to the softmax.
at::Tensor EagerCausalAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                const at::Tensor& allowed, double scale) {
  // 128 queries: a block's fp32 scores stay a few MB (in the allocator's heap, near the
  // caches) for rows of a few thousand tokens; the scale and the mask go in place.
  constexpr int64_t kBlock = 128;
  const int64_t t = q.size(2);
  std::vector<at::Tensor> blocks;
  for (int64_t i0 = 0; i0 < t; i0 += kBlock) {
    const int64_t n = std::min(kBlock, t - i0);
    const int64_t keys = i0 + n;
    at::Tensor qb = q.narrow(2, i0, n).to(at::kFloat);
    at::Tensor kb = k.narrow(2, 0, keys).to(at::kFloat);
    at::Tensor scores = at::matmul(qb, kb.transpose(-1, -2)).mul_(scale);  // [B, H, n, keys]
    at::Tensor ok = allowed.narrow(1, i0, n).narrow(2, 0, keys).unsqueeze(1);
    scores.masked_fill_(ok.logical_not(), std::numeric_limits<float>::lowest());
    at::Tensor probs = at::softmax(scores, -1).to(q.scalar_type());
    blocks.push_back(at::matmul(probs, v.narrow(2, 0, keys)));
  }
  return blocks.size() == 1 ? blocks[0] : at::cat(blocks, 2);
}
#endif

// Attention over cached keys/values: q [B, nH, T, D], keys/values [B, nKV, S, D] (not
// repeated per query head: the nH / nKV query heads of a KV head are stacked into one
// matmul), `allowed` [B, T, S]. Same arithmetic as EagerCausalAttention: fp32 scores,
// masked entries at the fp32 minimum.
at::Tensor CachedAttention(const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                           const at::Tensor& allowed, double scale) {
  const int64_t b = q.size(0), heads = q.size(1), t = q.size(2), d = q.size(3);
  const int64_t kv = keys.size(1), s = keys.size(2), groups = heads / kv;
  at::Tensor qg = q.reshape({b, kv, groups * t, d}).to(at::kFloat);
  at::Tensor scores = at::matmul(qg, keys.to(at::kFloat).transpose(-1, -2)) * scale;
  scores = scores.view({b, kv, groups, t, s})
               .masked_fill(allowed.view({b, 1, 1, t, s}).logical_not(),
                            std::numeric_limits<float>::lowest());
  at::Tensor probs = at::softmax(scores, -1).to(q.scalar_type()).view({b, kv, groups * t, s});
  return at::matmul(probs, values).view({b, heads, t, d});
}

bool IsNormWeight(const std::string& name) { return name.find("norm.weight") != std::string::npos; }

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(base::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The safetensors files of a checkpoint directory, and which holds each tensor.
absl::StatusOr<std::vector<std::string>> CheckpointFiles(const std::string& dir) {
  const std::string single = dir + "/model.safetensors";
  const std::string index = dir + "/model.safetensors.index.json";
  std::error_code ec;
  if (std::filesystem::exists(single, ec)) return std::vector<std::string>{single};
  if (!std::filesystem::exists(index, ec)) {
    return absl::NotFoundError(
        base::StrCat(dir, ": neither model.safetensors nor model.safetensors.index.json"));
  }
  TM_ASSIGN_OR_RETURN(std::string text, ReadText(index));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(base::StrCat(index, ": not valid JSON (", e.what(), ")"));
  }
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
    return absl::InvalidArgumentError(base::StrCat(index, ": missing \"weight_map\" object"));
  }
  std::vector<std::string> files;
  for (const auto& [name, file] : j["weight_map"].items()) {
    if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos) {
      return absl::InvalidArgumentError(
          base::StrCat(index, ": weight_map[\"", name, "\"] must be a file name in ", dir));
    }
    std::string path = dir + "/" + file.get<std::string>();
    if (std::find(files.begin(), files.end(), path) == files.end()) files.push_back(path);
  }
  return files;
}

}  // namespace

struct Qwen3Model::Impl {
  Qwen3Config config;
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::Device(at::kCPU);
  std::map<std::string, at::Tensor> weights;
  std::shared_ptr<const LoraAdapters> lora;
  bool training = false;
  bool gradient_checkpointing = false;

  // What one forward call adds: per-row adapters, a KV cache.
  struct Call {
    bool override_lora = false;            // row_adapters given
    const LoraAdapters* uniform = nullptr;  // every row's adapters, when they agree
    std::vector<std::pair<const LoraAdapters*, at::Tensor>> groups;  // else: adapters, rows
    KvCache* cache = nullptr;
  };

  const at::Tensor& W(const std::string& name) const { return weights.at(name); }
  // A projection: `module` is its path without ".weight".
  at::Tensor Proj(const std::string& module, const at::Tensor& x,
                  const Call* call = nullptr) const {
    const at::Tensor& w = W(module + ".weight");
    at::Tensor y;
    if (call != nullptr && call->cache != nullptr && x.numel() == x.size(-1)) {
      // One token (a decode step of one sequence): a matrix-vector product reads the
      // weight once, where BLAS's gemm would first copy (pack) all of it.
      std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
      shape.back() = w.size(0);
      y = at::mv(w, x.reshape({-1})).view(shape);
    } else {
      y = at::linear(x, w);
    }
    if (call == nullptr || !call->override_lora) {
      return lora ? lora->Apply(module, x, y, training) : y;
    }
    if (call->groups.empty()) {
      return call->uniform ? call->uniform->Apply(module, x, y, training) : y;
    }
    for (const auto& [adapters, rows] : call->groups) {
      if (!adapters->Has(module)) continue;
      at::Tensor part =
          adapters->Apply(module, x.index_select(0, rows), y.index_select(0, rows), training);
      y = y.index_copy(0, rows, part);
    }
    return y;
  }
  const at::Tensor& LmHead() const {
    return config.tie_word_embeddings ? W("model.embed_tokens.weight") : W("lm_head.weight");
  }

  at::Tensor Attention(int64_t layer, const at::Tensor& h, const at::Tensor& cos,
                       const at::Tensor& sin, const at::Tensor& allowed,
                       const Call* call = nullptr) const;
  // One decoder layer: x + Attn(RMSNorm(x)), then + MLP(RMSNorm(·)).
  at::Tensor Layer(int64_t layer, const at::Tensor& x, const at::Tensor& cos,
                   const at::Tensor& sin, const at::Tensor& allowed,
                   const Call* call = nullptr) const;
  at::Tensor Hidden(const at::Tensor& ids, const ForwardOptions& options) const;

  struct CheckpointedLayer;
};

// A decoder layer under gradient checkpointing: forward runs without recording and
// keeps the layer's inputs (and the RNG state, for dropout); backward runs the layer
// again with recording, from the same RNG state, and back-propagates through it, which
// accumulates the layer's parameter gradients and returns the input's.
struct Qwen3Model::Impl::CheckpointedLayer
    : public torch::autograd::Function<CheckpointedLayer> {
  // `allowed` is absent for plain causal attention without padding (see Attention).
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const at::Tensor& x, const at::Tensor& cos,
                                                const at::Tensor& sin,
                                                const c10::optional<at::Tensor>& allowed,
                                                const Impl* impl, int64_t layer) {
    ctx->save_for_backward({x, cos, sin});
    ctx->saved_data["allowed"] = allowed;
    ctx->saved_data["impl"] = reinterpret_cast<int64_t>(impl);
    ctx->saved_data["layer"] = layer;
    at::Generator generator = at::globalContext().defaultGenerator(x.device());
    ctx->saved_data["rng"] = generator.get_state();
    return {impl->Layer(layer, x, cos, sin, allowed.has_value() ? *allowed : at::Tensor())};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto* impl = reinterpret_cast<const Impl*>(ctx->saved_data["impl"].toInt());
    const int64_t layer = ctx->saved_data["layer"].toInt();
    torch::autograd::variable_list saved = ctx->get_saved_variables();
    at::Tensor x = saved[0].detach().requires_grad_(true);
    at::Generator generator = at::globalContext().defaultGenerator(x.device());
    at::Tensor now = generator.get_state();
    generator.set_state(ctx->saved_data["rng"].toTensor());
    at::Tensor out;
    {
      at::AutoGradMode recording(true);
      const c10::IValue& allowed = ctx->saved_data["allowed"];
      out = impl->Layer(layer, x, saved[1], saved[2],
                        allowed.isNone() ? at::Tensor() : allowed.toTensor());
    }
    generator.set_state(now);
    torch::autograd::backward({out}, {grad[0]});
    return {x.grad(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor Qwen3Model::Impl::Layer(int64_t layer, const at::Tensor& x, const at::Tensor& cos,
                                   const at::Tensor& sin, const at::Tensor& allowed,
                                   const Call* call) const {
  const double eps = config.rms_norm_eps;
  at::Tensor h = RmsNorm(x, W(LayerName(layer, "input_layernorm.weight")), eps);
  at::Tensor y = x + Attention(layer, h, cos, sin, allowed, call);
  h = RmsNorm(y, W(LayerName(layer, "post_attention_layernorm.weight")), eps);
  at::Tensor gate = Proj(LayerName(layer, "mlp.gate_proj"), h, call);
  at::Tensor up = Proj(LayerName(layer, "mlp.up_proj"), h, call);
  return y + Proj(LayerName(layer, "mlp.down_proj"), at::silu(gate) * up, call);
}

at::Tensor Qwen3Model::Impl::Attention(int64_t layer, const at::Tensor& h, const at::Tensor& cos,
                                       const at::Tensor& sin, const at::Tensor& allowed,
                                       const Call* call) const {
  const Qwen3Config& c = config;
  const int64_t b = h.size(0), t = h.size(1), d = c.head_dim;
  auto name = [layer](std::string_view rest) { return LayerName(layer, rest); };
  at::Tensor q = Proj(name("self_attn.q_proj"), h, call).view({b, t, -1, d});
  at::Tensor k = Proj(name("self_attn.k_proj"), h, call).view({b, t, -1, d});
  at::Tensor v = Proj(name("self_attn.v_proj"), h, call).view({b, t, -1, d});
  q = RmsNorm(q, W(name("self_attn.q_norm.weight")), c.rms_norm_eps).transpose(1, 2);
  k = RmsNorm(k, W(name("self_attn.k_norm.weight")), c.rms_norm_eps).transpose(1, 2);
  v = v.transpose(1, 2);
  // RoPE after the q/k norms; cos/sin are [B, 1, T, D].
  q = q * cos + RotateHalf(q) * sin;
  k = k * cos + RotateHalf(k) * sin;
  if (call != nullptr && call->cache != nullptr) {
    at::Tensor keys, values;
    call->cache->Update(layer, k, v, &keys, &values);
    at::Tensor out = CachedAttention(q, keys, values, allowed,
                                     1.0 / std::sqrt(static_cast<double>(d)));
    out = out.transpose(1, 2).reshape({b, t, c.num_attention_heads * d});
    return Proj(name("self_attn.o_proj"), out, call);
  }
  const int64_t groups = c.num_attention_heads / c.num_key_value_heads;
  if (groups > 1) {
    k = k.repeat_interleave(groups, /*dim=*/1);
    v = v.repeat_interleave(groups, /*dim=*/1);
  }
  at::Tensor out;
#if TORCH_VERSION_MAJOR >= 2
  if (!allowed.defined()) {
    // Plain causal attention: the flash kernel where the device has it.
    out = at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0,
                                           /*is_causal=*/true);
  } else {
    // The fused kernel with a mask (memory-efficient where the device has it). Masked
    // entries get the dtype's minimum, as transformers does (a padding query stays
    // finite).
    const double lowest = q.scalar_type() == at::kHalf ? -65504.0
                                                       : std::numeric_limits<float>::lowest();
    at::Tensor mask = at::zeros(allowed.sizes(), q.options())
                          .masked_fill(allowed.logical_not(), lowest)
                          .unsqueeze(1);
    out = at::scaled_dot_product_attention(q, k, v, mask);
  }
#else
  out = EagerCausalAttention(q, k, v, allowed, 1.0 / std::sqrt(static_cast<double>(d)));
#endif
  out = out.transpose(1, 2).reshape({b, t, c.num_attention_heads * d});
  return Proj(name("self_attn.o_proj"), out, call);
}

at::Tensor Qwen3Model::Impl::Hidden(const at::Tensor& ids, const ForwardOptions& options) const {
  const Qwen3Config& c = config;
  const int64_t b = ids.size(0), t = ids.size(1);
  at::Tensor input = ids.to(device, at::kLong);
  at::Tensor x = at::embedding(W("model.embed_tokens.weight"), input);

  Call call;
  if (options.row_adapters != nullptr) {
    const std::vector<const LoraAdapters*>& rows = *options.row_adapters;
    TORCH_CHECK(static_cast<int64_t>(rows.size()) == b, "row_adapters has ", rows.size(),
                " entries for a batch of ", b);
    call.override_lora = true;
    if (std::all_of(rows.begin(), rows.end(), [&](const LoraAdapters* a) { return a == rows[0]; })) {
      call.uniform = rows[0];
    } else {
      std::vector<std::pair<const LoraAdapters*, std::vector<int64_t>>> groups;
      for (int64_t r = 0; r < b; ++r) {
        if (rows[r] == nullptr) continue;
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.first == rows[r]; });
        if (it == groups.end()) it = groups.insert(groups.end(), {rows[r], {}});
        it->second.push_back(r);
      }
      for (const auto& [adapters, index] : groups) {
        call.groups.push_back(
            {adapters, at::tensor(index, at::TensorOptions().dtype(at::kLong)).to(device)});
      }
    }
  }
  call.cache = options.kv_cache;

  at::Tensor token_mask;  // [B, T] bool
  if (options.attention_mask != nullptr) token_mask = options.attention_mask->to(device).ne(0);
  at::Tensor positions;
  at::Tensor cached_allowed;  // with a KV cache: [B, T, S]
  if (call.cache != nullptr) {
    TORCH_CHECK(options.attention_mask == nullptr && options.segment_ids == nullptr,
                "a KV-cache forward takes neither attention_mask nor segment_ids");
    const at::TensorOptions longs = at::TensorOptions().dtype(at::kLong);
    std::vector<int64_t> past = call.cache->lengths();
    if (past.empty()) past.assign(b, 0);
    TORCH_CHECK(static_cast<int64_t>(past.size()) == b, "KV cache has ", past.size(),
                " rows for a batch of ", b);
    const int64_t s = *std::max_element(past.begin(), past.end()) + t;
    at::Tensor slots = at::tensor(past, longs).unsqueeze(1) + at::arange(t, longs).unsqueeze(0);
    cached_allowed = at::arange(s, longs).view({1, 1, s}).le(slots.unsqueeze(2)).to(device);
    slots = slots.to(device);
    positions = options.position_ids != nullptr ? options.position_ids->to(device, at::kLong)
                                                : slots;
  } else if (options.position_ids != nullptr) {
    positions = options.position_ids->to(device, at::kLong);
  } else if (token_mask.defined()) {
    positions = (token_mask.to(at::kLong).cumsum(-1) - 1).clamp_min(0);
  } else {
    positions = at::arange(t, at::TensorOptions().dtype(at::kLong).device(device))
                    .unsqueeze(0)
                    .expand({b, t});
  }
  // RoPE tables in fp32, then the activation dtype.
  at::Tensor inv_freq =
      1.0 / at::pow(c.rope_theta, at::arange(0, c.head_dim, 2, at::TensorOptions()
                                                                  .dtype(at::kFloat)
                                                                  .device(device)) /
                                      static_cast<double>(c.head_dim));
  at::Tensor freqs = positions.to(at::kFloat).unsqueeze(-1) * inv_freq;  // [B, T, D/2]
  at::Tensor emb = at::cat({freqs, freqs}, -1);
  at::Tensor cos = emb.cos().to(dtype).unsqueeze(1);
  at::Tensor sin = emb.sin().to(dtype).unsqueeze(1);

  // Which keys each query may see, [B, T, T]: causal, no padding keys, same segment.
  // Left undefined where the fused kernel can do plain causal attention by itself
  // (libtorch >= 2, no padding, no packed rows).
  at::Tensor allowed = cached_allowed;
  bool plain_causal = false;
#if TORCH_VERSION_MAJOR >= 2
  plain_causal = options.segment_ids == nullptr &&
                 (!token_mask.defined() || token_mask.all().item<bool>());
#endif
  if (!plain_causal && call.cache == nullptr) {
    allowed = at::ones({t, t}, at::TensorOptions().dtype(at::kBool).device(device))
                  .tril()
                  .unsqueeze(0)
                  .expand({b, t, t});
    if (token_mask.defined()) allowed = allowed & token_mask.unsqueeze(1);
    if (options.segment_ids != nullptr) {
      at::Tensor seg = options.segment_ids->to(device);
      allowed = allowed & seg.unsqueeze(2).eq(seg.unsqueeze(1));
    }
  }

  // The checkpointed layer cannot keep a per-call context for backward.
  const bool checkpoint = gradient_checkpointing && at::GradMode::is_enabled() &&
                          call.cache == nullptr && !call.override_lora;
  // With a frozen embedding nothing before the first layer records gradients; the
  // checkpointed layers need an input that does, or backward would never reach them.
  if (checkpoint && !x.requires_grad()) x = x.detach().requires_grad_(true);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    if (checkpoint) {
      c10::optional<at::Tensor> mask;
      if (allowed.defined()) mask = allowed;
      x = CheckpointedLayer::apply(x, cos, sin, mask, this, i)[0];
    } else {
      x = Layer(i, x, cos, sin, allowed, &call);
    }
  }
  if (call.cache != nullptr) call.cache->Advance(t);
  return RmsNorm(x, W("model.norm.weight"), c.rms_norm_eps);
}

Qwen3Model::Qwen3Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Qwen3Model::~Qwen3Model() = default;

const Qwen3Config& Qwen3Model::config() const { return impl_->config; }

std::vector<LinearModule> Qwen3Model::LinearModules() const {
  return Qwen3LinearModules(impl_->config);
}

std::vector<LinearModule> Qwen3LinearModules(const Qwen3Config& config) {
  std::vector<LinearModule> out;
  for (const auto& [name, shape] : ExpectedWeights(config)) {
    if (shape.size() != 2 || name.find("model.layers.") != 0) continue;
    out.push_back({name.substr(0, name.size() - std::string_view(".weight").size()), shape[1],
                   shape[0]});
  }
  return out;
}

void Qwen3Model::SetLora(std::shared_ptr<const LoraAdapters> lora) { impl_->lora = std::move(lora); }
const LoraAdapters* Qwen3Model::lora() const { return impl_->lora.get(); }
void Qwen3Model::SetTraining(bool training) { impl_->training = training; }
void Qwen3Model::SetGradientCheckpointing(bool on) { impl_->gradient_checkpointing = on; }

void Qwen3Model::SetBaseTrainable(bool trainable) {
  for (auto& [name, w] : impl_->weights) w.set_requires_grad(trainable);
}

absl::Status Qwen3Model::MergeLora() {
  if (!impl_->lora) return absl::FailedPreconditionError("no LoRA adapters to merge");
  at::NoGradGuard no_grad;
  for (const LinearModule& m : LinearModules()) {
    at::Tensor delta = impl_->lora->Delta(m.path);
    if (!delta.defined()) continue;
    at::Tensor& w = impl_->weights.at(m.path + ".weight");
    w.copy_((w.to(at::kFloat) + delta.to(w.device())).to(w.scalar_type()));
  }
  impl_->lora.reset();
  return absl::OkStatus();
}
const std::map<std::string, at::Tensor>& Qwen3Model::weights() const { return impl_->weights; }
std::map<std::string, at::Tensor>& Qwen3Model::mutable_weights() { return impl_->weights; }

at::Tensor Qwen3Model::Hidden(const at::Tensor& input_ids, const ForwardOptions& options) const {
  return impl_->Hidden(input_ids, options);
}

at::Tensor Qwen3Model::Logits(const at::Tensor& hidden) const {
  return at::linear(hidden, impl_->LmHead()).to(at::kFloat);
}

const at::Tensor& Qwen3Model::LmHeadWeight() const { return impl_->LmHead(); }

at::Tensor Qwen3Model::Forward(const at::Tensor& input_ids, const ForwardOptions& options) const {
  return Logits(Hidden(input_ids, options));
}

absl::StatusOr<std::unique_ptr<Qwen3Model>> Qwen3Model::RandomInit(const Qwen3Config& config,
                                                                   uint64_t seed,
                                                                   const LoadOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->dtype = ScalarTypeOf(options.dtype);
  try {
    impl->device = at::Device(options.device);
    if (impl->device.is_cpu()) {
      at::Generator gen = at::detail::createCPUGenerator(seed);
      for (const auto& [name, shape] : ExpectedWeights(config)) {
        at::Tensor w = IsNormWeight(name) ? at::ones(shape, at::kFloat)
                                          : at::normal(0.0, config.initializer_range, shape, gen, at::kFloat);
        impl->weights[name] = w.to(impl->dtype);
      }
    } else {
      // On an accelerator, drawn there (a 4B model in seconds, not minutes), from the
      // device's generator seeded with `seed`; the values differ from the CPU ones.
      at::Generator gen = at::globalContext().defaultGenerator(impl->device);
      {
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_current_seed(seed);
      }
      const at::TensorOptions on = at::TensorOptions().dtype(impl->dtype).device(impl->device);
      for (const auto& [name, shape] : ExpectedWeights(config)) {
        impl->weights[name] =
            IsNormWeight(name) ? at::ones(shape, on) : at::empty(shape, on).normal_(0.0, config.initializer_range, gen);
      }
    }
  } catch (const std::exception& e) {
    return absl::InternalError(base::StrCat("random init: ", e.what()));
  }
  return std::unique_ptr<Qwen3Model>(new Qwen3Model(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<Qwen3Model>> Qwen3Model::Load(const std::string& dir,
                                                             const LoadOptions& options) {
  TM_ASSIGN_OR_RETURN(Qwen3Config config, LoadQwen3Config(dir + "/config.json"));
  TM_ASSIGN_OR_RETURN(std::vector<std::string> paths, CheckpointFiles(dir));
  std::vector<std::unique_ptr<SafetensorsFile>> files;
  for (const std::string& path : paths) {
    TM_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(path));
    files.push_back(std::move(file));
  }
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->dtype = ScalarTypeOf(options.dtype);
  try {
    impl->device = at::Device(options.device);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(base::StrCat("device \"", options.device, "\": ", e.what()));
  }
  for (const auto& [name, shape] : ExpectedWeights(config)) {
    const SafetensorsFile* holder = nullptr;
    const TensorInfo* info = nullptr;
    for (const auto& file : files) {
      if ((info = file->Find(name)) != nullptr) {
        holder = file.get();
        break;
      }
    }
    if (info == nullptr) {
      return absl::InvalidArgumentError(base::StrCat(dir, ": tensor \"", name, "\" is missing"));
    }
    if (info->shape != shape) {
      std::string want, got;
      for (int64_t d : shape) base::StrAppend(&want, want.empty() ? "" : ", ", d);
      for (int64_t d : info->shape) base::StrAppend(&got, got.empty() ? "" : ", ", d);
      return absl::InvalidArgumentError(base::StrCat(holder->path(), ": tensor \"", name,
                                                     "\" has shape [", got, "], config.json says [",
                                                     want, "]"));
    }
    TM_ASSIGN_OR_RETURN(at::ScalarType type,
                        TorchFloatType(info->dtype, base::StrCat("tensor \"", name, "\"")));
    std::string_view bytes = holder->Data(*info);
    try {
      // from_blob views the mapping; the copy to the target dtype/device owns its data.
      at::Tensor view = at::from_blob(const_cast<char*>(bytes.data()), shape,
                                      at::TensorOptions().dtype(type));
      impl->weights[name] = view.to(impl->device, impl->dtype, /*non_blocking=*/false,
                                    /*copy=*/true);
    } catch (const std::exception& e) {
      return absl::InternalError(base::StrCat(name, ": ", e.what()));
    }
  }
  return std::unique_ptr<Qwen3Model>(new Qwen3Model(std::move(impl)));
}

absl::Status Qwen3Model::Save(const std::string& dir, WeightDType dtype) const {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(base::StrCat("cannot create ", dir, ": ", ec.message()));
  Qwen3Config config = impl_->config;
  config.torch_dtype = dtype == WeightDType::kBFloat16 ? "bfloat16"
                       : dtype == WeightDType::kFloat16 ? "float16"
                                                        : "float32";
  SafetensorsWriter writer;
  writer.SetMetadata("format", "pt");
  std::vector<at::Tensor> keep;  // the bytes AddView points at
  for (const auto& [name, weight] : impl_->weights) {
    at::Tensor cpu = weight.detach().to(at::kCPU, ScalarTypeOf(dtype)).contiguous();
    keep.push_back(cpu);
    std::vector<int64_t> shape(cpu.sizes().begin(), cpu.sizes().end());
    TM_RETURN_IF_ERROR(writer.AddView(
        name, FileDType(dtype), shape,
        std::string_view(static_cast<const char*>(cpu.data_ptr()), cpu.nbytes())));
  }
  TM_RETURN_IF_ERROR(writer.Write(dir + "/model.safetensors"));
  std::ofstream out(dir + "/config.json", std::ios::binary | std::ios::trunc);
  out << Qwen3ConfigJson(config);
  if (!out) return absl::InternalError(base::StrCat("cannot write ", dir, "/config.json"));
  return absl::OkStatus();
}

}  // namespace tracemill::model
