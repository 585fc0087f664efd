// libFuzzer target for everything that reads outside traces: the bytes are fed to the
// streaming reader as a JSONL file (line splitting, per-record parsing, skip
// accounting), and every trace it yields goes through the whole curator (edits,
// redaction, gates, dedupe), the proto round trip and every unroll mode. Any input must
// give traces or counted skips, never a crash, and whatever parses must write back and
// re-parse to the same JSON.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "libs/base/file_io.h"
#include "libs/trace/curator.h"
#include "libs/trace/trace_json.h"
#include "libs/trace/trace_proto.h"
#include "libs/trace/trace_reader.h"
#include "libs/trace/unroll.h"
#include "proto/tracemill/v1/trace.pb.h"

namespace tt = tracemill::trace;

namespace {

void CheckTrace(tt::Trace& trace, tt::Curator& curator) {
  tracemill::Json once = tt::TraceToJson(trace);
  auto again = tt::ParseTrace(once, "fuzz-roundtrip");
  if (!again.ok() || tt::TraceToJson(*again) != once) __builtin_trap();

  tracemill::v1::Trace proto;
  if (tt::TraceToProto(trace, &proto).ok()) {
    auto back = tt::TraceFromProto(proto);
    if (!back.ok() || tt::TraceToJson(*back) != once) __builtin_trap();
  }

  curator.Process(&trace);
  tt::DatasetRowEncoder encoder(trace);
  std::string line;
  for (tt::UnrollMode mode :
       {tt::UnrollMode::kSeed, tt::UnrollMode::kPerTurn, tt::UnrollMode::kPerQuery}) {
    for (const tt::RowSpan& span : tt::UnrollSpans(trace, mode)) {
      line.clear();
      encoder.AppendRow(span, "train", &line);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/tracemill-fuzz-" + std::to_string(::getpid()) + ".jsonl";
  std::string text(reinterpret_cast<const char*>(data), size);
  if (!tracemill::base::WriteFileAtomic(path, text).ok()) return 0;

  tt::CurateOptions options;
  options.merge_user_turns = true;
  options.drop_reasoning = true;
  options.truncate_tool_results = 64;
  options.redact_options.emails = true;
  options.delete_messages = {{"fuzz-1", 1}};
  tt::Curator curator(options);

  // As a JSONL stream.
  auto reader = tt::TraceReader::Open({path});
  if (!reader.ok()) __builtin_trap();
  tt::Trace trace;
  for (;;) {
    auto more = (*reader)->Next(&trace);
    if (!more.ok() || !*more) break;
    CheckTrace(trace, curator);
  }
  // As one whole document (a reference agent's .json file).
  auto whole = tt::ParseTraceText(text, "fuzz");
  if (whole.ok()) CheckTrace(*whole, curator);
  curator.Finish();
  return 0;
}
