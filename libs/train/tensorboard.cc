#include "libs/train/tensorboard.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "libs/base/str_cat.h"

namespace tracemill::train {
namespace {

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // Castagnoli
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

template <typename T>
void PutFixed(T v, std::string* out) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));  // little-endian hosts only (x86-64, aarch64)
  out->append(bytes, sizeof(T));
}

void PutBytesField(int field, std::string_view bytes, std::string* out) {
  PutVarint(static_cast<uint64_t>(field) << 3 | 2, out);
  PutVarint(bytes.size(), out);
  out->append(bytes);
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string EventHeader(double wall_time, int64_t step) {
  std::string event;
  PutVarint(1 << 3 | 1, &event);  // wall_time, fixed64
  PutFixed(wall_time, &event);
  if (step != 0) {
    PutVarint(2 << 3 | 0, &event);  // step, varint
    PutVarint(static_cast<uint64_t>(step), &event);
  }
  return event;
}

}  // namespace

uint32_t Crc32c(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) crc = kCrcTable[(crc ^ c) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t MaskedCrc32c(std::string_view data) {
  const uint32_t crc = Crc32c(data);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string ScalarEvent(double wall_time, int64_t step, std::string_view tag, float value) {
  std::string v;
  PutBytesField(1, tag, &v);  // Summary.Value.tag
  PutVarint(2 << 3 | 5, &v);  // simple_value, fixed32
  PutFixed(value, &v);
  std::string summary;
  PutBytesField(1, v, &summary);  // Summary.value
  std::string event = EventHeader(wall_time, step);
  PutBytesField(5, summary, &event);  // Event.summary
  return event;
}

std::string TfRecord(std::string_view data) {
  std::string out;
  std::string length;
  PutFixed(static_cast<uint64_t>(data.size()), &length);
  out += length;
  PutFixed(MaskedCrc32c(length), &out);
  out.append(data);
  PutFixed(MaskedCrc32c(data), &out);
  return out;
}

absl::StatusOr<std::unique_ptr<TensorBoardWriter>> TensorBoardWriter::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(base::StrCat("cannot create ", dir, ": ", ec.message()));
  char host[256] = "localhost";
  ::gethostname(host, sizeof(host) - 1);
  const double now = Now();
  const std::string path = base::StrCat(dir, "/events.out.tfevents.", static_cast<int64_t>(now),
                                        ".", host);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return absl::InternalError(base::StrCat("cannot create ", path));
  std::unique_ptr<TensorBoardWriter> writer(new TensorBoardWriter(path, file));
  std::string first = EventHeader(now, 0);
  PutBytesField(3, "brain.Event:2", &first);  // file_version
  absl::Status s = writer->Write(TfRecord(first));
  if (!s.ok()) return s;
  return writer;
}

TensorBoardWriter::~TensorBoardWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status TensorBoardWriter::Write(std::string_view record) {
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size() ||
      std::fflush(file_) != 0) {
    return absl::InternalError(base::StrCat("cannot write ", path_));
  }
  return absl::OkStatus();
}

absl::Status TensorBoardWriter::AddScalar(std::string_view tag, float value, int64_t step) {
  return Write(TfRecord(ScalarEvent(Now(), step, tag, value)));
}

}  // namespace tracemill::train
