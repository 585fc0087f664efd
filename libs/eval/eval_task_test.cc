#include "libs/eval/eval_task.h"

#include "gtest/gtest.h"
#include "libs/trace/test_util.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"

namespace tracemill::eval {
namespace {

// A finished trace: one call with `result`, then `answer`.
trace::Trace Finished(const std::string& result, const std::string& answer) {
  trace::Trace t;
  t.outcome.status = "success";
  trace::Message call = trace::TextMessage(trace::Role::kAssistant, "");
  call.content.reset();
  call.tool_calls.push_back({.id = "c1", .name = "read_text_file", .arguments = R"({"path":"/d/a.txt"})"});
  t.messages = {trace::TextMessage(trace::Role::kUser, "What is the first line of /d/a.txt ?"), call, trace::TextMessage(trace::Role::kTool, result),
                trace::TextMessage(trace::Role::kAssistant, answer)};
  return t;
}

TEST(EvalTaskTest, ParsesEveryCheckAndRoundTrips) {
  const std::string text =
      "# my tasks\n"
      "{\"id\": \"t1\", \"family\": \"lookup\", \"prompt\": \"p1\", \"answer\": {\"contains\": \"Hello\"},"
      " \"calls\": [{\"name\": [\"read_text_file\", \"read_file\"], \"arguments\": {\"path\": \"/d/a.txt\"}}]}\n"
      "\n"
      "{\"id\": \"t2\", \"prompt\": \"p2\", \"files\": [{\"path\": \"/d/o.txt\", \"contains\": \"OK\"}],"
      " \"calls\": [{\"name\": \"write_file\", \"arguments\": {\"content\": {\"regex\": \"^OK\"}}}], \"allow_echo\": true}\n"
      "{\"id\": \"t3\", \"prompt\": \"p3\", \"answer\": [{\"number\": 4}, {\"equals\": \"4\"}, {\"regex\": \"^\\\\d$\"}]}\n";
  auto tasks = ParseEvalTasks(text, "my.jsonl");
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_EQ(tasks->size(), 3u);
  const EvalTask& t1 = (*tasks)[0];
  EXPECT_EQ(t1.family, "lookup");
  ASSERT_EQ(t1.calls.size(), 1u);
  EXPECT_EQ(t1.calls[0].names, (std::vector<std::string>{"read_text_file", "read_file"}));
  EXPECT_EQ((*tasks)[1].family, "tasks");
  EXPECT_TRUE((*tasks)[1].allow_echo);
  EXPECT_FALSE((*tasks)[1].files[0].exact);
  EXPECT_EQ((*tasks)[2].answer.size(), 3u);
  auto again = ParseEvalTasks(EvalTasksToJsonl(*tasks), "again.jsonl");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(EvalTasksToJsonl(*again), EvalTasksToJsonl(*tasks));
}

TEST(EvalTaskTest, BadTaskFilesNameTheLineAndTheKey) {
  const std::pair<std::string, std::string> cases[] = {
      {"{oops", "malformed JSON"},
      {"[1]", "a task is a JSON object"},
      {R"({"prompt": "p", "answer": {"contains": "x"}})", "\"id\" is missing"},
      {R"({"id": "a", "answer": {"contains": "x"}})", "\"prompt\" is missing"},
      {R"({"id": "a", "prompt": "p"})", "nothing could fail it"},
      {R"({"id": "a", "prompt": "p", "answer": {"contain": "x"}})", "unknown answer check \"contain\""},
      {R"({"id": "a", "prompt": "p", "answer": {"contains": ""}})", "needs a non-empty string"},
      {R"({"id": "a", "prompt": "p", "answer": {"regex": "(("}})", "invalid regex"},
      {R"({"id": "a", "prompt": "p", "answer": {"number": -2}})", "non-negative integer"},
      {R"({"id": "a", "prompt": "p", "answer": {"contains": "x", "equals": "y"}})", "an answer check is one of"},
      {R"({"id": "a", "prompt": "p", "files": [{"path": "/x"}]})", "a file check is"},
      {R"({"id": "a", "prompt": "p", "files": {"path": "/x", "equals": ""}})", "must be a list"},
      {R"({"id": "a", "prompt": "p", "answer": {"contains": "x"}, "calls": [{"arguments": {}}]})", "an expected call is"},
      {R"({"id": "a", "prompt": "p", "answer": {"contains": "x"}, "calls": [{"name": []}]})", "no tool name"},
      {R"({"id": "a", "prompt": "p", "answer": {"contains": "x"}, "calls": [{"name": "f", "args": {}}]})", "unknown key \"args\""},
      {R"({"id": "a", "prompt": "p", "answer": {"contains": "x"}, "calls": [{"name": "f", "arguments": {"p": {"regex": "["}}}]})",
       "calls\"[0].arguments.p: invalid regex"},
      {R"({"id": "a", "prompt": "p", "answer": {"contains": "x"}, "expect": 1})", "unknown key \"expect\""},
      {R"({"id": "a", "prompt": "p", "answer": {"contains": "x"}, "allow_echo": "yes"})", "must be true or false"},
      {R"({"id": "a", "prompt": "p", "answer": {"contains": "x"}, "require_calls": true})", "without \"calls\""},
  };
  for (const auto& [line, want] : cases) {
    auto r = ParseEvalTasks("\n" + line + "\n", "t.jsonl");
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_NE(r.status().message().find("t.jsonl:2"), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find(want), std::string::npos) << line << " -> " << r.status();
  }
  const std::string twice = R"({"id": "a", "prompt": "p", "answer": {"contains": "x"}})";
  auto dup = ParseEvalTasks(twice + "\n" + twice + "\n", "t.jsonl");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("t.jsonl:2: task id \"a\" repeats"), std::string::npos) << dup.status();
  EXPECT_FALSE(ReadEvalTasks("/nonexistent/tasks.jsonl").ok());
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/empty.jsonl", "# nothing\n").ok());
  EXPECT_FALSE(ReadEvalTasks(dir + "/empty.jsonl").ok());
}

TEST(EvalTaskTest, NumbersMustStandAloneAndBeTheOnlyOne) {
  EvalTask t{.id = "c", .prompt = "", .answer = {{AnswerCheck::Kind::kNumber, "4"}}};
  for (const char* good : {"4", "There are 4 files.", "There are 4 files in /d/box-7.", "Count: 4, in /x/box-12/",
                           "(4)", "04 files"}) {
    std::string why;
    EXPECT_TRUE(CheckAnswerText(t, good, &why)) << good << ": " << why;
  }
  for (const char* bad : {"There are 14 files.", "There are 4.txt\"}}</tool_call>", "box-4", "item-4.txt",
                          "3 or 4", "4.5", "no idea", "[FILE] item-4.txt", "4,000"}) {
    std::string why;
    EXPECT_FALSE(CheckAnswerText(t, bad, &why)) << bad;
    EXPECT_FALSE(why.empty());
  }
}

TEST(EvalTaskTest, AnswerChecks) {
  EvalTask t{.id = "a", .prompt = "", .answer = {{AnswerCheck::Kind::kContains, "Hello World"}}};
  EXPECT_TRUE(CheckAnswerText(t, "it says hello world.", nullptr));
  std::string why;
  EXPECT_FALSE(CheckAnswerText(t, "it says hello", &why));
  EXPECT_NE(why.find("does not contain \"Hello World\""), std::string::npos) << why;
  t.answer = {{AnswerCheck::Kind::kEquals, "Hello  World"}};
  EXPECT_TRUE(CheckAnswerText(t, "  Hello World\n", nullptr));
  EXPECT_FALSE(CheckAnswerText(t, "Hello World!", nullptr));
  t.answer = {{AnswerCheck::Kind::kRegex, "^[A-Z][a-z]+ \\d+$"}};
  EXPECT_TRUE(CheckAnswerText(t, "Page 12", nullptr));
  EXPECT_FALSE(CheckAnswerText(t, "page 12", nullptr));
}

TEST(EvalTaskTest, CallsMatchNamesWithServerPrefixesAndArgumentConstraints) {
  const ExpectedCall call{{"read_text_file", "read_file"},
                          {{"path", "/d/a.txt"}, {"head", {{"equals", 1}}}, {"mode", {{"contains", "fast"}}},
                           {"tag", {{"regex", "^v\\d+$"}}}}};
  const Json good = {{"path", "/d/a.txt"}, {"head", 1.0}, {"mode", "very fast"}, {"tag", "v12"}, {"extra", true}};
  EXPECT_TRUE(CallMatches(call, "read_text_file", good));
  EXPECT_TRUE(CallMatches(call, "files__read_file", good));
  EXPECT_FALSE(CallMatches(call, "xread_file", good));
  EXPECT_FALSE(CallMatches(call, "write_file", good));
  for (const char* key : {"path", "head", "mode", "tag"}) {
    Json bad = good;
    bad.erase(key);
    EXPECT_FALSE(CallMatches(call, "read_file", bad)) << key;
  }
  Json other = good;
  other["path"] = "/d/b.txt";
  EXPECT_FALSE(CallMatches(call, "read_file", other));
  other = good;
  other["tag"] = "v1x";
  EXPECT_FALSE(CallMatches(call, "read_file", other));
  EXPECT_FALSE(CallMatches(call, "read_file", Json::array()));
}

TEST(EvalTaskTest, AnAnswerThatEchoesAToolResultFails) {
  const EvalTask t{.id = "f", .prompt = "", .answer = {{AnswerCheck::Kind::kContains, "Note 4: the red pine"}}};
  const std::string file = "Note 4: the red pine\nThis note is part of the demo files.\n";
  std::string why;
  EXPECT_TRUE(CheckTask(t, Finished(file, "The first line is: Note 4: the red pine"), &why)) << why;
  EXPECT_FALSE(CheckTask(t, Finished(file, file), &why));
  EXPECT_NE(why.find("echoes the tool result line \"This note is part of the demo files.\""), std::string::npos) << why;
  EvalTask allowed = t;
  allowed.allow_echo = true;
  EXPECT_TRUE(CheckTask(allowed, Finished(file, file), &why)) << why;
  // Short lines ("OK", "}") are not echoes.
  EXPECT_EQ(EchoedLine(t, "OK, done }", {"OK\n}\n"}), "");
}

TEST(EvalTaskTest, TheTraceMustFinishWithAParsedAnswer) {
  const EvalTask t{.id = "f", .prompt = "", .answer = {{AnswerCheck::Kind::kContains, "pine"}}};
  std::string why;
  trace::Trace aborted = Finished("x", "pine");
  aborted.outcome = {.status = "aborted", .detail = "max_turns"};
  EXPECT_FALSE(CheckTask(t, aborted, &why));
  EXPECT_EQ(why, "outcome aborted: max_turns");
  trace::Trace cut = Finished("x", "pine <tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"pa");
  EXPECT_FALSE(CheckTask(t, cut, &why));
  EXPECT_NE(why.find("tool call"), std::string::npos) << why;
  trace::Trace no_answer = Finished("x", "pine");
  no_answer.messages.pop_back();
  EXPECT_FALSE(CheckTask(t, no_answer, &why));
}

TEST(EvalTaskTest, RequiredCallsMustHaveBeenMade) {
  EvalTask t{.id = "c",
             .prompt = "",
             .answer = {{AnswerCheck::Kind::kContains, "pine"}},
             .calls = {{{"read_text_file"}, {{"path", "/d/a.txt"}}}},
             .require_calls = true};
  std::string why;
  EXPECT_TRUE(CheckTask(t, Finished("red pine", "It says red pine."), &why)) << why;
  t.calls[0].arguments["path"] = "/d/b.txt";  // the answer is right, but guessed
  EXPECT_FALSE(CheckTask(t, Finished("red pine", "It says red pine."), &why));
  EXPECT_NE(why.find("expected call 1 (read_text_file {\"path\":\"/d/b.txt\"}) was not made"), std::string::npos) << why;
  t.require_calls = false;
  EXPECT_TRUE(CheckTask(t, Finished("red pine", "It says red pine."), &why)) << why;
  auto parsed = ParseEvalTasks(R"({"id": "a", "prompt": "p", "answer": {"contains": "x"}, "require_calls": true,)"
                               R"( "calls": [{"name": "f"}]})", "t.jsonl");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE((*parsed)[0].require_calls);
  EXPECT_EQ((*parsed)[0].ToJson()["require_calls"], true);
}

TEST(EvalTaskTest, FileChecksReadTheFile) {
  const std::string dir = base::FreshTestDir();
  const EvalTask t{.id = "w", .prompt = "", .files = {{dir + "/o.txt", "red pine 7", true}}};
  std::string why;
  EXPECT_FALSE(CheckTask(t, Finished("ok", "Done"), &why));
  EXPECT_NE(why.find("was not created"), std::string::npos) << why;
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/o.txt", "red pine 7\n").ok());
  EXPECT_TRUE(CheckTask(t, Finished("ok", "Done"), &why)) << why;
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/o.txt", "red pine 77").ok());
  EXPECT_FALSE(CheckTask(t, Finished("ok", "Done"), &why));
  const EvalTask c{.id = "w", .prompt = "", .files = {{dir + "/o.txt", "pine 7", false}}};
  EXPECT_TRUE(CheckTask(c, Finished("ok", "Done"), &why)) << why;
}

}  // namespace
}  // namespace tracemill::eval
