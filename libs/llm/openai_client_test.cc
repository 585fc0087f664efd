#include "libs/llm/openai_client.h"

#include <atomic>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "libs/base/json.h"
#include "libs/net/event_loop.h"
#include "libs/net/test_http_server.h"

namespace tracemill::llm {
namespace {

using std::chrono_literals::operator""ms;
using Server = net::TestHttpServer;

ChatRequest Hello() {
  ChatRequest r;
  trace::Message user;
  user.role = trace::Role::kUser;
  user.content = "hi";
  r.messages.push_back(user);
  trace::Message past;
  past.role = trace::Role::kAssistant;
  past.content = "earlier";
  past.reasoning_content = "because";
  r.messages.push_back(past);
  trace::ToolDef tool;
  tool.name = "open";
  tool.json = {{"type", "function"},
               {"function", {{"name", "open"}, {"parameters", {{"type", "object"}}}}}};
  r.tools.push_back(tool);
  r.sampling = {{"temperature", 0.2}, {"max_tokens", 100}};
  return r;
}

const char* kReply = R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning":"think","tool_calls":[{"id":"call_1","type":"function","function":{"name":"open","arguments":"{\"url\":\"u\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}})";

TEST(OpenAiClientTest, RequestBodyCarriesModelToolsSamplingAndBothReasoningKeys) {
  Json body = ChatRequestBody({.model = "m", .extra_body = {{"chat_template_kwargs", {{"enable_thinking", false}}}}},
                              Hello());
  EXPECT_EQ(body["model"], "m");
  EXPECT_EQ(body["tools"][0]["function"]["name"], "open");
  EXPECT_EQ(body["temperature"], 0.2);
  EXPECT_EQ(body["max_tokens"], 100);
  EXPECT_EQ(body["messages"][1]["reasoning"], "because");
  EXPECT_EQ(body["messages"][1]["reasoning_content"], "because");
  EXPECT_EQ(body["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_EQ(body["stream"], false);
  EXPECT_FALSE(body.contains("tool_choice"));
}

TEST(OpenAiClientTest, PlainReplyWithToolCallsReasoningAndUsage) {
  std::string seen_auth, seen_path;
  Server server([&](const Server::Request& r, Server::Connection& c) {
    seen_auth = r.Header("authorization").value_or("");
    seen_path = r.path;
    c.Write(Server::Response(200, kReply));
  });
  net::EventLoop loop;
  net::HttpClient http(&loop);
  OpenAiClient client(&loop, &http, {.base_url = server.Url("/v1/"), .api_key = "sk-test", .model = "m"});
  auto r = net::RunTask(loop, client.Complete(Hello()));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(seen_path, "/v1/chat/completions");
  EXPECT_EQ(seen_auth, "Bearer sk-test");
  EXPECT_EQ(r->message.reasoning_content, "think");
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_EQ(r->message.tool_calls[0].arguments, R"({"url":"u"})");
  EXPECT_EQ(r->finish_reason, "tool_calls");
  EXPECT_EQ(r->usage.total_tokens, 10);
  EXPECT_EQ(r->attempts, 1);
}

TEST(OpenAiClientTest, StreamedReplyIsAssembled) {
  Server server([&](const Server::Request& r, Server::Connection& c) {
    auto body = base::ParseJson(r.body, "req");
    ASSERT_TRUE(body.ok());
    EXPECT_EQ((*body)["stream"], true);
    c.Write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
    for (const char* d : {R"({"choices":[{"delta":{"reasoning_content":"hm"}}]})",
                          R"({"choices":[{"delta":{"content":"Hel"}}]})",
                          R"({"choices":[{"delta":{"content":"lo"},"finish_reason":"stop"}]})",
                          R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})",
                          "[DONE]"}) {
      c.Write(std::string("data: ") + d + "\n\n");
      std::this_thread::sleep_for(2ms);
    }
    c.Close();
  });
  net::EventLoop loop;
  net::HttpClient http(&loop);
  OpenAiClient client(&loop, &http, {.base_url = server.Url("/v1"), .model = "m", .stream = true});
  auto r = net::RunTask(loop, client.Complete(Hello()));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message.content, "Hello");
  EXPECT_EQ(r->message.reasoning_content, "hm");
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_EQ(r->usage.total_tokens, 3);
}

TEST(OpenAiClientTest, RetriesOverloadAndServerErrorsHonouringRetryAfter) {
  std::atomic<int> calls{0};
  Server server([&](const Server::Request&, Server::Connection& c) {
    const int n = ++calls;
    if (n == 1) c.Write(Server::Response(429, R"({"error":"slow down"})", "application/json", "Retry-After: 0\r\n"));
    else if (n == 2) c.Write(Server::Response(503, "busy"));
    else if (n == 3) c.Write(Server::Response(200, "{garbage"));
    else c.Write(Server::Response(200, kReply));
  });
  net::EventLoop loop;
  net::HttpClient http(&loop);
  OpenAiClient client(&loop, &http, {.base_url = server.Url("/v1"), .model = "m",
                                     .backoff_base = 1ms, .backoff_max = 5ms});
  auto r = net::RunTask(loop, client.Complete(Hello()));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->attempts, 4);
}

TEST(OpenAiClientTest, ClientErrorsAreNotRetriedAndNeverShowTheKey) {
  std::atomic<int> calls{0};
  Server server([&](const Server::Request&, Server::Connection& c) {
    ++calls;
    c.Write(Server::Response(400, R"({"error":{"message":"bad tool schema"}})"));
  });
  net::EventLoop loop;
  net::HttpClient http(&loop);
  OpenAiClient client(&loop, &http, {.base_url = server.Url("/v1"), .api_key = "sk-secret-xyz", .model = "m"});
  auto r = net::RunTask(loop, client.Complete(Hello()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(r.status().message());
  EXPECT_NE(msg.find("bad tool schema"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("sk-secret"), std::string::npos) << msg;
}

TEST(OpenAiClientTest, GivesUpAfterMaxAttemptsOnAStreamCutShort) {
  Server server([&](const Server::Request&, Server::Connection& c) {
    c.Write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
    c.Write("data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n");
    c.Close();
  });
  net::EventLoop loop;
  net::HttpClient http(&loop);
  OpenAiClient client(&loop, &http, {.base_url = server.Url("/v1"), .model = "m", .stream = true,
                                     .max_attempts = 3, .backoff_base = 1ms});
  auto r = net::RunTask(loop, client.Complete(Hello()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(server.requests(), 3);
  EXPECT_NE(std::string(r.status().message()).find("3 attempts"), std::string::npos) << r.status();
}

TEST(OpenAiClientTest, RawHermesTextBecomesToolCalls) {
  const std::string text =
      "<think>\nneed the page\n</think>\n\nOpening it.\n<tool_call>\n{\"name\": \"open\", "
      "\"arguments\": {\"url\": \"http://x/1\"}}\n</tool_call>";
  Json reply = {{"choices", {{{"index", 0},
                              {"message", {{"role", "assistant"}, {"content", text}}},
                              {"finish_reason", "stop"}}}}};
  Server server([&](const Server::Request&, Server::Connection& c) {
    c.Write(Server::Response(200, base::DumpJson(reply)));
  });
  net::EventLoop loop;
  net::HttpClient http(&loop);
  OpenAiClient client(&loop, &http, {.base_url = server.Url("/v1"), .model = "m"});
  auto r = net::RunTask(loop, client.Complete(Hello()));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->message.content, "Opening it.");
  EXPECT_EQ(r->message.reasoning_content, "need the page");
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_EQ(r->message.tool_calls[0].name, "open");
  EXPECT_EQ(r->message.tool_calls[0].arguments, R"({"url":"http://x/1"})");
  EXPECT_EQ(r->message.tool_calls[0].id.rfind("call_", 0), 0u);
  EXPECT_EQ(r->finish_reason, "tool_calls");
}

// A call cut off at max_tokens is not executed: it stays in content, and problems say so.
TEST(OpenAiClientTest, CutOffHermesCallStaysContent) {
  const std::string call =
      "<tool_call>\n{\"name\": \"write_file\", \"arguments\": {\"path\": \"/a\", "
      "\"content\": \"hel";
  ChatResult r;
  r.message.role = trace::Role::kAssistant;
  r.message.content = "<think>\nwrite it\n</think>\n\nWriting.\n" + call;
  r.finish_reason = "length";
  ApplyHermes(HermesMode::kAuto, &r);
  EXPECT_TRUE(r.message.tool_calls.empty());
  EXPECT_EQ(r.message.content, "Writing.\n" + call);
  EXPECT_EQ(r.message.reasoning_content, "write it");
  EXPECT_EQ(r.finish_reason, "length");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0],
            "hermes: byte 36: not a tool call (<tool_call> not closed before the end); kept as "
            "content");
}

TEST(OpenAiClientTest, MalformedRepliesAreClearErrors) {
  for (const char* body : {"[]", R"({"choices": []})", R"({"choices": [{"message": 3}]})",
                           R"({"choices": [{"message": {"role": "robot"}}]})"}) {
    auto r = ParseChatCompletion(body);
    EXPECT_FALSE(r.ok()) << body;
    EXPECT_NE(std::string(r.status().message()).find("chat completion reply"), std::string::npos)
        << r.status();
  }
}

}  // namespace
}  // namespace tracemill::llm
