// Streams traces from files, directories and JSONL, in bounded memory.
//
// Inputs:
//  - `*.jsonl` (or "-" for stdin): one trace per line, read line by line, so a 2 GB
//    stream needs memory for one line only;
//  - `*.json`: one pretty-printed trace (the reference agent's files) or an array of
//    traces;
//  - a directory: its `*.json` and `*.jsonl` files, in name order (not recursive).
// Bad records never stop the stream: each is skipped with an issue that names the file,
// the line (JSONL) or array index, and the field, and the summary counts skips by reason.
// A trace without an `id` gets one from its file name (the reference agent's `id` is its
// file name): `<stem>` for a single-trace file, `<stem>-<line>` for a JSONL line.
// Not thread-safe.
#ifndef TRACEMILL_LIBS_TRACE_TRACE_READER_H_
#define TRACEMILL_LIBS_TRACE_TRACE_READER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/trace/trace.h"

namespace tracemill::base {
class LineReader;
}

namespace tracemill::trace {

struct ReadIssue {
  std::string reason;   // e.g. "malformed_json", see ClassifyReadError
  std::string message;  // names file, line/index and field
};

struct ReadSummary {
  int64_t files = 0;
  int64_t records = 0;  // records seen, good or bad
  int64_t ok = 0;
  int64_t skipped = 0;
  uint64_t bytes = 0;
  std::map<std::string, int64_t> skipped_by_reason;
  std::vector<ReadIssue> issues;  // the first kMaxIssues, in input order
  static constexpr size_t kMaxIssues = 200;
  static constexpr size_t kMaxIssueBytes = 400;

  void Skip(std::string reason, std::string message);
  Json ToJson() const;
};

// Maps a read/parse error to a short reason: the parser's kReadReasonPayload when present
// (wrong_type, missing_field, unknown_role, unsupported_version), else malformed_json,
// invalid_utf8, truncated_last_line, line_too_long, unreadable_file or invalid_record.
std::string ClassifyReadError(const absl::Status& status);

struct TraceReaderOptions {
  size_t max_line_bytes = size_t{256} << 20;
  size_t max_json_file_bytes = size_t{1} << 30;  // whole-file .json inputs
};

class TraceReader {
 public:
  // Expands directories; fails only if an input does not exist or a directory cannot be
  // listed. Unreadable files found later are skipped and counted.
  static absl::StatusOr<std::unique_ptr<TraceReader>> Open(const std::vector<std::string>& inputs,
                                                           const TraceReaderOptions& options = {});
  ~TraceReader();

  // Reads the next good trace into `trace`. Returns false when all inputs are done.
  // Errors are only for failures that end the stream (e.g. a disk read error); bad
  // records are skipped and recorded in summary().
  absl::StatusOr<bool> Next(Trace* trace);

  const ReadSummary& summary() const { return summary_; }
  // Total size of the input files in bytes (0 for stdin), for progress reporting.
  uint64_t total_bytes() const { return total_bytes_; }

 private:
  TraceReader(std::vector<std::string> files, TraceReaderOptions options);
  absl::Status OpenNextFile(bool* done);

  std::vector<std::string> files_;
  TraceReaderOptions options_;
  size_t next_file_ = 0;
  std::string current_;
  std::string stem_;
  std::unique_ptr<base::LineReader> lines_;  // current JSONL file
  std::vector<Trace> pending_;               // current .json file's traces
  size_t pending_pos_ = 0;
  std::string line_;
  ReadSummary summary_;
  uint64_t total_bytes_ = 0;
};

// Reads every trace of `inputs` into memory (tests and small corpora).
absl::StatusOr<std::vector<Trace>> ReadAllTraces(const std::vector<std::string>& inputs,
                                                 ReadSummary* summary = nullptr);

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_TRACE_READER_H_
