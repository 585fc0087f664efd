#include "libs/mcp/http_transport.h"

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/base/json.h"
#include "libs/mcp/client.h"
#include "libs/net/test_http_server.h"

namespace tracemill::mcp {
namespace {

using Server = net::TestHttpServer;
using std::chrono_literals::operator""ms;

// A scripted Streamable HTTP server: JSON replies, SSE replies, a reply stream that breaks
// off after event 7 (resumable with GET + Last-Event-ID), sessions, and a way to forget
// the session.
struct FakeHttpServer {
  std::mutex mu;
  std::vector<std::string> log;  // "METHOD what headers"
  Json pending_call_id;
  std::atomic<bool> forget{false};  // every session, for good
  std::atomic<int> forget_once{0};   // the next N requests of a session
  Server server{[this](const Server::Request& r, Server::Connection& c) { Handle(r, c); }};

  static std::string Sse(const std::string& payload) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + payload;
  }

  void Handle(const Server::Request& r, Server::Connection& c) {
    const std::string session = r.Header("mcp-session-id").value_or("-");
    const std::string version = r.Header("mcp-protocol-version").value_or("-");
    if (r.method == "GET") {
      const std::string last = r.Header("last-event-id").value_or("");
      {
        std::lock_guard<std::mutex> lock(mu);
        log.push_back("GET last=" + last + " session=" + session);
      }
      if (last != "7") {
        c.Write(Server::Response(405, ""));
        return;
      }
      Json reply = {{"jsonrpc", "2.0"}, {"id", pending_call_id},
                    {"result", {{"content", {{{"type", "text"}, {"text", "resumed answer"}}}}}}};
      c.Write(Sse("id: 8\ndata: " + base::DumpJson(reply) + "\n\n"));
      c.Close();
      return;
    }
    if (r.method == "DELETE") {
      std::lock_guard<std::mutex> lock(mu);
      log.push_back("DELETE session=" + session);
      c.Write(Server::Response(200, ""));
      return;
    }
    auto msg = base::ParseJson(r.body, "post");
    ASSERT_TRUE(msg.ok());
    const std::string method = (*msg).value("method", "");
    {
      std::lock_guard<std::mutex> lock(mu);
      log.push_back("POST " + method + " session=" + session + " version=" + version +
                    " accept=" + r.Header("accept").value_or(""));
    }
    const bool request = msg->contains("id");  // not the initialized notification still in flight
    if ((forget || (request && forget_once > 0 && forget_once-- > 0)) && method != "initialize") {
      c.Write(Server::Response(404, "unknown session"));
      return;
    }
    const Json id = msg->value("id", Json());
    if (method == "initialize") {
      Json reply = {{"jsonrpc", "2.0"}, {"id", id},
                    {"result", {{"protocolVersion", "2025-11-25"}, {"capabilities", {{"tools", Json::object()}}},
                                {"serverInfo", {{"name", "fake-http"}, {"version", "1"}}}}}};
      c.Write(Server::Response(200, base::DumpJson(reply), "application/json", "Mcp-Session-Id: s-1\r\n"));
    } else if (id.is_null()) {
      c.Write(Server::Response(202, ""));
    } else if (method == "tools/list") {
      Json note = {{"jsonrpc", "2.0"}, {"method", "notifications/message"}, {"params", {{"level", "info"}}}};
      Json reply = {{"jsonrpc", "2.0"}, {"id", id},
                    {"result", {{"tools", {{{"name", "echo"}}, {{"name", "slow"}}}}}}};
      c.Write(Sse("data: " + base::DumpJson(note) + "\n\n: keep-alive\n\ndata: " + base::DumpJson(reply) + "\n\n"));
      c.Close();
    } else if (method == "tools/call" && (*msg)["params"]["name"] == "slow") {
      pending_call_id = id;
      Json progress = {{"jsonrpc", "2.0"}, {"method", "notifications/progress"}, {"params", {{"progress", 1}}}};
      c.Write(Sse("id: 7\nretry: 50\ndata: " + base::DumpJson(progress) + "\n\n"));
      c.Close();  // breaks off before the answer
    } else {
      Json reply = {{"jsonrpc", "2.0"}, {"id", id},
                    {"result", {{"content", {{{"type", "text"}, {"text", "echoed"}}}}}}};
      c.Write(Server::Response(200, base::DumpJson(reply)));
    }
  }
};

TEST(HttpTransportTest, SessionJsonAndSseRepliesAndAResumedStream) {
  FakeHttpServer fake;
  net::EventLoop loop;
  net::HttpClient http(&loop);
  auto transport = std::make_unique<HttpTransport>(&loop, &http, fake.server.Url("/mcp"),
                                                   std::vector<std::pair<std::string, std::string>>{{"X-Team", "t"}},
                                                   "web", 5000ms);
  McpClient client(&loop, std::move(transport), {.name = "web"});
  auto run = [&]() -> net::Task<std::string> {
    std::string out;
    absl::Status init = co_await client.Initialize();
    out += init.ok() ? "init " : std::string(init.message());
    auto tools = co_await client.ListTools();
    out += tools.ok() ? "tools " + std::to_string(tools->size()) + " " : std::string(tools.status().message());
    Json none = Json::object();
    auto echo = co_await client.CallTool("echo", none);
    out += echo.ok() ? echo->text + " " : std::string(echo.status().message());
    auto slow = co_await client.CallTool("slow", none);
    out += slow.ok() ? slow->text : std::string(slow.status().message());
    co_await client.Close();
    co_return out;
  };
  EXPECT_EQ(net::RunTask(loop, run()), "init tools 2 echoed resumed answer");
  std::lock_guard<std::mutex> lock(fake.mu);
  std::string all;
  for (const std::string& l : fake.log) all += l + "\n";
  EXPECT_NE(all.find("POST initialize session=- version=- accept=application/json, text/event-stream"),
            std::string::npos) << all;
  EXPECT_NE(all.find("POST notifications/initialized session=s-1 version=2025-11-25"), std::string::npos) << all;
  EXPECT_NE(all.find("POST tools/call session=s-1 version=2025-11-25"), std::string::npos) << all;
  EXPECT_NE(all.find("GET last=7 session=s-1"), std::string::npos) << all;
  EXPECT_NE(all.find("DELETE session=s-1"), std::string::npos) << all;
}

TEST(HttpTransportTest, AForgottenSessionAndHttpErrorsFailTheRequest) {
  FakeHttpServer fake;
  net::EventLoop loop;
  net::HttpClient http(&loop);
  McpClient client(&loop,
                   std::make_unique<HttpTransport>(&loop, &http, fake.server.Url("/mcp"),
                                                   std::vector<std::pair<std::string, std::string>>{},
                                                   "web", 5000ms),
                   {.name = "web"});
  ASSERT_TRUE(net::RunTask(loop, client.Initialize()).ok());
  // Forgotten once: the client initialises again and the call goes through.
  fake.forget_once = 1;
  Json none = Json::object();
  auto again = net::RunTask(loop, client.CallTool("echo", none));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->text, "echoed");
  EXPECT_EQ(client.reinitialisations(), 1);
  EXPECT_TRUE(client.tools_changed());
  int inits = 0;
  {
    std::lock_guard<std::mutex> lock(fake.mu);
    for (const std::string& line : fake.log) inits += line.rfind("POST initialize ", 0) == 0;
  }
  EXPECT_EQ(inits, 2);
  // Forgotten for good: one more initialise, then the error.
  fake.forget = true;
  auto r = net::RunTask(loop, client.CallTool("echo", none));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("initialise again"), std::string::npos) << r.status().message();
  EXPECT_EQ(client.reinitialisations(), 2);
  net::RunTask(loop, client.Close());

  net::EventLoop loop2;
  net::HttpClient http2(&loop2);
  McpClient nowhere(&loop2,
                    std::make_unique<HttpTransport>(&loop2, &http2, "http://127.0.0.1:1/mcp",
                                                    std::vector<std::pair<std::string, std::string>>{},
                                                    "gone", 2000ms),
                    {.name = "gone"});
  absl::Status s = net::RunTask(loop2, nowhere.Initialize());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("POST http://127.0.0.1:1/mcp"), std::string::npos) << s;
}

}  // namespace
}  // namespace tracemill::mcp
