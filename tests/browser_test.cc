// @playwright/mcp (pinned in tests/peers) driving Debian's chromium headless, through
// tracemill's MCP client over stdio, on a page served from loopback. Label browser:
// `scripts/test.sh -L browser` installs chromium and runs it.
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/test_util.h"
#include "libs/mcp/client.h"
#include "libs/mcp/stdio_transport.h"
#include "libs/net/event_loop.h"
#include "libs/net/test_http_server.h"

namespace tracemill {
namespace {

using Server = net::TestHttpServer;

TEST(BrowserTest, PlaywrightMcpOpensALoopbackPage) {
  const std::string server = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/.bin/playwright-mcp";
  ASSERT_TRUE(std::filesystem::exists(server)) << "run scripts/peers.sh";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium")) << "run scripts/deps.sh --browser";
  Server site([](const Server::Request& r, Server::Connection& c) {
    c.Write(Server::Response(200, "<html><head><title>Page " + r.path.substr(1) +
                                      "</title></head><body><h1>Hello</h1><a href=\"/8\">next</a></body></html>",
                             "text/html"));
  });
  net::EventLoop loop;
  // Its snapshots go into the working directory: a fresh one.
  auto transport = mcp::StdioTransport::Start(
      &loop,
      {.argv = {server, "--headless", "--isolated", "--no-sandbox", "--executable-path", "/usr/bin/chromium"},
       .cwd = base::FreshTestDir()},
      "browser");
  ASSERT_TRUE(transport.ok()) << transport.status();
  mcp::McpClient client(&loop, std::move(*transport), {.name = "browser", .request_timeout = std::chrono::seconds(60)});
  auto run = [&]() -> net::Task<std::string> {
    absl::Status init = co_await client.Initialize();
    if (!init.ok()) co_return std::string(init.message());
    auto tools = co_await client.ListTools();
    if (!tools.ok()) co_return std::string(tools.status().message());
    bool has_snapshot = false;
    for (const mcp::McpTool& t : *tools) has_snapshot = has_snapshot || t.name == "browser_snapshot";
    Json args = {{"url", site.Url("/7")}};
    auto nav = co_await client.CallTool("browser_navigate", args);
    co_await client.Close();
    if (!nav.ok()) co_return std::string(nav.status().message());
    co_return std::string(has_snapshot ? "snapshot " : "") + nav->text;
  };
  const std::string out = net::RunTask(loop, run());
  EXPECT_NE(out.find("snapshot "), std::string::npos) << out;
  EXPECT_NE(out.find("Page Title: Page 7"), std::string::npos) << out;
}

}  // namespace
}  // namespace tracemill
