#include "libs/train/adamw8bit.h"

#include <torch/torch.h>

#include <cfloat>
#include <cmath>
#include <string>

#include "libs/base/str_cat.h"

namespace tracemill::train {
namespace {

constexpr int64_t kBlock = 256;

int64_t Blocks(int64_t numel) { return (numel + kBlock - 1) / kBlock; }

// x flattened, fp32, zero-padded to whole blocks, viewed [blocks, 256].
at::Tensor Blocked(const at::Tensor& x) {
  at::Tensor flat = x.reshape({-1}).to(at::kFloat);
  const int64_t pad = Blocks(flat.numel()) * kBlock - flat.numel();
  if (pad > 0) flat = at::constant_pad_nd(flat, {0, pad}, 0.0);
  return flat.view({-1, kBlock});
}

// The boundaries between neighbouring codes: a value goes to the code whose boundaries
// enclose it (nearest code).
at::Tensor Midpoints(const at::Tensor& map) {
  return (map.narrow(0, 0, map.numel() - 1) + map.narrow(0, 1, map.numel() - 1)) / 2.0;
}

// The two maps and their midpoints on one device.
struct Maps {
  at::Tensor m, v, m_mids, v_mids;
  static Maps On(const at::Device& device) {
    Maps maps;
    maps.m = DynamicMap(/*is_signed=*/true).to(device);
    maps.v = DynamicMap(/*is_signed=*/false).to(device);
    maps.m_mids = Midpoints(maps.m);
    maps.v_mids = Midpoints(maps.v);
    return maps;
  }
};

// [blocks, 256] fp32 → codes and absmax, using precomputed midpoints.
void Quantize(const at::Tensor& blocks, const at::Tensor& map, const at::Tensor& mids,
              bool fix_sign, at::Tensor* codes, at::Tensor* absmax) {
  *absmax = blocks.abs().amax(1);
  // A zero block divides 0 by the smallest normal float: 0, the code of 0.
  at::Tensor normed = blocks / absmax->clamp_min(FLT_MIN).unsqueeze(1);
  at::Tensor c = at::bucketize(normed, mids);
  if (fix_sign) {
    at::Tensor q = map.index_select(0, c.reshape({-1})).view_as(c);
    at::Tensor flipped = q.signbit().ne(normed.signbit());
    at::Tensor back = normed.gt(0).to(at::kLong) * 2 - 1;  // +1 for positive, −1 otherwise
    c = c + flipped.to(at::kLong) * back;
  }
  *codes = c.to(at::kByte).reshape({-1});
}

at::Tensor Dequantize(const at::Tensor& codes, const at::Tensor& absmax, const at::Tensor& map) {
  return map.index_select(0, codes.to(at::kLong)).view({-1, kBlock}) * absmax.unsqueeze(1);
}

}  // namespace

at::Tensor DynamicMap(bool is_signed) {
  // Exponent k = 0..6 covers [0.1, 1]·10^(k−6) with the midpoints of an even split: 2^k
  // of them per sign (signed), 2^(k+1) (unsigned); then 0 and 1.
  constexpr int kExponentBits = 7;
  std::vector<at::Tensor> parts;
  for (int k = 0; k < kExponentBits; ++k) {
    const int64_t items = is_signed ? (int64_t{1} << k) + 1 : (int64_t{1} << (k + 1)) + 1;
    at::Tensor bounds = at::linspace(0.1, 1.0, items, at::kFloat);
    at::Tensor means = (bounds.narrow(0, 0, items - 1) + bounds.narrow(0, 1, items - 1)) / 2.0;
    const double scale = std::pow(10.0, k - (kExponentBits - 1));
    parts.push_back(means * scale);
    if (is_signed) parts.push_back(means * -scale);
  }
  parts.push_back(at::zeros({1}, at::kFloat));
  parts.push_back(at::ones({1}, at::kFloat));
  return std::get<0>(at::cat(parts).sort());
}

void QuantizeBlockwise(const at::Tensor& x, const at::Tensor& map, bool fix_sign,
                       at::Tensor* codes, at::Tensor* absmax) {
  at::NoGradGuard no_grad;
  at::Tensor m = map.to(x.device(), at::kFloat);
  Quantize(Blocked(x), m, Midpoints(m), fix_sign, codes, absmax);
}

at::Tensor DequantizeBlockwise(const at::Tensor& codes, const at::Tensor& absmax,
                               const at::Tensor& map, int64_t numel) {
  at::NoGradGuard no_grad;
  return Dequantize(codes, absmax, map.to(codes.device(), at::kFloat)).reshape({-1}).narrow(0, 0, numel);
}

struct AdamW8bit::Impl {
  struct State {
    at::Tensor param;
    int64_t step = 0;
    bool quantized = false;
    at::Tensor m, v;                // fp32 moments (small tensors)
    at::Tensor m_codes, v_codes;    // uint8, [blocks·256]
    at::Tensor m_absmax, v_absmax;  // fp32, [blocks]
  };
  OptimizerOptions options;
  std::vector<State> states;
  std::vector<std::pair<at::Device, Maps>> maps;  // per device

  const Maps& MapsOn(const at::Device& device) {
    for (const auto& [d, m] : maps) {
      if (d == device) return m;
    }
    maps.emplace_back(device, Maps::On(device));
    return maps.back().second;
  }

  void Update(State& s, double lr);
};

void AdamW8bit::Impl::Update(State& s, double lr) {
  const OptimizerOptions& o = options;
  const int64_t n = s.param.numel();
  const at::TensorOptions f32 = at::TensorOptions().dtype(at::kFloat).device(s.param.device());
  if (s.step == 0) {
    s.quantized = n >= o.min_8bit_size;
    if (s.quantized) {
      // As bitsandbytes: codes 0 and absmax 0, i.e. moments of 0.
      s.m_codes = at::zeros({Blocks(n) * kBlock}, f32.dtype(at::kByte));
      s.v_codes = at::zeros({Blocks(n) * kBlock}, f32.dtype(at::kByte));
      s.m_absmax = at::zeros({Blocks(n)}, f32);
      s.v_absmax = at::zeros({Blocks(n)}, f32);
    } else {
      s.m = at::zeros({n}, f32);
      s.v = at::zeros({n}, f32);
    }
  }
  ++s.step;
  const Maps* maps = s.quantized ? &MapsOn(s.param.device()) : nullptr;
  at::Tensor g, p, m, v;
  if (s.quantized) {
    g = Blocked(s.param.grad());
    p = Blocked(s.param.detach());
    m = Dequantize(s.m_codes, s.m_absmax, maps->m);
    v = Dequantize(s.v_codes, s.v_absmax, maps->v);
  } else {
    g = s.param.grad().reshape({-1}).to(at::kFloat);
    p = s.param.detach().reshape({-1}).to(at::kFloat);
    m = s.m;
    v = s.v;
  }
  // A NaN or Inf gradient zeroes that element's moments and leaves it as it is.
  at::Tensor finite = g.isfinite();
  at::Tensor g0 = at::where(finite, g, at::zeros({}, f32));
  m = at::where(finite, m * o.beta1 + g0 * (1.0 - o.beta1), at::zeros({}, f32));
  v = at::where(finite, v * o.beta2 + g0 * g0 * (1.0 - o.beta2), at::zeros({}, f32));
  const double c1 = 1.0 - std::pow(o.beta1, static_cast<double>(s.step));
  const double c2 = std::sqrt(1.0 - std::pow(o.beta2, static_cast<double>(s.step)));
  const double step_size = -lr * c2 / c1;
  at::Tensor updated = p + (m / (v.sqrt() + c2 * o.eps)) * step_size;
  if (o.weight_decay > 0) updated = updated * (1.0 - lr * o.weight_decay);
  updated = at::where(finite, updated, p);
  s.param.detach().copy_(updated.reshape({-1}).narrow(0, 0, n).view_as(s.param));
  if (s.quantized) {
    Quantize(m, maps->m, maps->m_mids, /*fix_sign=*/true, &s.m_codes, &s.m_absmax);
    Quantize(v, maps->v, maps->v_mids, /*fix_sign=*/false, &s.v_codes, &s.v_absmax);
  } else {
    s.m = m;
    s.v = v;
  }
}

AdamW8bit::AdamW8bit(const std::vector<at::Tensor>& params, const OptimizerOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  for (const at::Tensor& p : params) impl_->states.push_back({.param = p});
}

AdamW8bit::~AdamW8bit() = default;

void AdamW8bit::ZeroGrad() {
  for (Impl::State& s : impl_->states) {
    if (s.param.grad().defined()) s.param.mutable_grad().reset();
  }
}

void AdamW8bit::Step(double lr) {
  at::NoGradGuard no_grad;
  for (Impl::State& s : impl_->states) {
    if (s.param.grad().defined()) impl_->Update(s, lr);
  }
}

void AdamW8bit::Save(torch::serialize::OutputArchive& archive) const {
  for (size_t i = 0; i < impl_->states.size(); ++i) {
    const Impl::State& s = impl_->states[i];
    if (s.step == 0) continue;
    auto key = [i](const char* what) { return base::StrCat(what, "_", i); };
    archive.write(key("step"), at::tensor(s.step, at::kLong));
    if (s.quantized) {
      archive.write(key("m_codes"), s.m_codes.cpu());
      archive.write(key("v_codes"), s.v_codes.cpu());
      archive.write(key("m_absmax"), s.m_absmax.cpu());
      archive.write(key("v_absmax"), s.v_absmax.cpu());
    } else {
      archive.write(key("m"), s.m.cpu());
      archive.write(key("v"), s.v.cpu());
    }
  }
}

absl::Status AdamW8bit::Load(torch::serialize::InputArchive& archive) {
  for (size_t i = 0; i < impl_->states.size(); ++i) {
    Impl::State& s = impl_->states[i];
    auto key = [i](const char* what) { return base::StrCat(what, "_", i); };
    // Each read needs a fresh tensor.
    auto read = [&](const char* what, at::Tensor* out) {
      at::Tensor t;
      if (!archive.try_read(key(what), t)) return false;
      *out = t.to(s.param.device());
      return true;
    };
    at::Tensor step;
    if (!read("step", &step)) continue;  // no step taken yet
    s.step = step.item<int64_t>();
    const int64_t n = s.param.numel();
    s.quantized = n >= impl_->options.min_8bit_size;
    bool ok;
    if (s.quantized) {
      ok = read("m_codes", &s.m_codes) && read("v_codes", &s.v_codes) &&
           read("m_absmax", &s.m_absmax) && read("v_absmax", &s.v_absmax) &&
           s.m_codes.numel() == Blocks(n) * kBlock && s.m_absmax.numel() == Blocks(n);
    } else {
      ok = read("m", &s.m) && read("v", &s.v) && s.m.numel() == n;
    }
    if (!ok) {
      return absl::InvalidArgumentError(base::StrCat(
          "8-bit AdamW state of tensor ", i, " is missing or has another size"));
    }
  }
  return absl::OkStatus();
}

int64_t AdamW8bit::StateBytes() const {
  int64_t bytes = 0;
  for (const Impl::State& s : impl_->states) {
    for (const at::Tensor* t : {&s.m, &s.v, &s.m_codes, &s.v_codes, &s.m_absmax, &s.v_absmax}) {
      if (t->defined()) bytes += static_cast<int64_t>(t->nbytes());
    }
  }
  return bytes;
}

}  // namespace tracemill::train
