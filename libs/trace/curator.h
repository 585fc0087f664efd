// The curation pipeline: edits, validation gates and de-duplication over a stream of
// traces, with a report that counts every decision.
//
// Per trace, in order: delete the messages / user turns named for this trace (positions
// in the input trace, all in one step) → drop guidance → merge consecutive user turns →
// redact secrets → truncate tool results (after redaction, so a cut cannot hide half a
// key from the scanner; characters, then model tokens) → gates (structure, format,
// execution, outcome) → exact de-duplication → token count against max_tokens (dropped_by
// "max_tokens"; a trace the model's template cannot render is dropped_by "template"). A trace is dropped when a gate in `drop_on` has a finding (the
// execution gate drops only with on_tool_error: drop), when a named deletion fails, or
// when it duplicates an earlier trace. Dropped traces are not lost: CurateFiles writes
// them, redacted, with the findings that dropped them, to a rejects file when asked.
#ifndef TRACEMILL_LIBS_TRACE_CURATOR_H_
#define TRACEMILL_LIBS_TRACE_CURATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libs/base/json.h"
#include "libs/trace/curate_options.h"
#include "libs/trace/dedupe.h"
#include "libs/trace/gates.h"
#include "libs/trace/redact.h"
#include "libs/trace/trace.h"
#include "libs/trace/trace_reader.h"

namespace tracemill::trace {

struct CurateReport {
  int64_t traces_in = 0;
  int64_t traces_out = 0;
  int64_t dropped = 0;
  // Why traces were dropped: a gate name, "duplicate" or "edit_failed".
  std::map<std::string, int64_t> dropped_by;
  // Every finding, dropped or kept, as "<gate>.<check>" (e.g. "execution.tool_error").
  std::map<std::string, int64_t> findings;
  std::map<std::string, int64_t> tool_errors_by_kind;
  // Edits applied, by provenance op, counted per change.
  std::map<std::string, int64_t> edits;
  RedactStats redactions;
  int64_t messages_in = 0;
  int64_t messages_out = 0;
  // With a model (CurateOptions::count_trace_tokens): tokens of the kept traces' full
  // renderings, the longest, and how many were over max_tokens (dropped or only counted).
  int64_t tokens_counted = 0;  // traces counted
  int64_t tokens_total = 0;
  int64_t tokens_max = 0;
  int64_t over_max_tokens = 0;
  ReadSummary read;  // filled by CurateFiles
  // Deletions named in the options whose trace id never came by ("<id>:<index>").
  std::vector<std::string> unmatched_refs;
  // The first few drop decisions, "<trace id>: <why>".
  std::vector<std::string> examples;
  static constexpr size_t kMaxExamples = 20;

  Json ToJson() const;
  // A human-readable summary, one counter per line.
  std::string ToText() const;
};

// What Process decided about one trace.
struct CurateDecision {
  bool keep = true;
  std::string dropped_by;         // as in CurateReport::dropped_by; empty when kept
  std::string reason;             // one line, for people
  std::vector<Finding> findings;  // the gate findings that dropped it, if any
};

// Not thread-safe.
class Curator {
 public:
  explicit Curator(CurateOptions options);

  // Edits `trace` in place and decides whether to keep it.
  CurateDecision Process(Trace* trace);

  // Completes the report once the stream is done (unmatched deletions).
  void Finish();

  const CurateReport& report() const { return report_; }
  const Redactor& redactor() const { return redactor_; }

 private:
  CurateDecision Drop(const Trace& trace, std::string dropped_by, std::string reason);

  CurateOptions options_;
  Redactor redactor_;
  Deduper deduper_;
  CurateReport report_;
  std::set<std::string> matched_ids_;  // trace ids named by a deletion that came by
};

struct CurateFilesOptions {
  std::string output;   // JSONL of kept traces ("-" for stdout)
  std::string rejects;  // JSONL of dropped traces with why; "" = none
  // Called now and then with (bytes read, total bytes) for progress display.
  std::function<void(uint64_t, uint64_t)> progress;
};

// Streams `inputs` (files, directories, JSONL) through a Curator. Bad input records are
// skipped and counted in report->read (their messages redacted); the job fails only on
// I/O errors, and then writes no output.
absl::Status CurateFiles(const std::vector<std::string>& inputs, const CurateOptions& options,
                         const CurateFilesOptions& files, CurateReport* report);

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_CURATOR_H_
