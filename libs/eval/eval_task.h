// A live-evaluation task: what the agent is asked, and how its finished trace is judged.
// The demo tasks (libs/demo) are one source; users bring their own as JSONL:
//
//   {"id": "t1", "family": "lookup", "prompt": "What is the first line of /data/a.txt ?",
//    "answer": {"contains": "Hello"},
//    "calls": [{"name": ["read_text_file", "read_file"], "arguments": {"path": "/data/a.txt"}}]}
//   {"id": "t2", "prompt": "Write OK to /data/out.txt",
//    "files": [{"path": "/data/out.txt", "equals": "OK"}],
//    "calls": [{"name": "write_file", "arguments": {"path": "/data/out.txt", "content": {"regex": "^OK\\n?$"}}}]}
//
// Keys: id and prompt (strings, required); family (a group for per-family metrics,
// default "tasks"); answer (one check or a list, all must hold): {"contains": S} (case-
// insensitive), {"equals": S} (after trimming and collapsing whitespace), {"regex": R}
// (ECMAScript, searched), {"number": N} (the answer states exactly one number, N: a
// number is a run of digits standing alone, not part of a name such as "box-4" or
// "4.txt"); files: [{"path": P, "equals": S}] or {"path": P, "contains": S}: the file
// after the run (a trailing newline is ignored by equals; each file is removed before
// every try, so an earlier try cannot pass a later one); calls: the calls a correct run
// makes, each {"name": N or [N...], "arguments": {KEY: constraint}} where a constraint is
// a JSON value (equal as JSON) or {"equals": V}, {"contains": S} or {"regex": R} on a
// string; require_calls (default false: the calls are scored as argument accuracy only;
// true: a try succeeds only if every expected call was made, so a guessed answer — a
// count, say — does not pass without the tool work); allow_echo (default false). A task needs an answer or a files check. Unknown
// keys are errors (a typo must not silently drop a check).
//
// Judging a trace (CheckTask): the run succeeds when the agent finished ("success"), its
// final message holds no unparsed <tool_call>, every answer and file check holds, every
// expected call was made when require_calls is set, and —
// unless allow_echo — the answer does not echo a tool result: it may not contain any line
// of any tool result (trimmed, at least kEchoLineChars long, compared without case) other
// than the line that holds the answer (one that contains an expected text, lies within
// one, or matches an expected pattern). An agent that pastes what the tool returned fails
// even when the expected text is somewhere inside it.
#ifndef TRACEMILL_LIBS_EVAL_EVAL_TASK_H_
#define TRACEMILL_LIBS_EVAL_EVAL_TASK_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/trace/trace.h"

namespace tracemill::eval {

inline constexpr size_t kEchoLineChars = 10;

struct AnswerCheck {
  enum class Kind { kContains, kEquals, kRegex, kNumber };
  Kind kind = Kind::kContains;
  std::string value;  // the text, pattern or number (decimal digits)
};

struct FileCheck {
  std::string path;
  std::string text;
  bool exact = true;  // equals (trailing newlines ignored); false: contains
};

struct ExpectedCall {
  std::vector<std::string> names;  // any of these; "srv__name" (a server prefix) matches "name"
  Json arguments = Json::object();  // key → constraint (see the file comment)
};

struct EvalTask {
  std::string id;
  std::string family = "tasks";
  std::string prompt;
  std::vector<AnswerCheck> answer;
  std::vector<FileCheck> files;
  std::vector<ExpectedCall> calls;
  bool require_calls = false;
  bool allow_echo = false;

  Json ToJson() const;  // the JSONL form
};

// Parses JSONL tasks ('#' lines and blank lines skipped). Errors name `where`:line and the
// key; ids must be unique.
absl::StatusOr<std::vector<EvalTask>> ParseEvalTasks(std::string_view text, std::string_view where);
absl::StatusOr<std::vector<EvalTask>> ReadEvalTasks(const std::string& path);
std::string EvalTasksToJsonl(const std::vector<EvalTask>& tasks);

// Whether `called` names `wanted`, directly or with a server prefix ("files__read_file").
bool NamesTool(std::string_view called, std::string_view wanted);

// Whether `arguments` meets every constraint of `call` (and the name matches).
bool CallMatches(const ExpectedCall& call, std::string_view name, const Json& arguments);

// The answer checks alone, on `answer` (no echo rule). `why` gets the first failure.
bool CheckAnswerText(const EvalTask& task, std::string_view answer, std::string* why);

// The line of a tool result that `answer` echoes, or "" (see the file comment).
std::string EchoedLine(const EvalTask& task, std::string_view answer, const std::vector<std::string>& tool_results);

// The whole verdict on a finished trace (see the file comment); `why` gets the reason for
// a failure. File checks read the files now.
bool CheckTask(const EvalTask& task, const trace::Trace& trace, std::string* why);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_EVAL_TASK_H_
