// safetensors: Hugging Face's tensor file format, read through mmap and written
// atomically.
//
//   TM_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open("model.safetensors"));
//   const TensorInfo* w = file->Find("model.norm.weight");   // dtype, shape, offsets
//   std::string_view bytes = file->Data(*w);                 // little-endian, row-major
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end)}, "__metadata__": {str: str}},
// then the data. Reading checks what the reference reader checks: N within 100 MB and
// the file, a JSON object, known dtypes, sizes equal to prod(shape) * dtype size (no
// overflow), entries contiguous from 0 with no gap or overlap and ending at the end of the
// file, no repeated name. Any violation is InvalidArgument naming the file, the tensor
// and what is wrong — never a crash (a libFuzzer target drives the header parser).
//
// Writing sorts tensors by descending dtype size, then name (as the reference writer
// does), pads the header with spaces to a multiple of 8, and renames into place.
//
// This file has no torch dependency; libs/model's torch code builds on it.
// Thread-safety: a SafetensorsFile is immutable after Open; concurrent reads are safe.
#ifndef TRACEMILL_LIBS_MODEL_SAFETENSORS_H_
#define TRACEMILL_LIBS_MODEL_SAFETENSORS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tracemill::model {

enum class DType {
  kBool, kU8, kI8, kF8E5M2, kF8E4M3, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64
};

// Bytes per element.
size_t DTypeSize(DType dtype);
// The file's spelling: "BF16", "F32", ...
std::string_view DTypeName(DType dtype);
// Parses a dtype name; false for names this reader does not know (F4, C64, ...).
bool ParseDType(std::string_view name, DType* dtype);

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // offsets into the data buffer, end exclusive
  uint64_t end = 0;

  int64_t numel() const;
};

struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;  // in file order (by offset)
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // 8 + N
};

// Parses and validates the header of a file of `file_size` bytes whose first bytes are
// `prefix` (at least 8 + N of them, or the whole file if shorter). `where` names the file.
absl::StatusOr<SafetensorsHeader> ParseSafetensorsHeader(std::string_view prefix,
                                                         uint64_t file_size,
                                                         std::string_view where);

class SafetensorsFile {
 public:
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::vector<TensorInfo>& tensors() const { return header_.tensors; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  // nullptr if absent.
  const TensorInfo* Find(std::string_view name) const;
  // The tensor's bytes, mapped from the file.
  std::string_view Data(const TensorInfo& info) const;
  const std::string& path() const { return path_; }

 private:
  SafetensorsFile() = default;
  std::string path_;
  SafetensorsHeader header_;
  std::map<std::string, size_t, std::less<>> index_;
  const char* map_ = nullptr;
  size_t map_size_ = 0;
};

// Collects tensors and writes one file. The bytes are copied in (Add) or referenced
// (AddView: they must outlive Write).
class SafetensorsWriter {
 public:
  // InvalidArgument on a repeated name or a byte count that does not match the shape.
  absl::Status Add(std::string name, DType dtype, std::vector<int64_t> shape,
                   std::string_view bytes);
  absl::Status AddView(std::string name, DType dtype, std::vector<int64_t> shape,
                       std::string_view bytes);
  void SetMetadata(std::string key, std::string value) { metadata_[key] = std::move(value); }
  // Writes `path` atomically (temporary file, fsync, rename).
  absl::Status Write(const std::string& path) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::string owned;
    std::string_view bytes;
  };
  absl::Status Check(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                     std::string_view bytes) const;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace tracemill::model

#endif  // TRACEMILL_LIBS_MODEL_SAFETENSORS_H_
