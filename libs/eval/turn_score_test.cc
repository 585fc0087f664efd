#include "libs/eval/turn_score.h"

#include "gtest/gtest.h"

namespace tracemill::eval {
namespace {

trace::Message Calls(std::vector<std::pair<std::string, std::string>> calls, std::string content = "") {
  trace::Message m;
  m.role = trace::Role::kAssistant;
  if (!content.empty()) m.content = content;
  int i = 0;
  for (auto& [name, args] : calls) {
    trace::ToolCall c;
    c.id = "c" + std::to_string(i++);
    c.name = name;
    c.arguments = args;
    m.tool_calls.push_back(c);
  }
  return m;
}

trace::Message Answer(std::string text) {
  trace::Message m;
  m.role = trace::Role::kAssistant;
  m.content = std::move(text);
  return m;
}

EvalRow MakeRow(trace::Message reference) {
  EvalRow row;
  row.id = "r";
  trace::Message user;
  user.role = trace::Role::kUser;
  user.content = "do it";
  row.prefix = {user};
  trace::ToolDef read;
  read.name = "read_file";
  read.json = Json::parse(
      R"({"type":"function","function":{"name":"read_file","parameters":{"type":"object","properties":{"path":{"type":"string"},"head":{"type":"integer"}},"required":["path"]}}})");
  trace::ToolDef list;
  list.name = "list_directory";
  list.json = Json::parse(
      R"({"type":"function","function":{"name":"list_directory","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}})");
  row.tools = {read, list};
  row.reference = std::move(reference);
  return row;
}

TEST(TurnScoreTest, IdenticalCallIsAHitEverywhere) {
  const EvalRow row = MakeRow(Calls({{"read_file", R"({"path":"/a"})"}}));
  const TurnScore s = ScoreTurn(row, Calls({{"read_file", R"({"path": "/a"})"}}));
  EXPECT_TRUE(s.decision_ok);
  EXPECT_TRUE(s.parse_ok);
  EXPECT_TRUE(s.names_ok);
  EXPECT_TRUE(s.args_ok);
  EXPECT_TRUE(s.exact);
  EXPECT_EQ(s.arg_hits, 1);
}

TEST(TurnScoreTest, AstMatchIsLooserThanExact) {
  const EvalRow row = MakeRow(Calls({{"read_file", R"({"path":"/a"})"}}));
  const TurnScore s = ScoreTurn(row, Calls({{"read_file", R"({"path":" /A "})"}}));
  EXPECT_TRUE(s.args_ok);
  EXPECT_FALSE(s.exact);
  const TurnScore wrong = ScoreTurn(row, Calls({{"read_file", R"({"path":"/b"})"}}));
  EXPECT_TRUE(wrong.names_ok);
  EXPECT_FALSE(wrong.args_ok);
  EXPECT_NE(wrong.why.find("path"), std::string::npos) << wrong.why;
}

TEST(TurnScoreTest, ParallelCallsMatchInAnyOrder) {
  const EvalRow row = MakeRow(Calls({{"read_file", R"({"path":"/a"})"}, {"list_directory", R"({"path":"/d"})"}}));
  const TurnScore s = ScoreTurn(row, Calls({{"list_directory", R"({"path":"/d"})"}, {"read_file", R"({"path":"/a"})"}}));
  EXPECT_TRUE(s.names_ok);
  EXPECT_TRUE(s.args_ok);
  EXPECT_TRUE(s.exact);
  const TurnScore half = ScoreTurn(row, Calls({{"read_file", R"({"path":"/a"})"}}));
  EXPECT_FALSE(half.names_ok);
  EXPECT_EQ(half.name_hits, 1);
  EXPECT_EQ(half.arg_hits, 1);
  EXPECT_FALSE(half.args_ok);
}

TEST(TurnScoreTest, NonJsonArgumentsAreAParseFailure) {
  const EvalRow row = MakeRow(Calls({{"read_file", R"({"path":"/a"})"}}));
  const TurnScore s = ScoreTurn(row, Calls({{"read_file", "{path: /a"}}));
  EXPECT_TRUE(s.attempted);
  EXPECT_FALSE(s.parse_ok);
  EXPECT_TRUE(s.decision_ok);
  EXPECT_TRUE(s.names_ok);
  EXPECT_FALSE(s.args_ok);
  EXPECT_FALSE(s.exact);
}

TEST(TurnScoreTest, RawHermesTextIsParsed) {
  const EvalRow row = MakeRow(Calls({{"read_file", R"({"path":"/a"})"}}));
  const TurnScore ok = ScoreTurn(
      row, Answer("<think>\nread it\n</think>\n\n<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"/a\"}}\n</tool_call>"));
  EXPECT_TRUE(ok.parse_ok);
  EXPECT_TRUE(ok.args_ok);
  EXPECT_TRUE(ok.exact);
  // A block the parser refuses: tried to call, failed to parse.
  const TurnScore bad = ScoreTurn(row, Answer("<tool_call>\nread the file please\n</tool_call>"));
  EXPECT_TRUE(bad.attempted);
  EXPECT_FALSE(bad.parse_ok);
  EXPECT_TRUE(bad.decision_ok);
  EXPECT_FALSE(bad.names_ok);
}

TEST(TurnScoreTest, AnswersCompareAfterWhitespaceNormalisation) {
  const EvalRow row = MakeRow(Answer("The title is \"Blue\"."));
  const TurnScore s = ScoreTurn(row, Answer("  The title is\n \"Blue\".  "));
  EXPECT_TRUE(s.decision_ok);
  EXPECT_TRUE(s.exact);
  EXPECT_FALSE(s.attempted);
  const TurnScore think = ScoreTurn(row, Answer("<think>hmm</think>The title is \"Blue\"."));
  EXPECT_TRUE(think.exact);
  const TurnScore other = ScoreTurn(row, Answer("Blue."));
  EXPECT_TRUE(other.decision_ok);
  EXPECT_FALSE(other.exact);
  const TurnScore call = ScoreTurn(row, Calls({{"read_file", R"({"path":"/a"})"}}));
  EXPECT_FALSE(call.decision_ok);
  EXPECT_FALSE(call.exact);
}

TEST(TurnScoreTest, EndpointErrorsAreMissesWithAReason) {
  const EvalRow row = MakeRow(Calls({{"read_file", R"({"path":"/a"})"}}));
  const TurnScore s = ScoreTurn(row, absl::UnavailableError("connection refused"));
  EXPECT_TRUE(s.error);
  EXPECT_EQ(s.error_reason, "unavailable");
  NextTurnTally tally;
  tally.Add(s);
  tally.Add(ScoreTurn(row, Calls({{"read_file", R"({"path":"/a"})"}})));
  EXPECT_EQ(tally.errors(), 1);
  EXPECT_EQ(tally.errors_by_reason().at("unavailable"), 1);
  const auto metrics = tally.Metrics();
  ASSERT_EQ(metrics.size(), 7u);
  EXPECT_EQ(metrics[0].name, "decision_accuracy");
  EXPECT_EQ(metrics[0].value.count, 1);
  EXPECT_EQ(metrics[0].value.n, 2);
  EXPECT_EQ(metrics[1].name, "tool_call_parse_rate");
  EXPECT_EQ(metrics[1].value.n, 1);  // only the turn that called
}

TEST(NormalizeWhitespaceTest, CollapsesAndTrims) {
  EXPECT_EQ(NormalizeWhitespace("  a \n\t b  c "), "a b c");
  EXPECT_EQ(NormalizeWhitespace(""), "");
}

}  // namespace
}  // namespace tracemill::eval
