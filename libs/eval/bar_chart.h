// A grouped bar chart of rates in [0, 1]: per metric, a baseline bar and a candidate bar
// side by side, each with its 95% interval as a whisker and its value above; a title, a
// legend, a y axis in percent with grid lines, and the metric names (wrapped at '_' and
// spaces) under the groups. Drawn with the built-in bitmap font. Thread-safe.
#ifndef TRACEMILL_LIBS_EVAL_BAR_CHART_H_
#define TRACEMILL_LIBS_EVAL_BAR_CHART_H_

#include <optional>
#include <string>
#include <vector>

#include "libs/eval/png.h"
#include "libs/eval/stats.h"

namespace tracemill::eval {

inline constexpr Rgb kBaselineColor{97, 125, 170};
inline constexpr Rgb kCandidateColor{230, 126, 34};

struct BarValue {
  double rate = 0;
  Interval ci;
};

struct BarGroup {
  std::string label;
  std::optional<BarValue> baseline;  // nullopt: no bar (the metric is missing)
  std::optional<BarValue> candidate;
};

struct BarChartOptions {
  std::string title;
  std::string baseline_label = "baseline";
  std::string candidate_label = "candidate";
  int plot_height = 300;  // pixels for 0..100%
};

Image RenderBarChart(const std::vector<BarGroup>& groups, const BarChartOptions& options);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_BAR_CHART_H_
