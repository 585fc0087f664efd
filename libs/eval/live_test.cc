// Scoring of finished traces (live.h). The runs through real agents, MCP servers and the
// demo policies are in libs/demo/demo_eval_test.cc.
#include "libs/eval/live.h"

#include "gtest/gtest.h"
#include "libs/trace/test_util.h"
#include "libs/base/test_util.h"

namespace tracemill::eval {
namespace {

trace::ToolDef Tool(const std::string& name, Json parameters) {
  return {name, {{"type", "function"}, {"function", {{"name", name}, {"parameters", std::move(parameters)}}}}};
}

const Json kPathSchema = {{"type", "object"},
                          {"properties", {{"path", {{"type", "string"}}}}},
                          {"required", {"path"}},
                          {"additionalProperties", false}};

trace::Message Calls(std::vector<std::pair<std::string, std::string>> calls) {
  trace::Message m;
  m.role = trace::Role::kAssistant;
  for (size_t i = 0; i < calls.size(); ++i) {
    m.tool_calls.push_back({.id = "c" + std::to_string(i), .name = calls[i].first, .arguments = calls[i].second});
  }
  return m;
}

const EvalTask kCount{.id = "t1",
                      .family = "count_files",
                      .prompt = "count /x",
                      .answer = {{AnswerCheck::Kind::kNumber, "7"}},
                      .calls = {{{"list_directory"}, {{"path", "/x"}}}}};

trace::Trace CountTrace(std::vector<std::pair<std::string, std::string>> calls, std::string answer) {
  trace::Trace t;
  t.outcome.status = "success";
  t.tools = {Tool("list_directory", kPathSchema), Tool("read_text_file", kPathSchema)};
  t.messages = {trace::TextMessage(trace::Role::kUser, "count /x"), Calls(std::move(calls)),
                trace::TextMessage(trace::Role::kTool, "[FILE] a.txt"), trace::TextMessage(trace::Role::kAssistant, std::move(answer))};
  return t;
}

TEST(LiveScoreTest, SchemaValidityNeedsAnOfferedToolAndArgumentsThatValidateAsSent) {
  const LiveTry ok = ScoreLiveTrace(kCount, CountTrace({{"list_directory", R"({"path":"/x"})"}}, "There are 7 files."), 1);
  EXPECT_TRUE(ok.passed) << ok.why;
  EXPECT_EQ(ok.tool_calls, 1);
  EXPECT_EQ(ok.valid_tool_calls, 1);
  EXPECT_EQ(ok.matched_calls, 1);
  EXPECT_TRUE(ok.names_ok);
  const std::pair<std::string, std::string> invalid[] = {
      {"list_directory", ""},                          // "" is not {}
      {"list_directory", "{}"},                        // missing the required path
      {"list_directory", R"({"path": 3})"},            // wrong type
      {"list_directory", R"({"path":"/x","depth":2})"},  // not in the schema
      {"list_directory", R"({"path": "/x)"},           // cut off: not JSON
      {"delete_everything", R"({"path":"/x"})"},      // not offered
  };
  for (const auto& call : invalid) {
    const LiveTry t = ScoreLiveTrace(kCount, CountTrace({call}, "There are 7 files."), 1);
    EXPECT_EQ(t.tool_calls, 1) << call.second;
    EXPECT_EQ(t.valid_tool_calls, 0) << call.first << " " << call.second;
    EXPECT_EQ(t.matched_calls, 0) << call.second;  // an invalid call matches nothing
    EXPECT_FALSE(t.first_invalid.empty());
  }
  // A server prefix added on a name collision is the same tool when that is what was offered.
  trace::Trace prefixed = CountTrace({{"files__list_directory", R"({"path":"/x"})"}}, "There are 7 files.");
  prefixed.tools = {Tool("files__list_directory", kPathSchema)};
  const LiveTry p = ScoreLiveTrace(kCount, prefixed, 1);
  EXPECT_EQ(p.valid_tool_calls, 1);
  EXPECT_EQ(p.matched_calls, 1);
  EXPECT_TRUE(p.names_ok);
}

TEST(LiveScoreTest, ToolNamesCountEveryCallAndArgumentsMustMatch) {
  // The right tool first, then a stray read: the names are not right.
  const LiveTry extra = ScoreLiveTrace(
      kCount, CountTrace({{"list_directory", R"({"path":"/x"})"}, {"read_text_file", R"({"path":"/x/a.txt"})"}}, "7"), 1);
  EXPECT_FALSE(extra.names_ok);
  EXPECT_EQ(extra.matched_calls, 1);
  const LiveTry wrong_path = ScoreLiveTrace(kCount, CountTrace({{"list_directory", R"({"path":"/y"})"}}, "7"), 1);
  EXPECT_TRUE(wrong_path.names_ok);
  EXPECT_EQ(wrong_path.valid_tool_calls, 1);
  EXPECT_EQ(wrong_path.matched_calls, 0);
  EXPECT_EQ(wrong_path.expected_calls, 1);
  // A refused <tool_call> block is an invalid call of no name.
  trace::Trace cut = CountTrace({{"list_directory", R"({"path":"/x"})"}}, "");
  cut.messages.back().content = "<tool_call>\n{\"name\": \"list_directory\", \"arguments\": [1, 2]}\n</tool_call>";
  const LiveTry c = ScoreLiveTrace(kCount, cut, 1);
  EXPECT_FALSE(c.passed);
  EXPECT_FALSE(c.names_ok);
  EXPECT_LT(c.valid_tool_calls, c.tool_calls);
}

TEST(LiveScoreTest, SummarisesPerFamilyAndOverall) {
  const LiveTry ok = ScoreLiveTrace(kCount, CountTrace({{"list_directory", R"({"path":"/x"})"}}, "7 files"), 1);
  const LiveTry wrong = ScoreLiveTrace(kCount, CountTrace({{"list_directory", R"({"path":"/x"})"}}, "17 files"), 2);
  EXPECT_FALSE(wrong.passed);
  EXPECT_NE(wrong.why.find("number 7"), std::string::npos) << wrong.why;
  const LiveResult r = SummarizeLive({kCount}, {ok, wrong}, 2);
  EXPECT_EQ(r.overall.pass_at_1.count, 1);
  EXPECT_EQ(r.overall.pass_at_1.n, 2);
  EXPECT_EQ(r.overall.pass_all.count, 0);
  EXPECT_EQ(r.overall.pass_all.n, 1);
  EXPECT_EQ(r.overall.schema_valid.count, 2);
  EXPECT_EQ(r.overall.arguments.count, 2);
  EXPECT_EQ(r.overall.arguments.n, 2);
  EXPECT_EQ(r.overall.names.count, 2);
  const std::vector<Metric> m = r.Metrics();
  EXPECT_EQ(m.front().name, "pass@1");
  EXPECT_EQ(m.back().name, "pass@1 count_files");
  for (const Metric& metric : m) EXPECT_FALSE(metric.description.empty()) << metric.name;
  const Json j = r.ToJson();
  EXPECT_EQ(j["families"]["count_files"]["argument_accuracy"]["count"], 2);
  EXPECT_EQ(j["attempts"][1]["passed"], false);
}

TEST(LiveScoreTest, BadOptionsAreErrors) {
  agent::AgentConfig config;
  EXPECT_FALSE(RunLiveEval(config, {}, {.tries = 0, .out_dir = "x"}).ok());
  EXPECT_FALSE(RunLiveEval(config, {}, {.tries = 1}).ok());
  EXPECT_FALSE(RunLiveEval(config, {}, {.tries = 1, .out_dir = "x", .derive_trace_ids = true}).ok());
  EXPECT_FALSE(RunLiveEval(config, {kCount, kCount}, {.tries = 1, .out_dir = base::FreshTestDir()}).ok());
}

}  // namespace
}  // namespace tracemill::eval
