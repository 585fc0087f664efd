#include "libs/trace/dedupe.h"

#include <initializer_list>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "libs/base/str_cat.h"
#include "libs/trace/test_util.h"
#include "libs/trace/trace_json.h"

namespace tracemill::trace {
namespace {

// Replaces each "$NAME" key of `vars` in `tmpl` by its value.
constexpr std::string_view kNavigateTool = R"([{"type":"function","function":{
  "name":"browser_navigate","parameters":{"type":"object","properties":{"url":{"type":"string"}}}}}])";

constexpr std::string_view kTemplate = R"({$HEADER"messages":[
  {"role":"user","content":"Open trelis.com"},
  {"role":"assistant","content":"\n\n","tool_calls":[
    {"id":"$ID_A","type":"function","function":{"name":"browser_navigate","arguments":"$ARGS"}},
    {"id":"$ID_B","type":"function","function":{"name":"browser_snapshot","arguments":"{}"}}]},
  {"role":"tool","tool_call_id":"$ID_A","content":"$RESULT"},
  {"role":"tool","tool_call_id":"$ID_B","content":"snapshot"},
  {"role":"assistant","content":"Done."}],"tools":$TOOLS})";

// A two-call trace. `header` holds extra top-level members, each followed by a comma;
// `args_a` is the body of a JSON string literal.
Trace Make(std::string_view header, std::string_view id_a, std::string_view id_b,
           std::string_view args_a, std::string_view result_a = "navigated",
           std::string_view tools = kNavigateTool) {
  return ParseOrFail(Fill(kTemplate, {{"$HEADER", header},
                                      {"$ID_A", id_a},
                                      {"$ID_B", id_b},
                                      {"$ARGS", args_a},
                                      {"$RESULT", result_a},
                                      {"$TOOLS", tools}}));
}

constexpr std::string_view kArgs = R"({\"url\":\"https://trelis.com\",\"newTab\":false})";

TEST(ContentHashTest, IgnoresIdsTimestampModelAndMetadata) {
  constexpr std::string_view kHeaderA =
      R"("id":"run-1","timestamp":"20250529_101010","model":"Qwen/Qwen3-30B-A3B-FP8",)";
  constexpr std::string_view kHeaderB = R"("id":"run-2","timestamp":"20250601_090000",
    "model":"other","run_id":"r","outcome":{"status":"success"},"note":"x",)";
  Trace a = Make(kHeaderA, "chatcmpl-tool-aaa", "chatcmpl-tool-bbb", kArgs);
  Trace b = Make(kHeaderB, "chatcmpl-tool-111", "chatcmpl-tool-222", kArgs);
  b.provenance.push_back({"redact", "1 secret (hf_token)", 0});
  b.messages[0].extra["timestamp"] = "2025-06-01T09:00:00Z";
  b.messages[0].guidance = false;
  EXPECT_EQ(ContentHash(a), ContentHash(b));
}

TEST(ContentHashTest, IgnoresArgumentWhitespaceKeyOrderAndForm) {
  Trace a = Make("", "c1", "c2", kArgs);
  constexpr std::string_view kReordered =
      R"({ \"newTab\": false,\n  \"url\": \"https://trelis.com\" })";
  Trace b = Make("", "c1", "c2", kReordered);
  EXPECT_EQ(ContentHash(a), ContentHash(b));
  // Arguments given as an object rather than a string.
  Trace c = ParseOrFail(base::DumpJson(TraceToJson(a)));
  Json json = TraceToJson(a);
  json["messages"][1]["tool_calls"][0]["function"]["arguments"] =
      Json{{"newTab", false}, {"url", "https://trelis.com"}};
  absl::StatusOr<Trace> d = ParseTrace(json, "d");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(ContentHash(a), ContentHash(c));
  EXPECT_EQ(ContentHash(a), ContentHash(*d));
}

TEST(ContentHashTest, IgnoresToolSchemaKeyOrder) {
  Trace a = Make("", "c1", "c2", kArgs);
  constexpr std::string_view kReorderedTool = R"([{"function":{
    "parameters":{"properties":{"url":{"type":"string"}},"type":"object"},
    "name":"browser_navigate"},"type":"function"}])";
  Trace b = Make("", "c1", "c2", kArgs, "navigated", kReorderedTool);
  EXPECT_EQ(ContentHash(a), ContentHash(b));
}

TEST(ContentHashTest, ChangedContentDiffers) {
  Trace base = Make("", "c1", "c2", kArgs);
  auto digest = ContentHash(base);
  EXPECT_NE(digest, ContentHash(Make("", "c1", "c2", kArgs, "navigated!")));
  constexpr std::string_view kOtherUrl = R"({\"url\":\"https://trelis.com/x\",\"newTab\":false})";
  EXPECT_NE(digest, ContentHash(Make("", "c1", "c2", kOtherUrl)));
  EXPECT_NE(digest, ContentHash(Make("", "c1", "c2", kArgs, "navigated", "[]")));
  Trace edited = base;
  edited.messages.back().content = "Done!";
  EXPECT_NE(digest, ContentHash(edited));
  Trace reasoning = base;
  reasoning.messages.back().reasoning_content = "thinking";
  EXPECT_NE(digest, ContentHash(reasoning));
}

TEST(ContentHashTest, PairingOfCallsAndResultsMatters) {
  // Same ids, but the results answer the calls the other way round.
  Trace a = Make("", "c1", "c2", kArgs);
  Trace b = a;
  std::swap(b.messages[2].tool_call_id, b.messages[3].tool_call_id);
  EXPECT_NE(ContentHash(a), ContentHash(b));
}

TEST(ContentHashTest, InvalidJsonArgumentsAreVerbatim) {
  Trace a = Make("", "c1", "c2", R"({\"url\": )");
  Trace b = Make("", "c9", "c8", R"({\"url\": )");
  Trace c = Make("", "c1", "c2", R"({\"url\":  )");
  EXPECT_EQ(ContentHash(a), ContentHash(b));
  EXPECT_NE(ContentHash(a), ContentHash(c));
}

TEST(ContentHashTest, TooDeepArgumentsAreVerbatimAndDoNotOverflowTheStack) {
  constexpr int kDepth = 100000;
  Trace a = Make("", "c1", "c2", kArgs);
  a.messages[1].tool_calls[0].arguments = std::string(kDepth, '[') + "1" + std::string(kDepth, ']');
  Trace b = a;
  b.messages[1].tool_calls[0].arguments =
      std::string(kDepth, '[') + " 1" + std::string(kDepth, ']');
  EXPECT_EQ(ContentHash(a), ContentHash(a));
  EXPECT_NE(ContentHash(a), ContentHash(b));  // not canonicalised: whitespace counts
  Deduper deduper;
  EXPECT_TRUE(deduper.Insert(a));
  EXPECT_FALSE(deduper.Insert(a));
}

TEST(ContentHashTest, ContentPartsOfAnyShape) {
  Trace a = Make("", "c1", "c2", kArgs);
  a.messages[0].content.reset();
  a.messages[0].content_parts = Json::parse(R"([{"type":1,"text":"x"},{"type":"text","text":5}])");
  Trace b = a;
  b.messages[0].content_parts[1]["text"] = 6;
  EXPECT_NO_THROW(EXPECT_NE(ContentHash(a), ContentHash(b)));
}

TEST(ContentHashTest, EmptyTraces) {
  Trace e1 = ParseOrFail(R"({"id":"a","messages":[]})");
  Trace e2 = ParseOrFail(R"({"id":"b","model":"m","messages":[],"tools":[]})");
  EXPECT_EQ(ContentHash(e1), ContentHash(e2));
  EXPECT_NE(ContentHash(e1), ContentHash(Make("", "c1", "c2", kArgs)));
}

TEST(DeduperTest, CountsUniqueAndDuplicates) {
  Deduper d;
  EXPECT_TRUE(d.Insert(Make(R"("id":"1",)", "a", "b", kArgs)));
  EXPECT_FALSE(d.Insert(Make(R"("id":"2",)", "x", "y", kArgs)));
  EXPECT_TRUE(d.Insert(Make("", "a", "b", kArgs, "other result")));
  EXPECT_EQ(d.unique(), 2);
  EXPECT_EQ(d.duplicates(), 1);
}

TEST(DeduperTest, ManyDigestsAndTheZeroDigest) {
  Deduper d;
  d.Reserve(1000);
  constexpr int kN = 50000;  // forces several rehashes past the reservation
  for (int i = 0; i < kN; ++i) {
    EXPECT_TRUE(d.InsertHash(base::Sha256::Hash(std::to_string(i)))) << i;
  }
  for (int i = 0; i < kN; i += 7) EXPECT_FALSE(d.InsertHash(base::Sha256::Hash(std::to_string(i))));
  base::Sha256::Digest zero{};
  EXPECT_TRUE(d.InsertHash(zero));
  EXPECT_FALSE(d.InsertHash(zero));
  // Only the first 16 bytes are kept: digests differing after them count as equal.
  base::Sha256::Digest tail = zero;
  tail[31] = 1;
  EXPECT_FALSE(d.InsertHash(tail));
  EXPECT_EQ(d.unique(), kN + 1);
  EXPECT_EQ(d.duplicates(), (kN + 6) / 7 + 2);
}

}  // namespace
}  // namespace tracemill::trace
