#include "libs/eval/arg_match.h"

#include "gtest/gtest.h"

namespace tracemill::eval {
namespace {

const Json kSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "path": {"type": "string"},
    "head": {"type": "integer"},
    "scale": {"type": "number"},
    "recursive": {"type": "boolean", "default": false},
    "tags": {"type": "array", "items": {"type": "string"}},
    "options": {"type": "object", "properties": {"mode": {"type": "string"}}},
    "either": {"type": ["string", "null"]}
  },
  "required": ["path"]
})");

ArgMatch Match(std::string_view got, std::string_view want) {
  return MatchArguments(&kSchema, Json::parse(got), Json::parse(want));
}

TEST(ArgMatchTest, EqualArgumentsMatch) {
  EXPECT_TRUE(Match(R"({"path": "/a/b.txt"})", R"({"path": "/a/b.txt"})").ok);
  EXPECT_TRUE(Match(R"({"head": 3, "path": "x"})", R"({"path": "x", "head": 3})").ok);
}

TEST(ArgMatchTest, StringsAreTrimmedAndCaseFolded) {
  EXPECT_TRUE(Match(R"({"path": "  /A/B.txt "})", R"({"path": "/a/b.TXT"})").ok);
  ArgMatch m = Match(R"({"path": "/a/b-1.txt"})", R"({"path": "/a/b1.txt"})");
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.why.find("path"), std::string::npos) << m.why;
}

TEST(ArgMatchTest, NumbersCompareByValueButTypesFollowTheSchema) {
  EXPECT_TRUE(Match(R"({"path": "x", "scale": 2})", R"({"path": "x", "scale": 2.0})").ok);
  // "integer" wants an integral number, not 3.0 nor "3".
  EXPECT_FALSE(Match(R"({"path": "x", "head": 3.0})", R"({"path": "x", "head": 3})").ok);
  ArgMatch s = Match(R"({"path": "x", "head": "3"})", R"({"path": "x", "head": 3})");
  EXPECT_FALSE(s.ok);
  EXPECT_NE(s.why.find("type"), std::string::npos) << s.why;
  EXPECT_FALSE(Match(R"({"path": "x", "head": 4})", R"({"path": "x", "head": 3})").ok);
}

TEST(ArgMatchTest, RequiredMissingFails) {
  ArgMatch m = Match(R"({"head": 3})", R"({"path": "x", "head": 3})");
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.why.find("required"), std::string::npos) << m.why;
}

TEST(ArgMatchTest, ExtraKeysOnlyWhenTheSchemaDeclaresThem) {
  EXPECT_TRUE(Match(R"({"path": "x", "head": 5})", R"({"path": "x"})").ok);
  ArgMatch m = Match(R"({"path": "x", "colour": "red"})", R"({"path": "x"})");
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.why.find("colour"), std::string::npos) << m.why;
  // An optional key the reference gives must be there, unless it is the default.
  EXPECT_FALSE(Match(R"({"path": "x"})", R"({"path": "x", "head": 2})").ok);
  EXPECT_TRUE(Match(R"({"path": "x"})", R"({"path": "x", "recursive": false})").ok);
  EXPECT_FALSE(Match(R"({"path": "x"})", R"({"path": "x", "recursive": true})").ok);
}

TEST(ArgMatchTest, ArraysAndObjectsStructurally) {
  EXPECT_TRUE(Match(R"({"path": "x", "tags": ["A", "b"]})", R"({"path": "x", "tags": ["a", "B "]})").ok);
  EXPECT_FALSE(Match(R"({"path": "x", "tags": ["b", "a"]})", R"({"path": "x", "tags": ["a", "b"]})").ok);
  EXPECT_FALSE(Match(R"({"path": "x", "tags": ["a", 1]})", R"({"path": "x", "tags": ["a", "1"]})").ok);
  EXPECT_TRUE(Match(R"({"path": "x", "options": {"mode": "Fast"}})", R"({"path": "x", "options": {"mode": "fast"}})").ok);
  EXPECT_FALSE(Match(R"({"path": "x", "options": {"mode": "fast", "x": 1}})",
                     R"({"path": "x", "options": {"mode": "fast"}})").ok);
  EXPECT_TRUE(Match(R"({"path": "x", "either": null})", R"({"path": "x", "either": null})").ok);
  EXPECT_FALSE(Match(R"({"path": "x", "either": 1})", R"({"path": "x", "either": null})").ok);
}

TEST(ArgMatchTest, NonObjectArgumentsAndNoSchema) {
  EXPECT_FALSE(MatchArguments(&kSchema, Json::array(), Json::object()).ok);
  EXPECT_FALSE(MatchArguments(&kSchema, Json("x"), Json::object()).ok);
  EXPECT_TRUE(MatchArguments(nullptr, Json::parse(R"({"a": [1, {"b": "X"}]})"), Json::parse(R"({"a": [1.0, {"b": "x"}]})")).ok);
  EXPECT_FALSE(MatchArguments(nullptr, Json::parse(R"({"a": 1, "b": 2})"), Json::parse(R"({"a": 1})")).ok);
  EXPECT_FALSE(MatchArguments(nullptr, Json::parse(R"({"a": true})"), Json::parse(R"({"a": 1})")).ok);
}

}  // namespace
}  // namespace tracemill::eval
