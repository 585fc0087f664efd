// `tracemill collect` as a user runs it: a scripted endpoint, the scripted MCP server,
// a tasks file and a YAML config; then kill -9 in the middle of a run: the trace so far
// is on disk, marked incomplete, and a rerun finishes the task.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"
#include "libs/net/test_http_server.h"
#include "libs/trace/trace_json.h"
#include "tests/run_tracemill.h"

namespace tracemill {
namespace {

using Server = net::TestHttpServer;
const std::string kFake = TRACEMILL_SOURCE_DIR "/libs/mcp/testdata/fake_server.py";

std::string Reply(const Json& message) {
  Json r = {{"choices", {{{"index", 0}, {"message", message},
                          {"finish_reason", message.contains("tool_calls") ? "tool_calls" : "stop"}}}},
            {"usage", {{"prompt_tokens", 4}, {"completion_tokens", 1}, {"total_tokens", 5}}}};
  return Server::Response(200, base::DumpJson(r));
}

// First a call to tool_0, then an answer.
std::string Script(const Server::Request& r) {
  auto body = base::ParseJson(r.body, "req");
  if (body.ok() && (*body)["messages"].back()["role"] == "tool") {
    return Reply({{"role", "assistant"}, {"content", "finished"}});
  }
  return Reply({{"role", "assistant"},
                {"content", nullptr},
                {"tool_calls", {{{"id", "c1"}, {"type", "function"},
                                 {"function", {{"name", "tool_0"}, {"arguments", "{\"x\": 1}"}}}}}}});
}

void WriteSetup(const std::string& dir, const std::string& url, const std::string& mode) {
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/tasks.jsonl",
                                    "{\"id\": \"a\", \"prompt\": \"one\"}\n"
                                    "{\"id\": \"b\", \"prompt\": \"two\"}\n").ok());
  ASSERT_TRUE(base::WriteFileAtomic(
      dir + "/agent.yaml",
      "endpoint: {base_url: '" + url + "', model: teacher, api_key_env: TRACEMILL_TEST_KEY}\n"
      "system_prompt: Be brief.\n"
      "limits: {max_turns: 5, tool_timeout_s: 60}\n"
      "mcpServers:\n  fake: {command: /usr/bin/python3, args: ['" + kFake + "', " + mode + "]}\n").ok());
}

std::vector<trace::Trace> Traces(const std::string& dir) {
  std::vector<trace::Trace> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto text = base::ReadFile(e.path().string());
    if (!text.ok()) continue;
    auto t = trace::ParseTraceText(*text, e.path().string());
    if (t.ok()) out.push_back(*t);
  }
  return out;
}

TEST(CollectCliTest, CollectsEveryTaskAndSkipsThemOnRerun) {
  Server server([&](const Server::Request& r, Server::Connection& c) { c.Write(Script(r)); });
  const std::string dir = base::FreshTestDir();
  WriteSetup(dir, server.Url("/v1"), "plain");
  Result r = RunTracemill("collect --tasks " + dir + "/tasks.jsonl -c " + dir + "/agent.yaml -o " +
                          dir + "/traces -j 2 -q");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("2 success"), std::string::npos) << r.output;
  auto traces = Traces(dir + "/traces");
  ASSERT_EQ(traces.size(), 2u);
  for (const trace::Trace& t : traces) {
    EXPECT_EQ(t.outcome.status, "success");
    EXPECT_EQ(t.messages.size(), 5u);  // system, user, call, result, answer
    EXPECT_EQ(t.model, "teacher");
  }
  Result again = RunTracemill("collect --tasks " + dir + "/tasks.jsonl -c " + dir +
                              "/agent.yaml -o " + dir + "/traces -q");
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("(2 already done)"), std::string::npos) << again.output;
  EXPECT_EQ(Traces(dir + "/traces").size(), 2u);
}

TEST(CollectCliTest, TheApiKeyGoesToTheEndpointAndNowhereElse) {
  std::string seen_auth;
  Server server([&](const Server::Request& r, Server::Connection& c) {
    seen_auth = r.Header("authorization").value_or("");
    c.Write(Script(r));
  });
  const std::string dir = base::FreshTestDir();
  WriteSetup(dir, server.Url("/v1"), "plain");
  setenv("TRACEMILL_TEST_KEY", "sk-test-very-secret", 1);
  const std::string out = dir + "/traces2";
  Result keyed = RunTracemill("collect --tasks " + dir + "/tasks.jsonl -c " + dir +
                              "/agent.yaml -o " + out + " -j 2");
  unsetenv("TRACEMILL_TEST_KEY");
  ASSERT_EQ(keyed.code, 0) << keyed.output;
  EXPECT_EQ(seen_auth, "Bearer sk-test-very-secret");
  EXPECT_EQ(keyed.output.find("sk-test"), std::string::npos);
  for (const auto& e : std::filesystem::directory_iterator(out)) {
    auto text = base::ReadFile(e.path().string());
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(text->find("sk-test"), std::string::npos) << e.path();
  }
}

TEST(CollectCliTest, KillNineLeavesTheTraceSoFarMarkedIncomplete) {
  Server server([&](const Server::Request& r, Server::Connection& c) { c.Write(Script(r)); });
  const std::string dir = base::FreshTestDir();
  WriteSetup(dir, server.Url("/v1"), "hang");  // the tool never answers
  const std::string binary = std::string(TRACEMILL_BINARY_DIR) + "/cli/tracemill";
  const pid_t pid = fork();
  if (pid == 0) {
    execl(binary.c_str(), binary.c_str(), "collect", "--tasks", (dir + "/tasks.jsonl").c_str(),
          "-c", (dir + "/agent.yaml").c_str(), "-o", (dir + "/traces").c_str(), "-j", "2", "-q",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until both agents have recorded their tool call, then kill -9.
  bool ready = false;
  for (int i = 0; i < 300 && !ready; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!std::filesystem::exists(dir + "/traces")) continue;
    auto traces = Traces(dir + "/traces");
    ready = traces.size() == 2;
    for (const trace::Trace& t : traces) ready = ready && t.messages.size() >= 3;
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(ready);
  auto traces = Traces(dir + "/traces");
  ASSERT_EQ(traces.size(), 2u);
  for (const trace::Trace& t : traces) {
    EXPECT_EQ(t.outcome.status, "incomplete");
    EXPECT_EQ(t.messages.back().tool_calls.size(), 1u);  // the call that was running
  }
  // A rerun does the tasks again (with a server that answers) and finishes them.
  WriteSetup(dir, server.Url("/v1"), "plain");
  Result again = RunTracemill("collect --tasks " + dir + "/tasks.jsonl -c " + dir +
                              "/agent.yaml -o " + dir + "/traces -q");
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("2 success"), std::string::npos) << again.output;
}

}  // namespace
}  // namespace tracemill
