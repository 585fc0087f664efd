#include "libs/train/batch.h"

#include <torch/torch.h>

#include <algorithm>

namespace tracemill::train {
namespace {

constexpr int64_t kIgnore = -100;

// Appends one example's tokens at row `row`, column `col` of a batch of width `len`.
void Place(const Example& e, int64_t row, int64_t col, int64_t len, int64_t segment, Batch* b) {
  for (size_t i = 0; i < e.ids.size(); ++i) {
    const int64_t at = row * len + col + static_cast<int64_t>(i);
    b->input_ids[at] = e.ids[i];
    b->labels[at] = (i < e.target.size() && e.target[i]) ? e.ids[i] : kIgnore;
    b->attention_mask[at] = 1;
    b->position_ids[at] = static_cast<int64_t>(i);
    b->segment_ids[at] = segment;
  }
  // The first token of a row is never predicted from the previous row.
  if (!e.ids.empty()) b->labels[row * len + col] = kIgnore;
  b->tokens += static_cast<int64_t>(e.ids.size());
  for (size_t i = 1; i < e.ids.size() && i < e.target.size(); ++i) b->target_tokens += e.target[i];
  ++b->examples;
}

void Allocate(int64_t rows, int64_t len, Batch* b) {
  b->rows = rows;
  b->len = len;
  const size_t n = static_cast<size_t>(rows * len);
  b->input_ids.assign(n, 0);
  b->labels.assign(n, kIgnore);
  b->attention_mask.assign(n, 0);
  b->position_ids.assign(n, 0);
  b->segment_ids.assign(n, -1);
}

}  // namespace

at::Tensor Batch::Tensor(const std::vector<int64_t>& data) const {
  return torch::from_blob(const_cast<int64_t*>(data.data()), {rows, len}, torch::kLong).clone();
}

Batch PadBatch(const std::vector<const Example*>& examples) {
  Batch b;
  int64_t len = 1;
  for (const Example* e : examples) len = std::max<int64_t>(len, e->ids.size());
  Allocate(static_cast<int64_t>(examples.size()), len, &b);
  for (size_t r = 0; r < examples.size(); ++r) Place(*examples[r], r, 0, len, 0, &b);
  return b;
}

Batch PackBatch(const std::vector<const Example*>& examples, int64_t max_len) {
  // Greedy first fit in order: sequences as lists of examples.
  std::vector<std::vector<const Example*>> sequences;
  std::vector<int64_t> used;
  for (const Example* e : examples) {
    const int64_t n = static_cast<int64_t>(e->ids.size());
    if (!sequences.empty() && used.back() + n <= max_len) {
      sequences.back().push_back(e);
      used.back() += n;
    } else {
      sequences.push_back({e});
      used.push_back(n);
    }
  }
  Batch b;
  b.packed = true;
  int64_t len = 1;
  for (int64_t u : used) len = std::max(len, u);
  Allocate(static_cast<int64_t>(sequences.size()), len, &b);
  for (size_t r = 0; r < sequences.size(); ++r) {
    int64_t col = 0;
    for (size_t s = 0; s < sequences[r].size(); ++s) {
      Place(*sequences[r][s], r, col, len, static_cast<int64_t>(s), &b);
      col += static_cast<int64_t>(sequences[r][s]->ids.size());
    }
  }
  return b;
}

}  // namespace tracemill::train
