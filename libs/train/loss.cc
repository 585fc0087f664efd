#include "libs/train/loss.h"

#include <torch/torch.h>

#include <algorithm>

namespace tracemill::train {
namespace {

// Rows per chunk: chunks of about 2^27 logits on an accelerator; on the CPU about 2^22
// (16 MB in fp32), so that the one logits buffer stays in the allocator's heap (glibc
// maps and unmaps anything over 32 MB, and every fresh page of it faults) and closer to
// the caches.
int64_t ChunkRows(int64_t chunk_rows, int64_t vocab, bool cpu) {
  if (chunk_rows > 0) return chunk_rows;
  const int64_t logits = int64_t{1} << (cpu ? 22 : 27);
  return std::max<int64_t>(cpu ? 16 : 64, logits / std::max<int64_t>(1, vocab));
}

// The loss; with `d_hidden` / `d_weight`, also its gradients with respect to them. Each
// chunk's logits go into one reused fp32 buffer and every step after the matmul works in
// place on it (max, exp, sum, then softmax − one-hot), so a chunk allocates nothing of
// its size.
at::Tensor Compute(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                   int64_t chunk_rows, at::Tensor* d_hidden, at::Tensor* d_weight) {
  const int64_t n = hidden.size(0);
  const int64_t vocab = weight.size(0);
  const int64_t rows = std::min(n, ChunkRows(chunk_rows, vocab, hidden.device().is_cpu()));
  const bool fp32 = hidden.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat;
  at::Tensor total = at::zeros({}, hidden.options().dtype(at::kFloat));
  if (d_hidden != nullptr) *d_hidden = at::empty_like(hidden);
  if (d_weight != nullptr) *d_weight = at::zeros(weight.sizes(), weight.options().dtype(at::kFloat));
  if (n == 0) return total;
  at::Tensor buffer = at::empty({rows, vocab}, hidden.options().dtype(at::kFloat));
  for (int64_t i0 = 0; i0 < n; i0 += rows) {
    const int64_t m = std::min(rows, n - i0);
    at::Tensor h = hidden.narrow(0, i0, m);
    at::Tensor y = labels.narrow(0, i0, m).unsqueeze(1);
    at::Tensor logits = buffer.narrow(0, 0, m);  // [m, vocab]
    if (fp32) {
      at::mm_out(logits, h, weight.t());
    } else {
      logits.copy_(at::linear(h, weight));  // in the hidden dtype, then fp32
    }
    at::Tensor target = logits.gather(1, y);
    at::Tensor max = std::get<0>(logits.max(1, /*keepdim=*/true));
    at::Tensor sum = logits.sub_(max).exp_().sum(1, /*keepdim=*/true);
    total += (max + sum.log() - target).sum();
    if (d_hidden == nullptr && d_weight == nullptr) continue;
    // d loss / d logits = softmax − one-hot.
    at::Tensor d_logits = logits.div_(sum);
    d_logits.scatter_add_(1, y, at::full({m, 1}, -1.0f, d_logits.options()));
    at::Tensor d = fp32 ? d_logits : d_logits.to(hidden.scalar_type());
    if (d_hidden != nullptr) {
      at::Tensor out = d_hidden->narrow(0, i0, m);
      if (fp32) {
        at::mm_out(out, d, weight);
      } else {
        out.copy_(at::matmul(d, weight));
      }
    }
    if (d_weight != nullptr) {
      if (fp32) {
        d_weight->addmm_(d.t(), h);
      } else {
        d_weight->add_(at::matmul(d.t(), h).to(at::kFloat));
      }
    }
  }
  if (d_weight != nullptr) *d_weight = d_weight->to(weight.scalar_type());
  return total;
}

struct ChunkedCrossEntropy : public torch::autograd::Function<ChunkedCrossEntropy> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const at::Tensor& hidden, const at::Tensor& weight,
                                                const at::Tensor& labels, int64_t chunk_rows) {
    at::Tensor d_hidden, d_weight;
    at::Tensor total = Compute(hidden, weight, labels, chunk_rows,
                               hidden.requires_grad() ? &d_hidden : nullptr,
                               weight.requires_grad() ? &d_weight : nullptr);
    ctx->saved_data["d_hidden"] = d_hidden;
    ctx->saved_data["d_weight"] = d_weight;
    return {total};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const at::Tensor& g = grad[0];
    at::Tensor d_hidden = ctx->saved_data["d_hidden"].toTensor();
    at::Tensor d_weight = ctx->saved_data["d_weight"].toTensor();
    return {d_hidden.defined() ? d_hidden * g.to(d_hidden.scalar_type()) : at::Tensor(),
            d_weight.defined() ? d_weight * g.to(d_weight.scalar_type()) : at::Tensor(),
            at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor CrossEntropySum(const at::Tensor& hidden, const at::Tensor& weight,
                           const at::Tensor& labels, int64_t chunk_rows) {
  if (!at::GradMode::is_enabled() || (!hidden.requires_grad() && !weight.requires_grad())) {
    at::NoGradGuard no_grad;
    return Compute(hidden, weight, labels, chunk_rows, nullptr, nullptr);
  }
  return ChunkedCrossEntropy::apply(hidden, weight, labels, chunk_rows)[0];
}

}  // namespace tracemill::train
