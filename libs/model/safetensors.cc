#include "libs/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"

namespace tracemill::model {
namespace {

constexpr uint64_t kMaxHeader = 100'000'000;

struct DTypeEntry {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr DTypeEntry kDTypes[] = {
    {DType::kBool, "BOOL", 1},    {DType::kU8, "U8", 1},          {DType::kI8, "I8", 1},
    {DType::kF8E5M2, "F8_E5M2", 1}, {DType::kF8E4M3, "F8_E4M3", 1}, {DType::kI16, "I16", 2},
    {DType::kU16, "U16", 2},      {DType::kF16, "F16", 2},        {DType::kBF16, "BF16", 2},
    {DType::kI32, "I32", 4},      {DType::kU32, "U32", 4},        {DType::kF32, "F32", 4},
    {DType::kF64, "F64", 8},      {DType::kI64, "I64", 8},        {DType::kU64, "U64", 8},
};

absl::Status Bad(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(base::StrCat(where, ": ", what));
}

absl::Status Errno(std::string_view what, const std::string& path) {
  const int err = errno;
  std::string message = base::StrCat(what, " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

// Names that appear more than once at the top level of the header object (nlohmann keeps
// the last silently, so the parse callback watches keys at depth 1).
struct DuplicateWatch {
  std::set<std::string> seen;
  std::string duplicate;
};

absl::StatusOr<TensorInfo> ParseEntry(const std::string& name, const nlohmann::json& entry,
                                      std::string_view where) {
  const std::string field = base::StrCat("tensor \"", name, "\"");
  if (!entry.is_object()) return Bad(where, base::StrCat(field, ": must be an object"));
  TensorInfo info;
  info.name = name;
  auto dtype = entry.find("dtype");
  if (dtype == entry.end() || !dtype->is_string()) {
    return Bad(where, base::StrCat(field, ": missing \"dtype\""));
  }
  if (!ParseDType(dtype->get_ref<const std::string&>(), &info.dtype)) {
    return Bad(where, base::StrCat(field, ": unknown dtype \"",
                                   dtype->get_ref<const std::string&>(), "\""));
  }
  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array()) {
    return Bad(where, base::StrCat(field, ": missing \"shape\" array"));
  }
  uint64_t numel = 1;
  bool overflow = false;
  for (const auto& dim : *shape) {
    if (!dim.is_number_unsigned()) {
      return Bad(where, base::StrCat(field, ": shape entries must be non-negative integers"));
    }
    const uint64_t d = dim.get<uint64_t>();
    if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) overflow = true;
    if (d != 0 && numel > std::numeric_limits<uint64_t>::max() / d) overflow = true;
    numel *= d;
    info.shape.push_back(static_cast<int64_t>(d));
  }
  const uint64_t elem = DTypeSize(info.dtype);
  if (overflow || numel > std::numeric_limits<uint64_t>::max() / elem) {
    return Bad(where, base::StrCat(field, ": shape overflows"));
  }
  auto offsets = entry.find("data_offsets");
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    return Bad(where, base::StrCat(field, ": \"data_offsets\" must be [begin, end]"));
  }
  info.begin = (*offsets)[0].get<uint64_t>();
  info.end = (*offsets)[1].get<uint64_t>();
  if (info.end < info.begin) {
    return Bad(where, base::StrCat(field, ": data_offsets end ", info.end, " < begin ",
                                   info.begin));
  }
  if (info.end - info.begin != numel * elem) {
    return Bad(where, base::StrCat(field, ": ", info.end - info.begin, " bytes for shape of ",
                                   numel, " ", DTypeName(info.dtype), " elements (",
                                   numel * elem, " bytes)"));
  }
  return info;
}

// Writes all of `data` to `fd`.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

size_t DTypeSize(DType dtype) {
  for (const DTypeEntry& e : kDTypes) {
    if (e.dtype == dtype) return e.size;
  }
  return 1;
}

std::string_view DTypeName(DType dtype) {
  for (const DTypeEntry& e : kDTypes) {
    if (e.dtype == dtype) return e.name;
  }
  return "?";
}

bool ParseDType(std::string_view name, DType* dtype) {
  for (const DTypeEntry& e : kDTypes) {
    if (e.name == name) {
      *dtype = e.dtype;
      return true;
    }
  }
  return false;
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::StatusOr<SafetensorsHeader> ParseSafetensorsHeader(std::string_view prefix,
                                                         uint64_t file_size,
                                                         std::string_view where) {
  if (file_size < 8 || prefix.size() < 8) {
    return Bad(where, base::StrCat("too short for a safetensors header (", file_size,
                                   " bytes)"));
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(prefix[i]);
  if (n > kMaxHeader) {
    return Bad(where, base::StrCat("header length ", n, " is over the 100 MB limit"));
  }
  if (n > file_size - 8 || n > prefix.size() - 8) {
    return Bad(where, base::StrCat("header length ", n, " runs past the end of the file (",
                                   file_size, " bytes)"));
  }
  std::string_view text = prefix.substr(8, n);
  if (text.empty() || text[0] != '{') return Bad(where, "header does not start with '{'");

  DuplicateWatch watch;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(
        text.begin(), text.end(),
        [&watch](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          if (event == nlohmann::json::parse_event_t::key && depth == 1 &&
              !watch.seen.insert(parsed.get<std::string>()).second && watch.duplicate.empty()) {
            watch.duplicate = parsed.get<std::string>();
          }
          return true;
        });
  } catch (const nlohmann::json::exception& e) {
    return Bad(where, base::StrCat("header is not valid JSON (", e.what(), ")"));
  }
  if (!header.is_object()) return Bad(where, "header must be a JSON object");
  if (!watch.duplicate.empty()) {
    return Bad(where, base::StrCat("tensor \"", watch.duplicate, "\" appears twice"));
  }

  SafetensorsHeader out;
  out.data_start = 8 + n;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) return Bad(where, "__metadata__ must be an object of strings");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) {
          return Bad(where, base::StrCat("__metadata__[\"", m.key(), "\"] must be a string"));
        }
        out.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    TM_ASSIGN_OR_RETURN(TensorInfo info, ParseEntry(it.key(), *it, where));
    out.tensors.push_back(std::move(info));
  }
  std::sort(out.tensors.begin(), out.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (const TensorInfo& t : out.tensors) {
    if (t.begin != expected) {
      return Bad(where, base::StrCat("tensor \"", t.name, "\" starts at ", t.begin, ", expected ",
                                     expected, t.begin < expected ? " (overlaps the previous one)"
                                                                   : " (a gap before it)"));
    }
    expected = t.end;
  }
  const uint64_t data_size = file_size - out.data_start;
  if (expected != data_size) {
    return Bad(where, base::StrCat("tensors cover ", expected, " bytes but the data buffer has ",
                                   data_size));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    absl::Status s = Errno("cannot stat", path);
    ::close(fd);
    return s;
  }
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  file->map_size_ = static_cast<size_t>(st.st_size);
  if (file->map_size_ > 0) {
    void* map = ::mmap(nullptr, file->map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      absl::Status s = Errno("cannot map", path);
      ::close(fd);
      return s;
    }
    file->map_ = static_cast<const char*>(map);
  }
  ::close(fd);
  TM_ASSIGN_OR_RETURN(file->header_,
                      ParseSafetensorsHeader(std::string_view(file->map_, file->map_size_),
                                             file->map_size_, path));
  for (size_t i = 0; i < file->header_.tensors.size(); ++i) {
    file->index_.emplace(file->header_.tensors[i].name, i);
  }
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_ != nullptr) ::munmap(const_cast<char*>(map_), map_size_);
}

const TensorInfo* SafetensorsFile::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

std::string_view SafetensorsFile::Data(const TensorInfo& info) const {
  return std::string_view(map_ + header_.data_start + info.begin, info.end - info.begin);
}

absl::Status SafetensorsWriter::Check(const std::string& name, DType dtype,
                                      const std::vector<int64_t>& shape,
                                      std::string_view bytes) const {
  if (name.empty() || name == "__metadata__") {
    return absl::InvalidArgumentError(base::StrCat("bad tensor name \"", name, "\""));
  }
  for (const auto& e : entries_) {
    if (e->name == name) {
      return absl::InvalidArgumentError(base::StrCat("tensor \"", name, "\" added twice"));
    }
  }
  uint64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0) return absl::InvalidArgumentError(base::StrCat(name, ": negative dimension"));
    numel *= static_cast<uint64_t>(d);
  }
  if (numel * DTypeSize(dtype) != bytes.size()) {
    return absl::InvalidArgumentError(base::StrCat(name, ": ", bytes.size(), " bytes for ", numel,
                                                   " ", DTypeName(dtype), " elements"));
  }
  return absl::OkStatus();
}

absl::Status SafetensorsWriter::Add(std::string name, DType dtype, std::vector<int64_t> shape,
                                    std::string_view bytes) {
  TM_RETURN_IF_ERROR(Check(name, dtype, shape, bytes));
  auto e = std::make_unique<Entry>(Entry{std::move(name), dtype, std::move(shape),
                                         std::string(bytes), {}});
  e->bytes = e->owned;
  entries_.push_back(std::move(e));
  return absl::OkStatus();
}

absl::Status SafetensorsWriter::AddView(std::string name, DType dtype, std::vector<int64_t> shape,
                                        std::string_view bytes) {
  TM_RETURN_IF_ERROR(Check(name, dtype, shape, bytes));
  entries_.push_back(
      std::make_unique<Entry>(Entry{std::move(name), dtype, std::move(shape), {}, bytes}));
  return absl::OkStatus();
}

absl::Status SafetensorsWriter::Write(const std::string& path) const {
  std::vector<const Entry*> order;
  for (const auto& e : entries_) order.push_back(e.get());
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    const size_t sa = DTypeSize(a->dtype), sb = DTypeSize(b->dtype);
    return sa != sb ? sa > sb : a->name < b->name;
  });
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const Entry* e : order) {
    header[e->name] = {{"dtype", std::string(DTypeName(e->dtype))},
                       {"shape", e->shape},
                       {"data_offsets", {offset, offset + e->bytes.size()}}};
    offset += e->bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string prefix(8, '\0');
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<char>((text.size() >> (8 * i)) & 0xFF);

  const std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", temp);
  bool ok = WriteAll(fd, prefix) && WriteAll(fd, text);
  for (const Entry* e : order) ok = ok && WriteAll(fd, e->bytes);
  ok = ok && ::fsync(fd) == 0;
  absl::Status status = ok ? absl::OkStatus() : Errno("cannot write", temp);
  ::close(fd);
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    status = Errno("cannot rename into", path);
  }
  if (!status.ok()) ::unlink(temp.c_str());
  return status;
}

}  // namespace tracemill::model
