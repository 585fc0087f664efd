#include "libs/trace/unroll.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/trace/test_util.h"
#include "libs/trace/trace_json.h"
#include "libs/trace/trace_reader.h"

namespace tracemill::trace {
namespace {

using ::testing::ElementsAre;

Message Make(Role role, std::string content) {
  Message m;
  m.role = role;
  m.content = std::move(content);
  return m;
}

Message Sys() { return Make(Role::kSystem, "You are an agent."); }
Message User(std::string text) { return Make(Role::kUser, std::move(text)); }
Message Answer(std::string text) {
  Message m = Make(Role::kAssistant, std::move(text));
  m.reasoning_content = "thinking about " + *m.content;
  return m;
}
Message Call(std::string id, std::string tool = "browser_navigate") {
  Message m = Make(Role::kAssistant, "\n\n");
  m.reasoning_content = "I should call " + tool;
  ToolCall c;
  c.id = std::move(id);
  c.name = std::move(tool);
  c.arguments = R"({"url":"https://example.com"})";
  m.tool_calls.push_back(std::move(c));
  return m;
}
Message ToolResult(std::string id, std::string text = "ok") {
  Message m = Make(Role::kTool, std::move(text));
  m.tool_call_id = std::move(id);
  return m;
}

Trace MakeTrace(std::string id, std::vector<Message> messages) {
  Trace t;
  t.id = std::move(id);
  t.messages = std::move(messages);
  return t;
}

// system, user, a(call), tool, a(call), tool, a(answer), user, a(call), tool, a(answer):
// 2 user turns, 5 assistant messages at indices 2, 4, 6, 8, 10.
Trace ReferenceShaped() {
  return MakeTrace("t1", {Sys(), User("find the price"), Call("c1"), ToolResult("c1"),
                          Call("c2", "browser_click"), ToolResult("c2"), Answer("$10"),
                          User("and the other one?"), Call("c3"), ToolResult("c3"), Answer("$20")});
}

std::vector<std::string> Ids(const std::vector<Row>& rows) {
  std::vector<std::string> ids;
  for (const Row& r : rows) ids.push_back(r.id);
  return ids;
}
std::vector<int> TruncationPoints(const std::vector<Row>& rows) {
  std::vector<int> v;
  for (const Row& r : rows) v.push_back(r.truncation_point);
  return v;
}
std::vector<int> TargetFroms(const std::vector<Row>& rows) {
  std::vector<int> v;
  for (const Row& r : rows) v.push_back(r.target_from);
  return v;
}
std::vector<size_t> Lengths(const std::vector<Row>& rows) {
  std::vector<size_t> v;
  for (const Row& r : rows) v.push_back(r.messages.size());
  return v;
}

// Every row is a prefix of the trace, carries the trace id, and ends (seed full rows
// aside) at the assistant message its truncation_point names.
void ExpectWellFormed(const Trace& trace, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    SCOPED_TRACE(row.id);
    EXPECT_EQ(row.original_id, trace.id);
    ASSERT_LE(row.messages.size(), trace.messages.size());
    for (size_t i = 0; i < row.messages.size(); ++i) {
      EXPECT_EQ(MessageToJson(row.messages[i]), MessageToJson(trace.messages[i])) << i;
    }
    EXPECT_TRUE(row.split.empty());
    if (row.truncation_point == 0) continue;
    ASSERT_FALSE(row.messages.empty());
    EXPECT_EQ(row.messages.back().role, Role::kAssistant);
    int ordinal = 0;
    for (const Message& m : row.messages) ordinal += m.role == Role::kAssistant;
    EXPECT_EQ(ordinal, row.truncation_point);
    ASSERT_LT(row.target_from, static_cast<int>(row.messages.size()));
  }
}

TEST(UnrollModeTest, ParsesAndNames) {
  for (UnrollMode mode : {UnrollMode::kSeed, UnrollMode::kPerTurn, UnrollMode::kPerQuery}) {
    UnrollMode parsed = UnrollMode::kSeed;
    ASSERT_TRUE(ParseUnrollMode(UnrollModeName(mode), &parsed));
    EXPECT_EQ(parsed, mode);
  }
  EXPECT_EQ(UnrollModeName(UnrollMode::kPerTurn), "per-turn");
  UnrollMode mode = UnrollMode::kPerQuery;
  EXPECT_FALSE(ParseUnrollMode("per_turn", &mode));
  EXPECT_FALSE(ParseUnrollMode("", &mode));
  EXPECT_FALSE(ParseUnrollMode("Seed", &mode));
  EXPECT_EQ(mode, UnrollMode::kPerQuery);
}

TEST(UnrollTest, ReferenceShapedSeed) {
  Trace t = ReferenceShaped();
  std::vector<Row> rows = UnrollTrace(t, UnrollMode::kSeed);
  EXPECT_THAT(Ids(rows), ElementsAre("t1_trunc_1", "t1_trunc_4", "t1"));
  EXPECT_THAT(TruncationPoints(rows), ElementsAre(1, 4, 0));
  EXPECT_THAT(TargetFroms(rows), ElementsAre(2, 8, 0));
  EXPECT_THAT(Lengths(rows), ElementsAre(3, 9, 11));
  ExpectWellFormed(t, rows);
}

TEST(UnrollTest, ReferenceShapedPerTurn) {
  Trace t = ReferenceShaped();
  std::vector<Row> rows = UnrollTrace(t, UnrollMode::kPerTurn);
  EXPECT_THAT(Ids(rows),
              ElementsAre("t1_trunc_1", "t1_trunc_2", "t1_trunc_3", "t1_trunc_4", "t1_trunc_5"));
  EXPECT_THAT(TruncationPoints(rows), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_THAT(TargetFroms(rows), ElementsAre(2, 4, 6, 8, 10));
  EXPECT_THAT(Lengths(rows), ElementsAre(3, 5, 7, 9, 11));
  ExpectWellFormed(t, rows);
  // Each row's last message is its only target, and it carries that step's reasoning.
  for (const Row& row : rows) {
    EXPECT_EQ(row.target_from + 1, static_cast<int>(row.messages.size()));
    EXPECT_TRUE(row.messages.back().reasoning_content.has_value());
  }
}

TEST(UnrollTest, ReferenceShapedPerQuery) {
  Trace t = ReferenceShaped();
  std::vector<Row> rows = UnrollTrace(t, UnrollMode::kPerQuery);
  EXPECT_THAT(Ids(rows), ElementsAre("t1_query_1", "t1_query_2"));
  EXPECT_THAT(TruncationPoints(rows), ElementsAre(3, 5));
  EXPECT_THAT(TargetFroms(rows), ElementsAre(2, 8));
  EXPECT_THAT(Lengths(rows), ElementsAre(7, 11));
  ExpectWellFormed(t, rows);
}

TEST(UnrollTest, NoSystemMessage) {
  // user, a(call), tool, a(answer), user, a(answer)
  Trace t = MakeTrace(
      "ns", {User("q1"), Call("c1"), ToolResult("c1"), Answer("a1"), User("q2"), Answer("a2")});
  std::vector<Row> seed = UnrollTrace(t, UnrollMode::kSeed);
  EXPECT_THAT(Ids(seed), ElementsAre("ns_trunc_1", "ns_trunc_3", "ns"));
  EXPECT_THAT(TargetFroms(seed), ElementsAre(1, 5, 0));
  EXPECT_THAT(Lengths(seed), ElementsAre(2, 6, 6));
  ExpectWellFormed(t, seed);

  std::vector<Row> turn = UnrollTrace(t, UnrollMode::kPerTurn);
  EXPECT_THAT(Ids(turn), ElementsAre("ns_trunc_1", "ns_trunc_2", "ns_trunc_3"));
  EXPECT_THAT(TargetFroms(turn), ElementsAre(1, 3, 5));
  ExpectWellFormed(t, turn);

  std::vector<Row> query = UnrollTrace(t, UnrollMode::kPerQuery);
  EXPECT_THAT(Ids(query), ElementsAre("ns_query_1", "ns_query_2"));
  EXPECT_THAT(TruncationPoints(query), ElementsAre(2, 3));
  EXPECT_THAT(TargetFroms(query), ElementsAre(1, 5));
  EXPECT_THAT(Lengths(query), ElementsAre(4, 6));
  ExpectWellFormed(t, query);
}

TEST(UnrollTest, DanglingToolMessage) {
  // system, user, a(call), tool, a(call), tool  -- the run stopped after a tool result.
  Trace t = MakeTrace("d", {Sys(), User("q"), Call("c1"), ToolResult("c1"), Call("c2"),
                            ToolResult("c2", "timeout")});
  std::vector<Row> seed = UnrollTrace(t, UnrollMode::kSeed);
  EXPECT_THAT(Ids(seed), ElementsAre("d_trunc_1", "d"));
  EXPECT_THAT(Lengths(seed), ElementsAre(3, 6));  // the full row keeps the tail
  ExpectWellFormed(t, seed);

  std::vector<Row> turn = UnrollTrace(t, UnrollMode::kPerTurn);
  EXPECT_THAT(Ids(turn), ElementsAre("d_trunc_1", "d_trunc_2"));
  EXPECT_THAT(Lengths(turn), ElementsAre(3, 5));
  ExpectWellFormed(t, turn);

  std::vector<Row> query = UnrollTrace(t, UnrollMode::kPerQuery);
  EXPECT_THAT(Ids(query), ElementsAre("d_query_1"));
  EXPECT_THAT(TruncationPoints(query), ElementsAre(2));
  EXPECT_THAT(TargetFroms(query), ElementsAre(2));
  EXPECT_THAT(Lengths(query), ElementsAre(5));  // ends at the last assistant message
  ExpectWellFormed(t, query);
}

TEST(UnrollTest, ConsecutiveUserMessages) {
  // system, user, user, a(answer), user, user, a(call), tool, a(answer)
  Trace t = MakeTrace("cu", {Sys(), User("hello"), User("find x"), Answer("x is 1"), User("and y"),
                             User("please"), Call("c1"), ToolResult("c1"), Answer("y is 2")});
  std::vector<Row> seed = UnrollTrace(t, UnrollMode::kSeed);
  EXPECT_THAT(Ids(seed), ElementsAre("cu_trunc_1", "cu_trunc_2", "cu"));
  EXPECT_THAT(TargetFroms(seed), ElementsAre(3, 6, 0));
  ExpectWellFormed(t, seed);

  std::vector<Row> turn = UnrollTrace(t, UnrollMode::kPerTurn);
  EXPECT_THAT(Ids(turn), ElementsAre("cu_trunc_1", "cu_trunc_2", "cu_trunc_3"));
  ExpectWellFormed(t, turn);

  // User messages 1 and 3 have no assistant message before the next user message.
  std::vector<Row> query = UnrollTrace(t, UnrollMode::kPerQuery);
  EXPECT_THAT(Ids(query), ElementsAre("cu_query_2", "cu_query_4"));
  EXPECT_THAT(TruncationPoints(query), ElementsAre(1, 3));
  EXPECT_THAT(TargetFroms(query), ElementsAre(3, 6));
  EXPECT_THAT(Lengths(query), ElementsAre(4, 9));
  ExpectWellFormed(t, query);
}

TEST(UnrollTest, NoAssistantMessages) {
  Trace t = MakeTrace("na", {Sys(), User("anyone there?")});
  std::vector<Row> seed = UnrollTrace(t, UnrollMode::kSeed);
  EXPECT_THAT(Ids(seed), ElementsAre("na"));
  EXPECT_THAT(Lengths(seed), ElementsAre(2));
  EXPECT_THAT(TruncationPoints(seed), ElementsAre(0));
  EXPECT_THAT(TargetFroms(seed), ElementsAre(0));
  ExpectWellFormed(t, seed);
  EXPECT_TRUE(UnrollTrace(t, UnrollMode::kPerTurn).empty());
  EXPECT_TRUE(UnrollTrace(t, UnrollMode::kPerQuery).empty());
}

TEST(UnrollTest, EmptyTraceGivesNoRows) {
  Trace t = MakeTrace("empty", {});
  EXPECT_TRUE(UnrollTrace(t, UnrollMode::kSeed).empty());
  EXPECT_TRUE(UnrollTrace(t, UnrollMode::kPerTurn).empty());
  EXPECT_TRUE(UnrollTrace(t, UnrollMode::kPerQuery).empty());
}

TEST(UnrollTest, AssistantAfterSystemIsNoSeedRowEnd) {
  // An assistant greeting right after the system prompt is not preceded by a user.
  Trace t = MakeTrace("g", {Sys(), Answer("hi"), User("q"), Answer("a")});
  EXPECT_THAT(Ids(UnrollTrace(t, UnrollMode::kSeed)), ElementsAre("g_trunc_2", "g"));
  EXPECT_THAT(Ids(UnrollTrace(t, UnrollMode::kPerTurn)), ElementsAre("g_trunc_1", "g_trunc_2"));
  // The greeting belongs to no query.
  EXPECT_THAT(Ids(UnrollTrace(t, UnrollMode::kPerQuery)), ElementsAre("g_query_1"));
}

const char kTraceText[] = R"({
  "id": "run-1",
  "messages": [
    {"role": "system", "content": "sys"},
    {"role": "user", "content": [{"type": "text", "text": "look at "},
                                 {"type": "image_url", "image_url": {"url": "x"}},
                                 {"type": "text", "text": "this"}]},
    {"role": "assistant", "content": null, "reasoning_content": "hmm",
     "tool_calls": [{"id": "call_1", "type": "function",
                     "function": {"name": "browser_navigate",
                                  "arguments": {"url": "https://a.b", "n": 1}}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "page", "guidance": true,
     "x_extra": 5},
    {"role": "assistant", "content": "done", "name": "bot"}
  ],
  "tools": [
    {"type": "function", "function": {"name": "browser_navigate", "description": "Go",
      "parameters": {"type": "object", "properties": {"url": {"type": "string"}},
                     "required": ["url"]}}},
    {"type": "function", "function": {"name": "browser_click",
      "parameters": {"type": "object", "properties": {"ref": {"type": "string"}}}}}
  ]
})";

TEST(RowToDatasetJsonTest, ExactKeysAndNullFills) {
  Trace t = ParseOrFail(kTraceText);
  std::vector<Row> rows = UnrollTrace(t, UnrollMode::kPerTurn);
  ASSERT_EQ(rows.size(), 2u);
  rows[1].split = "train";
  std::string tools = ToolsJsonString(t.tools);
  Json j = RowToDatasetJson(rows[1], tools);

  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_THAT(keys, ElementsAre("id", "original_id", "truncation_point", "target_from", "split",
                                "messages", "tools"));
  EXPECT_EQ(j["id"], "run-1_trunc_2");
  EXPECT_EQ(j["original_id"], "run-1");
  EXPECT_EQ(j["truncation_point"], 2);
  EXPECT_EQ(j["target_from"], 4);
  EXPECT_EQ(j["split"], "train");
  ASSERT_TRUE(j["messages"].is_array());
  ASSERT_EQ(j["messages"].size(), 5u);
  for (const Json& m : j["messages"]) {
    std::vector<std::string> mkeys;
    for (auto it = m.begin(); it != m.end(); ++it) mkeys.push_back(it.key());
    EXPECT_THAT(mkeys, ElementsAre("role", "content", "reasoning_content", "tool_calls",
                                   "tool_call_id", "name"));
  }
  const Json& msgs = j["messages"];
  EXPECT_EQ(msgs[0], Json::parse(R"({"role":"system","content":"sys","reasoning_content":null,
      "tool_calls":null,"tool_call_id":null,"name":null})"));
  // Content parts flattened to their text.
  EXPECT_EQ(msgs[1]["content"], "look at this");
  // Null content stays null; arguments are a JSON string.
  EXPECT_TRUE(msgs[2]["content"].is_null());
  EXPECT_EQ(msgs[2]["reasoning_content"], "hmm");
  ASSERT_TRUE(msgs[2]["tool_calls"].is_array());
  const Json& call = msgs[2]["tool_calls"][0];
  std::vector<std::string> ckeys;
  for (auto it = call.begin(); it != call.end(); ++it) ckeys.push_back(it.key());
  EXPECT_THAT(ckeys, ElementsAre("id", "type", "function"));
  EXPECT_EQ(call["id"], "call_1");
  EXPECT_EQ(call["type"], "function");
  ASSERT_TRUE(call["function"]["arguments"].is_string());
  EXPECT_EQ(Json::parse(call["function"]["arguments"].get<std::string>()),
            Json::parse(R"({"url":"https://a.b","n":1})"));
  EXPECT_EQ(call["function"]["name"], "browser_navigate");
  // Tool message: marks and unknown keys are not published.
  EXPECT_EQ(msgs[3], Json::parse(R"({"role":"tool","content":"page","reasoning_content":null,
      "tool_calls":null,"tool_call_id":"call_1","name":null})"));
  EXPECT_EQ(msgs[4]["name"], "bot");

  // tools is a string that parses back to the trace's tool list, key order kept.
  ASSERT_TRUE(j["tools"].is_string());
  Json parsed_tools = Json::parse(j["tools"].get<std::string>());
  ASSERT_EQ(parsed_tools.size(), 2u);
  EXPECT_EQ(parsed_tools[0], t.tools[0].json);
  EXPECT_EQ(parsed_tools[1], t.tools[1].json);
  EXPECT_EQ(base::DumpJson(parsed_tools), tools);
}

TEST(RowToDatasetJsonTest, FullRowHasNullTruncationPoint) {
  Trace t = ParseOrFail(kTraceText);
  std::vector<Row> rows = UnrollTrace(t, UnrollMode::kSeed);
  ASSERT_FALSE(rows.empty());
  const Row& full = rows.back();
  ASSERT_EQ(full.id, "run-1");
  Json j = RowToDatasetJson(full, ToolsJsonString(t.tools));
  EXPECT_TRUE(j["truncation_point"].is_null());
  EXPECT_EQ(j["target_from"], 0);
  EXPECT_EQ(j["split"], "");
  EXPECT_EQ(j["messages"].size(), t.messages.size());
}

TEST(RowToDatasetJsonTest, NoToolsIsEmptyListString) {
  EXPECT_EQ(ToolsJsonString({}), "[]");
  Row row;
  row.id = "r";
  row.original_id = "r";
  row.truncation_point = 1;
  row.messages.push_back(User("hi"));
  Json j = RowToDatasetJson(row, ToolsJsonString({}));
  EXPECT_EQ(j["tools"], "[]");
  EXPECT_EQ(j["messages"][0]["content"], "hi");
}

}  // namespace
}  // namespace tracemill::trace

namespace tracemill::trace {
namespace {

TEST(DatasetRowEncoderTest, MatchesRowToDatasetJsonOnTheExamples) {
  auto traces = ReadAllTraces({std::string(TRACEMILL_SOURCE_DIR) + "/examples/traces"});
  ASSERT_TRUE(traces.ok());
  int rows = 0;
  for (const Trace& t : *traces) {
    std::string tools_json = ToolsJsonString(t.tools);
    DatasetRowEncoder encoder(t);
    for (UnrollMode mode : {UnrollMode::kSeed, UnrollMode::kPerTurn, UnrollMode::kPerQuery}) {
      std::vector<RowSpan> spans = UnrollSpans(t, mode);
      std::vector<Row> full = UnrollTrace(t, mode);
      ASSERT_EQ(spans.size(), full.size());
      for (size_t i = 0; i < spans.size(); ++i) {
        full[i].split = "eval";
        std::string line;
        encoder.AppendRow(spans[i], "eval", &line);
        EXPECT_EQ(line, base::DumpJson(RowToDatasetJson(full[i], tools_json))) << full[i].id;
        ++rows;
      }
    }
  }
  EXPECT_EQ(rows, 15 + 20 + 9);
}

}  // namespace
}  // namespace tracemill::trace
