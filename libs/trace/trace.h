// The trace model: one agent conversation as the collector recorded it.
//
// A Trace is a superset of the reference agent's log file (`timestamp`, `model`,
// `messages`, `tools`) with tracemill's own fields (`id`, `run_id`, `task_id`,
// `outcome`, `usage`, `timings`, `schema_version`, `provenance`). Messages are OpenAI
// chat messages with `reasoning_content` and `tool_calls`. Fields that tracemill does not
// know are kept in `extra` and written back unchanged, so reading and writing a trace
// loses nothing. Plain value types; not thread-safe.
#ifndef TRACEMILL_LIBS_TRACE_TRACE_H_
#define TRACEMILL_LIBS_TRACE_TRACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libs/base/json.h"

namespace tracemill::trace {

// Version written by this build. Files without `schema_version` are reference-agent
// logs and read as version 0.
inline constexpr int kSchemaVersion = 1;

enum class Role { kSystem, kDeveloper, kUser, kAssistant, kTool };

std::string_view RoleName(Role role);
// Returns false for anything but the five role names above.
bool ParseRole(std::string_view name, Role* role);

struct ToolCall {
  std::string id;
  std::string type = "function";
  std::string name;
  // The arguments as JSON text. Given as an object in the input, it is stored compact;
  // given as a string, it is stored verbatim, even when it is not valid JSON (the format
  // gate reports that).
  std::string arguments;
  Json extra = Json::object();           // unknown keys of the call object
  Json function_extra = Json::object();  // unknown keys of its `function` object
};

struct Message {
  Role role = Role::kUser;
  // Text content; nullopt when `content` was null or absent, or given as parts.
  std::optional<std::string> content;
  // OpenAI content parts (an array) when the content was given that way; else null.
  Json content_parts;
  std::optional<std::string> reasoning_content;
  std::vector<ToolCall> tool_calls;
  std::string tool_call_id;  // tool messages
  std::string name;          // optional participant / tool name
  // Set at collection time on a task-specific guidance prompt that must not be trained
  // on. Stored as `"guidance": true`.
  bool guidance = false;
  Json extra = Json::object();  // unknown keys, written back unchanged

  // The text of `content`, or the text parts of `content_parts` joined, or "".
  std::string Text() const;
};

// True for an OpenAI content part {"type": "text", "text": <string>}. Never throws, whatever
// the part holds.
bool IsTextPart(const Json& part);

struct ToolDef {
  std::string name;
  // The whole OpenAI tool object, {"type":"function","function":{name, description,
  // parameters, ...}}, key order kept. A flat {name, description, parameters} tool is
  // normalised into this shape when read.
  Json json;

  // The `function.parameters` schema, or nullptr if absent.
  const Json* parameters() const;
  std::string description() const;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  int64_t requests = 0;
  bool empty() const {
    return prompt_tokens == 0 && completion_tokens == 0 && total_tokens == 0 && requests == 0;
  }
};

struct Timings {
  std::string started_at;  // RFC 3339
  std::string ended_at;
  double duration_ms = 0;
  double model_ms = 0;
  double tool_ms = 0;
  bool empty() const {
    return started_at.empty() && ended_at.empty() && duration_ms == 0 && model_ms == 0 &&
           tool_ms == 0;
  }
};

struct Outcome {
  // "success", "failure", "error", "aborted" (a limit), "incomplete" (the agent never
  // finished: killed or crashed mid-run); "" when unknown.
  std::string status;
  std::optional<double> reward;
  std::string detail;
  bool empty() const { return status.empty() && !reward && detail.empty(); }
};

// One curation edit applied to the trace, kept so a reviewer can see what changed.
struct Provenance {
  std::string op;
  std::string detail;
  int message_index = -1;  // index at the time of the edit; -1 if not tied to a message
};

struct Trace {
  std::string id;
  std::string run_id;
  std::string task_id;
  std::string timestamp;
  std::string model;
  std::string endpoint;
  int schema_version = 0;
  Json sampling = Json::object();  // temperature, top_p, max_tokens, seed, ...
  Usage usage;
  Timings timings;
  Outcome outcome;
  std::vector<Message> messages;
  std::vector<ToolDef> tools;
  std::vector<Provenance> provenance;
  Json extra = Json::object();  // unknown top-level keys, written back unchanged

  // Where the trace was read from ("dir/file.json", "file.jsonl:12"); not serialised.
  std::string source;

  // Index into `tools` of the tool named `name`, or -1.
  int FindTool(std::string_view name) const;
  void AddProvenance(std::string op, std::string detail, int message_index = -1);
};

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_TRACE_H_
