// Status helpers shared by every library.
//
// Libraries return absl::Status / absl::StatusOr<T> and never let exceptions cross
// their API. These two macros keep the happy path readable:
//
//   TM_RETURN_IF_ERROR(WriteHeader(out));
//   TM_ASSIGN_OR_RETURN(auto trace, ParseTrace(line));
#ifndef TRACEMILL_LIBS_BASE_STATUS_MACROS_H_
#define TRACEMILL_LIBS_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TM_STATUS_CONCAT_INNER_(a, b) a##b
#define TM_STATUS_CONCAT_(a, b) TM_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the caller if not OK.
#define TM_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status tm_status_ = (expr);      \
    if (!tm_status_.ok()) return tm_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status if not OK, otherwise
// moves the value into `lhs`, which may be a declaration (`auto x`) or an lvalue.
#define TM_ASSIGN_OR_RETURN(lhs, rexpr) \
  TM_ASSIGN_OR_RETURN_IMPL_(TM_STATUS_CONCAT_(tm_statusor_, __LINE__), lhs, rexpr)

#define TM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)    \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // TRACEMILL_LIBS_BASE_STATUS_MACROS_H_
