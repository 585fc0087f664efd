// libFuzzer target for user task files (eval_task.h): the bytes are parsed as JSONL tasks;
// every task that parses must write back to JSON that parses to the same JSON, and its
// checks run against the input itself as the answer, a tool result and call arguments.
// Any input must give tasks or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "libs/eval/eval_task.h"

namespace te = tracemill::eval;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tasks = te::ParseEvalTasks(text, "fuzz.jsonl");
  if (!tasks.ok()) return 0;
  const std::string jsonl = te::EvalTasksToJsonl(*tasks);
  auto again = te::ParseEvalTasks(jsonl, "fuzz-roundtrip.jsonl");
  if (!again.ok() || te::EvalTasksToJsonl(*again) != jsonl) __builtin_trap();
  const std::string sample(text.substr(0, 512));
  for (const te::EvalTask& t : *tasks) {
    std::string why;
    te::CheckAnswerText(t, sample, &why);
    te::EchoedLine(t, sample, {sample});
    for (const te::ExpectedCall& c : t.calls) {
      te::CallMatches(c, c.names.front(), tracemill::Json{{"path", sample}, {"content", sample}});
    }
  }
  return 0;
}
