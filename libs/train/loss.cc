#include "libs/train/loss.h"

#include <torch/torch.h>

#include <algorithm>

namespace tracemill::train {
namespace {

int64_t ChunkRows(int64_t chunk_rows, int64_t vocab) {
  if (chunk_rows > 0) return chunk_rows;
  return std::max<int64_t>(64, (int64_t{1} << 27) / std::max<int64_t>(1, vocab));
}

// The loss; with `d_hidden` / `d_weight`, also its gradients with respect to them.
at::Tensor Compute(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                   int64_t chunk_rows, at::Tensor* d_hidden, at::Tensor* d_weight) {
  const int64_t n = hidden.size(0);
  const int64_t rows = ChunkRows(chunk_rows, weight.size(0));
  at::Tensor total = at::zeros({}, hidden.options().dtype(at::kFloat));
  if (d_hidden != nullptr) *d_hidden = at::empty_like(hidden);
  if (d_weight != nullptr) *d_weight = at::zeros(weight.sizes(), weight.options().dtype(at::kFloat));
  for (int64_t i0 = 0; i0 < n; i0 += rows) {
    const int64_t m = std::min(rows, n - i0);
    at::Tensor h = hidden.narrow(0, i0, m);
    at::Tensor y = labels.narrow(0, i0, m).unsqueeze(1);
    at::Tensor logits = at::linear(h, weight).to(at::kFloat);  // [m, vocab]
    at::Tensor lse = at::logsumexp(logits, 1, /*keepdim=*/true);
    total += (lse - logits.gather(1, y)).sum();
    if (d_hidden == nullptr && d_weight == nullptr) continue;
    // d loss / d logits = softmax − one-hot, computed in place over the logits.
    at::Tensor d_logits = logits.sub_(lse).exp_();
    d_logits.scatter_add_(1, y, at::full({m, 1}, -1.0f, d_logits.options()));
    at::Tensor d = d_logits.to(hidden.scalar_type());
    if (d_hidden != nullptr) d_hidden->narrow(0, i0, m).copy_(at::matmul(d, weight));
    if (d_weight != nullptr) d_weight->add_(at::matmul(d.t(), h).to(at::kFloat));
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
