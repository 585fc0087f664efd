// Proportions with 95% confidence intervals, the unit every evaluation metric is
// reported in.
//
//   Proportion p{.count = 31, .n = 50};
//   Interval ci = p.Wilson();          // [0.48, 0.74]
//
// The Wilson score interval behaves at 0 and at n (where the normal approximation gives
// zero width or leaves [0, 1]) and for small n; n = 0 gives rate 0 and [0, 1]. The
// difference of two proportions gets Newcombe's hybrid score interval (method 10), built
// from the two Wilson intervals. Plain values; thread-safe.
#ifndef TRACEMILL_LIBS_EVAL_STATS_H_
#define TRACEMILL_LIBS_EVAL_STATS_H_

#include <cstdint>
#include <string>

#include "libs/base/json.h"

namespace tracemill::eval {

// z for a two-sided 95% interval.
inline constexpr double kZ95 = 1.959963984540054;

struct Interval {
  double low = 0;
  double high = 1;
};

struct Proportion {
  int64_t count = 0;
  int64_t n = 0;

  void Add(bool hit) {
    ++n;
    count += hit ? 1 : 0;
  }
  double rate() const { return n > 0 ? static_cast<double>(count) / static_cast<double>(n) : 0.0; }
  Interval Wilson(double z = kZ95) const;
};

// The 95% interval of b.rate() - a.rate() (Newcombe); [-1, 1] when either n is 0.
Interval DifferenceInterval(const Proportion& a, const Proportion& b, double z = kZ95);

// A named metric: what it counts, and its proportion.
struct Metric {
  std::string name;         // snake_case key, e.g. "tool_name_accuracy"
  std::string description;  // one line: what counts as a hit, and what n is
  Proportion value;
};

// {"count", "n", "rate", "ci95": [low, high]}.
Json ProportionToJson(const Proportion& p);
Json MetricToJson(const Metric& m);

}  // namespace tracemill::eval

#endif  // TRACEMILL_LIBS_EVAL_STATS_H_
