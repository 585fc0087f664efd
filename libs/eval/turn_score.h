// Scoring one generated assistant turn against the reference turn of an evaluation row,
// and the next-turn metrics over many turns.
//
// What a generated turn "does": it calls tools when it has tool_calls or its text holds
// <tool_call> (raw Hermes output is parsed with llm::ParseHermes, strictly: a <tool_call>
// block the parser refuses or would have to repair — e.g. cut off at max_tokens — stays in
// the text and makes the turn a parse failure). Otherwise it
// answers with its text (outside <think>). A call parses when its arguments are a JSON
// object as sent ("" is not {}).
//
// Metrics (NextTurnTally::Metrics), each a proportion with a Wilson 95% interval:
//   decision_accuracy           both call tools or both answer            n: scored rows
//   tool_call_parse_rate        every call attempted parses                n: turns that call
//   tool_name_accuracy          same multiset of tool names                n: reference call turns
//   tool_name_accuracy_per_call reference calls with a same-named call     n: reference calls
//   argument_match              every reference call AST-matched one to one by a
//                               generated call, and no extra calls        n: reference call turns
//   argument_match_per_call     reference calls AST-matched (arg_match.h)  n: reference calls
//   exact_match                 same calls with identical arguments (any order), or the
//                               same answer after whitespace normalisation n: scored rows
// A row the model failed to answer (endpoint error) counts as a miss in every metric
// whose n includes it, and is counted by reason. Plain values; thread-safe.
#ifndef TRACEMILL_LIBS_EVAL_TURN_SCORE_H_
#define TRACEMILL_LIBS_EVAL_TURN_SCORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/eval/eval_rows.h"
#include "libs/eval/stats.h"
#include "libs/trace/trace.h"

namespace tracemill::eval {

// A turn's tool calls as the scorer sees them.
struct TurnCalls {
  bool attempted = false;    // calls tools (or tried to)
  bool parse_failed = false; // a refused <tool_call> block, or arguments that are not an object
  bool refused_block = false; // a <tool_call> block the Hermes parser could not read
  struct Call {
    std::string name;
    bool args_ok = false;
    Json args;  // the parsed object when args_ok
  };
  std::vector<Call> calls;
  std::string answer;  // the text outside think and tool-call blocks
};
TurnCalls ExtractCalls(const trace::Message& message);

// Collapses whitespace runs to one space and trims.
std::string NormalizeWhitespace(std::string_view text);

struct TurnScore {
  std::string id;
  bool error = false;        // no generated turn (endpoint error)
  std::string error_reason;  // short: the status code name, lower case
  std::string error_message;
  bool reference_calls = false;
  int reference_call_count = 0;
  bool attempted = false;
  bool parse_ok = false;  // meaningful when attempted
  bool decision_ok = false;
  bool names_ok = false;
  int name_hits = 0;
  bool args_ok = false;
  int arg_hits = 0;
  bool exact = false;
  std::string why;  // the first mismatch, for examples

  Json ToJson() const;
};

TurnScore ScoreTurn(const EvalRow& row, const absl::StatusOr<trace::Message>& generated);

class NextTurnTally {
 public:
  void Add(const TurnScore& score);
  std::vector<Metric> Metrics() const;
  int64_t scored() const { return decision_.n; }
  int64_t errors() const { return errors_; }
  const std::map<std::string, int64_t>& errors_by_reason() const { return errors_by_reason_; }

 private:
  Proportion decision_, parse_, names_, names_per_call_, args_, args_per_call_, exact_;
  int64_t errors_ = 0;
  std::map<std::string, int64_t> errors_by_reason_;
};

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_TURN_SCORE_H_
