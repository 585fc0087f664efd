// Training examples and the batches the trainer feeds the model.
//
// An Example is a tokenized row: ids and a per-token target flag (1 where the loss
// applies: the assistant tokens ChatFormat marked). A batch is either padded (one row
// per sequence, right-padded to the longest) or packed (rows concatenated into
// sequences of at most max_len tokens, position ids restarting at 0 for each row and
// segment ids keeping attention inside a row). Labels follow transformers: the id of
// the token where it is a target, -100 elsewhere; the model predicts label[t] from
// positions < t, so the trainer shifts by one.
#ifndef TRACEMILL_LIBS_TRAIN_BATCH_H_
#define TRACEMILL_LIBS_TRAIN_BATCH_H_

#include <cstdint>
#include <vector>

namespace at {
class Tensor;
}

namespace tracemill::train {

struct Example {
  std::vector<int32_t> ids;
  std::vector<uint8_t> target;
};

struct Batch {
  // All [B, T] int64 tensors (created on the CPU; the trainer moves them).
  std::vector<int64_t> input_ids, labels, attention_mask, position_ids, segment_ids;
  int64_t rows = 0;  // B
  int64_t len = 0;   // T
  int64_t examples = 0;
  int64_t tokens = 0;         // real (non-padding) tokens
  int64_t target_tokens = 0;  // labels != -100 after the shift
  bool packed = false;

  at::Tensor Tensor(const std::vector<int64_t>& data) const;
};

// One padded batch of `examples` (pad id 0 with attention mask 0).
Batch PadBatch(const std::vector<const Example*>& examples);

// Packs `examples` greedily, in order, into sequences of at most `max_len` tokens
// (an example longer than max_len gets a sequence of its own, not cut) and returns one
// batch of those sequences.
Batch PackBatch(const std::vector<const Example*>& examples, int64_t max_len);

}  // namespace tracemill::train

#endif  // TRACEMILL_LIBS_TRAIN_BATCH_H_
