// bitsandbytes' 8-bit AdamW (AdamW8bit), ported to libtorch ops so it runs on CPU and
// CUDA alike.
//
// The two moments are stored as uint8 codes into two fixed 256-entry "dynamic" maps
// (signed for m, unsigned for v), with one fp32 absmax per block of 256 consecutive
// elements: about 2.03 bytes a parameter instead of 8. Tensors with fewer than
// min_8bit_size (4096) elements keep fp32 moments. Per step and block, all in fp32:
// dequantize; skip (and zero the moments of) elements whose gradient is NaN or Inf;
// m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²; the block's new absmax; the bias-corrected
// Adam update p += −lr·(√(1−β2ᵗ)/(1−β1ᵗ))·m/(√v + eps·√(1−β2ᵗ)); then decay
// p *= 1 − lr·wd (after the step, as bitsandbytes does); requantize to the nearest code,
// nudging m's code one step back if rounding flipped its sign.
#ifndef TRACEMILL_LIBS_TRAIN_ADAMW8BIT_H_
#define TRACEMILL_LIBS_TRAIN_ADAMW8BIT_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "libs/train/optimizer.h"

namespace tracemill::train {

// bitsandbytes' create_dynamic_map(signed, max_exponent_bits=7, total_bits=8): 256 sorted
// fp32 values in [-1, 1] (signed) or [0, 1].
at::Tensor DynamicMap(bool is_signed);

// Block-wise quantization of a flat fp32 tensor: `codes` (uint8, padded to whole blocks
// of 256) and `absmax` (fp32, one per block), on x's device. `fix_sign` applies the sign
// fix-up used for m. An all-zero block has absmax 0 and the codes of 0.
void QuantizeBlockwise(const at::Tensor& x, const at::Tensor& map, bool fix_sign,
                       at::Tensor* codes, at::Tensor* absmax);
// The first `numel` values back, fp32.
at::Tensor DequantizeBlockwise(const at::Tensor& codes, const at::Tensor& absmax,
                               const at::Tensor& map, int64_t numel);

class AdamW8bit : public Optimizer {
 public:
  AdamW8bit(const std::vector<at::Tensor>& params, const OptimizerOptions& options);
  ~AdamW8bit() override;

  void ZeroGrad() override;
  void Step(double lr) override;
  void Save(torch::serialize::OutputArchive& archive) const override;
  absl::Status Load(torch::serialize::InputArchive& archive) override;
  int64_t StateBytes() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracemill::train

#endif  // TRACEMILL_LIBS_TRAIN_ADAMW8BIT_H_
