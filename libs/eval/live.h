// Live evaluation: the agent (libs/agent) runs tasks (eval_task.h) end to end against a
// model endpoint and real MCP servers, k tries per task, and every trace is judged.
//
//   auto r = RunLiveEval(config, tasks, {.tries = 3, .out_dir = "eval/traces/candidate"});
//
// Metrics, per family and overall, each a proportion with a Wilson 95% interval:
//   pass@1              tries that succeed (CheckTask: the answer and file checks hold,
//                       required calls made, no tool result echoed back, no unparsed
//                       call)                                            n: tasks x tries
//   pass^k              tasks whose k tries all succeed                 n: tasks
//   schema_valid_calls  calls that name an offered tool, whose arguments are a JSON
//                       object as sent (no repair, "" is not {}) and validate against
//                       that tool's input schema; a <tool_call> block the parser refused
//                       is an invalid call                               n: tool calls
//   valid_tool_use      traces with at least one call, every one schema-valid: unlike
//                       schema_valid_calls it is 0, not n/a, for a model that never
//                       calls                                            n: traces
//   argument_accuracy   expected calls (tasks that state them) made by some schema-valid
//                       call of the trace with a matching name and arguments
//                                                                         n: expected calls
//   tool_name_accuracy  traces (of tasks that state calls) that call every expected tool
//                       and no other: every call of the trace counts     n: traces
// Traces go to OUT_DIR/try-N (N from 1), which must be new or empty: a live evaluation
// never reuses traces. Before each try, the files the task checks are removed. Blocking;
// runs its own event loop per try (agent::Collect).
#ifndef TRACEMILL_LIBS_EVAL_LIVE_H_
#define TRACEMILL_LIBS_EVAL_LIVE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/agent/agent_config.h"
#include "libs/base/json.h"
#include "libs/eval/eval_task.h"
#include "libs/eval/stats.h"
#include "libs/trace/trace.h"

namespace tracemill::eval {

// One try of one task.
struct LiveTry {
  std::string task_id;
  std::string family;
  int try_index = 0;  // from 1
  bool passed = false;
  std::string outcome;  // the trace's outcome status
  std::string why;      // why it did not pass
  int tool_calls = 0;
  int valid_tool_calls = 0;  // schema-valid
  std::string first_invalid;  // why the first invalid call is invalid
  int expected_calls = 0;
  int matched_calls = 0;
  bool names_ok = false;  // meaningful when expected_calls > 0

  Json ToJson() const;
};

// Scores one finished trace of `task`.
LiveTry ScoreLiveTrace(const EvalTask& task, const trace::Trace& trace, int try_index);

struct LiveStats {
  int tasks = 0;
  Proportion pass_at_1, pass_all, schema_valid, valid_use, arguments, names;
};

struct LiveResult {
  int tries = 0;
  std::vector<LiveTry> attempts;  // task order, then try order
  std::map<std::string, LiveStats> families;
  LiveStats overall;
  double seconds = 0;

  // Overall pass@1, pass^k, schema_valid_calls, valid_tool_use, argument_accuracy,
  // tool_name_accuracy, then pass@1 per family ("pass@1 first_line").
  std::vector<Metric> Metrics() const;
  Json ToJson() const;  // metrics, per-family stats and every try
};

struct LiveOptions {
  int tries = 1;
  int parallel = 4;
  std::string out_dir;
  std::string run_id;  // prefix of each try's run id; "" = a new id
  // Trace ids derived from the run id and task id (needs run_id): a seeded rerun writes
  // the same trace files.
  bool derive_trace_ids = false;
};

// (tries finished, tries in all, the try just scored).
using LiveProgress = std::function<void(int, int, const LiveTry&)>;

// Fails only on bad options, a non-empty try directory, or tasks without unique ids;
// agent, endpoint and tool failures are failed tries.
absl::StatusOr<LiveResult> RunLiveEval(const agent::AgentConfig& config, const std::vector<EvalTask>& tasks,
                                       const LiveOptions& options, const LiveProgress& progress = {});

// Aggregates tries of `tasks` (exposed for tests).
LiveResult SummarizeLive(const std::vector<EvalTask>& tasks, std::vector<LiveTry> attempts, int tries);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_LIVE_H_
