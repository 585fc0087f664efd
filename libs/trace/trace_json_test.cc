#include "libs/trace/trace_json.h"

#include <string>

#include "absl/strings/cord.h"
#include "gtest/gtest.h"
#include "libs/base/file_io.h"

namespace tracemill::trace {
namespace {

constexpr char kReferenceTrace[] = R"({
  "timestamp": "20250529_101502",
  "model": "Qwen/Qwen3-30B-A3B-FP8",
  "messages": [
    {"role": "system", "content": "You are a browser agent."},
    {"role": "user", "content": "Go to trelis.com"},
    {"role": "assistant", "content": "\n\n", "reasoning_content": "Open the site.",
     "tool_calls": [{"id": "chatcmpl-tool-1", "type": "function",
                     "function": {"name": "browser_navigate",
                                  "arguments": "{\"url\": \"https://trelis.com\"}"}}]},
    {"role": "tool", "tool_call_id": "chatcmpl-tool-1", "content": "- Page Title: Trelis"},
    {"role": "assistant", "content": "Done.", "reasoning_content": ""}
  ],
  "tools": [{"type": "function", "function": {"name": "browser_navigate",
             "description": "Navigate to a URL",
             "parameters": {"type": "object", "properties": {"url": {"type": "string"}},
                            "required": ["url"], "additionalProperties": false,
                            "$schema": "http://json-schema.org/draft-07/schema#"}}}]
})";

TEST(TraceJsonTest, ReadsReferenceFormat) {
  auto t = ParseTraceText(kReferenceTrace, "ref.json");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->schema_version, 0);
  EXPECT_EQ(t->model, "Qwen/Qwen3-30B-A3B-FP8");
  EXPECT_EQ(t->timestamp, "20250529_101502");
  ASSERT_EQ(t->messages.size(), 5u);
  const Message& a = t->messages[2];
  EXPECT_EQ(a.role, Role::kAssistant);
  EXPECT_EQ(*a.content, "\n\n");
  EXPECT_EQ(*a.reasoning_content, "Open the site.");
  ASSERT_EQ(a.tool_calls.size(), 1u);
  EXPECT_EQ(a.tool_calls[0].name, "browser_navigate");
  EXPECT_EQ(a.tool_calls[0].arguments, R"({"url": "https://trelis.com"})");
  EXPECT_EQ(t->messages[3].tool_call_id, "chatcmpl-tool-1");
  EXPECT_FALSE(t->messages[4].reasoning_content.has_value());  // "" means none
  ASSERT_EQ(t->tools.size(), 1u);
  EXPECT_EQ(t->tools[0].name, "browser_navigate");
  EXPECT_EQ(t->FindTool("browser_navigate"), 0);
  EXPECT_EQ(t->FindTool("nope"), -1);
}

TEST(TraceJsonTest, ObjectArgumentsAreStoredCompact) {
  auto t = ParseTraceText(R"({"messages":[{"role":"assistant","content":null,
    "tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":{"b":1,"a":[2]}}}]}]})",
                          "x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->messages[0].tool_calls[0].arguments, R"({"b":1,"a":[2]})");
  EXPECT_FALSE(t->messages[0].content.has_value());
}

TEST(TraceJsonTest, SupersetRoundTripsLosslessly) {
  constexpr char kOwn[] = R"json({"schema_version":1,"id":"0190a5f1-b2c3-7000-8000-000000000001",
    "run_id":"run-1","task_id":"task-7","timestamp":"2026-11-29T12:00:00Z","model":"m",
    "endpoint":"http://localhost:8000/v1","sampling":{"temperature":0.6,"top_p":0.95},
    "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"requests":2},
    "timings":{"started_at":"2026-11-29T12:00:00Z","ended_at":"2026-11-29T12:00:03Z",
               "duration_ms":3000.0,"model_ms":2000.0,"tool_ms":900.0},
    "outcome":{"status":"success","reward":1.0,"detail":"answered"},
    "messages":[{"role":"system","content":"guide","guidance":true},
                {"role":"user","content":[{"type":"text","text":"hi "},{"type":"text","text":"there"}]},
                {"role":"assistant","content":"yo","custom":{"k":1}}],
    "tools":[],
    "provenance":[{"op":"redact","detail":"1 secret (hf_token)","message_index":1}],
    "labels":["gold"]})json";
  auto t = ParseTraceText(kOwn, "own.jsonl:1");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->task_id, "task-7");
  EXPECT_EQ(t->usage.total_tokens, 15);
  EXPECT_EQ(t->timings.tool_ms, 900.0);
  EXPECT_EQ(t->outcome.status, "success");
  EXPECT_EQ(*t->outcome.reward, 1.0);
  EXPECT_TRUE(t->messages[0].guidance);
  EXPECT_EQ(t->messages[1].Text(), "hi there");
  EXPECT_EQ(t->messages[2].extra["custom"]["k"], 1);
  EXPECT_EQ(t->extra["labels"][0], "gold");
  ASSERT_EQ(t->provenance.size(), 1u);

  Json once = TraceToJson(*t);
  auto again = ParseTrace(once, "again");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(TraceToJson(*again), once);
  EXPECT_EQ(once["messages"][1]["content"][1]["text"], "there");
}

TEST(TraceJsonTest, ErrorsCarryAReason) {
  auto role = ParseTraceText(R"({"messages":[{"role":"truncated"}]})", "x");
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(std::string(*role.status().GetPayload(kReadReasonPayload)), "unknown_role");
  auto type = ParseTraceText(R"({"messages":5})", "x");
  EXPECT_EQ(std::string(*type.status().GetPayload(kReadReasonPayload)), "wrong_type");
  auto missing = ParseTraceText(R"({})", "x");
  EXPECT_EQ(std::string(*missing.status().GetPayload(kReadReasonPayload)), "missing_field");
}

TEST(TraceJsonTest, UnknownCallKeysStayWhereTheyWere) {
  // A top-level key that looks like a path must not land inside `function`.
  auto t = ParseTraceText(R"({"messages":[{"role":"assistant","content":null,"tool_calls":[
    {"id":"c","type":"function","function.name":"evil","index":3,
     "function":{"name":"f","arguments":"{}","strict":true}}]}]})",
                          "x");
  ASSERT_TRUE(t.ok()) << t.status();
  const ToolCall& c = t->messages[0].tool_calls[0];
  EXPECT_EQ(c.extra["function.name"], "evil");
  EXPECT_EQ(c.function_extra["strict"], true);
  Json out = ToolCallToJson(c);
  EXPECT_EQ(out["function"]["name"], "f");
  EXPECT_EQ(out["function"]["strict"], true);
  EXPECT_EQ(out["function.name"], "evil");
  auto again = ParseTrace(TraceToJson(*t), "again");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(TraceToJson(*again), TraceToJson(*t));
}

TEST(TraceJsonTest, FlatToolsAreNormalised) {
  auto t = ParseTraceText(R"({"messages":[],"tools":[{"name":"f","description":"d",
    "parameters":{"type":"object"}}]})",
                          "x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->tools[0].json["type"], "function");
  EXPECT_EQ(t->tools[0].json["function"]["name"], "f");
  EXPECT_EQ(t->tools[0].description(), "d");
  ASSERT_NE(t->tools[0].parameters(), nullptr);
}

struct BadCase {
  const char* name;
  const char* json;
  const char* expect;  // substring of the error
};

class TraceJsonBadInputTest : public testing::TestWithParam<BadCase> {};

TEST_P(TraceJsonBadInputTest, NamesWhereAndField) {
  auto t = ParseTraceText(GetParam().json, "in.jsonl:3");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  std::string msg(t.status().message());
  EXPECT_NE(msg.find("in.jsonl:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find(GetParam().expect), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TraceJsonBadInputTest,
    testing::Values(
        BadCase{"NotObject", "[1,2]", "trace: expected object, got array"},
        BadCase{"NoMessages", R"({"model":"m"})", "messages: missing"},
        BadCase{"MessagesNotArray", R"({"messages":{}})", "messages: expected array"},
        BadCase{"UnknownRole", R"({"messages":[{"role":"robot","content":"x"}]})",
                "messages[0].role: unknown role \"robot\""},
        BadCase{"RoleMissing", R"({"messages":[{"content":"x"}]})", "messages[0].role: missing"},
        BadCase{"ContentNumber", R"({"messages":[{"role":"user","content":5}]})",
                "messages[0].content: expected string, array or null, got number"},
        BadCase{
            "ArgumentsNumber",
            R"({"messages":[{"role":"assistant","tool_calls":[{"id":"a","function":{"name":"f","arguments":3}}]}]})",
            "messages[0].tool_calls[0].function.arguments: expected string or object"},
        BadCase{
            "CallWithoutName",
            R"({"messages":[{"role":"assistant","tool_calls":[{"id":"a","function":{"arguments":"{}"}}]}]})",
            "messages[0].tool_calls[0].function.name: missing"},
        BadCase{
            "ToolCallsOnUser",
            R"({"messages":[{"role":"user","content":"x","tool_calls":[{"id":"a","function":{"name":"f"}}]}]})",
            "only assistant messages carry tool calls"},
        BadCase{"ModelNumber", R"({"model":7,"messages":[]})",
                "model: expected string, got number"},
        BadCase{"ToolsNotArray", R"({"messages":[],"tools":"x"})", "tools: expected array"},
        BadCase{"ToolWithoutName", R"({"messages":[],"tools":[{"type":"function","function":{}}]})",
                "tools[0].function.name: missing"},
        BadCase{"UsageWrongType", R"({"messages":[],"usage":{"total_tokens":"many"}})",
                "usage.total_tokens: expected integer"},
        BadCase{"FutureVersion", R"({"schema_version":99,"messages":[]})",
                "unsupported version 99"},
        BadCase{"Malformed", R"({"messages":[)", "malformed JSON"},
        BadCase{"PartNotObject", R"({"messages":[{"role":"user","content":["x"]}]})",
                "messages[0].content[0]: expected object, got string"},
        BadCase{"PartTypeNumber",
                R"({"messages":[{"role":"user","content":[{"type":1,"text":"x"}]}]})",
                "messages[0].content[0].type: expected string, got number"},
        BadCase{"PartTypeMissing", R"({"messages":[{"role":"user","content":[{"text":"x"}]}]})",
                "messages[0].content[0].type: missing"},
        BadCase{"TextPartTextNumber",
                R"({"messages":[{"role":"user","content":[{"type":"text","text":5}]}]})",
                "messages[0].content[0].text: expected string, got number"},
        BadCase{"ProvenanceNotObject", R"({"messages":[],"provenance":[3]})",
                "provenance[0]: expected object"},
        BadCase{"InvalidUtf8", "{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}",
                "malformed JSON"}),
    [](const testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(TraceJsonTest, ReadsEveryExampleTrace) {
  for (const char* name : {"Go_to_trelis_com_and_list_the_20250529_101502",
                           "What_is_the_title_of_example_20250529_103011",
                           "Check_the_top_story_on_Hacker_20250529_104522"}) {
    std::string path = std::string(TRACEMILL_SOURCE_DIR) + "/examples/traces/" + name + ".json";
    auto text = base::ReadFile(path);
    ASSERT_TRUE(text.ok()) << text.status();
    auto t = ParseTraceText(*text, path);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->tools.size(), 25u);
    // Writing in tracemill's format and reading back changes nothing.
    auto again = ParseTrace(TraceToJson(*t), "again");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(TraceToJson(*again), TraceToJson(*t));
  }
}

}  // namespace
}  // namespace tracemill::trace
