#include "libs/eval/live.h"

#include <filesystem>
#include <thread>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"
#include "libs/demo/teacher_server.h"
#include "libs/net/test_http_server.h"

namespace tracemill::eval {
namespace {

const std::string kFilesystemServer = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/.bin/mcp-server-filesystem";

Proportion Get(const LiveResult& r, const std::string& name) {
  for (const Metric& m : r.Metrics()) {
    if (m.name == name) return m.value;
  }
  ADD_FAILURE() << "no metric " << name;
  return {};
}

agent::AgentConfig Config(const std::string& base_url, const std::string& files, const std::string& dir) {
  const std::string yaml = "endpoint:\n  base_url: " + base_url +
                           "\n  model: base\n  max_attempts: 1\n"
                           "system_prompt: You are a careful assistant with tools.\n"
                           "limits: {max_turns: 6, max_wall_s: 60}\n"
                           "mcpServers:\n  files:\n    command: " +
                           kFilesystemServer + "\n    args: [\"" + files + "\"]\n";
  auto config = agent::ParseAgentConfig(yaml, "test agent.yaml", dir);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : agent::AgentConfig{};
}

// The scripted demo teacher on an event loop of its own, in a background thread.
class BackgroundTeacher {
 public:
  BackgroundTeacher() {
    auto server = demo::TeacherServer::Start(&loop_, {.mode = "alternate"});
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return;
    server_ = std::move(*server);
    thread_ = std::thread([this] { loop_.Run(); });
  }
  ~BackgroundTeacher() {
    if (thread_.joinable()) {
      loop_.Post([this] { loop_.Stop(); });
      thread_.join();
    }
  }
  demo::TeacherServer* server() { return server_.get(); }

 private:
  net::EventLoop loop_;
  std::unique_ptr<demo::TeacherServer> server_;
  std::thread thread_;
};

const std::vector<std::string> kFileFamilies = {"first_line", "count_files", "follow_note", "write_file"};

TEST(LiveEvalTest, TheDemoTeacherPassesEveryTry) {
  ASSERT_TRUE(std::filesystem::exists(kFilesystemServer)) << "run scripts/peers.sh";
  const std::string dir = base::FreshTestDir();
  const std::string files = dir + "/files";
  ASSERT_TRUE(demo::WriteDemoFiles(files).ok());
  BackgroundTeacher teacher;
  ASSERT_NE(teacher.server(), nullptr);
  const auto tasks = demo::MakeTasks({.site_url = teacher.server()->site_url(), .files_dir = files},
                                     {.families = kFileFamilies, .count = 8, .seed = 3, .held_out = true});
  ASSERT_EQ(tasks.size(), 8u);
  const agent::AgentConfig config = Config(teacher.server()->base_url(), files, dir);
  int progress_calls = 0;
  auto r = RunLiveEval(config, tasks, {.tries = 2, .parallel = 4, .out_dir = dir + "/traces"},
                       [&](int done, int total, const LiveTry&) {
                         ++progress_calls;
                         EXPECT_EQ(total, 16);
                         EXPECT_LE(done, total);
                       });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(progress_calls, 16);
  ASSERT_EQ(r->attempts.size(), 16u);
  for (const LiveTry& t : r->attempts) EXPECT_TRUE(t.passed) << t.task_id << " try " << t.try_index << ": " << t.why;
  EXPECT_EQ(Get(*r, "pass@1").count, 16);
  EXPECT_EQ(Get(*r, "pass@1").n, 16);
  EXPECT_EQ(Get(*r, "pass^k").count, 8);
  EXPECT_EQ(Get(*r, "tool_name_accuracy").count, 16);
  EXPECT_EQ(Get(*r, "tool_call_validity").rate(), 1.0);
  EXPECT_GE(Get(*r, "tool_call_validity").n, 16);
  EXPECT_EQ(Get(*r, "valid_tool_use").count, 16);
  EXPECT_EQ(r->families.size(), 4u);
  EXPECT_EQ(r->families.at("write_file").pass_all.count, 2);
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/traces/try-1"));
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/traces/try-2"));
  const Json j = r->ToJson();
  EXPECT_EQ(j["metrics"]["pass@1"]["rate"], 1.0);
  EXPECT_EQ(j["attempts"].size(), 16u);

  // The trace directories are not reused.
  auto again = RunLiveEval(config, tasks, {.tries = 1, .out_dir = dir + "/traces"});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(LiveEvalTest, AModelThatNeverCallsAToolScoresZero) {
  ASSERT_TRUE(std::filesystem::exists(kFilesystemServer)) << "run scripts/peers.sh";
  const std::string dir = base::FreshTestDir();
  const std::string files = dir + "/files";
  ASSERT_TRUE(demo::WriteDemoFiles(files).ok());
  net::TestHttpServer bad([](const net::TestHttpServer::Request&, net::TestHttpServer::Connection& c) {
    c.Write(net::TestHttpServer::Response(
        200, R"({"id":"x","object":"chat.completion","model":"base","choices":[{"index":0,"message":{"role":"assistant","content":"I don't know."},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}})"));
  });
  const auto tasks = demo::MakeTasks({.site_url = "http://127.0.0.1:1/site", .files_dir = files},
                                     {.families = kFileFamilies, .count = 4, .seed = 3, .held_out = true});
  auto r = RunLiveEval(Config(bad.Url("/v1"), files, dir), tasks, {.tries = 2, .out_dir = dir + "/traces"});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->attempts.size(), 8u);
  EXPECT_EQ(Get(*r, "pass@1").count, 0);
  EXPECT_EQ(Get(*r, "pass@1").n, 8);
  EXPECT_EQ(Get(*r, "pass^k").count, 0);
  EXPECT_EQ(Get(*r, "tool_name_accuracy").count, 0);
  EXPECT_EQ(Get(*r, "tool_call_validity").n, 0);  // n/a: no call at all ...
  EXPECT_EQ(Get(*r, "valid_tool_use").count, 0);  // ... which valid_tool_use counts as 0 of 8
  EXPECT_EQ(Get(*r, "valid_tool_use").n, 8);
  for (const LiveTry& t : r->attempts) {
    EXPECT_EQ(t.outcome, "success");  // the agent finished; the answer is wrong
    EXPECT_FALSE(t.why.empty());
  }
}

TEST(LiveEvalTest, AnEndpointThatIsDownFailsEveryTryWithAReason) {
  ASSERT_TRUE(std::filesystem::exists(kFilesystemServer)) << "run scripts/peers.sh";
  const std::string dir = base::FreshTestDir();
  const std::string files = dir + "/files";
  ASSERT_TRUE(demo::WriteDemoFiles(files).ok());
  const auto tasks = demo::MakeTasks({.site_url = "http://127.0.0.1:1/site", .files_dir = files},
                                     {.families = {"first_line"}, .count = 2, .held_out = true});
  auto r = RunLiveEval(Config("http://127.0.0.1:1/v1", files, dir), tasks, {.tries = 1, .out_dir = dir + "/t"});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->attempts.size(), 2u);
  for (const LiveTry& t : r->attempts) {
    EXPECT_FALSE(t.passed);
    EXPECT_EQ(t.outcome, "error");
    EXPECT_NE(t.why.find("outcome error"), std::string::npos) << t.why;
  }
}

TEST(LiveScoreTest, ScoresATraceAndSummarises) {
  const demo::DemoTask task{.id = "t1", .family = "count_files", .prompt = "count", .expected = "7"};
  trace::Trace t;
  t.outcome.status = "success";
  trace::Message call;
  call.role = trace::Role::kAssistant;
  call.tool_calls.push_back({.id = "c", .name = "files__list_directory", .arguments = R"({"path":"/x"})"});
  call.tool_calls.push_back({.id = "d", .name = "list_directory", .arguments = "{oops"});
  trace::Message answer;
  answer.role = trace::Role::kAssistant;
  answer.content = "There are 7 files.";
  t.messages = {call, answer};
  const LiveTry ok = ScoreLiveTrace(task, t, 1);
  EXPECT_TRUE(ok.passed) << ok.why;
  EXPECT_TRUE(ok.first_tool_ok);
  EXPECT_EQ(ok.tool_calls, 2);
  EXPECT_EQ(ok.valid_tool_calls, 1);
  t.messages.back().content = "There are 17 files.";
  const LiveTry wrong = ScoreLiveTrace(task, t, 2);
  EXPECT_FALSE(wrong.passed);
  EXPECT_NE(wrong.why.find("count 7"), std::string::npos) << wrong.why;

  const LiveResult r = SummarizeLive({task}, {ok, wrong}, 2);
  EXPECT_EQ(r.overall.pass_at_1.count, 1);
  EXPECT_EQ(r.overall.pass_at_1.n, 2);
  EXPECT_EQ(r.overall.pass_all.count, 0);
  EXPECT_EQ(r.overall.pass_all.n, 1);
  EXPECT_EQ(r.overall.valid_use.count, 0);  // one of each trace's two calls is invalid
  EXPECT_EQ(r.overall.valid_use.n, 2);
  EXPECT_EQ(r.Metrics().back().name, "pass@1 count_files");
  EXPECT_EQ(FamilyTools("first_line"), (std::vector<std::string>{"read_text_file", "read_file"}));
  EXPECT_TRUE(FamilyTools("nope").empty());
}

TEST(LiveScoreTest, BadOptionsAreErrors) {
  agent::AgentConfig config;
  EXPECT_FALSE(RunLiveEval(config, {}, {.tries = 0, .out_dir = "x"}).ok());
  EXPECT_FALSE(RunLiveEval(config, {}, {.tries = 1}).ok());
  const demo::DemoTask t{.id = "same", .family = "first_line"};
  EXPECT_FALSE(RunLiveEval(config, {t, t}, {.tries = 1, .out_dir = base::FreshTestDir()}).ok());
}

}  // namespace
}  // namespace tracemill::eval
