#include "libs/demo/teacher_server.h"

#include "gtest/gtest.h"
#include "libs/demo/demo_tasks.h"
#include "libs/demo/teacher.h"
#include "libs/llm/openai_client.h"
#include "libs/net/http_client.h"

namespace tracemill::demo {
namespace {

std::vector<trace::ToolDef> Tools() {
  trace::ToolDef nav;
  nav.name = "browser_navigate";
  nav.json = {{"type", "function"},
              {"function", {{"name", "browser_navigate"}, {"parameters", {{"type", "object"}}}}}};
  return {nav};
}

trace::Message User(std::string text) {
  trace::Message m;
  m.role = trace::Role::kUser;
  m.content = std::move(text);
  return m;
}

class TeacherServerTest : public testing::TestWithParam<std::tuple<std::string, bool>> {};

// Every mode, plain and streamed, gives the client the same tool call and then the same
// final answer: tool_calls natively, Hermes text through the client's parser.
TEST_P(TeacherServerTest, SolvesAPageTaskThroughTheOpenAiClient) {
  const auto& [mode, stream] = GetParam();
  net::EventLoop loop;
  auto server = TeacherServer::Start(&loop, {.mode = mode});
  ASSERT_TRUE(server.ok()) << server.status();
  net::HttpClient http(&loop);
  llm::OpenAiClient client(&loop, &http, {.base_url = (*server)->base_url(), .model = kTeacherModel, .stream = stream});
  const std::string url = (*server)->site_url() + "/page/5";
  llm::ChatRequest request;
  request.messages = {User("Open " + url + " in the browser and tell me the page title.")};
  request.tools = Tools();
  auto first = net::RunTask(loop, client.Complete(request));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->message.tool_calls.size(), 1u) << mode;
  EXPECT_EQ(first->message.tool_calls[0].name, "browser_navigate");
  EXPECT_EQ(Json::parse(first->message.tool_calls[0].arguments), (Json{{"url", url}}));
  EXPECT_TRUE(first->message.reasoning_content.has_value());
  EXPECT_GT(first->usage.total_tokens, 0);

  // The site serves what the browser would see.
  auto page = net::RunTask(loop, http.Send({.url = url}));
  ASSERT_TRUE(page.ok());
  EXPECT_NE(page->body.find("<title>" + PageTitle(5) + "</title>"), std::string::npos);

  request.messages.push_back(first->message);
  trace::Message result;
  result.role = trace::Role::kTool;
  result.tool_call_id = first->message.tool_calls[0].id;
  result.content = "- Page URL: " + url + "\n- Page Title: " + PageTitle(5) + "\n";
  request.messages.push_back(result);
  auto second = net::RunTask(loop, client.Complete(request));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->message.tool_calls.empty());
  EXPECT_NE(second->message.Text().find("\"" + PageTitle(5) + "\""), std::string::npos) << second->message.Text();
  EXPECT_EQ(second->finish_reason, "stop");
}

INSTANTIATE_TEST_SUITE_P(Modes, TeacherServerTest,
                         testing::Combine(testing::Values("tool_calls", "hermes", "alternate"), testing::Bool()));

TEST(TeacherServerEndpointsTest, ModelsHealthErrorsAndLabels) {
  net::EventLoop loop;
  auto server = TeacherServer::Start(&loop, {});
  ASSERT_TRUE(server.ok());
  net::HttpClient http(&loop);
  const std::string base = (*server)->base_url();
  auto models = net::RunTask(loop, http.Send({.url = base + "/models"}));
  ASSERT_TRUE(models.ok());
  EXPECT_EQ(Json::parse(models->body)["data"][0]["id"], kTeacherModel);
  EXPECT_EQ(models->Header("x-tracemill-teacher"), "scripted");
  auto bad = net::RunTask(loop, http.Send({.method = "POST", .url = base + "/chat/completions", .body = "{not json"}));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(Json::parse(bad->body)["error"]["message"].get<std::string>().find("request body"), std::string::npos);
  auto no_messages = net::RunTask(loop, http.Send({.method = "POST", .url = base + "/chat/completions", .body = "{}"}));
  ASSERT_TRUE(no_messages.ok());
  EXPECT_EQ(no_messages->status, 400);
  auto missing = net::RunTask(loop, http.Send({.url = (*server)->site_url() + "/page/99999"}));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  auto route = net::RunTask(loop, http.Send({.url = base + "/nothing"}));
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->status, 404);
  EXPECT_FALSE(TeacherServer::Start(&loop, {.mode = "telepathy"}).ok());
}

}  // namespace
}  // namespace tracemill::demo
