// libFuzzer target for the trace parser: arbitrary bytes as a JSONL line and as a whole
// .json file must give a Trace or an error status, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "libs/trace/trace.h"
#include "libs/trace/trace_json.h"
#include "libs/trace/trace_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto trace = tracemill::trace::ParseTraceText(text, "fuzz");
  if (trace.ok()) {
    // Whatever parses must serialise and re-parse to the same JSON.
    tracemill::Json once = tracemill::trace::TraceToJson(*trace);
    auto again = tracemill::trace::ParseTrace(once, "fuzz-roundtrip");
    if (!again.ok() || tracemill::trace::TraceToJson(*again) != once) __builtin_trap();
  }
  return 0;
}
