// The rows of a dataset directory (from `tracemill unroll`, docs/formats.md) as
// next-turn evaluation cases: the prefix before the row's final assistant message, the
// row's tools, and that final message as the reference.
//
//   TM_ASSIGN_OR_RETURN(EvalRows rows, ReadEvalRows("dataset", {.split = "eval"}));
//
// Reads DIR/data/*.jsonl in name order. A row belongs to a split by its `split` key (a
// row without one by its file name, "<split>-NNNNN-of-NNNNN.jsonl"). Bad rows never stop
// the read: a line that is not JSON, a row without messages, one whose last message is
// not an assistant turn, one whose tools or reference arguments are not valid JSON — each
// is counted under a short reason in `skipped_by_reason`, with the first few messages
// (naming file and line) in `issues`. Plain values; thread-safe.
#ifndef TRACEMILL_LIBS_EVAL_EVAL_ROWS_H_
#define TRACEMILL_LIBS_EVAL_EVAL_ROWS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/trace/trace.h"

namespace tracemill::eval {

struct EvalRow {
  std::string id;
  std::string where;  // "eval-00000-of-00001.jsonl:12"
  std::vector<trace::Message> prefix;
  std::vector<trace::ToolDef> tools;
  trace::Message reference;  // role assistant
};

struct EvalRows {
  std::vector<EvalRow> rows;
  int64_t lines = 0;        // rows seen in the split (good or bad)
  int64_t other_split = 0;  // rows of other splits, not read further
  std::map<std::string, int64_t> skipped_by_reason;
  std::vector<std::string> issues;  // the first kMaxIssues
  static constexpr size_t kMaxIssues = 50;

  int64_t skipped() const;
  Json ToJson() const;  // counts and issues (never row contents)
};

struct EvalRowsOptions {
  std::string split = "eval";
  int64_t limit = 0;  // at most this many good rows; 0: all
};

// Turns one parsed row object into a case. InvalidArgument whose message starts with the
// skip reason ("no_messages: ...", "no_final_assistant: ...", "bad_tools: ...",
// "bad_message: ...", "reference_arguments_not_json: ...").
absl::StatusOr<EvalRow> EvalRowFromJson(const Json& row, const std::string& where);

// NotFound when DIR/data is missing or has no .jsonl files; unreadable files are errors.
absl::StatusOr<EvalRows> ReadEvalRows(const std::string& dir, const EvalRowsOptions& options = {});

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_EVAL_ROWS_H_
