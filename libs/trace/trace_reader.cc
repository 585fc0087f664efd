#include "libs/trace/trace_reader.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/line_reader.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/base/utf8.h"
#include "libs/trace/trace_json.h"

namespace tracemill::trace {
namespace fs = std::filesystem;

void ReadSummary::Skip(std::string reason, std::string message) {
  ++skipped;
  ++skipped_by_reason[reason];
  if (issues.size() >= kMaxIssues) return;
  // Messages can quote user values (an unknown role, say); keep them short.
  if (message.size() > kMaxIssueBytes) {
    message = base::StrCat(base::CutUtf8(message, kMaxIssueBytes), "...");
  }
  issues.push_back({std::move(reason), std::move(message)});
}

Json ReadSummary::ToJson() const {
  Json out = Json::object();
  out["files"] = files;
  out["records"] = records;
  out["ok"] = ok;
  out["skipped"] = skipped;
  out["bytes"] = bytes;
  Json reasons = Json::object();
  for (const auto& [reason, n] : skipped_by_reason) reasons[reason] = n;
  out["skipped_by_reason"] = std::move(reasons);
  Json list = Json::array();
  for (const ReadIssue& issue : issues) {
    list.push_back({{"reason", issue.reason}, {"message", issue.message}});
  }
  out["issues"] = std::move(list);
  return out;
}

std::string ClassifyReadError(const absl::Status& status) {
  if (auto reason = status.GetPayload(kReadReasonPayload)) return std::string(*reason);
  std::string m(status.message());
  if (status.code() == absl::StatusCode::kResourceExhausted) return "line_too_long";
  if (absl::StrContains(m, "invalid UTF-8") || absl::StrContains(m, "ill-formed UTF-8")) {
    return "invalid_utf8";
  }
  if (absl::StrContains(m, "malformed JSON")) return "malformed_json";
  if (status.code() == absl::StatusCode::kNotFound ||
      status.code() == absl::StatusCode::kPermissionDenied) {
    return "unreadable_file";
  }
  return "invalid_record";
}

namespace {

bool IsTraceFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".json" || ext == ".jsonl";
}

bool IsJsonl(const std::string& path) { return path == "-" || absl::EndsWith(path, ".jsonl"); }

}  // namespace

TraceReader::TraceReader(std::vector<std::string> files, TraceReaderOptions options)
    : files_(std::move(files)), options_(options) {}

TraceReader::~TraceReader() = default;

absl::StatusOr<std::unique_ptr<TraceReader>> TraceReader::Open(
    const std::vector<std::string>& inputs, const TraceReaderOptions& options) {
  std::vector<std::string> files;
  uint64_t total = 0;
  for (const std::string& input : inputs) {
    if (input == "-") {
      files.push_back(input);
      continue;
    }
    std::error_code ec;
    auto status = fs::status(input, ec);
    if (ec || !fs::exists(status)) {
      return absl::NotFoundError(base::StrCat("input not found: ", input));
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> found;
      for (fs::directory_iterator it(input, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file() && IsTraceFile(it->path())) found.push_back(it->path().string());
      }
      if (ec) return absl::InternalError(base::StrCat("cannot list ", input, ": ", ec.message()));
      std::sort(found.begin(), found.end());
      for (auto& f : found) {
        uint64_t size = fs::file_size(f, ec);
        if (!ec) total += size;
        files.push_back(std::move(f));
      }
    } else {
      uint64_t size = fs::file_size(input, ec);  // fails for pipes: no progress total
      if (!ec) total += size;
      files.push_back(input);
    }
  }
  auto reader = std::unique_ptr<TraceReader>(new TraceReader(std::move(files), options));
  reader->total_bytes_ = total;
  return reader;
}

absl::Status TraceReader::OpenNextFile(bool* done) {
  lines_.reset();
  pending_.clear();
  pending_pos_ = 0;
  while (next_file_ < files_.size()) {
    current_ = files_[next_file_++];
    stem_ = current_ == "-" ? "stdin" : fs::path(current_).stem().string();
    ++summary_.files;
    if (IsJsonl(current_)) {
      auto lines = base::LineReader::Open(current_, options_.max_line_bytes);
      if (!lines.ok()) {
        ++summary_.records;
        summary_.Skip("unreadable_file", std::string(lines.status().message()));
        continue;
      }
      lines_ = std::move(*lines);
      *done = false;
      return absl::OkStatus();
    }
    std::error_code ec;
    uint64_t size = fs::file_size(current_, ec);
    if (!ec && size > options_.max_json_file_bytes) {
      ++summary_.records;
      summary_.Skip(
          "file_too_large",
          base::StrCat(current_, ": ", size, " bytes is over the ", options_.max_json_file_bytes,
                       "-byte limit for whole-file JSON; write JSONL instead"));
      continue;
    }
    auto text = base::ReadFile(current_);
    if (!text.ok()) {
      ++summary_.records;
      summary_.Skip("unreadable_file", std::string(text.status().message()));
      continue;
    }
    summary_.bytes += text->size();
    auto json = base::ParseJson(*text, current_);
    if (!json.ok()) {
      ++summary_.records;
      std::string reason = base::IsValidUtf8(*text) ? "malformed_json" : "invalid_utf8";
      summary_.Skip(reason, std::string(json.status().message()));
      continue;
    }
    if (json->is_array()) {
      for (size_t i = 0; i < json->size(); ++i) {
        ++summary_.records;
        std::string where = base::StrCat(current_, "[", i, "]");
        auto t = ParseTrace((*json)[i], where);
        if (!t.ok()) {
          summary_.Skip(ClassifyReadError(t.status()), std::string(t.status().message()));
          continue;
        }
        if (t->id.empty()) t->id = base::StrCat(stem_, "-", i);
        pending_.push_back(std::move(*t));
      }
    } else {
      ++summary_.records;
      auto t = ParseTrace(*json, current_);
      if (!t.ok()) {
        summary_.Skip(ClassifyReadError(t.status()), std::string(t.status().message()));
        continue;
      }
      if (t->id.empty()) t->id = stem_;
      pending_.push_back(std::move(*t));
    }
    if (pending_.empty()) continue;
    *done = false;
    return absl::OkStatus();
  }
  *done = true;
  return absl::OkStatus();
}

absl::StatusOr<bool> TraceReader::Next(Trace* trace) {
  for (;;) {
    if (pending_pos_ < pending_.size()) {
      *trace = std::move(pending_[pending_pos_++]);
      ++summary_.ok;
      return true;
    }
    if (lines_ != nullptr) {
      uint64_t before = lines_->bytes_read();
      auto got = lines_->Next(&line_);
      summary_.bytes += lines_->bytes_read() - before;
      if (!got.ok()) {
        if (got.status().code() == absl::StatusCode::kResourceExhausted) {
          ++summary_.records;
          summary_.Skip("line_too_long", std::string(got.status().message()));
          continue;
        }
        return got.status();
      }
      if (!*got) {
        lines_.reset();
        continue;
      }
      if (line_.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
      ++summary_.records;
      std::string where = base::StrCat(current_, ":", lines_->line_number());
      auto json = base::ParseJson(line_, where);
      if (!json.ok()) {
        std::string reason = "malformed_json";
        std::string message(json.status().message());
        if (!base::IsValidUtf8(line_)) {
          reason = "invalid_utf8";
        } else if (lines_->last_line_unterminated()) {
          reason = "truncated_last_line";
          message += " (last line has no newline: the file was probably cut off mid-write)";
        }
        summary_.Skip(reason, std::move(message));
        continue;
      }
      auto t = ParseTrace(*json, where);
      if (!t.ok()) {
        summary_.Skip(ClassifyReadError(t.status()), std::string(t.status().message()));
        continue;
      }
      if (t->id.empty()) t->id = base::StrCat(stem_, "-", lines_->line_number());
      *trace = std::move(*t);
      ++summary_.ok;
      return true;
    }
    bool done = false;
    TM_RETURN_IF_ERROR(OpenNextFile(&done));
    if (done) return false;
  }
}

absl::StatusOr<std::vector<Trace>> ReadAllTraces(const std::vector<std::string>& inputs,
                                                 ReadSummary* summary) {
  TM_ASSIGN_OR_RETURN(auto reader, TraceReader::Open(inputs));
  std::vector<Trace> out;
  Trace t;
  for (;;) {
    TM_ASSIGN_OR_RETURN(bool more, reader->Next(&t));
    if (!more) break;
    out.push_back(std::move(t));
  }
  if (summary != nullptr) *summary = reader->summary();
  return out;
}

}  // namespace tracemill::trace
