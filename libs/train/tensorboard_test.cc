#include "libs/train/tensorboard.h"

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"

namespace tracemill::train {
namespace {

TEST(TensorBoardTest, Crc32cKnownValues) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);  // the CRC-32C check value
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
}

// A minimal independent reader: TFRecord frames, CRCs, and the Event fields we write.
struct Parsed {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version, tag;
  float value = 0;
};

uint64_t Varint(std::string_view s, size_t* i) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<unsigned char>(s[(*i)++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
}

void ParseMessage(std::string_view s, int depth, Parsed* out) {
  size_t i = 0;
  while (i < s.size()) {
    const uint64_t key = Varint(s, &i);
    const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
    if (wire == 1) {
      std::memcpy(&out->wall_time, s.data() + i, 8);
      i += 8;
    } else if (wire == 5) {
      std::memcpy(&out->value, s.data() + i, 4);
      i += 4;
    } else if (wire == 0) {
      out->step = static_cast<int64_t>(Varint(s, &i));
    } else if (wire == 2) {
      const size_t n = Varint(s, &i);
      std::string_view body = s.substr(i, n);
      i += n;
      if (depth == 0 && field == 3) out->file_version = std::string(body);
      else if (depth == 2 && field == 1) out->tag = std::string(body);
      else ParseMessage(body, depth + 1, out);
    }
  }
}

std::vector<Parsed> ReadEvents(const std::string& bytes) {
  std::vector<Parsed> out;
  size_t i = 0;
  while (i < bytes.size()) {
    uint64_t len;
    std::memcpy(&len, bytes.data() + i, 8);
    uint32_t len_crc, data_crc;
    std::memcpy(&len_crc, bytes.data() + i + 8, 4);
    EXPECT_EQ(len_crc, MaskedCrc32c(std::string_view(bytes).substr(i, 8)));
    std::string_view data = std::string_view(bytes).substr(i + 12, len);
    std::memcpy(&data_crc, bytes.data() + i + 12 + len, 4);
    EXPECT_EQ(data_crc, MaskedCrc32c(data));
    Parsed p;
    ParseMessage(data, 0, &p);
    out.push_back(p);
    i += 12 + len + 4;
  }
  return out;
}

TEST(TensorBoardTest, WritesAReadableEventFile) {
  const std::string dir = base::FreshTestDir() + "/tb";
  auto writer = TensorBoardWriter::Open(dir);
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ(std::filesystem::path((*writer)->path()).filename().string().rfind("events.out.tfevents.", 0), 0u);
  ASSERT_TRUE((*writer)->AddScalar("train/loss", 2.5f, 1).ok());
  ASSERT_TRUE((*writer)->AddScalar("eval/loss", 1.25f, 300).ok());
  auto bytes = base::ReadFile((*writer)->path());
  ASSERT_TRUE(bytes.ok());
  std::vector<Parsed> events = ReadEvents(*bytes);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_GT(events[0].wall_time, 1.7e9);
  EXPECT_EQ(events[1].tag, "train/loss");
  EXPECT_EQ(events[1].step, 1);
  EXPECT_EQ(events[1].value, 2.5f);
  EXPECT_EQ(events[2].tag, "eval/loss");
  EXPECT_EQ(events[2].step, 300);
  EXPECT_EQ(events[2].value, 1.25f);
}

// The bytes of one record, checked against a frame computed by hand from the spec.
TEST(TensorBoardTest, RecordFraming) {
  std::string rec = TfRecord("abc");
  ASSERT_EQ(rec.size(), 8u + 4 + 3 + 4);
  EXPECT_EQ(rec.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(rec.substr(12, 3), "abc");
  std::string event = ScalarEvent(0.0, 7, "t", 1.0f);
  // wall_time (09 + 8 zero bytes), step (10 07), summary (2a len (0a len (0a 01 't' 15 f32))).
  EXPECT_EQ(event, std::string("\x09\0\0\0\0\0\0\0\0\x10\x07\x2a\x0a\x0a\x08\x0a\x01t\x15\0\0\x80\x3f", 23));
}

}  // namespace
}  // namespace tracemill::train
