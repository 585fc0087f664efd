// Trace <-> JSON, in the reference agent's format and tracemill's superset.
//
// ParseTrace accepts:
//  - the reference agent's trace file: {timestamp, model, messages, tools};
//  - tracemill's own fields: id, run_id, task_id, endpoint, sampling, usage, timings,
//    outcome, provenance, schema_version;
//  - tool-call `arguments` as a JSON string or an object; assistant content "" / "\n\n"
//    / null on tool-call turns; `reasoning_content`; content as a string, null, or an
//    array of OpenAI content parts; tools in OpenAI form or flat {name, parameters}.
// Errors are InvalidArgument and name `where` and the field path, e.g.
// "run.jsonl:12: messages[3].role: unknown role \"robot\"".
#ifndef TRACEMILL_LIBS_TRACE_TRACE_JSON_H_
#define TRACEMILL_LIBS_TRACE_TRACE_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/trace/trace.h"

namespace tracemill::trace {

// Errors from the parsers below carry a short reason ("wrong_type", "missing_field",
// "unknown_role", "unsupported_version") as a status payload under this type URL, so
// readers can count skips by reason without reading messages that hold user values.
inline constexpr char kReadReasonPayload[] = "tracemill.dev/read-reason";

absl::StatusOr<Trace> ParseTrace(const Json& json, std::string_view where);
absl::StatusOr<Trace> ParseTraceText(std::string_view text, std::string_view where);

absl::StatusOr<Message> ParseMessage(const Json& json, std::string_view where,
                                     std::string_view path);
absl::StatusOr<ToolDef> ParseToolDef(const Json& json, std::string_view where,
                                     std::string_view path);

// The OpenAI chat message: role, content (string, null or parts), reasoning_content,
// tool_calls (arguments as strings), tool_call_id, name, plus `extra`. With
// `with_marks`, tracemill's own message marks (`guidance`) are written too; dataset rows
// leave them out.
Json MessageToJson(const Message& message, bool with_marks = true);
Json ToolCallToJson(const ToolCall& call);

// The full trace in tracemill's format (schema_version = kSchemaVersion).
Json TraceToJson(const Trace& trace);

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_TRACE_JSON_H_
