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
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"

namespace tracemill::demo {

inline constexpr const char* kTeacherModel = "tracemill-demo-teacher";

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
absl::StatusOr<TeacherTurn> DecideNextTurn(const Json& request);

// The assistant turn as Hermes text, as a Qwen3 model writes it:
// "<think>\n…\n</think>\n\n" then the answer or <tool_call> blocks.
std::string ToHermesText(const TeacherTurn& turn);

}  // namespace tracemill::demo

#endif  // TRACEMILL_LIBS_DEMO_TEACHER_H_
