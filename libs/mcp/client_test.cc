#include "libs/mcp/client.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/test_util.h"
#include "libs/mcp/stdio_transport.h"
#include "libs/net/event_loop.h"

namespace tracemill::mcp {
namespace {

using std::chrono_literals::operator""ms;

const std::string kFake = TRACEMILL_SOURCE_DIR "/libs/mcp/testdata/fake_server.py";
const std::string kPeers = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/.bin/";

std::unique_ptr<McpClient> Connect(net::EventLoop& loop, std::vector<std::string> argv,
                                   std::vector<std::pair<std::string, std::string>> env = {},
                                   std::chrono::milliseconds timeout = 10000ms) {
  auto t = StdioTransport::Start(&loop, {.argv = std::move(argv), .env = std::move(env)}, "fake");
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return nullptr;
  return std::make_unique<McpClient>(&loop, std::move(*t),
                                     ClientOptions{.name = "fake", .request_timeout = timeout});
}

net::Task<std::string> Session(McpClient& c) {
  std::string log;
  absl::Status init = co_await c.Initialize();
  log += "init " + std::string(init.ok() ? "ok" : init.message()) + "\n";
  auto tools = co_await c.ListTools();
  log += "tools " + std::to_string(tools.ok() ? tools->size() : 0) + "\n";
  Json args = {{"x", 7}};  // not inside co_await (GCC 12)
  auto r = co_await c.CallTool("tool_1", args);
  if (r.ok()) log += (r->is_error ? "isError\n" : "ok\n") + r->text + "\n";
  auto unknown = co_await c.CallTool("unknown", Json::object());
  log += "unknown " + std::string(unknown.status().message()) + "\n";
  absl::Status ping = co_await c.Ping();
  log += "ping " + std::string(ping.ok() ? "ok" : ping.message()) + "\n";
  co_await c.Close();
  co_return log;
}

TEST(McpClientTest, FullSessionWithAScriptedServer) {
  net::EventLoop loop;
  const std::string dir = base::FreshTestDir();
  auto client = Connect(loop, {"/usr/bin/python3", kFake, "normal"}, {{"FAKE_MCP_LOG", dir + "/log"}});
  ASSERT_NE(client, nullptr);
  const std::string log = net::RunTask(loop, Session(*client));
  EXPECT_NE(log.find("init ok"), std::string::npos) << log;
  EXPECT_NE(log.find("tools 5"), std::string::npos) << log;  // three pages
  EXPECT_NE(log.find("isError\nargs {\"x\": 7}"), std::string::npos) << log;
  EXPECT_NE(log.find("[image: image/png, 300 bytes]"), std::string::npos) << log;
  EXPECT_NE(log.find("[audio: audio/wav, 3 bytes]"), std::string::npos) << log;
  EXPECT_NE(log.find("[resource file:///a.txt]\nhello file"), std::string::npos) << log;
  EXPECT_NE(log.find("[resource file:///b.bin: application/zip, 6 bytes]"), std::string::npos) << log;
  EXPECT_NE(log.find("[resource link file:///c \"c\": a link]"), std::string::npos) << log;
  EXPECT_NE(log.find("unknown MCP server \"fake\": tools/call failed: Unknown tool: unknown (code -32602)"),
            std::string::npos) << log;
  EXPECT_NE(log.find("ping ok"), std::string::npos) << log;
  EXPECT_EQ(client->protocol_version(), "2025-11-25");
  EXPECT_EQ(client->instructions(), "be nice");
  // The server announced a change while the list was being read: list again.
  EXPECT_TRUE(client->tools_changed());
  ASSERT_EQ(client->problems().size(), 1u);  // the garbage line, kept as a problem
  EXPECT_NE(client->problems()[0].find("message from MCP server \"fake\""), std::string::npos)
      << client->problems()[0];
  // The server's ping was answered, and the handshake ended with notifications/initialized.
  std::ifstream in(dir + "/log");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find(R"("method": "notifications/initialized")"), std::string::npos);
  EXPECT_NE(all.find(R"("id": "srv-1", "result": {})"), std::string::npos) << all;
}

TEST(McpClientTest, OlderProtocolVersionsAreAcceptedUnknownOnesRefused) {
  for (const char* v : {"2025-06-18", "2025-03-26"}) {
    net::EventLoop loop;
    auto client = Connect(loop, {"/usr/bin/python3", kFake, "plain", v});
    absl::Status s = net::RunTask(loop, client->Initialize());
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ(client->protocol_version(), v);
    net::RunTask(loop, client->Close());
  }
  net::EventLoop loop;
  auto client = Connect(loop, {"/usr/bin/python3", kFake, "old"});
  absl::Status s = net::RunTask(loop, client->Initialize());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(s.message()).find("2024-11-05"), std::string::npos) << s;
  net::RunTask(loop, client->Close());
}

TEST(McpClientTest, AHangingCallTimesOutAndIsCancelled) {
  net::EventLoop loop;
  const std::string dir = base::FreshTestDir();
  auto client = Connect(loop, {"/usr/bin/python3", kFake, "hang"}, {{"FAKE_MCP_LOG", dir + "/log"}});
  ASSERT_TRUE(net::RunTask(loop, client->Initialize()).ok());
  auto r = net::RunTask(loop, client->CallTool("tool_0", Json::object(), 200ms));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  // Still usable afterwards.
  EXPECT_TRUE(net::RunTask(loop, client->Ping()).ok());
  net::RunTask(loop, client->Close());
  std::ifstream in(dir + "/log");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("notifications/cancelled"), std::string::npos) << all;
}

TEST(McpClientTest, ACrashIsAnErrorWithTheServersLastWords) {
  net::EventLoop loop;
  auto client = Connect(loop, {"/usr/bin/python3", kFake, "crash"});
  ASSERT_TRUE(net::RunTask(loop, client->Initialize()).ok());
  auto r = net::RunTask(loop, client->CallTool("tool_0", Json::object()));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  const std::string msg(r.status().message());
  EXPECT_NE(msg.find("exited with 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fatal: the fake server crashed"), std::string::npos) << msg;
  EXPECT_TRUE(client->closed());
  auto after = net::RunTask(loop, client->CallTool("tool_0", Json::object()));
  EXPECT_FALSE(after.ok());
}

TEST(McpClientTest, AMissingProgramIsNotFound) {
  net::EventLoop loop;
  auto t = StdioTransport::Start(&loop, {.argv = {"/nonexistent/mcp-server"}}, "ghost");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(t.status().message()).find("MCP server \"ghost\""), std::string::npos);
}

TEST(McpClientTest, ToolResultTextFallsBackToStructuredContent) {
  EXPECT_EQ(ToolResultText({{"content", Json::array()}, {"structuredContent", {{"a", 1}}}}), R"({"a":1})");
  EXPECT_EQ(ToolResultText({{"content", {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "b"}}}}}),
            "a\n\nb");
  EXPECT_NE(ToolResultText({{"content", {{{"type", "hologram"}}}}}).find("[hologram item"), std::string::npos);
  EXPECT_EQ(ToolResultText(Json("junk")), "");
}

// The reference server of the MCP project (tests/peers, npm ci).
TEST(McpClientTest, ServerEverythingOverStdio) {
  ASSERT_TRUE(std::filesystem::exists(kPeers + "mcp-server-everything"))
      << "run scripts/peers.sh (npm ci in tests/peers)";
  net::EventLoop loop;
  auto client = Connect(loop, {kPeers + "mcp-server-everything", "stdio"});
  auto run = [&]() -> net::Task<std::string> {
    absl::Status init = co_await client->Initialize();
    if (!init.ok()) co_return std::string(init.message());
    auto tools = co_await client->ListTools();
    if (!tools.ok()) co_return std::string(tools.status().message());
    std::string names;
    for (const McpTool& t : *tools) names += t.name + " ";
    Json echo_args = {{"message", "hello"}}, sum_args = {{"a", 2}, {"b", 3}};
    auto echo = co_await client->CallTool("echo", echo_args);
    auto sum = co_await client->CallTool("get-sum", sum_args);
    co_await client->Close();
    co_return names + "| " + (echo.ok() ? echo->text : std::string(echo.status().message())) +
        " | " + (sum.ok() ? sum->text : std::string(sum.status().message()));
  };
  const std::string out = net::RunTask(loop, run());
  EXPECT_NE(out.find("echo "), std::string::npos) << out;
  EXPECT_NE(out.find("Echo: hello"), std::string::npos) << out;
  EXPECT_NE(out.find("5"), std::string::npos) << out;
}

// The MCP project's filesystem server: reads and lists a directory, refuses paths
// outside it (as a tool error, not a protocol error).
TEST(McpClientTest, ServerFilesystemOverStdio) {
  ASSERT_TRUE(std::filesystem::exists(kPeers + "mcp-server-filesystem"))
      << "run scripts/peers.sh (npm ci in tests/peers)";
  const std::string dir = std::filesystem::canonical(base::FreshTestDir()).string();
  { std::ofstream(dir + "/notes.txt") << "hello from a file"; }
  net::EventLoop loop;
  auto client = Connect(loop, {kPeers + "mcp-server-filesystem", dir});
  auto run = [&]() -> net::Task<std::string> {
    absl::Status init = co_await client->Initialize();
    if (!init.ok()) co_return std::string(init.message());
    auto tools = co_await client->ListTools();
    if (!tools.ok()) co_return std::string(tools.status().message());
    Json list_args = {{"path", dir}}, read_args = {{"path", dir + "/notes.txt"}},
         outside_args = {{"path", "/etc/hostname"}};
    auto list = co_await client->CallTool("list_directory", list_args);
    auto read = co_await client->CallTool("read_text_file", read_args);
    auto outside = co_await client->CallTool("read_text_file", outside_args);
    co_await client->Close();
    std::string out = std::to_string(tools->size()) + " tools | ";
    out += list.ok() ? list->text : std::string(list.status().message());
    out += " | ";
    out += read.ok() ? read->text : std::string(read.status().message());
    out += " | ";
    out += outside.ok() ? (outside->is_error ? "refused" : "allowed") : std::string(outside.status().message());
    co_return out;
  };
  const std::string out = net::RunTask(loop, run());
  EXPECT_NE(out.find("notes.txt"), std::string::npos) << out;
  EXPECT_NE(out.find("hello from a file"), std::string::npos) << out;
  EXPECT_NE(out.find("| refused"), std::string::npos) << out;
}

}  // namespace
}  // namespace tracemill::mcp
