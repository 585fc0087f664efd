// Live evaluation: the agent (libs/agent) runs the held-out demo tasks (libs/demo) end to
// end against a model endpoint and real MCP servers, k tries per task, and every trace
// is checked with demo::CheckAnswer.
//
//   auto r = RunLiveEval(config, demo::MakeTasks(env, {.count = 20, .held_out = true}),
//                        {.tries = 3, .out_dir = "eval/traces/candidate"});
//
// A try passes when the trace's outcome is "success" and its final assistant message
// passes the task's checker (write_file tasks: the file; each task's file is removed
// before every try, so an earlier try cannot pass a later one). Per family and overall:
//   pass@1              mean success over all tries                 n: tasks x tries
//   pass^k              tasks whose k tries all pass                n: tasks
//   tool_call_validity  tool calls whose arguments are a JSON object (a refused
//                       <tool_call> block counts as an invalid call) n: tool calls
//   tool_name_accuracy  traces whose first tool call names the tool the family needs
//                       (FamilyTools; a server prefix "srv__" is allowed) n: traces
//   valid_tool_use      traces with at least one tool call, every one of them valid: unlike
//                       tool_call_validity it is 0, not n/a, for a model that never calls
//                       n: traces
// Traces go to OUT_DIR/try-N (N from 1), which must be new or empty: a live evaluation
// never reuses traces. Blocking; runs its own event loop per try (agent::Collect).
#ifndef TRACEMILL_LIBS_EVAL_LIVE_H_
#define TRACEMILL_LIBS_EVAL_LIVE_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/agent/agent_config.h"
#include "libs/base/json.h"
#include "libs/demo/demo_tasks.h"
#include "libs/eval/stats.h"
#include "libs/trace/trace.h"

namespace tracemill::eval {

// The tools a family's first call should name: page_title → browser_navigate;
// first_line, follow_note → read_text_file or read_file; count_files → list_directory;
// write_file → write_file.
std::vector<std::string> FamilyTools(std::string_view family);

// One try of one task.
struct LiveTry {
  std::string task_id;
  std::string family;
  int try_index = 0;  // from 1
  bool passed = false;
  std::string outcome;  // the trace's outcome status
  std::string why;      // why it did not pass
  std::string first_tool;  // "" when the agent called none
  bool first_tool_ok = false;
  int tool_calls = 0;
  int valid_tool_calls = 0;

  Json ToJson() const;
};

// Scores one finished trace of `task`.
LiveTry ScoreLiveTrace(const demo::DemoTask& task, const trace::Trace& trace, int try_index);

struct LiveStats {
  int tasks = 0;
  Proportion pass_at_1, pass_all, validity, first_tool, valid_use;
};

struct LiveResult {
  int tries = 0;
  std::vector<LiveTry> attempts;  // task order, then try order
  std::map<std::string, LiveStats> families;
  LiveStats overall;
  double seconds = 0;

  // Overall pass@1, pass^k, tool_call_validity, valid_tool_use, tool_name_accuracy, then pass@1 per family
  // ("pass@1 first_line").
  std::vector<Metric> Metrics() const;
  Json ToJson() const;  // metrics, per-family stats and every try
};

struct LiveOptions {
  int tries = 1;
  int parallel = 4;
  std::string out_dir;
  std::string run_id;  // prefix of each try's run id; "" = a new id
};

// (tries finished, tries in all, the try just scored).
using LiveProgress = std::function<void(int, int, const LiveTry&)>;

// Fails only on bad options, a non-empty try directory, or tasks without ids; agent,
// endpoint and tool failures are failed tries.
absl::StatusOr<LiveResult> RunLiveEval(const agent::AgentConfig& config, const std::vector<demo::DemoTask>& tasks,
                                       const LiveOptions& options, const LiveProgress& progress = {});

// Aggregates tries of `tasks` (exposed for tests).
LiveResult SummarizeLive(const std::vector<demo::DemoTask>& tasks, std::vector<LiveTry> attempts, int tries);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_LIVE_H_
