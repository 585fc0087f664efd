#include "libs/base/json.h"

#include <limits>

#include "gtest/gtest.h"

namespace tracemill::base {
namespace {

TEST(JsonTest, KeepsKeyOrder) {
  auto v = ParseJson(R"({"b":1,"a":2})", "t");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(DumpJson(*v), R"({"b":1,"a":2})");
  EXPECT_EQ(CanonicalJson(*v), R"({"a":2,"b":1})");
}

TEST(JsonTest, CanonicalIsOrderIndependentAndNested) {
  auto a = ParseJson(R"({"x":{"q":[1,{"z":1,"y":2}],"p":null},"w":"s"})", "a");
  auto b = ParseJson(R"({"w":"s","x":{"p":null,"q":[1,{"y":2,"z":1}]}})", "b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(CanonicalJson(*a), CanonicalJson(*b));
}

TEST(JsonTest, MalformedNamesWhereAndPosition) {
  auto v = ParseJson(R"({"a": )", "traces/x.jsonl:7");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("traces/x.jsonl:7"), std::string::npos);
  EXPECT_NE(v.status().message().find("column"), std::string::npos);
}

TEST(JsonTest, ErrorsNeverEchoTheInput) {
  auto v = ParseJson(R"({"key": "hf_SECRETSECRETSECRET)", "x.jsonl:3");
  ASSERT_FALSE(v.ok());
  std::string msg(v.status().message());
  EXPECT_EQ(msg.find("SECRET"), std::string::npos) << msg;
  EXPECT_NE(msg.find("x.jsonl:3: malformed JSON"), std::string::npos) << msg;
}

TEST(JsonTest, DepthIsLimitedOnBothParsers) {
  std::string deep = std::string(5000, '[') + std::string(5000, ']');
  auto v = ParseJson(deep, "deep");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string(v.status().message()).find("nested deeper than"), std::string::npos);
  // A 30-digit integer makes simdjson give up; the fallback must keep the limit.
  std::string big = "[123456789012345678901234567890," + deep + "]";
  auto w = ParseJson(big, "big");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(std::string(w.status().message()).find("nested deeper than"), std::string::npos);
  auto ok = ParseJson("[123456789012345678901234567890]", "ok");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE((*ok)[0].is_number_float());
}

TEST(JsonTest, InvalidUtf8InStringIsAnError) {
  std::string text = "{\"a\":\"\xC3\x28\"}";
  EXPECT_FALSE(ParseJson(text, "t").ok());
}

TEST(JsonTest, DumpMatchesNlohmannByteForByte) {
  Json v = Json::object();
  v["text"] = std::string("quote \" back \\ nl \n cr \r tab \t bs \b ff \f nul ") +
              std::string(1, '\0') + "\x01\x1f del \x7f slash / 你好 👨\u200d👩";
  v["ints"] = {0, -1, 42, std::numeric_limits<int64_t>::min(),
               std::numeric_limits<uint64_t>::max()};
  v["floats"] = {0.5, 1.0, -2.25e-300, 1e300, 0.1};
  v["nested"] = {{"z", nullptr}, {"a", {true, false, Json::array(), Json::object()}}};
  v["bad utf8"] = std::string("\xff\xfe ok");
  EXPECT_EQ(DumpJson(v), v.dump(-1, ' ', false, Json::error_handler_t::replace));
  std::string out = "x";
  AppendJsonString(&out, "a\"b");
  EXPECT_EQ(out, "x\"a\\\"b\"");
}

TEST(JsonTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xE4\xBD\xA0\xE5\xA5\xBD"));      // 你好
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x91\xA8\xE2\x80\x8D"));  // 👨 + ZWJ
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                     // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                 // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));             // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE4\xBD"));                     // truncated
}

}  // namespace
}  // namespace tracemill::base
