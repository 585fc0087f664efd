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
#include "libs/base/file_io.h"
#include "libs/demo/demo_tasks.h"
#include "libs/eval/eval_task.h"
#include "libs/trace/trace_json.h"
#include "tests/run_tracemill.h"

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

// The demo's browser tasks end to end: `tracemill demo-teacher` serves the site and the
// scripted teacher, `tracemill collect` runs agents that each start their own headless
// browser through @playwright/mcp, and every trace must answer with the page's title.
TEST(BrowserTest, CollectsDemoPageTasksThroughPlaywright) {
  const std::string server = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/.bin/playwright-mcp";
  ASSERT_TRUE(std::filesystem::exists(server)) << "run scripts/peers.sh";
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium")) << "run scripts/deps.sh --browser";
  const std::string dir = base::FreshTestDir();
  const std::string tasks_path = dir + "/tasks.jsonl", config = dir + "/agent.yaml";
  BackgroundTracemill teacher("demo-teacher --port 0 --mode alternate --tasks-out " + tasks_path +
                              " --count 4 --families page_title");
  const std::string url = teacher.FirstLine();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  ASSERT_TRUE(base::WriteFileAtomic(
                  config, "endpoint: {base_url: \"" + url + "\", model: tracemill-demo-teacher}\n"
                          "limits: {max_turns: 5, max_wall_s: 120, tool_timeout_s: 60}\n"
                          "truncate: 4000\n"
                          "mcpServers:\n  browser:\n    command: " + server +
                          "\n    args: [--headless, --isolated, --no-sandbox, --executable-path, /usr/bin/chromium]\n"
                          "    cwd: " + dir + "\n    timeout: 60000\n")
                  .ok());
  const Result r = RunTracemill("collect --tasks " + tasks_path + " -c " + config + " -o " + dir + "/traces -j 2 -q");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("4 success"), std::string::npos) << r.output;
  auto tasks = eval::ParseEvalTasks(*base::ReadFile(tasks_path), tasks_path);
  ASSERT_TRUE(tasks.ok());
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/traces")) {
    if (e.path().extension() != ".json") continue;
    auto t = trace::ParseTraceText(*base::ReadFile(e.path().string()), e.path().string());
    ASSERT_TRUE(t.ok()) << t.status();
    for (const eval::EvalTask& task : *tasks) {
      if (task.id != t->task_id) continue;
      std::string why;
      EXPECT_TRUE(eval::CheckTask(task, *t, &why)) << why;
      ASSERT_GE(t->messages.size(), 4u);  // task, call, result, answer
      ASSERT_FALSE(t->messages[1].tool_calls.empty());
      EXPECT_EQ(t->messages[1].tool_calls[0].name, "browser_navigate");
      EXPECT_NE(t->messages[2].Text().find("Page Title: " + task.answer.at(0).value), std::string::npos);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4);
  EXPECT_EQ(teacher.Stop(), 0);
}

}  // namespace
}  // namespace tracemill
