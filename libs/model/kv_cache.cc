#include "libs/model/kv_cache.h"

#include <torch/torch.h>

#include <algorithm>
#include <utility>

namespace tracemill::model {
namespace {

// `t` [R, H, C, D] grown (zeros) to capacity `c` along dim 2.
at::Tensor Grown(const at::Tensor& t, int64_t c) {
  if (t.size(2) >= c) return t;
  at::Tensor out = at::zeros({t.size(0), t.size(1), c, t.size(3)}, t.options());
  out.narrow(2, 0, t.size(2)).copy_(t);
  return out;
}

}  // namespace

struct KvCache::Impl {
  int64_t layers = 0;
  int64_t rows = 0;
  std::vector<int64_t> lengths;
  std::vector<at::Tensor> keys, values;  // per layer, [rows, kv_heads, capacity, head_dim]
  // Scatter indices for the current forward (rows of unequal length), built at layer 0.
  at::Tensor row_index, slot_index;
};

KvCache::KvCache(int64_t layers) : impl_(std::make_unique<Impl>()) {
  impl_->layers = layers;
  impl_->keys.resize(layers);
  impl_->values.resize(layers);
}
KvCache::~KvCache() = default;
KvCache::KvCache(KvCache&&) noexcept = default;
KvCache& KvCache::operator=(KvCache&&) noexcept = default;

int64_t KvCache::layers() const { return impl_->layers; }
int64_t KvCache::rows() const { return impl_->rows; }
const std::vector<int64_t>& KvCache::lengths() const { return impl_->lengths; }

int64_t KvCache::bytes() const {
  int64_t n = 0;
  for (int64_t l = 0; l < impl_->layers; ++l) {
    if (impl_->keys[l].defined()) n += impl_->keys[l].nbytes() + impl_->values[l].nbytes();
  }
  return n;
}

void KvCache::Update(int64_t layer, const at::Tensor& k, const at::Tensor& v, at::Tensor* keys,
                     at::Tensor* values) {
  Impl& m = *impl_;
  const int64_t t = k.size(2);
  if (m.rows == 0) {
    m.rows = k.size(0);
    m.lengths.assign(m.rows, 0);
  }
  TORCH_CHECK(k.size(0) == m.rows, "KvCache: batch of ", k.size(0), " rows, cache has ", m.rows);
  const int64_t longest = *std::max_element(m.lengths.begin(), m.lengths.end());
  const int64_t need = longest + t;
  at::Tensor& kc = m.keys[layer];
  at::Tensor& vc = m.values[layer];
  if (!kc.defined()) {
    const int64_t c = std::max<int64_t>(need, 16);
    kc = at::zeros({m.rows, k.size(1), c, k.size(3)}, k.options());
    vc = at::zeros({m.rows, v.size(1), c, v.size(3)}, v.options());
  } else if (kc.size(2) < need) {
    const int64_t c = std::max(need, 2 * kc.size(2));
    kc = Grown(kc, c);
    vc = Grown(vc, c);
  }
  const bool equal = std::all_of(m.lengths.begin(), m.lengths.end(),
                                 [&](int64_t n) { return n == m.lengths[0]; });
  if (equal) {
    kc.narrow(2, m.lengths[0], t).copy_(k);
    vc.narrow(2, m.lengths[0], t).copy_(v);
  } else {
    if (layer == 0 || !m.row_index.defined()) {
      const at::TensorOptions longs = at::TensorOptions().dtype(at::kLong);
      at::Tensor start = at::tensor(m.lengths, longs).unsqueeze(1);      // [R, 1]
      m.slot_index = (start + at::arange(t, longs).unsqueeze(0)).to(k.device());  // [R, T]
      m.row_index = at::arange(m.rows, longs).unsqueeze(1).to(k.device());       // [R, 1]
    }
    using at::indexing::Slice;
    // Indexed [R, T, kv_heads, head_dim]: the broadcast index dims come first.
    kc.index_put_({m.row_index, Slice(), m.slot_index}, k.transpose(1, 2));
    vc.index_put_({m.row_index, Slice(), m.slot_index}, v.transpose(1, 2));
  }
  *keys = kc.narrow(2, 0, need);
  *values = vc.narrow(2, 0, need);
}

void KvCache::Advance(int64_t tokens) {
  for (int64_t& n : impl_->lengths) n += tokens;
  impl_->row_index = at::Tensor();
  impl_->slot_index = at::Tensor();
}

void KvCache::Append(KvCache&& other) {
  Impl& m = *impl_;
  Impl& o = *other.impl_;
  TORCH_CHECK(m.layers == o.layers, "KvCache::Append: ", o.layers, " layers into ", m.layers);
  if (o.rows == 0) return;
  if (m.rows == 0) {
    std::swap(impl_, other.impl_);
    other.Clear();
    return;
  }
  for (int64_t l = 0; l < m.layers; ++l) {
    const int64_t c = std::max(m.keys[l].size(2), o.keys[l].size(2));
    m.keys[l] = at::cat({Grown(m.keys[l], c), Grown(o.keys[l], c)}, 0);
    m.values[l] = at::cat({Grown(m.values[l], c), Grown(o.values[l], c)}, 0);
  }
  m.rows += o.rows;
  m.lengths.insert(m.lengths.end(), o.lengths.begin(), o.lengths.end());
  other.Clear();
}

void KvCache::Keep(const std::vector<int64_t>& rows) {
  Impl& m = *impl_;
  if (rows.empty()) {
    Clear();
    return;
  }
  bool same = static_cast<int64_t>(rows.size()) == m.rows;
  for (size_t i = 0; same && i < rows.size(); ++i) same = rows[i] == static_cast<int64_t>(i);
  if (same) return;
  std::vector<int64_t> lengths;
  for (int64_t r : rows) {
    TORCH_CHECK(r >= 0 && r < m.rows, "KvCache::Keep: no row ", r);
    lengths.push_back(m.lengths[r]);
  }
  for (int64_t l = 0; l < m.layers; ++l) {
    if (!m.keys[l].defined()) continue;
    at::Tensor index =
        at::tensor(rows, at::TensorOptions().dtype(at::kLong)).to(m.keys[l].device());
    m.keys[l] = m.keys[l].index_select(0, index);
    m.values[l] = m.values[l].index_select(0, index);
  }
  m.rows = static_cast<int64_t>(rows.size());
  m.lengths = std::move(lengths);
}

void KvCache::Clear() {
  Impl& m = *impl_;
  m.rows = 0;
  m.lengths.clear();
  for (int64_t l = 0; l < m.layers; ++l) {
    m.keys[l] = at::Tensor();
    m.values[l] = at::Tensor();
  }
  m.row_index = at::Tensor();
  m.slot_index = at::Tensor();
}

}  // namespace tracemill::model
