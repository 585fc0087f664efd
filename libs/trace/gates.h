// Validation gates for curation, after APIGen's format / execution / semantic checks.
//
// RunGates checks one trace and returns findings; it changes nothing and decides
// nothing: the curator's rules turn findings into drops and edits. Each finding names its
// gate and a check; the check names below are part of the API (the curator counts them).
//
// structure
//   empty_trace              the trace has no messages.
//   system_not_first         a system/developer message after a user, assistant or tool
//                            message.
//   first_turn_not_user      the first message that is not system/developer is not a user
//                            message.
//   missing_tool_result      an assistant tool call that no tool message answers.
//   duplicate_tool_result    a second (third, ...) tool message for one call id.
//   orphan_tool_message      a tool message whose tool_call_id matches no earlier call.
//   misplaced_tool_result    a tool message answering a call of an earlier step: a step
//                            is one assistant message and the tool messages right after
//                            it, so results must follow their call before the next
//                            assistant or user message (the OpenAI API requires this too).
//                            A misplaced result still counts as the call's result: the
//                            call is not also reported as missing_tool_result.
//   duplicate_tool_call_id   a call id used by an earlier call of the trace. Later tool
//                            messages with that id answer the most recent call.
//   empty_tool_call_id       a tool call or tool message with an empty id (not checked
//                            further for pairing).
//   empty_assistant_message  an assistant message with no content text (whitespace only
//                            counts as none), no reasoning and no tool calls.
// format (per tool call; arguments are parsed once)
//   arguments_not_json       arguments are not JSON. "" (and whitespace) counts as "{}",
//                            as some servers send it for no-argument tools.
//   arguments_not_object     arguments are JSON but not an object.
//   unknown_tool             the tool name is not in trace.tools.
//   schema_violation         arguments break the tool's `parameters` schema (only with
//                            GateOptions::check_schema); one finding per call listing the
//                            violations, or saying the schema is too complex to check (see
//                            ValidateJsonSchema).
// execution (per tool message)
//   tool_error               the tool message is an error result; Finding::kind and the
//                            message name the kind (see IsToolErrorResult).
// outcome
//   dangling_tool_call       the trace ends with a tool message or with an assistant
//                            message that has tool calls.
//   no_final_answer          the trace ends with a user/system/developer message, or with
//                            an assistant message without tool calls and without content
//                            text. Exclusive with dangling_tool_call.
//   outcome_failed           trace.outcome.status is "failure", "error" or "aborted".
//
// Messages start with the message index and name the call id and tool involved, e.g.
// `messages[5]: tool call chatcmpl-tool-1 (browser_click): missing required property
// "ref"`. Findings tied to no message (empty_trace, outcome_failed) have message_index -1
// and come last.
//
// Cost: linear in the trace (call ids in hash maps), plus schema validation per call.
// Thread-safe: no shared state.
#ifndef TRACEMILL_LIBS_TRACE_GATES_H_
#define TRACEMILL_LIBS_TRACE_GATES_H_

#include <string>
#include <string_view>
#include <vector>

#include "libs/trace/trace.h"

namespace tracemill::trace {

enum class Gate { kStructure, kFormat, kExecution, kOutcome };

// "structure", "format", "execution", "outcome".
std::string_view GateName(Gate gate);

struct Finding {
  Gate gate;
  std::string check;    // one of the check names above
  std::string message;  // "messages[i]: ..." naming the call id / tool involved
  int message_index = -1;
  // For execution findings (tool_error) the tool-error kind IsToolErrorResult gives
  // ("rejected", "not_found", "transport", "is_error", "tool_reported_error"); else empty.
  std::string kind;
};

struct GateOptions {
  // Validate tool-call arguments against the tools' JSON schemas (schema_violation).
  bool check_schema = true;
};

// Runs all four gates over the trace; returns every finding in message order (by
// message_index, then gate, then position; -1 last). Empty means clean.
std::vector<Finding> RunGates(const Trace& trace, const GateOptions& options = {});

// True if a tool message's content is an error result; then sets *kind (if not null):
//   "is_error"             the message carries `"is_error": true` or `"isError": true`
//                          (the tracemill collector marks MCP isError results this way);
//   "rejected"             "User rejected tool call." (the reference agent's text);
//   "not_found"            "Tool <name> not found" (reference agent), or a JSON-RPC error
//                          (shapes as for "transport") with code -32601 or a message
//                          "Tool <name> not found" / "Unknown tool...";
//   "transport"            "No response", or a JSON-RPC error object as the whole content,
//                          as JSON ({"code": -32000, "message": ...}) or as a Python dict
//                          repr ({'code': -32000, 'message': ...}), optionally after
//                          "Error: ";
//   "tool_reported_error"  content starting with "Error:" or "Error executing tool", or a
//                          Playwright MCP result that opens with an "### Error" section or
//                          whose "### Result" section starts with "Error:" (or a JS error
//                          name such as "TimeoutError:").
// Only these shapes count: page text or output that merely mentions an error does not.
// Returns false for messages that are not tool messages.
bool IsToolErrorResult(const Message& tool_message, std::string* kind);

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_GATES_H_
