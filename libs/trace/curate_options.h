// What `tracemill curate` does to each trace, and the YAML rules file that configures it.
//
// Rules file (every key optional; unknown keys are errors naming the line):
//
//   gates:
//     check_schema: true            # validate tool-call arguments against tool schemas
//     drop_on: [structure, format, outcome]   # gates whose findings drop a trace; [none]
//     on_tool_error: keep           # keep | drop  (execution gate)
//   edits:
//     drop_guidance: true           # messages marked guidance, or matching a text below
//     guidance_texts: ["You are a browser agent..."]
//     guidance_files: [guidance_prompt.txt]   # relative to the rules file
//     delete_messages: ["<trace id>:<message index>"]
//     delete_user_turns: ["<trace id>:<0-based user turn>"]
//     merge_user_turns: false
//     merge_separator: "\n\n"
//     drop_reasoning: false         # strip assistant reasoning (a non-thinking student)
//     truncate_tool_results: 16000  # characters; 0 = off
//     truncate_tool_results_tokens: 4000   # model tokens (needs --model); 0 = off
//     redact: true
//     redact_emails: false
//   dedupe: true
//   tokens:                         # counted with the model's template + tokenizer (--model)
//     max_tokens: 32768             # a trace whose full rendering is longer ...
//     over_max_tokens: drop         # ... is dropped, or only counted: report
//
// Deletions run first (their indices name messages and user turns of the input trace),
// then the other edits in the order listed, then the gates, then de-duplication, so
// duplicates are found after guidance prompts and secrets are gone.
#ifndef TRACEMILL_LIBS_TRACE_CURATE_OPTIONS_H_
#define TRACEMILL_LIBS_TRACE_CURATE_OPTIONS_H_

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/trace/edits.h"
#include "libs/trace/gates.h"
#include "libs/trace/redact.h"

namespace tracemill::trace {

// "<trace id>:<index>"; the id may itself contain ':' (the last one separates).
struct MessageRef {
  std::string trace_id;
  int index = 0;
};
absl::StatusOr<MessageRef> ParseMessageRef(std::string_view text);

enum class ToolErrorPolicy { kKeep, kDrop };

struct CurateOptions {
  GateOptions gates;
  std::set<Gate> drop_on = {Gate::kStructure, Gate::kFormat, Gate::kOutcome};
  ToolErrorPolicy on_tool_error = ToolErrorPolicy::kKeep;

  bool drop_guidance = true;
  std::vector<std::string> guidance_texts;
  std::vector<MessageRef> delete_messages;
  std::vector<MessageRef> delete_user_turns;
  bool merge_user_turns = false;
  std::string merge_separator = "\n\n";
  bool drop_reasoning = false;
  size_t truncate_tool_results = 0;
  bool redact = true;
  RedactOptions redact_options;
  bool dedupe = true;

  // Token-aware curation. These need `tokens` and `count_trace_tokens`, which the CLI
  // binds to a model's tokenizer and chat template (libs/text); without them they are
  // ignored, so callers must check token_rules_need_model().
  size_t truncate_tool_results_tokens = 0;  // after the character truncation
  size_t max_tokens = 0;                     // 0 = no limit
  bool drop_over_max_tokens = true;          // false: count them in the report, keep them
  TokenCounter tokens;
  // Tokens of the trace rendered as one full row (all messages, its tools).
  std::function<absl::StatusOr<size_t>(const Trace&)> count_trace_tokens;

  bool token_rules_need_model() const {
    return truncate_tool_results_tokens > 0 || max_tokens > 0;
  }
};

// Parses rules YAML over `base` (keys absent from the file keep their value in `base`).
// `where` names the file in errors; `dir` resolves guidance_files.
absl::StatusOr<CurateOptions> ParseCurateRules(std::string_view yaml, std::string_view where,
                                               const std::string& dir,
                                               const CurateOptions& base = {});
absl::StatusOr<CurateOptions> LoadCurateRules(const std::string& path,
                                              const CurateOptions& base = {});

bool ParseGateName(std::string_view name, Gate* gate);

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_CURATE_OPTIONS_H_
