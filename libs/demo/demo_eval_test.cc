// Live evaluation of held-out demo tasks through the agent and the real MCP filesystem
// server: the scripted teacher passes everything and the demo's bars; each cheating
// policy (teacher.h), a model that never calls a tool, and an endpoint that is down miss
// them, each on the metric that catches it.
#include <filesystem>
#include <thread>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"
#include "libs/demo/demo_tasks.h"
#include "libs/demo/teacher.h"
#include "libs/demo/teacher_server.h"
#include "libs/eval/bars.h"
#include "libs/eval/live.h"
#include "libs/net/test_http_server.h"

namespace tracemill::demo {
namespace {

const std::string kFilesystemServer = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/.bin/mcp-server-filesystem";
const std::vector<std::string> kFileFamilies = {"first_line", "count_files", "follow_note", "write_file"};

eval::Proportion Get(const eval::LiveResult& r, const std::string& name) {
  for (const eval::Metric& m : r.Metrics()) {
    if (m.name == name) return m.value;
  }
  ADD_FAILURE() << "no metric " << name;
  return {};
}

agent::AgentConfig Config(const std::string& base_url, const std::string& model, const std::string& files,
                          const std::string& dir) {
  const std::string yaml = "endpoint:\n  base_url: " + base_url + "\n  model: " + model +
                           "\n  max_attempts: 1\n"
                           "system_prompt: You are a careful assistant with tools.\n"
                           "limits: {max_turns: 6, max_tool_calls: 6, max_wall_s: 60}\n"
                           "mcpServers:\n  files:\n    command: " +
                           kFilesystemServer + "\n    args: [\"" + files + "\"]\n" +
                           "    includeTools: [read_text_file, list_directory, write_file]\n";
  auto config = agent::ParseAgentConfig(yaml, "test agent.yaml", dir);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : agent::AgentConfig{};
}

// The demo teacher (and its cheating policies) on an event loop of its own.
class BackgroundTeacher {
 public:
  BackgroundTeacher() {
    auto server = TeacherServer::Start(&loop_, {.mode = "alternate"});
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
  TeacherServer* server() { return server_.get(); }

 private:
  net::EventLoop loop_;
  std::unique_ptr<TeacherServer> server_;
  std::thread thread_;
};

class DemoEvalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kFilesystemServer)) << "run scripts/peers.sh";
    dir_ = base::FreshTestDir();
    files_ = dir_ + "/files";
    ASSERT_TRUE(WriteDemoFiles(files_).ok());
    ASSERT_NE(teacher_.server(), nullptr);
    tasks_ = MakeTasks({.site_url = teacher_.server()->site_url(), .files_dir = files_},
                       {.families = kFileFamilies, .count = 8, .seed = 3, .held_out = true});
    ASSERT_EQ(tasks_.size(), 8u);
  }

  eval::LiveResult Run(const std::string& model, int tries = 1) {
    auto r = eval::RunLiveEval(Config(teacher_.server()->base_url(), model, files_, dir_), tasks_,
                               {.tries = tries, .parallel = 4, .out_dir = dir_ + "/traces-" + model});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : eval::LiveResult{};
  }

  BackgroundTeacher teacher_;
  std::string dir_, files_;
  std::vector<eval::EvalTask> tasks_;
};

TEST_F(DemoEvalTest, TheTeacherPassesEveryTryAndTheBars) {
  int progress_calls = 0;
  auto r = eval::RunLiveEval(Config(teacher_.server()->base_url(), kTeacherModel, files_, dir_), tasks_,
                             {.tries = 2, .parallel = 4, .out_dir = dir_ + "/traces"},
                             [&](int done, int total, const eval::LiveTry&) {
                               ++progress_calls;
                               EXPECT_EQ(total, 16);
                               EXPECT_LE(done, total);
                             });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(progress_calls, 16);
  ASSERT_EQ(r->attempts.size(), 16u);
  for (const eval::LiveTry& t : r->attempts) {
    EXPECT_TRUE(t.passed) << t.task_id << " try " << t.try_index << ": " << t.why;
  }
  EXPECT_EQ(Get(*r, "pass@1").count, 16);
  EXPECT_EQ(Get(*r, "pass^k").count, 8);
  EXPECT_EQ(Get(*r, "schema_valid_calls").rate(), 1.0);
  EXPECT_GE(Get(*r, "schema_valid_calls").n, 16);
  EXPECT_EQ(Get(*r, "argument_accuracy").rate(), 1.0);
  EXPECT_EQ(Get(*r, "tool_name_accuracy").count, 16);
  EXPECT_EQ(Get(*r, "valid_tool_use").count, 16);
  EXPECT_EQ(r->families.size(), 4u);
  EXPECT_EQ(r->families.at("write_file").pass_all.count, 2);
  EXPECT_TRUE(eval::MissedBars(r->Metrics(), DemoBars()).empty());
  EXPECT_TRUE(std::filesystem::is_directory(dir_ + "/traces/try-2"));
  // The trace directories are not reused.
  auto again = eval::RunLiveEval(Config(teacher_.server()->base_url(), kTeacherModel, files_, dir_), tasks_,
                                 {.tries = 1, .out_dir = dir_ + "/traces"});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(DemoEvalTest, AConstantCallScoresNoTaskNoArgumentAndMissesTheBars) {
  const eval::LiveResult r = Run(kConstantModel);
  EXPECT_EQ(Get(r, "pass@1").count, 0);
  EXPECT_EQ(Get(r, "argument_accuracy").count, 0);
  EXPECT_LT(Get(r, "tool_name_accuracy").rate(), 0.6);  // right only where a read is the tool
  EXPECT_EQ(Get(r, "schema_valid_calls").rate(), 1.0);  // its calls are well formed ...
  EXPECT_FALSE(eval::MissedBars(r.Metrics(), DemoBars()).empty());  // ... and it still fails
}

TEST_F(DemoEvalTest, EchoingTheToolOutputFinishesNoTaskAndMissesTheBars) {
  const eval::LiveResult r = Run(kEchoModel);
  EXPECT_EQ(Get(r, "argument_accuracy").count, 8);  // every first call right; follow_note's second never made
  EXPECT_EQ(Get(r, "argument_accuracy").n, 10);
  for (const eval::LiveTry& t : r.attempts) {
    EXPECT_FALSE(t.passed) << t.task_id;
    // The write happened (the file is right), but the answer pastes the tool's output.
    if (t.family == "first_line" || t.family == "write_file") {
      EXPECT_NE(t.why.find("echoes the tool result"), std::string::npos) << t.task_id << ": " << t.why;
    }
  }
  EXPECT_EQ(Get(r, "pass@1").count, 0);
  EXPECT_FALSE(eval::MissedBars(r.Metrics(), DemoBars()).empty());
}

TEST_F(DemoEvalTest, CutOffCallsAreInvalidNeverRunAndMissTheBars) {
  const eval::LiveResult r = Run(kCutoffModel);
  EXPECT_EQ(Get(r, "pass@1").count, 0);
  EXPECT_EQ(Get(r, "schema_valid_calls").count, 0);
  EXPECT_GE(Get(r, "schema_valid_calls").n, 8);
  EXPECT_EQ(Get(r, "valid_tool_use").count, 0);
  EXPECT_EQ(Get(r, "argument_accuracy").count, 0);
  // A cut-off write never reached the filesystem server.
  EXPECT_TRUE(std::filesystem::is_empty(files_ + "/out"));
  EXPECT_FALSE(eval::MissedBars(r.Metrics(), DemoBars()).empty());
}

TEST_F(DemoEvalTest, AModelThatNeverCallsAToolScoresZero) {
  net::TestHttpServer silent([](const net::TestHttpServer::Request&, net::TestHttpServer::Connection& c) {
    c.Write(net::TestHttpServer::Response(
        200, R"({"id":"x","object":"chat.completion","model":"base","choices":[{"index":0,"message":{"role":"assistant","content":"I don't know."},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}})"));
  });
  auto r = eval::RunLiveEval(Config(silent.Url("/v1"), "base", files_, dir_), tasks_, {.tries = 1, .out_dir = dir_ + "/t"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Get(*r, "pass@1").count, 0);
  EXPECT_EQ(Get(*r, "schema_valid_calls").n, 0);  // n/a: no call at all ...
  EXPECT_EQ(Get(*r, "valid_tool_use").count, 0);  // ... which valid_tool_use counts as 0 of 8
  EXPECT_EQ(Get(*r, "valid_tool_use").n, 8);
  EXPECT_EQ(Get(*r, "tool_name_accuracy").count, 0);
  for (const eval::LiveTry& t : r->attempts) EXPECT_EQ(t.outcome, "success");  // finished, wrong
  EXPECT_FALSE(eval::MissedBars(r->Metrics(), DemoBars()).empty());
}

TEST_F(DemoEvalTest, AnEndpointThatIsDownFailsEveryTryWithAReason) {
  auto r = eval::RunLiveEval(Config("http://127.0.0.1:1/v1", "base", files_, dir_), tasks_, {.tries = 1, .out_dir = dir_ + "/t"});
  ASSERT_TRUE(r.ok()) << r.status();
  for (const eval::LiveTry& t : r->attempts) {
    EXPECT_FALSE(t.passed);
    EXPECT_EQ(t.outcome, "error");
    EXPECT_NE(t.why.find("outcome error"), std::string::npos) << t.why;
  }
}

}  // namespace
}  // namespace tracemill::demo
