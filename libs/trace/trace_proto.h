// Conversion between the in-memory Trace and the tracemill.v1 protobuf messages that
// services exchange. The conversion is lossless: TraceFromProto(TraceToProto(t)) gives
// back t (except `source`, which is not part of the schema).
#ifndef TRACEMILL_LIBS_TRACE_TRACE_PROTO_H_
#define TRACEMILL_LIBS_TRACE_TRACE_PROTO_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/trace/trace.h"

namespace tracemill::v1 {
class Trace;
}

namespace tracemill::trace {

absl::Status TraceToProto(const Trace& trace, v1::Trace* proto);
// Fails with InvalidArgument naming the field when the proto carries an unknown role or
// malformed embedded JSON.
absl::StatusOr<Trace> TraceFromProto(const v1::Trace& proto);

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_TRACE_PROTO_H_
