// The dataset card: README.md of a published dataset.
//
// YAML front matter between `---` lines declares, for the Hub and `datasets`:
//  - `configs`: one `default` config whose data_files map each split present to
//    `data/<split>-*.jsonl`;
//  - `dataset_info.features`: every column exactly as trace::RowToDatasetJson writes it
//    (id, original_id, split: string; truncation_point, target_from: int32; messages:
//    list of {role, content, reasoning_content, tool_calls: list of {id, type, function:
//    {name, arguments}}, tool_call_id, name}; tools: string), so `load_dataset` casts
//    every shard to one schema.
// Split counts (`splits:`) are deliberately not declared: `datasets` verifies them
// exactly, and they are given in the body instead. The markdown body describes the rows,
// the unroll mode, the columns and how to load the data.
//
// Plain functions; thread-safe.
#ifndef TRACEMILL_LIBS_HUB_DATASET_CARD_H_
#define TRACEMILL_LIBS_HUB_DATASET_CARD_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "libs/base/json.h"

namespace tracemill::hub {

struct DatasetCardInfo {
  std::string title;        // one line; line breaks become spaces
  std::string description;  // markdown, written as given
  std::string unroll_mode;  // trace::UnrollModeName(); explained in the body
  int64_t traces = 0;
  // Splits with their row and shard counts. A split with no rows is left out of the
  // YAML configs. Split names are expected to be [A-Za-z0-9_]+ (DatasetWriter checks).
  std::map<std::string, int64_t> rows_per_split;
  std::map<std::string, int> shards_per_split;
  // Optional curation summary object, shown as JSON in the body; null for none.
  Json curation;
};

std::string RenderDatasetCard(const DatasetCardInfo& info);

// `text` as a YAML double-quoted scalar: backslash, quote, control characters and the
// Unicode line separators escaped, so any string reads back unchanged.
std::string YamlQuote(std::string_view text);

}  // namespace tracemill::hub

#endif  // TRACEMILL_LIBS_HUB_DATASET_CARD_H_
