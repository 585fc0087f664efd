#include "libs/agent/collector.h"

#include <atomic>
#include <filesystem>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"
#include "libs/net/test_http_server.h"

namespace tracemill::agent {
namespace {

using Server = net::TestHttpServer;

TEST(ReadTasksTest, ReadsJsonlAndRefusesBadLines) {
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/t.jsonl",
                                    "# demo tasks\n{\"id\": \"a\", \"prompt\": \"p\"}\n\n"
                                    "{\"id\": 2, \"prompt\": \"q\", \"guidance\": \"g\"}\n").ok());
  auto tasks = ReadTasks(dir + "/t.jsonl");
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[1].id, "2");
  EXPECT_EQ((*tasks)[1].guidance, "g");
  for (const char* bad : {"{\"id\": \"a\"}", "{\"prompt\": \"p\"}", "[1]", "{oops",
                          "{\"id\": \"a\", \"prompt\": \"p\"}\n{\"id\": \"a\", \"prompt\": \"p\"}",
                          "{\"id\": \"\", \"prompt\": \"p\"}", "{\"id\": \"a\", \"prompt\": 5}"}) {
    ASSERT_TRUE(base::WriteFileAtomic(dir + "/bad.jsonl", bad).ok());
    auto r = ReadTasks(dir + "/bad.jsonl");
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_NE(std::string(r.status().message()).find("bad.jsonl:"), std::string::npos) << r.status();
  }
}

// Many agents at once against one scripted endpoint (no MCP servers): every task
// finishes, and a rerun skips them all.
TEST(CollectTest, RunsManyAgentsAndResumes) {
  std::atomic<int> calls{0};
  Server server([&](const Server::Request&, Server::Connection& c) {
    ++calls;
    Json r = {{"choices", {{{"index", 0},
                            {"message", {{"role", "assistant"}, {"content", "the answer"}}},
                            {"finish_reason", "stop"}}}},
              {"usage", {{"prompt_tokens", 3}, {"completion_tokens", 2}, {"total_tokens", 5}}}};
    c.Write(Server::Response(200, base::DumpJson(r)));
  });
  AgentConfig config;
  config.endpoint.base_url = server.Url("/v1");
  config.endpoint.model = "m";
  std::vector<AgentTask> tasks;
  for (int i = 0; i < 50; ++i) tasks.push_back({"task-" + std::to_string(i), "q", ""});
  const std::string dir = base::FreshTestDir() + "/traces";
  int progress_calls = 0;
  auto s = Collect(config, tasks, {.parallel = 16, .out_dir = dir},
                   [&](int, int, const trace::Trace&) { ++progress_calls; });
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->outcomes["success"], 50);
  EXPECT_EQ(s->tokens, 250);
  EXPECT_EQ(progress_calls, 50);
  EXPECT_EQ(calls.load(), 50);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.path().extension() == ".json";
  EXPECT_EQ(files, 50);
  auto again = Collect(config, tasks, {.parallel = 16, .out_dir = dir});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->skipped, 50);
  EXPECT_EQ(calls.load(), 50);
}

}  // namespace
}  // namespace tracemill::agent
