#include "libs/eval/stats.h"

#include <algorithm>
#include <cmath>

namespace tracemill::eval {

Interval Proportion::Wilson(double z) const {
  if (n <= 0) return {0.0, 1.0};
  const double nn = static_cast<double>(n);
  const double p = rate();
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  // At p = 0 or 1 the bound is exactly 0 or 1; rounding must not move it.
  const double low = count == 0 ? 0.0 : std::max(0.0, centre - half);
  const double high = count == n ? 1.0 : std::min(1.0, centre + half);
  return {low, high};
}

Interval DifferenceInterval(const Proportion& a, const Proportion& b, double z) {
  if (a.n <= 0 || b.n <= 0) return {-1.0, 1.0};
  const Interval ia = a.Wilson(z), ib = b.Wilson(z);
  const double pa = a.rate(), pb = b.rate();
  const double d = pb - pa;
  const double low = d - std::sqrt((pb - ib.low) * (pb - ib.low) + (ia.high - pa) * (ia.high - pa));
  const double high = d + std::sqrt((ib.high - pb) * (ib.high - pb) + (pa - ia.low) * (pa - ia.low));
  return {std::max(-1.0, low), std::min(1.0, high)};
}

Json ProportionToJson(const Proportion& p) {
  const Interval ci = p.Wilson();
  return {{"count", p.count}, {"n", p.n}, {"rate", p.rate()}, {"ci95", Json::array({ci.low, ci.high})}};
}

Json MetricToJson(const Metric& m) {
  Json j = ProportionToJson(m.value);
  j["name"] = m.name;
  j["description"] = m.description;
  return j;
}

}  // namespace tracemill::eval
