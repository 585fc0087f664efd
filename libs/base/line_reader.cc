#include "libs/base/line_reader.h"

#include <errno.h>

#include <cstring>

#include "libs/base/str_cat.h"

namespace tracemill::base {
namespace {
constexpr size_t kBufferBytes = size_t{1} << 20;
}  // namespace

LineReader::LineReader(std::string path, std::FILE* file, bool owned, size_t max_line_bytes)
    : path_(std::move(path)),
      file_(file),
      owned_(owned),
      max_line_bytes_(max_line_bytes),
      buf_(new char[kBufferBytes]) {}

LineReader::~LineReader() {
  if (owned_ && file_ != nullptr) std::fclose(file_);
}

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path,
                                                             size_t max_line_bytes) {
  if (path == "-") {
    return std::unique_ptr<LineReader>(new LineReader(path, stdin, false, max_line_bytes));
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int err = errno;
    std::string msg = base::StrCat("cannot open ", path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(msg) : absl::InternalError(msg);
  }
  return std::unique_ptr<LineReader>(new LineReader(path, f, true, max_line_bytes));
}

bool LineReader::Fill() {
  if (eof_) return false;
  len_ = std::fread(buf_.get(), 1, kBufferBytes, file_);
  pos_ = 0;
  if (len_ == 0) eof_ = true;
  return len_ > 0;
}

absl::StatusOr<bool> LineReader::Next(std::string* line) {
  line->clear();
  bool too_long = false;
  bool got_any = false;
  for (;;) {
    if (pos_ == len_ && !Fill()) {
      if (std::ferror(file_)) {
        return absl::DataLossError(base::StrCat("read error in ", path_, " after line ",
                                                line_number_, ": ", std::strerror(errno)));
      }
      if (!got_any) return false;
      ++line_number_;
      unterminated_ = true;
      if (too_long) break;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    got_any = true;
    const char* start = buf_.get() + pos_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
    size_t take = nl ? static_cast<size_t>(nl - start) : len_ - pos_;
    if (!too_long) {
      if (line->size() + take > max_line_bytes_) {
        too_long = true;
        line->clear();
        line->shrink_to_fit();
      } else {
        line->append(start, take);
      }
    }
    pos_ += take + (nl ? 1 : 0);
    bytes_read_ += take + (nl ? 1 : 0);
    if (nl) {
      ++line_number_;
      unterminated_ = false;
      if (too_long) break;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
  }
  return absl::ResourceExhaustedError(base::StrCat(path_, ":", line_number_, ": line longer than ",
                                                   max_line_bytes_, " bytes; skipped"));
}

}  // namespace tracemill::base
