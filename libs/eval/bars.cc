#include "libs/eval/bars.h"

#include <cstdio>

namespace tracemill::eval {

std::vector<std::string> MissedBars(const std::vector<Metric>& metrics, const std::vector<Bar>& bars) {
  std::vector<std::string> missed;
  for (const Bar& bar : bars) {
    const Metric* found = nullptr;
    for (const Metric& m : metrics) {
      if (m.name == bar.metric) found = &m;
    }
    char line[256];
    if (found == nullptr) {
      std::snprintf(line, sizeof(line), "%s: not measured (bar %.2f)", bar.metric.c_str(), bar.min);
    } else if (found->value.n == 0) {
      std::snprintf(line, sizeof(line), "%s: n/a, nothing to count (bar %.2f)", bar.metric.c_str(), bar.min);
    } else if (found->value.rate() < bar.min) {
      std::snprintf(line, sizeof(line), "%s %.2f < %.2f (%lld/%lld)", bar.metric.c_str(), found->value.rate(), bar.min,
                    static_cast<long long>(found->value.count), static_cast<long long>(found->value.n));
    } else {
      continue;
    }
    missed.push_back(line);
  }
  return missed;
}

Json BarsToJson(const std::vector<Bar>& bars) {
  Json out = Json::array();
  for (const Bar& b : bars) out.push_back({{"metric", b.metric}, {"min", b.min}});
  return out;
}

}  // namespace tracemill::eval
