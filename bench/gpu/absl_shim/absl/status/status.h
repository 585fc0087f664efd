// A minimal stand-in for absl::Status, for building libs/model and libs/train on a
// machine that has PyTorch's libtorch but no Abseil (the GPU check, scripts/gpu-check.sh).
// Only what those libraries use; the real Abseil is used wherever it is installed.
#ifndef TRACEMILL_BENCH_GPU_ABSL_SHIM_STATUS_H_
#define TRACEMILL_BENCH_GPU_ABSL_SHIM_STATUS_H_

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/string_view.h"

namespace absl {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string_view message)
      : code_(code), message_(code == StatusCode::kOk ? "" : message) {}
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  std::string_view message() const { return message_; }
  std::string ToString() const {
    return ok() ? "OK" : "code " + std::to_string(static_cast<int>(code_)) + ": " + message_;
  }
  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }
  friend std::ostream& operator<<(std::ostream& out, const Status& s) { return out << s.ToString(); }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string_view m) { return {StatusCode::kInvalidArgument, m}; }
inline Status NotFoundError(std::string_view m) { return {StatusCode::kNotFound, m}; }
inline Status InternalError(std::string_view m) { return {StatusCode::kInternal, m}; }
inline Status FailedPreconditionError(std::string_view m) {
  return {StatusCode::kFailedPrecondition, m};
}
inline Status PermissionDeniedError(std::string_view m) {
  return {StatusCode::kPermissionDenied, m};
}

}  // namespace absl

#endif  // TRACEMILL_BENCH_GPU_ABSL_SHIM_STATUS_H_
