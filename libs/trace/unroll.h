// Unrolling: one trace becomes the training rows of the published dataset.
//
// The Qwen3 chat template renders `reasoning_content` only for assistant turns after the
// last real user message, so rendering a long trace once trains on no reasoning for its
// earlier steps. Unrolling emits rows that are prefixes of the trace, each ending at an
// assistant message whose reasoning the template then keeps.
//
// Modes (with k assistant messages, numbered 1..k, and u user messages, numbered 1..u):
//  - kSeed ("seed"): the reference agent's `--unroll`, exactly. For each assistant
//    message i whose directly preceding message is a user message, a prefix row ending at
//    it: id "<trace id>_trunc_<i>", truncation_point i, target_from = its index. Then the
//    full row: id "<trace id>", truncation_point 0, target_from 0. u such turns give u+1
//    rows; the numbering has gaps (e.g. 1 and 4).
//  - kPerTurn ("per-turn", the default): a row ending at every assistant message i: id
//    "<trace id>_trunc_<i>", truncation_point i, target_from = its index. k rows.
//  - kPerQuery ("per-query"): a row for every user message j that is followed by at least
//    one assistant message before the next user message. It ends at the last such
//    assistant message (tool messages after it are left out): id "<trace id>_query_<j>",
//    truncation_point = that assistant message's ordinal, target_from = (index of user
//    message j) + 1.
// Every row is a prefix of the trace, so a system prompt stays at the start of each row.
// A trace without messages gives no rows in any mode; one without assistant messages
// gives only the full row in seed mode and none otherwise.
//
// Plain functions over values; thread-safe.
#ifndef TRACEMILL_LIBS_TRACE_UNROLL_H_
#define TRACEMILL_LIBS_TRACE_UNROLL_H_

#include <string>
#include <string_view>
#include <vector>

#include "libs/base/json.h"
#include "libs/trace/trace.h"

namespace tracemill::trace {

enum class UnrollMode { kSeed, kPerTurn, kPerQuery };

// Parses "seed", "per-turn" or "per-query"; returns false (leaving *mode alone) otherwise.
bool ParseUnrollMode(std::string_view name, UnrollMode* mode);
std::string_view UnrollModeName(UnrollMode mode);

struct Row {
  std::string id;
  // The trace id, on every row (splits group by it).
  std::string original_id;
  // 1-based ordinal, among the trace's assistant messages, of the row's last assistant
  // message; 0 for a seed-mode full row.
  int truncation_point = 0;
  // Messages at index >= target_from with role assistant are the row's training targets.
  int target_from = 0;
  std::vector<Message> messages;
  std::string split;  // filled by the caller
};

// The rows of `trace` in `mode`, in trace order (seed mode: the full row last). Each row
// owns a copy of its prefix of the messages.
std::vector<Row> UnrollTrace(const Trace& trace, UnrollMode mode);

// A row described by where it ends; every row is a prefix of its trace, so this is all
// that distinguishes rows of one trace. UnrollTrace is UnrollSpans plus a copy of
// messages[0, end) per row.
struct RowSpan {
  std::string id;
  int truncation_point = 0;
  int target_from = 0;
  size_t end = 0;  // the row holds messages[0, end)
};
std::vector<RowSpan> UnrollSpans(const Trace& trace, UnrollMode mode);

// The trace's OpenAI tool list as compact JSON text: "[{"type":"function",...}, ...]",
// key order kept. Compute it once per trace and pass it to RowToDatasetJson.
std::string ToolsJsonString(const std::vector<ToolDef>& tools);

// The published form of a row, with keys in this order:
//   id, original_id, truncation_point (null when 0), target_from, split, messages, tools.
// `tools` is `tools_json` as a string. Every message has exactly the keys role, content,
// reasoning_content, tool_calls, tool_call_id, name, null where absent, so that Arrow
// infers one schema for every shard:
//  - content: the text (content parts are flattened with Message::Text()); null when the
//    message had null content;
//  - tool_calls: null when there are none, else [{id, type, function: {name, arguments}}]
//    with `arguments` as JSON text;
//  - tool_call_id, name: null when empty.
// Unknown keys (`extra`) and tracemill's marks (`guidance`) are not published.
Json RowToDatasetJson(const Row& row, const std::string& tools_json);

// Writes the published rows of one trace without copying messages: each message and the
// tool list are encoded once and shared by every row that contains them. AppendRow
// produces exactly base::DumpJson(RowToDatasetJson(row, ToolsJsonString(trace.tools))).
// Not thread-safe.
class DatasetRowEncoder {
 public:
  explicit DatasetRowEncoder(const Trace& trace);
  void AppendRow(const RowSpan& span, std::string_view split, std::string* out) const;

 private:
  std::vector<std::string> messages_;  // encoded once each
  std::string tools_literal_;          // the tool list's JSON text as a JSON string
  std::string original_id_literal_;
};

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_UNROLL_H_
