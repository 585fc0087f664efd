// The training loss: the sum of next-token cross-entropy over target positions,
// computed from hidden states by chunks so that the [N, vocab] logits of a long row
// never exist at once.
//
//   at::Tensor loss = CrossEntropySum(hidden, model.LmHeadWeight(), labels);  // scalar
//   (loss / targets).backward();
//
// When gradients are being recorded, each chunk's gradient (softmax − one-hot, times the
// chunk's hidden states and the weight) is computed right away in the forward pass, as
// fused linear cross-entropy kernels do, so backward only scales it: peak memory is one
// chunk of logits plus the [N, H] gradient, and no logits are recomputed.
#ifndef TRACEMILL_LIBS_TRAIN_LOSS_H_
#define TRACEMILL_LIBS_TRAIN_LOSS_H_

#include <cstdint>

namespace at {
class Tensor;
}

namespace tracemill::train {

// hidden [N, H] (any float dtype), weight [vocab, H], labels [N] (int64, all valid).
// Logits are hidden·weightᵀ in the hidden dtype, then fp32, as the model's Logits. The
// result is an fp32 scalar. `chunk_rows` <= 0 picks chunks of about 2^22 logits on the CPU
// (one reused buffer, small enough for the heap) and 2^27 on an accelerator.
at::Tensor CrossEntropySum(const at::Tensor& hidden, const at::Tensor& weight,
                           const at::Tensor& labels, int64_t chunk_rows = 0);

}  // namespace tracemill::train

#endif  // TRACEMILL_LIBS_TRAIN_LOSS_H_
