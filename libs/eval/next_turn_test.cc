#include "libs/eval/next_turn.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "libs/trace/test_util.h"
#include "libs/net/test_http_server.h"

namespace tracemill::eval {
namespace {

trace::Message Call(std::string name, std::string args) {
  trace::Message m;
  m.role = trace::Role::kAssistant;
  trace::ToolCall c;
  c.id = "c1";
  c.name = std::move(name);
  c.arguments = std::move(args);
  m.tool_calls.push_back(c);
  return m;
}

std::vector<EvalRow> Rows(int n) {
  std::vector<EvalRow> rows;
  for (int i = 0; i < n; ++i) {
    EvalRow r;
    r.id = "row-" + std::to_string(i);
    r.prefix = {trace::TextMessage(trace::Role::kUser, "task " + std::to_string(i))};
    r.reference = i % 2 == 0 ? Call("read_file", R"({"path":"/f/)" + std::to_string(i) + "\"}")
                             : trace::TextMessage(trace::Role::kAssistant, "answer " + std::to_string(i));
    rows.push_back(std::move(r));
  }
  return rows;
}

TEST(NextTurnTest, ScoresEveryRowWithAFakeModel) {
  const std::vector<EvalRow> rows = Rows(10);
  // Right on rows 0-5, an error on row 6, wrong otherwise.
  FunctionTurnModel model([&](const std::vector<trace::Message>& prefix,
                              const std::vector<trace::ToolDef>&) -> absl::StatusOr<trace::Message> {
    const std::string text = prefix.back().Text();
    const int i = std::stoi(text.substr(5));
    if (i <= 5) return rows[static_cast<size_t>(i)].reference;
    if (i == 6) return absl::UnavailableError("the endpoint is down");
    return trace::TextMessage(trace::Role::kAssistant, "no idea");
  });
  net::EventLoop loop;
  std::vector<int64_t> seen;
  const NextTurnResult r = RunNextTurn(&loop, &model, rows, {.parallel = 3},
                                       [&](int64_t done, int64_t total) {
                                         EXPECT_EQ(total, 10);
                                         seen.push_back(done);
                                       });
  ASSERT_EQ(r.scores.size(), 10u);
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.back(), 10);
  const auto metrics = r.Metrics();
  auto get = [&](const std::string& name) {
    for (const Metric& m : metrics) {
      if (m.name == name) return m.value;
    }
    ADD_FAILURE() << name;
    return Proportion{};
  };
  // Rows 0,2,4 (calls) and 1,3,5 (answers) exact; 6 error; 7 answer right kind, 8 wrong kind, 9 right kind.
  EXPECT_EQ(get("exact_match").count, 6);
  EXPECT_EQ(get("exact_match").n, 10);
  EXPECT_EQ(get("decision_accuracy").count, 8);
  EXPECT_EQ(get("tool_name_accuracy").count, 3);
  EXPECT_EQ(get("tool_name_accuracy").n, 5);
  EXPECT_EQ(get("argument_match_per_call").n, 5);
  EXPECT_EQ(get("tool_call_parse_rate").n, 3);
  EXPECT_EQ(r.tally.errors(), 1);
  const Json j = r.ToJson();
  EXPECT_EQ(j["errors_by_reason"]["unavailable"], 1);
  EXPECT_EQ(j["metrics"]["exact_match"]["count"], 6);
  EXPECT_FALSE(j["examples"].empty());
}

TEST(NextTurnTest, EmptyRowsFinishAtOnce) {
  FunctionTurnModel model([](const auto&, const auto&) -> absl::StatusOr<trace::Message> {
    return absl::InternalError("never called");
  });
  net::EventLoop loop;
  const NextTurnResult r = RunNextTurn(&loop, &model, {}, {});
  EXPECT_EQ(r.tally.scored(), 0);
}

// An OpenAI-compatible endpoint that answers with raw Hermes text (no server-side tool
// parser), fails one prompt with a 400, and records how many requests were in flight.
TEST(NextTurnTest, RunsAgainstAnEndpointWithRequestsInFlight) {
  std::atomic<int> in_flight{0}, max_in_flight{0};
  net::TestHttpServer server([&](const net::TestHttpServer::Request& req, net::TestHttpServer::Connection& c) {
    const int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    --in_flight;
    const Json body = Json::parse(req.body);
    const std::string prompt = body["messages"].back()["content"];
    if (prompt == "task 3") {
      c.Write(net::TestHttpServer::Response(400, R"({"error":{"message":"bad request"}})"));
      return;
    }
    std::string content;
    if (prompt == "task 0" || prompt == "task 2") {
      const std::string n = prompt.substr(5);
      content = "<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"/f/" + n + "\"}}\n</tool_call>";
    } else {
      content = "answer " + prompt.substr(5);
    }
    const Json reply = {{"id", "x"},
                        {"object", "chat.completion"},
                        {"model", body["model"]},
                        {"choices", Json::array({{{"index", 0},
                                                  {"message", {{"role", "assistant"}, {"content", content}}},
                                                  {"finish_reason", "stop"}}})},
                        {"usage", {{"prompt_tokens", 1}, {"completion_tokens", 1}, {"total_tokens", 2}}}};
    c.Write(net::TestHttpServer::Response(200, reply.dump()));
  });
  llm::EndpointConfig endpoint{.base_url = server.Url("/v1"), .model = "base:adapter"};
  endpoint.max_attempts = 1;
  const NextTurnResult r = RunNextTurnOnEndpoint(endpoint, {{"temperature", 0}}, Rows(6), {.parallel = 4});
  EXPECT_GE(max_in_flight.load(), 2);
  EXPECT_EQ(r.tally.errors(), 1);
  ASSERT_TRUE(r.scores[3].error);
  EXPECT_FALSE(r.scores[3].error_reason.empty());
  EXPECT_TRUE(r.scores[0].exact) << r.scores[0].why;
  EXPECT_TRUE(r.scores[2].args_ok) << r.scores[2].why;
  EXPECT_TRUE(r.scores[1].exact) << r.scores[1].why;
  EXPECT_TRUE(r.scores[5].exact) << r.scores[5].why;
  EXPECT_FALSE(r.scores[4].decision_ok);  // answered where the reference calls
}

}  // namespace
}  // namespace tracemill::eval
