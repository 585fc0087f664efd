// Bars: the minimum rates a run must reach, and which of them a run misses.
//
//   const std::vector<Bar> bars = {{"pass@1", 0.3}, {"valid_tool_use", 0.5}};
//   std::vector<std::string> missed = MissedBars(run.metrics, bars);  // empty: passes
//
// A bar on a metric the run lacks, or whose n is 0 (n/a), is missed: an evaluation that
// measured nothing passes nothing. Plain values; thread-safe.
#ifndef TRACEMILL_LIBS_EVAL_BARS_H_
#define TRACEMILL_LIBS_EVAL_BARS_H_

#include <string>
#include <vector>

#include "libs/base/json.h"
#include "libs/eval/stats.h"

namespace tracemill::eval {

struct Bar {
  std::string metric;
  double min = 0;  // the rate must be at least this
};

// One line per missed bar, e.g. "pass@1 0.25 < 0.30 (5/20)".
std::vector<std::string> MissedBars(const std::vector<Metric>& metrics, const std::vector<Bar>& bars);

// [{"metric", "min"}, ...]
Json BarsToJson(const std::vector<Bar>& bars);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_BARS_H_
