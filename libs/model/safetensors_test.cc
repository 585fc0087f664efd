#include "libs/model/safetensors.h"

#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"

namespace tracemill::model {
namespace {

using ::testing::HasSubstr;

std::string Floats(std::vector<float> values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// A file from a header text and a data buffer, as a raw byte string.
std::string RawFile(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + data;
}

absl::Status ParseError(const std::string& header, const std::string& data) {
  std::string file = RawFile(header, data);
  auto parsed = ParseSafetensorsHeader(file, file.size(), "x.safetensors");
  return parsed.ok() ? absl::OkStatus() : parsed.status();
}

TEST(SafetensorsTest, WriteThenReadBack) {
  const std::string dir = base::FreshTestDir();
  SafetensorsWriter writer;
  ASSERT_TRUE(writer.Add("b.weight", DType::kF32, {2, 3}, Floats({1, 2, 3, 4, 5, 6})).ok());
  ASSERT_TRUE(writer.Add("a.bias", DType::kBF16, {2}, std::string("\x80\x3f\x00\x40", 4)).ok());
  ASSERT_TRUE(writer.Add("ids", DType::kI64, {}, std::string(8, '\x01')).ok());
  ASSERT_TRUE(writer.Add("empty", DType::kF16, {0, 4}, "").ok());
  writer.SetMetadata("format", "pt");
  ASSERT_TRUE(writer.Write(dir + "/m.safetensors").ok());

  auto file = SafetensorsFile::Open(dir + "/m.safetensors");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->metadata().at("format"), "pt");
  ASSERT_EQ((*file)->tensors().size(), 4u);
  // Reference order: descending dtype size, then name.
  EXPECT_EQ((*file)->tensors()[0].name, "ids");
  EXPECT_EQ((*file)->tensors()[1].name, "b.weight");
  EXPECT_EQ((*file)->tensors()[2].name, "a.bias");
  EXPECT_EQ((*file)->tensors()[3].name, "empty");
  const TensorInfo* w = (*file)->Find("b.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, DType::kF32);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w->numel(), 6);
  EXPECT_EQ((*file)->Data(*w), Floats({1, 2, 3, 4, 5, 6}));
  EXPECT_EQ((*file)->Find("missing"), nullptr);
  EXPECT_EQ((*file)->Find("ids")->shape.size(), 0u);  // a scalar

  // The header is padded to 8 bytes so the data starts aligned.
  auto raw = base::ReadFile(dir + "/m.safetensors");
  ASSERT_TRUE(raw.ok());
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>((*raw)[i]);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(raw->substr(8, 22), R"({"__metadata__":{"form)");
}

TEST(SafetensorsTest, WriterRefusesMismatches) {
  SafetensorsWriter writer;
  EXPECT_FALSE(writer.Add("x", DType::kF32, {3}, Floats({1, 2})).ok());
  EXPECT_TRUE(writer.Add("x", DType::kF32, {2}, Floats({1, 2})).ok());
  EXPECT_FALSE(writer.Add("x", DType::kF32, {2}, Floats({1, 2})).ok());
  EXPECT_FALSE(writer.Add("__metadata__", DType::kF32, {2}, Floats({1, 2})).ok());
  EXPECT_FALSE(writer.Add("neg", DType::kF32, {-1}, "").ok());
  EXPECT_FALSE(writer.Write("/nonexistent/dir/m.safetensors").ok());
}

TEST(SafetensorsTest, DTypes) {
  DType d;
  for (std::string_view name : {"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16",
                                "BF16", "I32", "U32", "F32", "F64", "I64", "U64"}) {
    ASSERT_TRUE(ParseDType(name, &d)) << name;
    EXPECT_EQ(DTypeName(d), name);
  }
  EXPECT_FALSE(ParseDType("F4", &d));
  EXPECT_EQ(DTypeSize(DType::kBF16), 2u);
  EXPECT_EQ(DTypeSize(DType::kI64), 8u);
}

struct BadCase {
  const char* name;
  std::string header;
  std::string data;
  const char* expect;
};

TEST(SafetensorsTest, BadFilesAreClearErrors) {
  const std::string f8 = R"("dtype":"F32","shape":[2])";
  const std::vector<BadCase> cases = {
      {"not json", "{oops", "", "not valid JSON"},
      {"not object", "[1]", "", "does not start with"},
      {"scalar entry", R"({"a":5})", "", "tensor \"a\": must be an object"},
      {"no dtype", R"({"a":{"shape":[],"data_offsets":[0,0]}})", "", "missing \"dtype\""},
      {"unknown dtype", R"({"a":{"dtype":"F4","shape":[],"data_offsets":[0,1]}})", "x",
       "unknown dtype \"F4\""},
      {"negative dim", R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
       std::string(8, '\0'), "non-negative integers"},
      {"overflow", R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
       std::string(8, '\0'), "shape overflows"},
      {"bad offsets", "{\"a\":{" + f8 + R"(,"data_offsets":[0]}})", "", "[begin, end]"},
      {"end before begin", "{\"a\":{" + f8 + R"(,"data_offsets":[8,0]}})", "", "< begin"},
      {"wrong size", "{\"a\":{" + f8 + R"(,"data_offsets":[0,4]}})", std::string(4, '\0'),
       "4 bytes for shape of 2 F32"},
      {"gap", "{\"a\":{" + f8 + R"(,"data_offsets":[4,12]}})", std::string(12, '\0'),
       "a gap before it"},
      {"overlap",
       "{\"a\":{" + f8 + R"(,"data_offsets":[0,8]},"b":{)" + f8 + R"(,"data_offsets":[4,12]}})",
       std::string(12, '\0'), "overlaps"},
      {"trailing bytes", "{\"a\":{" + f8 + R"(,"data_offsets":[0,8]}})", std::string(9, '\0'),
       "cover 8 bytes but the data buffer has 9"},
      {"short data", "{\"a\":{" + f8 + R"(,"data_offsets":[0,8]}})", std::string(7, '\0'),
       "data buffer has 7"},
      {"duplicate",
       "{\"a\":{" + f8 + R"(,"data_offsets":[0,8]},"a":{)" + f8 + R"(,"data_offsets":[8,16]}})",
       std::string(16, '\0'), "\"a\" appears twice"},
      {"metadata not strings", R"({"__metadata__":{"k":1}})", "", "must be a string"},
  };
  for (const BadCase& c : cases) {
    absl::Status s = ParseError(c.header, c.data);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.expect)) << c.name;
    EXPECT_THAT(std::string(s.message()), HasSubstr("x.safetensors")) << c.name;
  }
  // Length prefix problems.
  auto tiny = ParseSafetensorsHeader("abc", 3, "x.safetensors");
  EXPECT_THAT(std::string(tiny.status().message()), HasSubstr("too short"));
  std::string huge(8, '\xff');
  auto big = ParseSafetensorsHeader(huge, 8, "x.safetensors");
  EXPECT_THAT(std::string(big.status().message()), HasSubstr("100 MB"));
  std::string past = RawFile("{}", "");
  past[0] = 50;
  auto p = ParseSafetensorsHeader(past, past.size(), "x.safetensors");
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("runs past the end"));
  // An empty object is a valid file with no tensors.
  std::string empty = RawFile("{}", "");
  EXPECT_TRUE(ParseSafetensorsHeader(empty, empty.size(), "x").ok());
}

TEST(SafetensorsTest, OpenErrors) {
  auto missing = SafetensorsFile::Open("/nonexistent/m.safetensors");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/empty.safetensors", "").ok());
  auto empty = SafetensorsFile::Open(dir + "/empty.safetensors");
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tracemill::model
