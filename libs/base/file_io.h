// File helpers: whole-file reads and crash-safe writes.
//
// A crash-safe write goes to a temporary file in the target's directory, is fsync'ed,
// renamed over the target, and the directory is fsync'ed: readers see the old file or
// the new one, never a torn one.
#ifndef TRACEMILL_LIBS_BASE_FILE_IO_H_
#define TRACEMILL_LIBS_BASE_FILE_IO_H_

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tracemill::base {

absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `contents` to `path` atomically (temp + fsync + rename + fsync dir).
absl::Status WriteFileAtomic(const std::string& path, std::string_view contents);

// Creates `path` and its parents; OK if it exists as a directory.
absl::Status MakeDirs(const std::string& path);

// A streaming writer with the same guarantee as WriteFileAtomic: data goes to a
// temporary sibling until Commit(). Destroying an uncommitted writer removes the
// temporary file. Not thread-safe.
class AtomicFileWriter {
 public:
  static absl::StatusOr<std::unique_ptr<AtomicFileWriter>> Open(const std::string& path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  absl::Status Append(std::string_view data);
  // Flushes, fsyncs and renames to `path`. The writer is closed afterwards.
  absl::Status Commit();
  // Like Commit(), but renames to `final_path` instead (e.g. once a shard count is known).
  absl::Status CommitAs(const std::string& final_path);

  const std::string& path() const { return path_; }
  uint64_t bytes_written() const { return bytes_; }

 private:
  AtomicFileWriter(std::string path, std::string temp_path, std::FILE* file);

  std::string path_;
  std::string temp_path_;
  std::FILE* file_;
  uint64_t bytes_ = 0;
};

// fsyncs the directory holding `path` so a rename into it is durable.
absl::Status SyncParentDir(const std::string& path);

}  // namespace tracemill::base

#endif  // TRACEMILL_LIBS_BASE_FILE_IO_H_
