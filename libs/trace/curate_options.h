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
//     truncate_tool_results: 16000  # characters; 0 = off
//     redact: true
//     redact_emails: false
//   dedupe: true
//
// Deletions run first (their indices name messages and user turns of the input trace),
// then the other edits in the order listed, then the gates, then de-duplication, so
// duplicates are found after guidance prompts and secrets are gone.
#ifndef TRACEMILL_LIBS_TRACE_CURATE_OPTIONS_H_
#define TRACEMILL_LIBS_TRACE_CURATE_OPTIONS_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
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
  size_t truncate_tool_results = 0;
  bool redact = true;
  RedactOptions redact_options;
  bool dedupe = true;
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
