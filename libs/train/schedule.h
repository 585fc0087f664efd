// Learning-rate schedules: constant, linear decay or cosine decay to zero, each after a
// linear warmup from 0, as transformers' get_*_schedule_with_warmup.
#ifndef TRACEMILL_LIBS_TRAIN_SCHEDULE_H_
#define TRACEMILL_LIBS_TRAIN_SCHEDULE_H_

#include <cstdint>
#include <string_view>

namespace tracemill::train {

enum class Schedule { kConstant, kLinear, kCosine };

// false for other names.
bool ParseSchedule(std::string_view name, Schedule* schedule);

// The learning rate at optimizer step `step` (0-based) of `total` steps.
double LearningRate(Schedule schedule, double peak, int64_t step, int64_t warmup, int64_t total);

}  // namespace tracemill::train

#endif  // TRACEMILL_LIBS_TRAIN_SCHEDULE_H_
