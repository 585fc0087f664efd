// The scripted demo teacher: a deterministic policy — NOT a model — that solves the demo
// task family (demo_tasks.h) with real tool calls, so that the demo and the tests can
// collect traces with no model server. Given an OpenAI chat request (messages and
// tools), it decides the next assistant turn: a tool call chosen from the offered tools,
// or a final answer read from the tool results so far. Tasks it does not recognise get
// an honest final answer saying so.
//
// TeacherServer (teacher_server.h) puts it behind /v1/chat/completions, answering with
// `tool_calls` or with raw Hermes text (<think> and <tool_call> blocks in `content`), so
// both of the client's paths are exercised.
#ifndef TRACEMILL_LIBS_DEMO_TEACHER_H_
#define TRACEMILL_LIBS_DEMO_TEACHER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"

namespace tracemill::demo {

inline constexpr const char* kTeacherModel = "tracemill-demo-teacher";

// Who decides the turn. The teacher solves the tasks; the others are the cheating
// policies an honest evaluation must score low (each served under its model name):
//   kConstant  "cheat-constant": always calls read_text_file (or the first offered tool)
//              on one fixed path, whatever the task;
//   kEcho      "cheat-echo": makes the teacher's first call (the tool the prompt's wording
//              suggests, on the path it names), then answers with the tool's output
//              verbatim;
//   kCutoff    "cheat-cutoff": the teacher's turn, but as Hermes text cut off inside the
//              first call's arguments, as a model stopped at max_tokens writes it.
enum class Policy { kTeacher, kConstant, kEcho, kCutoff };
inline constexpr const char* kConstantModel = "cheat-constant";
inline constexpr const char* kEchoModel = "cheat-echo";
inline constexpr const char* kCutoffModel = "cheat-cutoff";
// The policy served under `model` (kTeacher for the teacher's name, "" or any other).
Policy PolicyForModel(std::string_view model);

struct TeacherCall {
  std::string name;  // as offered in the request's tools
  Json arguments;    // an object
};

struct TeacherTurn {
  std::string reasoning;
  std::string content;             // the final answer; empty on a tool-call turn
  std::vector<TeacherCall> calls;  // empty on a final turn
};

// The next turn for `request` (an OpenAI chat-completions body). InvalidArgument, naming
// the field, when the request is not one (no messages, a message without a role...).
absl::StatusOr<TeacherTurn> DecideNextTurn(const Json& request, Policy policy = Policy::kTeacher);

// The assistant turn as Hermes text, as a Qwen3 model writes it:
// "<think>\n…\n</think>\n\n" then the answer or <tool_call> blocks.
std::string ToHermesText(const TeacherTurn& turn);

// kCutoff's text: ToHermesText of `turn` cut halfway through its first call's arguments
// (no </tool_call>); the whole text when the turn makes no call.
std::string CutOffHermesText(const TeacherTurn& turn);

}  // namespace tracemill::demo

#endif  // TRACEMILL_LIBS_DEMO_TEACHER_H_
