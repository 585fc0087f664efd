#include "libs/base/file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <system_error>

#include "libs/base/ids.h"
#include "libs/base/str_cat.h"

namespace tracemill::base {
namespace {

absl::Status ErrnoError(std::string_view what, const std::string& path, int err) {
  std::string msg = base::StrCat(what, " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  if (err == ENOSPC) return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

std::string ParentDir(const std::string& path) {
  std::filesystem::path p(path);
  std::string parent = p.parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoError("cannot open", path, errno);
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  bool failed = std::ferror(f);
  int err = errno;
  std::fclose(f);
  if (failed) return ErrnoError("cannot read", path, err);
  return out;
}

absl::Status SyncParentDir(const std::string& path) {
  std::string dir = ParentDir(path);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ErrnoError("cannot open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL) return ErrnoError("cannot fsync directory", dir, err);
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec)
    return absl::InternalError(base::StrCat("cannot create directory ", path, ": ", ec.message()));
  if (!std::filesystem::is_directory(path, ec)) {
    return absl::FailedPreconditionError(base::StrCat(path, " exists and is not a directory"));
  }
  return absl::OkStatus();
}

AtomicFileWriter::AtomicFileWriter(std::string path, std::string temp_path, std::FILE* file)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), file_(file) {}

absl::StatusOr<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Open(const std::string& path) {
  std::string temp = base::StrCat(
      ParentDir(path), "/.", std::filesystem::path(path).filename().string(), ".", NewId(), ".tmp");
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) return ErrnoError("cannot create", temp, errno);
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(path, temp, f));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    ::unlink(temp_path_.c_str());
  }
}

absl::Status AtomicFileWriter::Append(std::string_view data) {
  if (file_ == nullptr) return absl::FailedPreconditionError("writer already committed");
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
    return ErrnoError("cannot write", temp_path_, errno);
  }
  bytes_ += data.size();
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Commit() { return CommitAs(path_); }

absl::Status AtomicFileWriter::CommitAs(const std::string& final_path) {
  if (file_ == nullptr) return absl::FailedPreconditionError("writer already committed");
  std::FILE* f = file_;
  file_ = nullptr;
  bool ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  int err = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    ::unlink(temp_path_.c_str());
    return ErrnoError("cannot flush", temp_path_, err);
  }
  if (::rename(temp_path_.c_str(), final_path.c_str()) != 0) {
    err = errno;
    ::unlink(temp_path_.c_str());
    return ErrnoError("cannot rename into", final_path, err);
  }
  path_ = final_path;
  return SyncParentDir(final_path);
}

absl::Status WriteFileAtomic(const std::string& path, std::string_view contents) {
  auto writer = AtomicFileWriter::Open(path);
  if (!writer.ok()) return writer.status();
  absl::Status s = (*writer)->Append(contents);
  if (!s.ok()) return s;
  return (*writer)->Commit();
}

}  // namespace tracemill::base
