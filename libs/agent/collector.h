// Many agents at once on one event loop: `tracemill collect`.
//
//   TM_ASSIGN_OR_RETURN(auto tasks, ReadTasks("tasks.jsonl"));
//   CollectSummary s = Collect(config, tasks, {.parallel = 64, .out_dir = "traces"});
//
// Tasks whose id already has a finished trace in out_dir (outcome other than
// "incomplete") are skipped, so a rerun resumes. Traces of agents that never finished
// stay on disk marked "incomplete" and are run again.
#ifndef TRACEMILL_LIBS_AGENT_COLLECTOR_H_
#define TRACEMILL_LIBS_AGENT_COLLECTOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/agent/agent.h"
#include "libs/agent/agent_config.h"

namespace tracemill::agent {

// tasks.jsonl: one {"id": ..., "prompt": ..., "guidance"?: ...} per line (blank lines and
// lines starting with # ignored). Ids must be unique. Errors name the line.
absl::StatusOr<std::vector<AgentTask>> ReadTasks(const std::string& path);

struct CollectOptions {
  int parallel = 4;
  std::string out_dir;
  std::string run_id;  // recorded in every trace; "" = a new id
  // Trace ids derived from the run id and task id (AgentOptions::derive_trace_ids): with
  // a fixed run_id, a rerun of the same tasks writes the same trace files.
  bool derive_trace_ids = false;
};

struct CollectSummary {
  int tasks = 0;
  int skipped = 0;  // finished in an earlier run
  std::map<std::string, int> outcomes;  // status → count
  int64_t steps = 0;  // model calls
  int64_t tool_calls = 0;
  int64_t tokens = 0;
  double seconds = 0;
  std::string run_id;
};

// Progress: (finished, total to run, the trace just finished).
using CollectProgress = std::function<void(int, int, const trace::Trace&)>;

absl::StatusOr<CollectSummary> Collect(const AgentConfig& config,
                                       const std::vector<AgentTask>& tasks,
                                       const CollectOptions& options,
                                       const CollectProgress& progress = {});

}  // namespace tracemill::agent

#endif  // TRACEMILL_LIBS_AGENT_COLLECTOR_H_
