// `tracemill chat` as a user runs it, with piped input: a scripted endpoint, the scripted
// MCP server and a YAML config; the trace on disk holds every user turn, the tool steps
// and the last turn's outcome. Ctrl-C (SIGINT) stops a turn and the chat goes on.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

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
  Json r = {{"choices",
             {{{"index", 0},
               {"message", message},
               {"finish_reason", message.contains("tool_calls") ? "tool_calls" : "stop"}}}},
            {"usage", {{"prompt_tokens", 4}, {"completion_tokens", 1}, {"total_tokens", 5}}}};
  return Server::Response(200, base::DumpJson(r));
}

// "first" (and "use it"): a call to tool_0, then an answer quoting the result; anything
// else: an answer naming how many messages the model saw.
std::string Script(const Server::Request& r) {
  auto body = base::ParseJson(r.body, "req");
  if (!body.ok()) return Server::Response(400, "{}");
  const Json& messages = (*body)["messages"];
  if (messages.back()["role"] == "tool") {
    return Reply({{"role", "assistant"},
                  {"content", "finished with " + messages.back()["content"].get<std::string>()}});
  }
  const std::string last = messages.back()["content"].get<std::string>();
  if (last == "first" || last == "use it") {
    return Reply({{"role", "assistant"},
                  {"content", nullptr},
                  {"reasoning_content", "I should call tool_0."},
                  {"tool_calls",
                   {{{"id", "c1"},
                     {"type", "function"},
                     {"function", {{"name", "tool_0"}, {"arguments", "{\"x\": 1}"}}}}}}});
  }
  return Reply({{"role", "assistant"},
                {"content", "answer after " + std::to_string(messages.size()) + " messages"}});
}

void WriteConfig(const std::string& dir, const std::string& url, const std::string& mode,
                 const std::string& more = "") {
  ASSERT_TRUE(
      base::WriteFileAtomic(dir + "/agent.yaml",
                            "endpoint: {base_url: '" + url +
                                "', model: teacher, api_key_env: TRACEMILL_TEST_KEY}\n"
                                "system_prompt: Be brief.\n" +
                                more + "mcpServers:\n  fake: {command: /usr/bin/python3, args: ['" +
                                kFake + "', " + mode + "]}\n")
          .ok());
}

std::vector<trace::Trace> Traces(const std::string& dir) {
  std::vector<trace::Trace> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto text = base::ReadFile(e.path().string());
    if (!text.ok()) continue;
    auto t = trace::ParseTraceText(*text, e.path().string());
    if (t.ok()) out.push_back(*t);
  }
  return out;
}

// `tracemill chat` with `input` on stdin.
Result Chat(const std::string& dir, const std::string& input, const std::string& flags = "") {
  EXPECT_TRUE(base::WriteFileAtomic(dir + "/input.txt", input).ok());
  return RunTracemill("chat -c " + dir + "/agent.yaml -o " + dir + "/traces " + flags + " < " +
                      dir + "/input.txt");
}

TEST(ChatCliTest, TwoTurnsThenExitMakeOneTrace) {
  Server server([&](const Server::Request& r, Server::Connection& c) { c.Write(Script(r)); });
  const std::string dir = base::FreshTestDir();
  WriteConfig(dir, server.Url("/v1"), "plain");
  Result r = Chat(dir, "first\n\nsecond\nexit\nnot sent\n", "--run-id chat-run-1");
  ASSERT_EQ(r.code, 0) << r.output;
  // The steps as they happened, then the answers.
  EXPECT_NE(r.output.find("[reasoning] I should call tool_0."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("-> tool_0 {\"x\": 1}"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("<- tool_0: args {\"x\": 1}"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("finished with args"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("answer after 6 messages"), std::string::npos) << r.output;
  auto traces = Traces(dir + "/traces");
  ASSERT_EQ(traces.size(), 1u);
  const trace::Trace& t = traces[0];
  EXPECT_NE(r.output.find("trace: " + dir + "/traces/" + t.id + ".json (success, 2 user turns)"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(t.outcome.status, "success");
  EXPECT_EQ(t.run_id, "chat-run-1");
  EXPECT_EQ(t.model, "teacher");
  EXPECT_EQ(t.tools.size(), 5u);
  // system, user, call, result, answer, user, answer: "exit" and what follows are not sent.
  ASSERT_EQ(t.messages.size(), 7u);
  EXPECT_EQ(t.messages[0].content, "Be brief.");
  EXPECT_EQ(t.messages[1].content, "first");
  EXPECT_EQ(t.messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(t.messages[2].reasoning_content, "I should call tool_0.");
  EXPECT_EQ(t.messages[3].role, trace::Role::kTool);
  EXPECT_EQ(t.messages[3].tool_call_id, "c1");
  EXPECT_EQ(t.messages[3].content->rfind("args {\"x\": 1}", 0), 0u) << *t.messages[3].content;
  EXPECT_EQ(t.messages[5].content, "second");
  EXPECT_EQ(t.messages[6].content, "answer after 6 messages");
  EXPECT_EQ(t.usage.requests, 3);
}

TEST(ChatCliTest, PipedInputLeavesApprovalToThePolicyAndEofEnds) {
  Server server([&](const Server::Request& r, Server::Connection& c) { c.Write(Script(r)); });
  const std::string dir = base::FreshTestDir();
  WriteConfig(dir, server.Url("/v1"), "plain", "approval: {deny: [tool_0]}\n");
  Result r = Chat(dir, "first");  // no newline, no exit: end of input ends the chat
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.find("Run this tool?"), std::string::npos) << r.output;
  auto traces = Traces(dir + "/traces");
  ASSERT_EQ(traces.size(), 1u);
  ASSERT_EQ(traces[0].messages.size(), 5u);
  EXPECT_EQ(traces[0].messages[3].content, "User rejected tool call.");
  EXPECT_EQ(traces[0].outcome.status, "success");
}

TEST(ChatCliTest, ALimitStopsATurnNotTheChat) {
  Server server([&](const Server::Request& r, Server::Connection& c) { c.Write(Script(r)); });
  const std::string dir = base::FreshTestDir();
  WriteConfig(dir, server.Url("/v1"), "plain", "limits: {max_turns: 1}\n");
  Result r = Chat(dir, "first\nsecond\nquit\n", "--truncate 4");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("(turn aborted: limit: max_turns (1))"), std::string::npos) << r.output;
  auto traces = Traces(dir + "/traces");
  ASSERT_EQ(traces.size(), 1u);
  const trace::Trace& t = traces[0];
  EXPECT_EQ(t.outcome.status, "success");
  ASSERT_EQ(t.messages.size(), 6u);  // system, user, call, result, user, answer
  EXPECT_EQ(t.messages[3].content, "args\n[Content truncated to 4 characters]");
  EXPECT_EQ(t.messages[5].content, "answer after 5 messages");
}

TEST(ChatCliTest, AnEmptyChatKeepsNoTrace) {
  Server server([&](const Server::Request& r, Server::Connection& c) { c.Write(Script(r)); });
  const std::string dir = base::FreshTestDir();
  WriteConfig(dir, server.Url("/v1"), "plain");
  Result r = Chat(dir, "  EXIT  \n");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("no trace kept"), std::string::npos) << r.output;
  EXPECT_TRUE(Traces(dir + "/traces").empty());
  EXPECT_EQ(server.requests(), 0);
}

TEST(ChatCliTest, ABadConfigFailsWithItsName) {
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(
      base::WriteFileAtomic(dir + "/agent.yaml", "endpoint: {base_url: x}\nlimitz: {}\n").ok());
  Result r = Chat(dir, "hello\n");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("tracemill chat: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("limitz"), std::string::npos) << r.output;
}

TEST(ChatCliTest, CtrlCStopsTheTurnAndTheChatGoesOn) {
  Server server([&](const Server::Request& r, Server::Connection& c) { c.Write(Script(r)); });
  const std::string dir = base::FreshTestDir();
  WriteConfig(dir, server.Url("/v1"), "hang");  // the tool never answers
  int in[2];
  ASSERT_EQ(pipe(in), 0);
  const std::string binary = std::string(TRACEMILL_BINARY_DIR) + "/cli/tracemill";
  const std::string log = dir + "/output.txt";
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(out, 2);
    close(in[1]);
    execl(binary.c_str(), binary.c_str(), "chat", "-c", (dir + "/agent.yaml").c_str(), "-o",
          (dir + "/traces").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  ASSERT_EQ(write(in[1], "use it\n", 7), 7);
  // Wait until the tool call is on disk (the tool is running), then Ctrl-C.
  bool running = false;
  for (int i = 0; i < 500 && !running; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto traces = Traces(dir + "/traces");
    running = traces.size() == 1 && traces[0].messages.size() >= 3;
  }
  kill(pid, SIGINT);
  ASSERT_EQ(write(in[1], "and now?\n", 9), 9);
  close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  auto output = base::ReadFile(log);
  ASSERT_TRUE(output.ok());
  ASSERT_TRUE(running) << *output;
  ASSERT_TRUE(WIFEXITED(status)) << *output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << *output;
  EXPECT_NE(output->find("(turn aborted: interrupted by the user)"), std::string::npos) << *output;
  auto traces = Traces(dir + "/traces");
  ASSERT_EQ(traces.size(), 1u);
  const trace::Trace& t = traces[0];
  ASSERT_EQ(t.messages.size(), 6u) << *output;  // system, user, call, result, user, answer
  EXPECT_EQ(t.messages[3].content, "Interrupted by the user.");
  EXPECT_EQ(t.messages[4].content, "and now?");
  EXPECT_EQ(t.messages[5].content, "answer after 5 messages");
  EXPECT_EQ(t.outcome.status, "success");
}

}  // namespace
}  // namespace tracemill
