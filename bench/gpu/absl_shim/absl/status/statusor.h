// A minimal stand-in for absl::StatusOr<T>; see status.h beside it.
#ifndef TRACEMILL_BENCH_GPU_ABSL_SHIM_STATUSOR_H_
#define TRACEMILL_BENCH_GPU_ABSL_SHIM_STATUSOR_H_

#include <cstdlib>
#include <cstdio>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"

namespace absl {

template <typename T>
class StatusOr {
 public:
  StatusOr(const Status& status) : status_(status) { CheckNotOk(); }  // NOLINT
  StatusOr(Status&& status) : status_(std::move(status)) { CheckNotOk(); }  // NOLINT
  template <typename U = T,
            typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                        !std::is_same_v<std::decay_t<U>, Status> &&
                                        !std::is_same_v<std::decay_t<U>, StatusOr>>>
  StatusOr(U&& value) : value_(std::in_place, std::forward<U>(value)) {}  // NOLINT
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<T, U>>>
  StatusOr(StatusOr<U>&& other)  // NOLINT
      : status_(other.status()) {
    if (other.ok()) value_.emplace(std::move(other).value());
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  T& value() & { return Get(); }
  const T& value() const& { return const_cast<StatusOr*>(this)->Get(); }
  T&& value() && { return std::move(Get()); }
  T& operator*() & { return Get(); }
  const T& operator*() const& { return const_cast<StatusOr*>(this)->Get(); }
  T&& operator*() && { return std::move(Get()); }
  T* operator->() { return &Get(); }
  const T* operator->() const { return &const_cast<StatusOr*>(this)->Get(); }

 private:
  void CheckNotOk() const {
    if (status_.ok()) {
      std::fprintf(stderr, "absl shim: StatusOr made from an OK status\n");
      std::abort();
    }
  }
  T& Get() {
    if (!value_) {
      std::fprintf(stderr, "absl shim: value() of a StatusOr holding %s\n",
                   status_.ToString().c_str());
      std::abort();
    }
    return *value_;
  }
  Status status_;
  std::optional<T> value_;
};

}  // namespace absl

#endif  // TRACEMILL_BENCH_GPU_ABSL_SHIM_STATUSOR_H_
