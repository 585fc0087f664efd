// Reads a file line by line in bounded memory.
//
// Lines end at '\n' (a preceding '\r' is stripped). Memory is one read buffer plus the
// longest line, capped by `max_line_bytes`: a longer line is reported as an error and
// skipped, and reading continues with the next line. Not thread-safe.
#ifndef TRACEMILL_LIBS_BASE_LINE_READER_H_
#define TRACEMILL_LIBS_BASE_LINE_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tracemill::base {

class LineReader {
 public:
  static constexpr size_t kDefaultMaxLineBytes = size_t{256} << 20;

  // `path` "-" reads standard input.
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(
      const std::string& path, size_t max_line_bytes = kDefaultMaxLineBytes);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Reads the next line into `line` (without its terminator). Returns false at end of
  // file. A read error or an over-long line gives an error status; after an over-long
  // line the reader is positioned at the following line.
  absl::StatusOr<bool> Next(std::string* line);

  // 1-based number of the line last returned.
  int64_t line_number() const { return line_number_; }
  // True if the line last returned was the last one and had no '\n' after it.
  bool last_line_unterminated() const { return unterminated_; }
  // Bytes consumed so far.
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  LineReader(std::string path, std::FILE* file, bool owned, size_t max_line_bytes);
  bool Fill();

  std::string path_;
  std::FILE* file_;
  bool owned_;
  size_t max_line_bytes_;
  std::unique_ptr<char[]> buf_;
  size_t pos_ = 0;
  size_t len_ = 0;
  bool eof_ = false;
  int64_t line_number_ = 0;
  bool unterminated_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace tracemill::base

#endif  // TRACEMILL_LIBS_BASE_LINE_READER_H_
