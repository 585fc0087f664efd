#include "libs/agent/agent.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"
#include "libs/net/http_client.h"
#include "libs/net/test_http_server.h"
#include "libs/trace/trace_json.h"

namespace tracemill::agent {
namespace {

using Server = net::TestHttpServer;
using std::chrono_literals::operator""ms;

const std::string kFake = TRACEMILL_SOURCE_DIR "/libs/mcp/testdata/fake_server.py";

// A chat.completion reply: text, or tool calls given as (name, arguments text).
std::string Reply(const std::string& text,
                  const std::vector<std::pair<std::string, std::string>>& calls = {}) {
  Json message = {{"role", "assistant"}, {"content", calls.empty() ? Json(text) : Json(nullptr)}};
  if (!calls.empty()) {
    Json tcs = Json::array();
    int i = 0;
    for (const auto& [name, args] : calls) {
      tcs.push_back({{"id", "call_" + std::to_string(i++)},
                     {"type", "function"},
                     {"function", {{"name", name}, {"arguments", args}}}});
    }
    message["tool_calls"] = tcs;
  }
  Json r = {{"choices", {{{"index", 0}, {"message", message},
                          {"finish_reason", calls.empty() ? "stop" : "tool_calls"}}}},
            {"usage", {{"prompt_tokens", 10}, {"completion_tokens", 5}, {"total_tokens", 15}}}};
  return Server::Response(200, base::DumpJson(r));
}

// Scripted model: `script(n, request)` gives the n-th reply (n from 0).
struct FakeModel {
  std::function<std::string(int, const Json&)> script;
  std::atomic<int> calls{0};
  Server server{[this](const Server::Request& r, Server::Connection& c) {
    auto body = base::ParseJson(r.body, "request");
    c.Write(script(calls++, body.ok() ? *body : Json()));
  }};
};

struct Harness {
  net::EventLoop loop;
  net::HttpClient http{&loop};
  std::string dir = base::FreshTestDir();
  TraceStore store{dir + "/traces"};
  std::vector<mcp::ServerConfig> servers;

  explicit Harness(const std::string& mode = "plain") {
    mcp::ServerConfig s;
    s.name = "fake";
    s.command = "/usr/bin/python3";
    s.args = {kFake, mode};
    servers.push_back(s);
  }
  trace::Trace Run(FakeModel& model, AgentOptions options, AgentTask task = {"t1", "do it", ""}) {
    llm::OpenAiClient client(&loop, &http, {.base_url = model.server.Url("/v1"), .model = "teacher",
                                            .max_attempts = 1});
    Agent agent(&loop, &client, servers, std::move(options), &store);
    trace::Trace t = net::RunTask(loop, agent.Run(std::move(task)));
    EXPECT_TRUE(store.Flush().ok());
    return t;
  }
};

TEST(AgentTest, ToolCallThenFinalAnswerIsASuccessOnDisk) {
  FakeModel model;
  model.script = [](int n, const Json& req) {
    if (n == 0) {
      EXPECT_EQ(req["tools"].size(), 5u);
      EXPECT_EQ(req["tool_choice"], "auto");
      return Reply("", {{"tool_0", R"({"x": 1})"}});
    }
    EXPECT_EQ(req["messages"].back()["role"], "tool");
    return Reply("done: " + req["messages"].back()["content"].get<std::string>());
  };
  Harness h;
  AgentOptions o;
  o.system_prompt = "You are careful.";
  o.run_id = "run-1";
  trace::Trace t = h.Run(model, o, {"task-7", "do it", "hint: use tool_0"});
  EXPECT_EQ(t.outcome.status, "success") << t.outcome.detail;
  ASSERT_EQ(t.messages.size(), 6u);  // system, guidance, user, assistant, tool, assistant
  EXPECT_TRUE(t.messages[1].guidance);
  EXPECT_EQ(t.messages[4].role, trace::Role::kTool);
  EXPECT_EQ(t.messages[4].tool_call_id, "call_0");
  EXPECT_NE(t.messages[4].content->find("args {\"x\": 1}"), std::string::npos) << *t.messages[4].content;
  EXPECT_EQ(t.usage.total_tokens, 30);
  EXPECT_EQ(t.usage.requests, 2);
  EXPECT_EQ(t.task_id, "task-7");
  EXPECT_EQ(t.run_id, "run-1");
  EXPECT_EQ(t.tools.size(), 5u);
  EXPECT_GT(t.timings.duration_ms, 0);
  auto text = base::ReadFile(h.store.PathFor(t.id));
  ASSERT_TRUE(text.ok());
  auto back = trace::ParseTraceText(*text, "store");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->outcome.status, "success");
  EXPECT_EQ(back->messages.size(), 6u);
}

TEST(AgentTest, BadCallsBecomeToolMessagesNotCrashes) {
  FakeModel model;
  model.script = [](int n, const Json&) {
    if (n == 0) {
      return Reply("", {{"no_such_tool", "{}"}, {"tool_0", "{not json"}, {"tool_2", "{}"},
                        {"tool_1", R"({"x": 2})"}, {"tool_3", "[1]"}});
    }
    return Reply("ok");
  };
  Harness h;
  AgentOptions o;
  o.approval.deny = {"tool_2"};
  trace::Trace t = h.Run(model, o);
  EXPECT_EQ(t.outcome.status, "success");
  ASSERT_EQ(t.messages.size(), 8u);
  EXPECT_EQ(*t.messages[2].content, "Tool \"no_such_tool\" not found.");
  EXPECT_EQ(t.messages[2].extra["is_error"], true);
  EXPECT_NE(t.messages[3].content->find("Invalid arguments"), std::string::npos);
  EXPECT_EQ(*t.messages[4].content, "User rejected tool call.");
  EXPECT_EQ(t.messages[5].extra["is_error"], true);  // the server's isError
  EXPECT_NE(t.messages[6].content->find("not a JSON object"), std::string::npos);
}

TEST(AgentTest, IncludeAndExcludeToolsFilterWhatTheModelIsOffered) {
  FakeModel model;
  model.script = [](int n, const Json& req) {
    if (n == 0) {
      std::vector<std::string> names;
      for (const Json& t : req["tools"]) names.push_back(t["function"]["name"]);
      EXPECT_EQ(names, (std::vector<std::string>{"tool_0", "tool_1"}));
      return Reply("", {{"tool_3", "{}"}, {"tool_0", R"({"x": 1})"}});
    }
    return Reply("ok");
  };
  Harness h;
  h.servers[0].include_tools = {"tool_0", "tool_1", "tool_3"};
  h.servers[0].exclude_tools = {"tool_3"};
  trace::Trace t = h.Run(model, AgentOptions());
  EXPECT_EQ(t.outcome.status, "success");
  EXPECT_EQ(t.tools.size(), 2u);
  ASSERT_EQ(t.messages.size(), 5u);
  // A filtered-out tool is unknown to the agent even though the server has it.
  EXPECT_EQ(*t.messages[2].content, "Tool \"tool_3\" not found.");
  EXPECT_NE(t.messages[3].content->find("args {\"x\": 1}"), std::string::npos);
}

TEST(AgentTest, EveryLimitIsTheOutcome) {
  FakeModel looping;
  looping.script = [](int, const Json&) { return Reply("", {{"tool_0", "{}"}}); };
  {
    Harness h;
    AgentOptions o;
    o.max_turns = 3;
    trace::Trace t = h.Run(looping, o);
    EXPECT_EQ(t.outcome.status, "aborted");
    EXPECT_EQ(t.outcome.detail, "limit: max_turns (3)");
  }
  {
    Harness h;
    AgentOptions o;
    o.max_tool_calls = 2;
    trace::Trace t = h.Run(looping, o);
    EXPECT_EQ(t.outcome.detail, "limit: max_tool_calls (2)");
    // The call over the limit still has its tool message (calls and results pair up).
    EXPECT_EQ(t.messages.back().role, trace::Role::kTool);
    EXPECT_NE(t.messages.back().content->find("Not run"), std::string::npos);
  }
  {
    Harness h;
    AgentOptions o;
    o.max_tokens = 40;
    trace::Trace t = h.Run(looping, o);
    EXPECT_EQ(t.outcome.detail, "limit: max_tokens (40)");
    EXPECT_EQ(t.usage.total_tokens, 45);
  }
}

TEST(AgentTest, EndpointAndServerFailuresAreRecorded) {
  FakeModel refusing;
  refusing.script = [](int, const Json&) { return Server::Response(400, R"({"error":"nope"})"); };
  {
    Harness h;
    trace::Trace t = h.Run(refusing, {});
    EXPECT_EQ(t.outcome.status, "error");
    EXPECT_NE(t.outcome.detail.find("model: endpoint replied HTTP 400"), std::string::npos) << t.outcome.detail;
  }
  FakeModel calling;
  calling.script = [](int n, const Json&) { return n == 0 ? Reply("", {{"tool_0", "{}"}}) : Reply("gave up"); };
  {
    Harness h("crash");
    trace::Trace t = h.Run(calling, {});
    EXPECT_EQ(t.outcome.status, "success");
    ASSERT_GE(t.messages.size(), 3u);
    EXPECT_NE(t.messages[2].content->find("Error: "), std::string::npos);
    EXPECT_NE(t.messages[2].content->find("the fake server crashed"), std::string::npos) << *t.messages[2].content;
  }
  {
    Harness h;
    h.servers[0].command = "/nonexistent/server";
    trace::Trace t = h.Run(calling, {});
    EXPECT_EQ(t.outcome.status, "error");
    EXPECT_NE(t.outcome.detail.find("MCP server \"fake\""), std::string::npos) << t.outcome.detail;
  }
  {
    FakeModel fresh;
    fresh.script = calling.script;
    Harness h("hang");
    AgentOptions o;
    o.tool_timeout = 200ms;
    trace::Trace t = h.Run(fresh, o);
    EXPECT_NE(t.messages[2].content->find("got no answer in 200 ms"), std::string::npos) << *t.messages[2].content;
  }
}

TEST(AgentTest, EachStepIsOnDiskBeforeTheNext) {
  Harness h;
  std::string seen;
  FakeModel model;
  model.script = [&](int n, const Json&) {
    if (n == 0) return Reply("", {{"tool_0", R"({"x": 5})"}});
    // While the agent waits for this reply, the file already holds the tool step.
    for (int i = 0; i < 200 && seen.find("args") == std::string::npos; ++i) {
      for (const auto& e : std::filesystem::directory_iterator(h.dir + "/traces")) {
        auto text = base::ReadFile(e.path().string());
        if (text.ok()) seen = *text;
      }
      std::this_thread::sleep_for(10ms);
    }
    return Reply("done");
  };
  h.Run(model, {});
  auto partial = trace::ParseTraceText(seen, "partial");
  ASSERT_TRUE(partial.ok()) << partial.status() << seen;
  EXPECT_EQ(partial->outcome.status, "incomplete");
  EXPECT_EQ(partial->messages.back().role, trace::Role::kTool);
}

// An MCP server over Streamable HTTP: the same loop, through HttpTransport.
TEST(AgentTest, ToolsOfAnHttpServer) {
  Server mcp_server([](const Server::Request& r, Server::Connection& c) {
    if (r.method != "POST") {
      c.Write(Server::Response(r.method == "GET" ? 405 : 200, ""));
      return;
    }
    auto msg = base::ParseJson(r.body, "post");
    const Json id = msg.ok() ? msg->value("id", Json()) : Json();
    const std::string method = msg.ok() ? msg->value("method", "") : "";
    Json result;
    if (method == "initialize") {
      result = {{"protocolVersion", "2025-06-18"}, {"capabilities", Json::object()}};
    } else if (method == "tools/list") {
      result = {{"tools", {{{"name", "lookup"}, {"inputSchema", {{"type", "object"}}}}}}};
    } else if (method == "tools/call") {
      result = {{"content", {{{"type", "text"}, {"text", "looked up " + (*msg)["params"]["arguments"].dump()}}}}};
    }
    if (id.is_null()) {
      c.Write(Server::Response(202, ""));
    } else {
      c.Write(Server::Response(200, base::DumpJson({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}),
                               "application/json", "Mcp-Session-Id: abc\r\n"));
    }
  });
  FakeModel model;
  model.script = [](int n, const Json& req) {
    if (n == 0) return Reply("", {{"lookup", R"({"q": "x"})"}});
    return Reply(req["messages"].back()["content"].get<std::string>());
  };
  Harness h;
  h.servers.clear();
  mcp::ServerConfig s;
  s.name = "web";
  s.url = mcp_server.Url("/mcp");
  h.servers.push_back(s);
  trace::Trace t = h.Run(model, {});
  EXPECT_EQ(t.outcome.status, "success") << t.outcome.detail;
  ASSERT_EQ(t.tools.size(), 1u);
  EXPECT_EQ(t.messages.back().content, R"(looked up {"q":"x"})");
}

// A session driven turn by turn, as `tracemill chat` drives it.
struct Chat {
  Harness& h;
  llm::OpenAiClient client;
  AgentSession session;
  std::vector<std::string> seen;  // "role: text" (tool results: "tool name: text"), live

  Chat(Harness& harness, FakeModel& model, AgentOptions options)
      : h(harness),
        client(&h.loop, &h.http, {.base_url = model.server.Url("/v1"), .model = "teacher",
                                  .max_attempts = 1}),
        session(&h.loop, &client, h.servers, std::move(options), &h.store) {
    session.set_observer([this](const trace::Message& m, const trace::ToolCall* call) {
      std::string role(trace::RoleName(m.role));
      if (call != nullptr) role += " " + call->name;
      seen.push_back(role + ": " + m.Text());
    });
    absl::Status open = net::RunTask(h.loop, session.Open());
    EXPECT_TRUE(open.ok()) << open;
  }
  TurnResult Turn(const std::string& text) { return net::RunTask(h.loop, session.Turn(text)); }
  trace::Trace OnDisk() {
    EXPECT_TRUE(h.store.Flush().ok());
    auto text = base::ReadFile(h.store.PathFor(session.trace().id));
    EXPECT_TRUE(text.ok());
    auto t = trace::ParseTraceText(text.ok() ? *text : "", "store");
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : trace::Trace();
  }
  trace::Trace Close() {
    net::RunTask(h.loop, session.Close());
    return OnDisk();
  }
};

std::string LastUserText(const Json& req) {
  for (auto it = req["messages"].rbegin(); it != req["messages"].rend(); ++it) {
    if ((*it)["role"] == "user") return (*it)["content"].get<std::string>();
  }
  return "";
}

TEST(AgentSessionTest, TurnsShareOneHistoryAndOneTrace) {
  FakeModel model;
  model.script = [](int, const Json& req) {
    const Json& last = req["messages"].back();
    if (last["role"] == "tool") return Reply("the tool said " + last["content"].get<std::string>());
    if (LastUserText(req) == "first") return Reply("", {{"tool_0", R"({"x": 1})"}});
    // The second turn sees the whole first turn.
    EXPECT_EQ(req["messages"].size(), 6u) << req["messages"].dump();
    return Reply("second answer after " + req["messages"][4]["content"].get<std::string>());
  };
  Harness h;
  AgentOptions o;
  o.system_prompt = "Be brief.";
  Chat chat(h, model, o);
  TurnResult first = chat.Turn("first");
  EXPECT_EQ(first.status, "success") << first.detail;
  EXPECT_EQ(first.answer.rfind("the tool said args", 0), 0u) << first.answer;
  // Between turns the trace on disk is not finished yet.
  EXPECT_EQ(chat.OnDisk().outcome.status, "incomplete");
  TurnResult second = chat.Turn("second");
  EXPECT_EQ(second.status, "success") << second.detail;
  EXPECT_EQ(second.answer.rfind("second answer after the tool said", 0), 0u) << second.answer;
  trace::Trace t = chat.Close();
  EXPECT_EQ(t.outcome.status, "success");
  ASSERT_EQ(t.messages.size(), 7u);  // system, user, call, result, answer, user, answer
  EXPECT_EQ(t.messages[1].content, "first");
  EXPECT_EQ(t.messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(t.messages[3].tool_call_id, "call_0");
  EXPECT_EQ(t.messages[5].content, "second");
  EXPECT_EQ(t.usage.requests, 3);
  EXPECT_EQ(t.tools.size(), 5u);
  EXPECT_EQ(chat.session.turns(), 2);
  ASSERT_EQ(chat.seen.size(), 6u);
  EXPECT_EQ(chat.seen[0], "user: first");
  EXPECT_EQ(chat.seen[2].rfind("tool tool_0: args {\"x\": 1}", 0), 0u) << chat.seen[2];
  EXPECT_EQ(chat.seen[4], "user: second");
}

TEST(AgentSessionTest, TheApprovalCallbackDecidesEachCall) {
  FakeModel model;
  model.script = [](int n, const Json&) {
    return n == 0 ? Reply("", {{"tool_0", R"({"x": 1})"}, {"tool_2", R"({"x": 2})"}}) : Reply("ok");
  };
  Harness h;
  AgentOptions o;
  o.approval.deny = {"tool_0"};  // the callback, when set, decides instead of the policy
  std::vector<std::string> asked;
  o.approve = [&](const std::string& name, const Json& args) {
    asked.push_back(name + " " + args.dump());
    return name == "tool_0";
  };
  Chat chat(h, model, o);
  EXPECT_EQ(chat.Turn("go").status, "success");
  trace::Trace t = chat.Close();
  EXPECT_EQ(asked, (std::vector<std::string>{"tool_0 {\"x\":1}", "tool_2 {\"x\":2}"}));
  ASSERT_EQ(t.messages.size(), 5u);
  EXPECT_NE(t.messages[2].content->find("args {\"x\": 1}"), std::string::npos)
      << *t.messages[2].content;
  EXPECT_EQ(t.messages[3].content, "User rejected tool call.");
  EXPECT_EQ(t.messages[3].tool_call_id, "call_1");
}

TEST(AgentSessionTest, ALimitEndsTheTurnNotTheSession) {
  FakeModel model;
  model.script = [](int, const Json& req) {
    return LastUserText(req) == "loop" ? Reply("", {{"tool_0", "{}"}}) : Reply("fine");
  };
  Harness h;
  AgentOptions o;
  o.max_turns = 2;
  Chat chat(h, model, o);
  TurnResult looping = chat.Turn("loop");
  EXPECT_EQ(looping.status, "aborted");
  EXPECT_EQ(looping.detail, "limit: max_turns (2)");
  // Limits count per turn: two model calls were spent, and this turn may make two more.
  TurnResult looping_again = chat.Turn("loop");
  EXPECT_EQ(looping_again.detail, "limit: max_turns (2)");
  EXPECT_EQ(model.calls, 4);
  TurnResult fine = chat.Turn("stop now");
  EXPECT_EQ(fine.status, "success") << fine.detail;
  EXPECT_EQ(fine.answer, "fine");
  trace::Trace t = chat.Close();
  EXPECT_EQ(t.outcome.status, "success");
  EXPECT_EQ(t.messages.back().content, "fine");
  EXPECT_EQ(chat.session.turns(), 3);
}

TEST(AgentSessionTest, TheOutcomeIsTheLastTurns) {
  FakeModel model;
  model.script = [](int n, const Json&) {
    return n == 0 ? Reply("hello") : Reply("", {{"tool_0", "{}"}});
  };
  Harness h;
  AgentOptions o;
  o.max_tool_calls = 1;
  Chat chat(h, model, o);
  EXPECT_EQ(chat.Turn("hi").status, "success");
  EXPECT_EQ(chat.Turn("now loop").detail, "limit: max_tool_calls (1)");
  trace::Trace t = chat.Close();
  EXPECT_EQ(t.outcome.status, "aborted");
  EXPECT_EQ(t.outcome.detail, "limit: max_tool_calls (1)");
}

TEST(AgentSessionTest, InterruptStopsAHangingToolCallAndTheSessionGoesOn) {
  FakeModel model;
  model.script = [](int, const Json& req) {
    return LastUserText(req) == "use the tool" ? Reply("", {{"tool_0", "{}"}, {"tool_1", "{}"}})
                                               : Reply("as you wish");
  };
  Harness h("hang");
  Chat chat(h, model, {});
  h.loop.After(300ms, [&] { chat.session.Interrupt(); });
  TurnResult stopped = chat.Turn("use the tool");
  EXPECT_EQ(stopped.status, "aborted");
  EXPECT_EQ(stopped.detail, "interrupted by the user");
  TurnResult next = chat.Turn("never mind");
  EXPECT_EQ(next.status, "success") << next.detail;
  trace::Trace t = chat.Close();
  EXPECT_EQ(t.outcome.status, "success");
  // Every call has its result, so the history stays valid for the model.
  ASSERT_EQ(t.messages.size(), 6u);  // user, calls, 2 results, user, answer
  EXPECT_EQ(t.messages[2].content, "Interrupted by the user.");
  EXPECT_EQ(t.messages[3].content, "Not run: interrupted by the user.");
  EXPECT_EQ(t.messages[3].tool_call_id, "call_1");
  EXPECT_EQ(t.messages[4].content, "never mind");
}

TEST(AgentSessionTest, InterruptAbandonsAModelCallAndItsLateReply) {
  std::atomic<bool> release{false};
  FakeModel model;
  model.script = [&](int n, const Json&) {
    for (int i = 0; n == 0 && i < 500 && !release; ++i) std::this_thread::sleep_for(10ms);
    return Reply(n == 0 ? "late" : "fresh");
  };
  Harness h;
  Chat chat(h, model, {});
  h.loop.After(200ms, [&] { chat.session.Interrupt(); });
  TurnResult stopped = chat.Turn("slow");
  EXPECT_EQ(stopped.detail, "interrupted by the user");
  release = true;
  EXPECT_EQ(chat.Turn("again").answer, "fresh");
  trace::Trace t = chat.Close();
  ASSERT_EQ(t.messages.size(), 3u);  // user, user, answer: the late reply is nowhere
  EXPECT_EQ(t.messages[1].content, "again");
  EXPECT_EQ(t.messages[2].content, "fresh");
}

TEST(AgentSessionTest, InterruptFromTheApprovalPrompt) {
  FakeModel model;
  model.script = [](int, const Json&) { return Reply("", {{"tool_0", "{}"}, {"tool_2", "{}"}}); };
  Harness h;
  AgentOptions o;
  AgentSession* session = nullptr;
  int asked = 0;
  o.approve = [&](const std::string&, const Json&) {
    ++asked;
    session->Interrupt();  // as the chat's prompt does on Ctrl-C
    return false;
  };
  Chat chat(h, model, o);
  session = &chat.session;
  TurnResult r = chat.Turn("go");
  EXPECT_EQ(r.detail, "interrupted by the user");
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(model.calls, 1);
  trace::Trace t = chat.Close();
  ASSERT_EQ(t.messages.size(), 4u);
  EXPECT_EQ(t.messages[2].content, "Not run: interrupted by the user.");
  EXPECT_EQ(t.messages[3].content, "Not run: interrupted by the user.");
  EXPECT_EQ(t.outcome.status, "aborted");
}

TEST(AgentSessionTest, ASessionWithoutTurnsIsAborted) {
  FakeModel model;
  model.script = [](int, const Json&) { return Reply("unused"); };
  Harness h;
  Chat chat(h, model, {});
  trace::Trace t = chat.Close();
  EXPECT_EQ(t.outcome.status, "aborted");
  EXPECT_EQ(t.outcome.detail, "the session ended before any user turn");
  EXPECT_EQ(model.calls, 0);
}

TEST(AgentTest, TruncationKeepsWholeCharacters) {
  EXPECT_EQ(TruncateToolResult("abcdef", 0), "abcdef");
  EXPECT_EQ(TruncateToolResult("abcdef", 6), "abcdef");
  EXPECT_EQ(TruncateToolResult("abcdef", 4), "abcd\n[Content truncated to 4 characters]");
  EXPECT_EQ(TruncateToolResult("h\xC3\xA9llo", 2), "h\xC3\xA9\n[Content truncated to 2 characters]");
}

TEST(ApprovalTest, DenyWinsAllowListsAndGlobs) {
  ApprovalPolicy p;
  EXPECT_TRUE(p.Allows("anything"));
  p.allow = {"browser_*", "read_?ile"};
  p.deny = {"browser_evaluate"};
  EXPECT_TRUE(p.Allows("browser_navigate"));
  EXPECT_FALSE(p.Allows("browser_evaluate"));
  EXPECT_TRUE(p.Allows("read_file"));
  EXPECT_FALSE(p.Allows("write_file"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYY"));
}

TEST(ApprovalTest, DescribesACallAsTheReferenceDoes) {
  EXPECT_EQ(DescribeToolCall("browser_navigate", {{"url", "https://a.b"}, {"n", 2}}),
            "Tool call: browser_navigate\n  url: https://a.b\n  n: 2\n");  // in the call's order
}

}  // namespace
}  // namespace tracemill::agent
