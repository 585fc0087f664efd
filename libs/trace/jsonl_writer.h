// Writes JSON values one per line, crash-safely: the output appears at `path` only when
// Close() succeeds ("-" writes to stdout directly). Not thread-safe.
#ifndef TRACEMILL_LIBS_TRACE_JSONL_WRITER_H_
#define TRACEMILL_LIBS_TRACE_JSONL_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/trace/trace.h"

namespace tracemill::base {
class AtomicFileWriter;
}

namespace tracemill::trace {

class JsonlWriter {
 public:
  static absl::StatusOr<std::unique_ptr<JsonlWriter>> Open(const std::string& path);
  ~JsonlWriter();

  absl::Status Write(const Json& value);
  absl::Status WriteTrace(const Trace& trace);
  absl::Status Close();

  int64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_; }

 private:
  explicit JsonlWriter(std::unique_ptr<base::AtomicFileWriter> file);

  std::unique_ptr<base::AtomicFileWriter> file_;  // null for stdout
  std::string buffer_;
  int64_t records_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace tracemill::trace

#endif  // TRACEMILL_LIBS_TRACE_JSONL_WRITER_H_
