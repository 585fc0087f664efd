#include "libs/train/schedule.h"

#include <algorithm>
#include <cmath>

namespace tracemill::train {

bool ParseSchedule(std::string_view name, Schedule* schedule) {
  if (name == "constant") *schedule = Schedule::kConstant;
  else if (name == "linear") *schedule = Schedule::kLinear;
  else if (name == "cosine") *schedule = Schedule::kCosine;
  else return false;
  return true;
}

double LearningRate(Schedule schedule, double peak, int64_t step, int64_t warmup, int64_t total) {
  if (step < warmup) return peak * static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
  if (schedule == Schedule::kConstant) return peak;
  const double progress = static_cast<double>(step - warmup) /
                          static_cast<double>(std::max<int64_t>(1, total - warmup));
  if (schedule == Schedule::kLinear) return peak * std::max(0.0, 1.0 - progress);
  return peak * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
}

}  // namespace tracemill::train
