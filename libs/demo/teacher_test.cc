#include "libs/demo/teacher.h"

#include "gtest/gtest.h"
#include "libs/llm/hermes.h"

namespace tracemill::demo {
namespace {

Json Tool(const std::string& name) {
  return {{"type", "function"}, {"function", {{"name", name}, {"parameters", {{"type", "object"}}}}}};
}

Json AllTools() {
  return Json::array({Tool("browser_navigate"), Tool("browser_snapshot"), Tool("read_text_file"),
                      Tool("list_directory"), Tool("write_file")});
}

// A conversation: the task, then (call, result) pairs as the agent records them.
Json Request(const std::string& task, const std::vector<std::pair<TeacherCall, std::string>>& steps,
             Json tools = AllTools()) {
  Json messages = Json::array({{{"role", "system"}, {"content", "You are a helpful agent."}},
                               {{"role", "user"}, {"content", task}}});
  int id = 0;
  for (const auto& [call, result] : steps) {
    const std::string call_id = "c" + std::to_string(id++);
    messages.push_back({{"role", "assistant"},
                        {"content", nullptr},
                        {"tool_calls", Json::array({{{"id", call_id},
                                                     {"type", "function"},
                                                     {"function", {{"name", call.name}, {"arguments", call.arguments.dump()}}}}})}});
    messages.push_back({{"role", "tool"}, {"tool_call_id", call_id}, {"content", result}});
  }
  return {{"model", "m"}, {"messages", messages}, {"tools", tools}};
}

TeacherTurn Must(const Json& request) {
  auto turn = DecideNextTurn(request);
  EXPECT_TRUE(turn.ok()) << turn.status();
  return turn.ok() ? *turn : TeacherTurn{};
}

TEST(TeacherTest, PageTitleNavigatesThenReadsTheTitleFromTheResult) {
  const std::string task = "Open http://127.0.0.1:9/site/page/12 in the browser and tell me the page title.";
  TeacherTurn first = Must(Request(task, {}));
  ASSERT_EQ(first.calls.size(), 1u);
  EXPECT_EQ(first.calls[0].name, "browser_navigate");
  EXPECT_EQ(first.calls[0].arguments, (Json{{"url", "http://127.0.0.1:9/site/page/12"}}));
  EXPECT_FALSE(first.reasoning.empty());
  EXPECT_TRUE(first.content.empty());
  const std::string result =
      "### Ran Playwright code\n```js\nawait page.goto('http://127.0.0.1:9/site/page/12');\n```\n\n### Page state\n"
      "- Page URL: http://127.0.0.1:9/site/page/12\n- Page Title: The Quiet Harbour 12\n- Page Snapshot:\n```yaml\n```";
  TeacherTurn second = Must(Request(task, {{first.calls[0], result}}));
  EXPECT_TRUE(second.calls.empty());
  EXPECT_EQ(second.content, "The title of the page at http://127.0.0.1:9/site/page/12 is \"The Quiet Harbour 12\".");
}

TEST(TeacherTest, FollowNoteReadsTwiceThenAnswers) {
  const std::string task = "The file /d/pointers/p-3.txt names a note file. Read it, then read that note and tell me the note's first line.";
  TeacherTurn a = Must(Request(task, {}));
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].arguments["path"], "/d/pointers/p-3.txt");
  TeacherTurn b = Must(Request(task, {{a.calls[0], "See notes/note-17.txt\n"}}));
  ASSERT_EQ(b.calls.size(), 1u);
  EXPECT_EQ(b.calls[0].arguments["path"], "/d/notes/note-17.txt");
  TeacherTurn c = Must(Request(task, {{a.calls[0], "See notes/note-17.txt\n"}, {b.calls[0], "Note 17: x\nmore\n"}}));
  EXPECT_TRUE(c.calls.empty());
  EXPECT_NE(c.content.find("Note 17: x"), std::string::npos);
}

TEST(TeacherTest, CountsOnlyFilesAndWritesFiles) {
  const std::string task = "How many files are in the directory /d/box-2 ?";
  TeacherTurn a = Must(Request(task, {}));
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].name, "list_directory");
  TeacherTurn b = Must(Request(task, {{a.calls[0], "[DIR] archive\n[FILE] item-1.txt\n[FILE] item-2.txt"}}));
  EXPECT_EQ(b.content, "There are 2 files in /d/box-2.");
  const std::string write = "Create the file /d/out/x-1.txt containing exactly: red pine 7";
  TeacherTurn w = Must(Request(write, {}));
  ASSERT_EQ(w.calls.size(), 1u);
  EXPECT_EQ(w.calls[0].arguments, (Json{{"path", "/d/out/x-1.txt"}, {"content", "red pine 7"}}));
}

TEST(TeacherTest, UsesPrefixedToolNamesAndSaysWhenAToolIsMissing) {
  const std::string task = "What is the first line of the file /d/notes/note-2.txt ?";
  TeacherTurn a = Must(Request(task, {}, Json::array({Tool("fs_read_text_file")})));
  ASSERT_EQ(a.calls.size(), 1u);
  EXPECT_EQ(a.calls[0].name, "fs_read_text_file");
  TeacherTurn b = Must(Request(task, {}, Json::array({Tool("browser_navigate")})));
  EXPECT_TRUE(b.calls.empty());
  EXPECT_NE(b.content.find("no tool for reading files"), std::string::npos) << b.content;
}

TEST(TeacherTest, ToolFailuresAndUnknownTasksGetHonestAnswers) {
  const std::string task = "What is the first line of the file /d/notes/note-2.txt ?";
  TeacherTurn a = Must(Request(task, {}));
  TeacherTurn b = Must(Request(task, {{a.calls[0], "Error: ENOENT: no such file or directory"}}));
  EXPECT_TRUE(b.calls.empty());
  EXPECT_NE(b.content.find("could not complete"), std::string::npos) << b.content;
  TeacherTurn c = Must(Request("Write me a poem.", {}));
  EXPECT_TRUE(c.calls.empty());
  EXPECT_NE(c.content.find("scripted demo teacher, not a model"), std::string::npos);
}

TEST(TeacherTest, BadRequestsAreErrorsNamingTheField) {
  EXPECT_FALSE(DecideNextTurn(Json::array()).ok());
  auto none = DecideNextTurn(Json{{"messages", Json::array()}});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("\"messages\""), std::string::npos);
  auto no_role = DecideNextTurn(Json{{"messages", Json::array({{{"content", "x"}}})}});
  ASSERT_FALSE(no_role.ok());
  EXPECT_NE(no_role.status().message().find("messages[0]"), std::string::npos);
  EXPECT_FALSE(DecideNextTurn(Json{{"messages", Json::array({{{"role", "system"}, {"content", "x"}}})}}).ok());
}

TEST(TeacherTest, HermesTextParsesBackToTheSameTurn) {
  TeacherTurn t;
  t.reasoning = "I will read two files.";
  t.calls = {{"read_text_file", {{"path", "/a b/ü.txt"}}}, {"list_directory", {{"path", "/x"}}}};
  const std::string text = ToHermesText(t);
  const llm::HermesOutput parsed = llm::ParseHermes(text);
  EXPECT_TRUE(parsed.problems.empty());
  EXPECT_EQ(parsed.reasoning, t.reasoning);
  ASSERT_EQ(parsed.tool_calls.size(), 2u);
  EXPECT_EQ(parsed.tool_calls[0].name, "read_text_file");
  EXPECT_EQ(Json::parse(parsed.tool_calls[0].arguments), t.calls[0].arguments);
  EXPECT_EQ(parsed.tool_calls[1].name, "list_directory");
  TeacherTurn answer;
  answer.reasoning = "Done.";
  answer.content = "The answer is 4.";
  const llm::HermesOutput a = llm::ParseHermes(ToHermesText(answer));
  EXPECT_EQ(a.content, "The answer is 4.");
  EXPECT_TRUE(a.tool_calls.empty());
}

}  // namespace
}  // namespace tracemill::demo
