// A minimal stand-in for absl/strings/string_view.h: absl::string_view is
// std::string_view, as in Abseil builds with ABSL_USES_STD_STRING_VIEW.
#ifndef TRACEMILL_BENCH_GPU_ABSL_SHIM_STRING_VIEW_H_
#define TRACEMILL_BENCH_GPU_ABSL_SHIM_STRING_VIEW_H_

#include <string_view>

#define ABSL_USES_STD_STRING_VIEW 1

namespace absl {
using std::string_view;
}  // namespace absl

#endif  // TRACEMILL_BENCH_GPU_ABSL_SHIM_STRING_VIEW_H_
