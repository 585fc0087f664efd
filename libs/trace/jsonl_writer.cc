#include "libs/trace/jsonl_writer.h"

#include <cstdio>

#include "libs/base/file_io.h"
#include "libs/base/status_macros.h"
#include "libs/trace/trace_json.h"

namespace tracemill::trace {
namespace {
constexpr size_t kFlushBytes = size_t{1} << 20;
}  // namespace

JsonlWriter::JsonlWriter(std::unique_ptr<base::AtomicFileWriter> file) : file_(std::move(file)) {}

JsonlWriter::~JsonlWriter() = default;

absl::StatusOr<std::unique_ptr<JsonlWriter>> JsonlWriter::Open(const std::string& path) {
  if (path == "-") return std::unique_ptr<JsonlWriter>(new JsonlWriter(nullptr));
  TM_ASSIGN_OR_RETURN(auto file, base::AtomicFileWriter::Open(path));
  return std::unique_ptr<JsonlWriter>(new JsonlWriter(std::move(file)));
}

absl::Status JsonlWriter::Write(const Json& value) {
  buffer_ += base::DumpJson(value);
  buffer_ += '\n';
  ++records_;
  if (buffer_.size() >= kFlushBytes) {
    bytes_ += buffer_.size();
    if (file_ != nullptr) {
      TM_RETURN_IF_ERROR(file_->Append(buffer_));
    } else if (std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) != buffer_.size()) {
      return absl::InternalError("cannot write to stdout");
    }
    buffer_.clear();
  }
  return absl::OkStatus();
}

absl::Status JsonlWriter::WriteTrace(const Trace& trace) { return Write(TraceToJson(trace)); }

absl::Status JsonlWriter::Close() {
  bytes_ += buffer_.size();
  if (file_ != nullptr) {
    TM_RETURN_IF_ERROR(file_->Append(buffer_));
    buffer_.clear();
    return file_->Commit();
  }
  bool ok = std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) == buffer_.size();
  buffer_.clear();
  if (!ok || std::fflush(stdout) != 0) return absl::InternalError("cannot write to stdout");
  return absl::OkStatus();
}

}  // namespace tracemill::trace
