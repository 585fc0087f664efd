// A dataset directory from `tracemill unroll` turned into training examples: each row
// rendered with the model's chat template, tokenized, and masked to its target
// assistant turns (text::ChatFormat; targets the template renders differently
// mid-conversation are left as context, counted). No torch here: this target feeds
// libs/train but is not part of it, so the trainer still builds with libtorch alone.
#ifndef TRACEMILL_LIBS_TRAIN_DATASET_EXAMPLES_H_
#define TRACEMILL_LIBS_TRAIN_DATASET_EXAMPLES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/text/chat_format.h"
#include "libs/train/batch.h"

namespace tracemill::train {

struct DatasetExamples {
  std::vector<Example> train;
  std::vector<Example> eval;
  int64_t rows = 0;
  int64_t failed = 0;            // rows the template or mask refused (see errors)
  int64_t too_long = 0;          // rows over max_seq_len, left out (not cut)
  int64_t skipped_targets = 0;   // target turns left as context
  int64_t longest = 0;           // tokens of the longest row
  std::vector<std::string> errors;  // the first few refusals, "<file>:<line>: <why>"
};

// Reads DIR/data/*.jsonl (rows with messages, tools as JSON text, target_from, split).
// `progress(done, total)` is called with bytes. Unreadable files are errors; bad rows
// are counted in `failed`.
absl::StatusOr<DatasetExamples> TokenizeDataset(
    const std::string& dir, const text::ChatFormat& format, int64_t max_seq_len,
    const std::function<void(uint64_t, uint64_t)>& progress = {});

}  // namespace tracemill::train

#endif  // TRACEMILL_LIBS_TRAIN_DATASET_EXAMPLES_H_
