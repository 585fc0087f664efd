#include "libs/trace/edits.h"

#include <initializer_list>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "libs/base/json.h"
#include "libs/base/str_cat.h"
#include "libs/trace/test_util.h"
#include "libs/trace/trace_json.h"

namespace tracemill::trace {
namespace {

// system, user, assistant(2 calls), tool, tool, assistant, user, assistant.
constexpr std::string_view kTwoTurns = R"({"id":"t1","messages":[
  {"role":"system","content":"You are a browser agent."},
  {"role":"user","content":"Open trelis.com"},
  {"role":"assistant","content":"\n\n","tool_calls":[
    {"id":"call_a","type":"function","function":{"name":"browser_navigate","arguments":"{\"url\":\"https://trelis.com\"}"}},
    {"id":"call_b","type":"function","function":{"name":"browser_snapshot","arguments":"{}"}}]},
  {"role":"tool","tool_call_id":"call_a","content":"navigated"},
  {"role":"tool","tool_call_id":"call_b","content":"snapshot"},
  {"role":"assistant","content":"Done."},
  {"role":"user","content":"Thanks"},
  {"role":"assistant","content":"You're welcome."}]})";

std::vector<std::string> Roles(const Trace& t) {
  std::vector<std::string> out;
  for (const Message& m : t.messages) out.emplace_back(RoleName(m.role));
  return out;
}

// Replaces each "$NAME" key of `vars` in `tmpl` by its value.
constexpr std::string_view kToolResult = R"({"id":"t","messages":[
  {"role":"user","content":"go"},
  {"role":"assistant","content":"","tool_calls":[
    {"id":"c1","type":"function","function":{"name":"snap","arguments":"{}"}}]},
  {"role":"tool","tool_call_id":"c1","content":"$CONTENT"}]})";

// A trace whose only tool message has `content` (the body of a JSON string literal).
Trace ToolResultTrace(std::string_view content) {
  return ParseOrFail(Fill(kToolResult, {{"$CONTENT", content}}));
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out.append(s);
  return out;
}

// ---- code points (base/utf8.h, which truncation counts with) ----

TEST(CodePointTest, CountsAndPrefixes) {
  using base::CodePointCount;
  using base::CodePointPrefixBytes;
  EXPECT_EQ(CodePointCount(""), 0u);
  EXPECT_EQ(CodePointCount("abc"), 3u);
  EXPECT_EQ(CodePointCount("\xE4\xBD\xA0\xE5\xA5\xBD"), 2u);  // 你好
  constexpr std::string_view kSmile = "a\U0001F600b";         // a😀b, the emoji in 4 bytes
  EXPECT_EQ(kSmile.size(), 6u);
  EXPECT_EQ(CodePointCount(kSmile), 3u);
  EXPECT_EQ(CodePointPrefixBytes(kSmile, 0), 0u);
  EXPECT_EQ(CodePointPrefixBytes(kSmile, 1), 1u);
  EXPECT_EQ(CodePointPrefixBytes(kSmile, 2), 5u);
  EXPECT_EQ(CodePointPrefixBytes(kSmile, 3), 6u);
  EXPECT_EQ(CodePointPrefixBytes(kSmile, 99), 6u);
  EXPECT_EQ(CodePointPrefixBytes("", 5), 0u);
}

// ---- TruncateToolResults ----

TEST(TruncateTest, AsciiGetsReferenceMarker) {
  Trace t = ToolResultTrace(std::string(54012, 'a'));
  EXPECT_EQ(TruncateToolResults(&t, 16000), 1);
  const std::string& c = *t.messages[2].content;
  EXPECT_EQ(c, std::string(16000, 'a') + "\n[Content truncated to 16000 characters]");
  EXPECT_EQ(c.size(), 16040u);  // the length seen in the reference agent's traces
  ASSERT_EQ(t.provenance.size(), 1u);
  EXPECT_EQ(t.provenance[0].op, "truncate_tool_result");
  EXPECT_EQ(t.provenance[0].detail, "truncated tool result from 54012 to 16000 characters");
  EXPECT_EQ(t.provenance[0].message_index, 2);
  EXPECT_EQ(TruncationMarker(4000), "\n[Content truncated to 4000 characters]");
}

TEST(TruncateTest, LeavesShortResultsAndOtherRolesAlone) {
  Trace t = ToolResultTrace(std::string(10, 'x'));
  t.messages[0].content = std::string(100, 'u');  // a long user message is not a tool result
  EXPECT_EQ(TruncateToolResults(&t, 10), 0);      // exactly max_chars: within limits
  EXPECT_EQ(*t.messages[2].content, std::string(10, 'x'));
  EXPECT_EQ(t.messages[0].content->size(), 100u);
  EXPECT_TRUE(t.provenance.empty());
}

TEST(TruncateTest, ZeroDisables) {
  Trace t = ToolResultTrace("abcdef");
  EXPECT_EQ(TruncateToolResults(&t, 0), 0);
  EXPECT_EQ(*t.messages[2].content, "abcdef");
}

TEST(TruncateTest, CountsCodePointsNotBytes) {
  // 10 CJK characters, 30 bytes: within a 10-character limit.
  std::string cjk = Repeat("\xE6\xBC\xA2", 10);  // 漢
  Trace t = ToolResultTrace(cjk);
  EXPECT_EQ(TruncateToolResults(&t, 10), 0);
  EXPECT_EQ(TruncateToolResults(&t, 4), 1);
  EXPECT_EQ(*t.messages[2].content,
            Repeat("\xE6\xBC\xA2", 4) + "\n[Content truncated to 4 characters]");
  EXPECT_TRUE(base::IsValidUtf8(*t.messages[2].content));
  EXPECT_EQ(t.provenance[0].detail, "truncated tool result from 10 to 4 characters");
}

TEST(TruncateTest, NeverSplitsAnEmojiAtTheCut) {
  // "ab😀c": the cut after 3 code points keeps the whole 4-byte emoji; after 2 drops it.
  Trace t = ToolResultTrace("ab\U0001F600cd");
  Trace u = t;
  EXPECT_EQ(TruncateToolResults(&t, 3), 1);
  EXPECT_EQ(*t.messages[2].content, "ab\U0001F600\n[Content truncated to 3 characters]");
  EXPECT_EQ(TruncateToolResults(&u, 2), 1);
  EXPECT_EQ(*u.messages[2].content, "ab\n[Content truncated to 2 characters]");
  EXPECT_TRUE(base::IsValidUtf8(*t.messages[2].content));
  EXPECT_TRUE(base::IsValidUtf8(*u.messages[2].content));
}

TEST(TruncateTest, IsIdempotent) {
  Trace t = ToolResultTrace(Repeat("\xE4\xBD\xA0", 500));
  EXPECT_EQ(TruncateToolResults(&t, 100), 1);
  std::string once = *t.messages[2].content;
  EXPECT_EQ(TruncateToolResults(&t, 100), 0);
  EXPECT_EQ(*t.messages[2].content, once);
  EXPECT_EQ(t.provenance.size(), 1u);
}

TEST(TruncateTest, ReferenceMarkerFromTheCollectorIsRespected) {
  // As the reference agent stored it with --truncate 16000.
  std::string stored = std::string(16000, 'z') + "\\n[Content truncated to 16000 characters]";
  Trace t = ToolResultTrace(stored);
  std::string before = *t.messages[2].content;
  EXPECT_EQ(TruncateToolResults(&t, 16000), 0);
  EXPECT_EQ(TruncateToolResults(&t, 20000), 0);  // a looser limit: nothing to cut
  EXPECT_EQ(*t.messages[2].content, before);
  // A stricter limit cuts the text before the old marker and replaces the marker.
  EXPECT_EQ(TruncateToolResults(&t, 4000), 1);
  EXPECT_EQ(*t.messages[2].content,
            std::string(4000, 'z') + "\n[Content truncated to 4000 characters]");
  EXPECT_EQ(t.provenance.back().detail, "truncated tool result from 16000 to 4000 characters");
}

TEST(TruncateTest, SmallerThenLargerLimitKeepsTheSmallerCut) {
  Trace t = ToolResultTrace(std::string(300, 'q'));
  EXPECT_EQ(TruncateToolResults(&t, 50), 1);
  std::string at50 = *t.messages[2].content;
  EXPECT_EQ(TruncateToolResults(&t, 100), 0);
  EXPECT_EQ(*t.messages[2].content, at50);
}

TEST(TruncateTest, ContentPartsShareTheBudget) {
  Trace t = ParseOrFail(R"({"id":"t","messages":[
    {"role":"user","content":"go"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"snap","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":[
      {"type":"text","text":"0123456789"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},
      {"type":"text","text":"abcdefghij"},
      {"type":"text","text":"KLMNOP"}]}]})");
  EXPECT_EQ(TruncateToolResults(&t, 15), 1);
  const Json& parts = t.messages[2].content_parts;
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]["text"], "0123456789");
  EXPECT_EQ(parts[1]["type"], "image_url");
  EXPECT_EQ(parts[2]["text"], "abcde\n[Content truncated to 15 characters]");
  EXPECT_EQ(t.provenance[0].detail, "truncated tool result from 26 to 15 characters");
  EXPECT_EQ(TruncateToolResults(&t, 15), 0);
}

TEST(TruncateTest, NullContentAndEmptyTrace) {
  Trace t =
      ParseOrFail(R"({"id":"t","messages":[{"role":"tool","tool_call_id":"x","content":null}]})");
  EXPECT_EQ(TruncateToolResults(&t, 5), 0);
  Trace empty = ParseOrFail(R"({"id":"e","messages":[]})");
  EXPECT_EQ(TruncateToolResults(&empty, 5), 0);
}

// ---- TruncateToolResultsToTokens ----

// A stand-in tokenizer: every byte is a token, except that "ab" is one token.
TokenCounter PairCounter() {
  TokenCounter c;
  c.count = [](std::string_view s) {
    size_t n = 0;
    for (size_t i = 0; i < s.size(); ++i, ++n) {
      if (s.compare(i, 2, "ab") == 0) ++i;
    }
    return n;
  };
  c.prefix_bytes = [](std::string_view s, size_t n) {
    size_t i = 0;
    for (size_t k = 0; k < n && i < s.size(); ++k) i += s.compare(i, 2, "ab") == 0 ? 2 : 1;
    return i;
  };
  return c;
}

TEST(TruncateTokensTest, CutsAtTheTokenBudgetWithATokenMarker) {
  Trace t = ToolResultTrace(Repeat("ab", 10) + "xyz");  // 13 tokens, 23 bytes
  EXPECT_EQ(TruncateToolResultsToTokens(&t, 4, PairCounter()), 1);
  EXPECT_EQ(*t.messages[2].content, "abababab\n[Content truncated to 4 tokens]");
  EXPECT_EQ(t.provenance.back().op, "truncate_tool_result");
  EXPECT_EQ(t.provenance.back().detail, "truncated tool result from 13 to 4 tokens");
  // Idempotent, and a looser limit changes nothing.
  EXPECT_EQ(TruncateToolResultsToTokens(&t, 4, PairCounter()), 0);
  EXPECT_EQ(TruncateToolResultsToTokens(&t, 10, PairCounter()), 0);
  // A stricter one replaces the marker.
  EXPECT_EQ(TruncateToolResultsToTokens(&t, 2, PairCounter()), 1);
  EXPECT_EQ(*t.messages[2].content, "abab\n[Content truncated to 2 tokens]");
}

TEST(TruncateTokensTest, WithinBudgetZeroAndMissingCounterDoNothing) {
  Trace t = ToolResultTrace(Repeat("ab", 10));
  EXPECT_EQ(TruncateToolResultsToTokens(&t, 10, PairCounter()), 0);  // exactly 10 tokens
  EXPECT_EQ(TruncateToolResultsToTokens(&t, 0, PairCounter()), 0);
  EXPECT_EQ(TruncateToolResultsToTokens(&t, 3, TokenCounter{}), 0);
  EXPECT_EQ(*t.messages[2].content, Repeat("ab", 10));
}

TEST(TruncateTokensTest, CharacterThenTokenMarkersCompose) {
  Trace t = ToolResultTrace(Repeat("ab", 100));
  EXPECT_EQ(TruncateToolResults(&t, 50), 1);  // 50 chars = 25 tokens
  EXPECT_EQ(TruncateToolResultsToTokens(&t, 10, PairCounter()), 1);
  EXPECT_EQ(*t.messages[2].content, Repeat("ab", 10) + "\n[Content truncated to 10 tokens]");
  EXPECT_EQ(TruncateToolResults(&t, 50), 0);
}

TEST(TruncateTokensTest, ContentPartsShareTheBudget) {
  Trace t = ParseOrFail(R"({"id":"t","messages":[
    {"role":"user","content":"go"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"snap","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":[
      {"type":"text","text":"ababab"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},
      {"type":"text","text":"abababab"}]}]})");
  EXPECT_EQ(TruncateToolResultsToTokens(&t, 5, PairCounter()), 1);
  const Json& parts = t.messages[2].content_parts;
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]["text"], "ababab");
  EXPECT_EQ(parts[2]["text"], "abab\n[Content truncated to 5 tokens]");
}

// ---- DeleteMessage ----

TEST(DeleteMessageTest, AssistantTakesItsToolResults) {
  Trace t = ParseOrFail(kTwoTurns);
  ASSERT_TRUE(DeleteMessage(&t, 2).ok());
  EXPECT_EQ(Roles(t),
            (std::vector<std::string>{"system", "user", "assistant", "user", "assistant"}));
  EXPECT_EQ(*t.messages[2].content, "Done.");
  ASSERT_EQ(t.provenance.size(), 1u);
  EXPECT_EQ(t.provenance[0].op, "delete_message");
  EXPECT_EQ(t.provenance[0].detail,
            "deleted assistant message and the 2 tool results answering its calls");
  EXPECT_EQ(t.provenance[0].message_index, 2);
}

TEST(DeleteMessageTest, PlainMessages) {
  Trace t = ParseOrFail(kTwoTurns);
  ASSERT_TRUE(DeleteMessage(&t, 7).ok());  // final assistant, no calls
  ASSERT_TRUE(DeleteMessage(&t, 0).ok());  // system
  EXPECT_EQ(t.messages.size(), 6u);
  EXPECT_EQ(t.provenance[0].detail, "deleted assistant message");
  EXPECT_EQ(t.provenance[1].detail, "deleted system message");
}

TEST(DeleteMessageTest, ToolMessageAloneIsRefused) {
  Trace t = ParseOrFail(kTwoTurns);
  absl::Status s = DeleteMessage(&t, 4);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  std::string msg(s.message());
  EXPECT_NE(msg.find("t1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("message 4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("call_b"), std::string::npos) << msg;
  EXPECT_NE(msg.find("assistant message at index 2"), std::string::npos) << msg;
  EXPECT_EQ(t.messages.size(), 8u);
  EXPECT_TRUE(t.provenance.empty());
}

TEST(DeleteMessageTest, OutOfRange) {
  Trace t = ParseOrFail(kTwoTurns);
  for (int index : {-1, 8, 1000}) {
    absl::Status s = DeleteMessage(&t, index);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    std::string msg(s.message());
    EXPECT_NE(msg.find("\"t1\""), std::string::npos) << msg;
    EXPECT_NE(msg.find(base::StrCat("index ", index)), std::string::npos) << msg;
  }
  Trace empty = ParseOrFail(R"({"id":"e","messages":[]})");
  EXPECT_EQ(DeleteMessage(&empty, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.messages.size(), 8u);
}

// ---- DeleteUserTurn ----

TEST(DeleteUserTurnTest, DeletesUpToTheNextUserMessage) {
  Trace t = ParseOrFail(kTwoTurns);
  ASSERT_TRUE(DeleteUserTurn(&t, 0).ok());
  EXPECT_EQ(Roles(t), (std::vector<std::string>{"system", "user", "assistant"}));
  EXPECT_EQ(*t.messages[1].content, "Thanks");
  ASSERT_EQ(t.provenance.size(), 1u);
  EXPECT_EQ(t.provenance[0].op, "delete_user_turn");
  EXPECT_EQ(t.provenance[0].detail, "deleted user turn 0 (5 messages, 1-5)");
  EXPECT_EQ(t.provenance[0].message_index, 1);
}

TEST(DeleteUserTurnTest, LastTurnRunsToTheEnd) {
  Trace t = ParseOrFail(kTwoTurns);
  ASSERT_TRUE(DeleteUserTurn(&t, 1).ok());
  EXPECT_EQ(t.messages.size(), 6u);
  EXPECT_EQ(t.messages.back().role, Role::kAssistant);
  EXPECT_EQ(t.provenance[0].message_index, 6);
}

TEST(DeleteUserTurnTest, OutOfRange) {
  Trace t = ParseOrFail(kTwoTurns);
  absl::Status s = DeleteUserTurn(&t, 2);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("user turn 2 out of range (2 user messages)"),
            std::string::npos)
      << s;
  EXPECT_EQ(DeleteUserTurn(&t, -1).code(), absl::StatusCode::kInvalidArgument);
  Trace empty = ParseOrFail(R"({"id":"e","messages":[]})");
  EXPECT_EQ(DeleteUserTurn(&empty, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.messages.size(), 8u);
}

// ---- DeleteMessages ----

std::string Dump(const Trace& t) { return base::DumpJson(TraceToJson(t)); }

TEST(DeleteMessagesTest, MessageInsideADeletedTurnIsErasedOnce) {
  Trace t = ParseOrFail(kTwoTurns);
  // Turn 1 is messages 6-7; message 7 lies inside it; message 2 takes its tool results.
  ASSERT_TRUE(DeleteMessages(&t, {7, 2}, {1}).ok());
  EXPECT_EQ(Roles(t), (std::vector<std::string>{"system", "user", "assistant"}));
  EXPECT_EQ(*t.messages[2].content, "Done.");
  ASSERT_EQ(t.provenance.size(), 3u);  // one per reference, back to front
  EXPECT_EQ(t.provenance[0].op, "delete_message");
  EXPECT_EQ(t.provenance[0].message_index, 7);
  EXPECT_EQ(t.provenance[0].detail, "deleted assistant message");
  EXPECT_EQ(t.provenance[1].op, "delete_user_turn");
  EXPECT_EQ(t.provenance[1].message_index, 6);
  EXPECT_EQ(t.provenance[1].detail, "deleted user turn 1 (2 messages, 6-7)");
  EXPECT_EQ(t.provenance[2].op, "delete_message");
  EXPECT_EQ(t.provenance[2].message_index, 2);
  EXPECT_EQ(t.provenance[2].detail,
            "deleted assistant message and the 2 tool results answering its calls");
}

TEST(DeleteMessagesTest, SameIndexTwice) {
  Trace t = ParseOrFail(kTwoTurns);
  ASSERT_TRUE(DeleteMessages(&t, {5, 5}, {}).ok());
  EXPECT_EQ(t.messages.size(), 7u);
  EXPECT_EQ(*t.messages[5].content, "Thanks");
  ASSERT_EQ(t.provenance.size(), 2u);
  for (const Provenance& p : t.provenance) {
    EXPECT_EQ(p.op, "delete_message");
    EXPECT_EQ(p.message_index, 5);
  }
  Trace u = ParseOrFail(kTwoTurns);
  ASSERT_TRUE(DeleteMessages(&u, {}, {0, 0}).ok());
  EXPECT_EQ(Roles(u), (std::vector<std::string>{"system", "user", "assistant"}));
  EXPECT_EQ(u.provenance.size(), 2u);
}

TEST(DeleteMessagesTest, TurnsReferToTheInputNotToTheTraceAfterEarlierDeletions) {
  Trace t = ParseOrFail(kTwoTurns);
  // Deleting user message 1 first, one by one, would make "Thanks" turn 0 and turn 1
  // out of range; in one step turn 1 is "Thanks" and its answer.
  ASSERT_TRUE(DeleteMessages(&t, {1}, {1}).ok());
  EXPECT_EQ(Roles(t),
            (std::vector<std::string>{"system", "assistant", "tool", "tool", "assistant"}));
  EXPECT_EQ(*t.messages[4].content, "Done.");
  ASSERT_EQ(t.provenance.size(), 2u);
  EXPECT_EQ(t.provenance[0].op, "delete_user_turn");
  EXPECT_EQ(t.provenance[0].message_index, 6);
  EXPECT_EQ(t.provenance[1].op, "delete_message");
  EXPECT_EQ(t.provenance[1].message_index, 1);
  EXPECT_EQ(t.provenance[1].detail, "deleted user message");
}

TEST(DeleteMessagesTest, OrderDoesNotMatterAndTiesPutMessagesFirst) {
  Trace a = ParseOrFail(kTwoTurns);
  Trace b = ParseOrFail(kTwoTurns);
  ASSERT_TRUE(DeleteMessages(&a, {1, 0}, {1}).ok());
  ASSERT_TRUE(DeleteMessages(&b, {0, 1}, {1}).ok());
  EXPECT_EQ(a.messages.size(), 4u);
  EXPECT_EQ(Dump(a), Dump(b));
  // Message 1 is also the first message of turn 0.
  Trace t = ParseOrFail(kTwoTurns);
  ASSERT_TRUE(DeleteMessages(&t, {1}, {0}).ok());
  EXPECT_EQ(Roles(t), (std::vector<std::string>{"system", "user", "assistant"}));
  ASSERT_EQ(t.provenance.size(), 2u);
  EXPECT_EQ(t.provenance[0].op, "delete_message");
  EXPECT_EQ(t.provenance[1].op, "delete_user_turn");
  EXPECT_EQ(t.provenance[1].message_index, 1);
}

TEST(DeleteMessagesTest, ErrorsLeaveTheTraceUnchanged) {
  const Trace original = ParseOrFail(kTwoTurns);
  const std::string before = Dump(original);
  struct Case {
    std::vector<int> messages;
    std::vector<int> turns;
    std::string want;
  };
  for (const Case& c : std::vector<Case>{
           {{2, 4}, {}, "message 4 is a tool result"},
           {{0}, {2}, "user turn 2 out of range (2 user messages)"},
           {{1, 8}, {0}, "message index 8 out of range (8 messages)"},
           {{-1}, {}, "message index -1 out of range"},
           {{}, {0, -1}, "user turn -1 out of range"},
       }) {
    Trace t = original;
    absl::Status s = DeleteMessages(&t, c.messages, c.turns);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.want;
    EXPECT_NE(s.message().find("\"t1\""), std::string::npos) << s;
    EXPECT_NE(s.message().find(c.want), std::string::npos) << s;
    EXPECT_EQ(Dump(t), before) << c.want;
    EXPECT_TRUE(t.provenance.empty());
  }
}

TEST(DeleteMessagesTest, NothingNamedIsNoChange) {
  Trace t = ParseOrFail(kTwoTurns);
  ASSERT_TRUE(DeleteMessages(&t, {}, {}).ok());
  EXPECT_EQ(t.messages.size(), 8u);
  EXPECT_TRUE(t.provenance.empty());
}

// ---- content parts of any shape ----

// Parts that look like text parts but are not: a non-string type, a non-string text.
constexpr std::string_view kOddParts =
    R"([{"type":1,"text":"x"},{"type":"text","text":5},{"type":"text","text":"abcdef"}])";

Trace OddPartsTrace() {
  Trace t = ParseOrFail(R"({"id":"odd","messages":[
    {"role":"system","content":"sys"},
    {"role":"user","content":"a"},
    {"role":"user","content":"b"},
    {"role":"assistant","content":"","tool_calls":[
      {"id":"c1","type":"function","function":{"name":"snap","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"r"},
    {"role":"assistant","content":"Done."}]})");
  for (size_t i : {2, 4, 5}) {
    t.messages[i].content.reset();
    t.messages[i].content_parts = Json::parse(kOddParts);
  }
  return t;
}

TEST(OddContentPartsTest, EveryEditCopes) {
  Trace t = OddPartsTrace();
  EXPECT_NO_THROW(EXPECT_EQ(DropGuidance(&t, {"x", "5"}), 0));
  EXPECT_NO_THROW(EXPECT_EQ(DropGuidance(&t, {"sys"}), 1));
  ASSERT_EQ(t.messages.size(), 5u);
  EXPECT_NO_THROW(EXPECT_EQ(MergeConsecutiveUserTurns(&t), 1));
  // Only the real text part is text: the others are kept as parts, in order.
  const Json& merged = t.messages[0].content_parts;
  ASSERT_EQ(merged.size(), 4u) << merged.dump();
  EXPECT_EQ(merged[0], Json::parse(R"({"type":"text","text":"a\n\n"})"));
  EXPECT_EQ(merged[1]["type"], 1);
  EXPECT_EQ(merged[2]["text"], 5);
  EXPECT_EQ(merged[3]["text"], "abcdef");
  EXPECT_NO_THROW(EXPECT_EQ(TruncateToolResults(&t, 3), 1));
  const Json& tool = t.messages[2].content_parts;
  ASSERT_EQ(tool.size(), 3u) << tool.dump();
  EXPECT_EQ(tool[0]["text"], "x");
  EXPECT_EQ(tool[1]["text"], 5);
  EXPECT_EQ(tool[2]["text"], "abc\n[Content truncated to 3 characters]");
  EXPECT_NO_THROW(EXPECT_TRUE(DeleteMessages(&t, {1}, {0}).ok()));
  EXPECT_TRUE(t.messages.empty());
}

// ---- MergeConsecutiveUserTurns ----

TEST(MergeUserTurnsTest, MergesRunsAndRecordsBackToFront) {
  Trace t = ParseOrFail(R"({"id":"m","messages":[
    {"role":"system","content":"sys"},
    {"role":"user","content":"a"},
    {"role":"user","content":"b"},
    {"role":"assistant","content":"ok"},
    {"role":"user","content":"c"},
    {"role":"user","content":null},
    {"role":"user","content":[{"type":"text","text":"d1"},{"type":"text","text":"d2"}]}]})");
  EXPECT_EQ(MergeConsecutiveUserTurns(&t), 2);
  EXPECT_EQ(Roles(t), (std::vector<std::string>{"system", "user", "assistant", "user"}));
  EXPECT_EQ(*t.messages[1].content, "a\n\nb");
  EXPECT_EQ(*t.messages[3].content, "c\n\nd1d2");  // null content adds no separator
  EXPECT_TRUE(t.messages[3].content_parts.is_null());
  ASSERT_EQ(t.provenance.size(), 2u);
  EXPECT_EQ(t.provenance[0].detail, "merged 3 consecutive user messages (4-6)");
  EXPECT_EQ(t.provenance[0].message_index, 4);
  EXPECT_EQ(t.provenance[1].detail, "merged 2 consecutive user messages (1-2)");
  EXPECT_EQ(t.provenance[1].message_index, 1);
  EXPECT_EQ(MergeConsecutiveUserTurns(&t), 0);
}

TEST(MergeUserTurnsTest, CustomSeparatorAndNonTextParts) {
  Trace t = ParseOrFail(R"({"id":"m","messages":[
    {"role":"user","content":"look"},
    {"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}},
                              {"type":"text","text":"this"}]}]})");
  EXPECT_EQ(MergeConsecutiveUserTurns(&t, " | "), 1);
  ASSERT_EQ(t.messages.size(), 1u);
  EXPECT_FALSE(t.messages[0].content.has_value());
  const Json& parts = t.messages[0].content_parts;
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]["text"], "look | ");
  EXPECT_EQ(parts[1]["type"], "image_url");
  EXPECT_EQ(parts[2]["text"], "this");
}

TEST(MergeUserTurnsTest, GuidanceIsNotMergedAndEmptyTraceIsFine) {
  Trace t = ParseOrFail(R"({"id":"m","messages":[
    {"role":"user","content":"Hint: click learn more","guidance":true},
    {"role":"user","content":"Find the price"}]})");
  EXPECT_EQ(MergeConsecutiveUserTurns(&t), 0);
  EXPECT_EQ(t.messages.size(), 2u);
  Trace empty = ParseOrFail(R"({"id":"e","messages":[]})");
  EXPECT_EQ(MergeConsecutiveUserTurns(&empty), 0);
}

// ---- DropGuidance ----

TEST(DropGuidanceTest, MarkedAndExactTexts) {
  Trace t = ParseOrFail(R"({"id":"g","messages":[
    {"role":"system","content":"Learn-more links open a new tab; switch to it.\n\n"},
    {"role":"user","content":"Hint: use the search box","guidance":true},
    {"role":"user","content":"Find the course price"},
    {"role":"assistant","content":"Learn-more links open a new tab; switch to it."},
    {"role":"user","content":[{"type":"text","text":"Always answer in English. "}]}]})");
  int n = DropGuidance(&t, {"Learn-more links open a new tab; switch to it.",
                            "Always answer in English.\n", "", "   "});
  EXPECT_EQ(n, 3);
  EXPECT_EQ(Roles(t), (std::vector<std::string>{"user", "assistant"}));
  EXPECT_EQ(*t.messages[0].content, "Find the course price");
  ASSERT_EQ(t.provenance.size(), 3u);
  EXPECT_EQ(t.provenance[0].message_index, 4);  // back to front
  EXPECT_EQ(t.provenance[1].message_index, 1);
  EXPECT_EQ(t.provenance[2].message_index, 0);
  EXPECT_EQ(t.provenance[1].op, "drop_guidance");
  EXPECT_EQ(t.provenance[1].detail, "dropped guidance-marked user message (24 characters)");
  EXPECT_EQ(t.provenance[2].detail, "dropped guidance-text system message (48 characters)");
}

TEST(DropGuidanceTest, EmptyTextsMatchNothing) {
  Trace t = ParseOrFail(R"({"id":"g","messages":[{"role":"user","content":""},
                                           {"role":"user","content":null}]})");
  EXPECT_EQ(DropGuidance(&t, {"", "\n"}), 0);
  EXPECT_EQ(t.messages.size(), 2u);
  Trace empty = ParseOrFail(R"({"id":"e","messages":[]})");
  EXPECT_EQ(DropGuidance(&empty, {"x"}), 0);
}

TEST(DropGuidanceTest, MarkedAssistantTakesItsToolResults) {
  Trace t = ParseOrFail(kTwoTurns);
  t.messages[2].guidance = true;
  EXPECT_EQ(DropGuidance(&t, {}), 1);
  EXPECT_EQ(t.messages.size(), 5u);
  EXPECT_EQ(t.provenance[0].detail,
            "dropped guidance-marked assistant message (2 characters) and its 2 tool results");
}

TEST(DropReasoningTest, ReasoningFieldsAndLeadingThinkBlocksGo) {
  Trace t = ParseOrFail(R"({"id":"r","messages":[
    {"role":"user","content":"<think>a user's text is left alone</think>"},
    {"role":"assistant","content":null,"reasoning_content":"I read it.",
     "tool_calls":[{"id":"c1","type":"function","function":{"name":"read","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"x"},
    {"role":"assistant","content":"\n<think>\nplain text thinking\n</think>\n\nThe answer.",
     "reasoning":"vLLM's copy"},
    {"role":"assistant","content":"No <think> here: only a leading block counts."},
    {"role":"assistant","content":"<think>never closed"},
    {"role":"assistant","content":"ok"}]})");
  t.messages[6].reasoning_content = "";
  EXPECT_EQ(DropReasoning(&t), 3);  // an empty reasoning_content is dropped and recorded too
  EXPECT_FALSE(t.messages[6].reasoning_content.has_value());
  EXPECT_FALSE(t.messages[1].reasoning_content.has_value());
  EXPECT_EQ(t.messages[1].tool_calls.size(), 1u);
  EXPECT_EQ(*t.messages[3].content, "The answer.");
  EXPECT_FALSE(t.messages[3].extra.contains("reasoning"));
  EXPECT_EQ(*t.messages[0].content, "<think>a user's text is left alone</think>");
  EXPECT_EQ(*t.messages[4].content, "No <think> here: only a leading block counts.");
  EXPECT_EQ(*t.messages[5].content, "<think>never closed");
  ASSERT_EQ(t.provenance.size(), 3u);
  EXPECT_EQ(t.provenance[0].op, "drop_reasoning");
  EXPECT_EQ(t.provenance[0].message_index, 6);  // back to front
  EXPECT_EQ(t.provenance[1].message_index, 3);
  EXPECT_EQ(t.provenance[2].detail, "dropped 10 bytes of reasoning");
  EXPECT_EQ(DropReasoning(&t), 0);  // nothing left to drop
}

}  // namespace
}  // namespace tracemill::trace
