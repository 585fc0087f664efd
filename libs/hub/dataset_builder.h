// Builds a local Hugging Face dataset from traces: read (streaming) → unroll → split →
// write shards and card. Memory stays bounded by one trace and its rows.
#ifndef TRACEMILL_LIBS_HUB_DATASET_BUILDER_H_
#define TRACEMILL_LIBS_HUB_DATASET_BUILDER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libs/base/json.h"
#include "libs/hub/dataset_writer.h"
#include "libs/trace/split.h"
#include "libs/trace/trace_reader.h"
#include "libs/trace/unroll.h"

namespace tracemill::hub {

enum class SplitMethod {
  // Two passes over the input: the eval set is exactly round(ratio * traces) traces
  // (trace::ExactSplitCut). Needs re-readable inputs (not stdin).
  kExact,
  // One pass: each trace is eval with probability `ratio` (trace::AssignSplit).
  kHash,
};

struct BuildDatasetOptions {
  std::string out_dir;
  trace::UnrollMode mode = trace::UnrollMode::kPerTurn;
  trace::SplitOptions split;
  SplitMethod split_method = SplitMethod::kExact;
  DatasetWriterOptions writer;
  std::string title = "tracemill agent traces";
  std::string description;
  Json curation;  // optional curation report summary for the card
  std::function<void(uint64_t, uint64_t)> progress;  // (bytes read, total bytes)
};

struct BuildDatasetReport {
  int64_t traces = 0;
  int64_t traces_without_rows = 0;
  // Traces whose id an earlier trace already had (e.g. same-named files from two
  // collection runs): their rows share ids and a split with the earlier trace's.
  int64_t duplicate_ids = 0;
  int64_t rows = 0;
  std::map<std::string, int64_t> rows_per_split;
  std::map<std::string, int64_t> traces_per_split;
  trace::ReadSummary read;
  Json ToJson() const;
};

absl::Status BuildDataset(const std::vector<std::string>& inputs,
                          const BuildDatasetOptions& options, BuildDatasetReport* report);

}  // namespace tracemill::hub

#endif  // TRACEMILL_LIBS_HUB_DATASET_BUILDER_H_
