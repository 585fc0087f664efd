// `tracemill demo-teacher` + `tracemill collect` as the demo runs them: the scripted
// teacher writes the demo files and a task file, the collector drives the MCP project's
// filesystem server with it, and every trace must end in an answer the task's checker
// accepts — through server-side tool_calls and raw Hermes text alike, plain and streamed.
#include <filesystem>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"
#include "libs/demo/demo_tasks.h"
#include "libs/eval/eval_task.h"
#include "libs/trace/trace_json.h"
#include "tests/run_tracemill.h"

namespace tracemill {
namespace {

const std::string kPeers = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/.bin/";

// Reads every trace in `dir` by task id.
std::map<std::string, trace::Trace> Traces(const std::string& dir) {
  std::map<std::string, trace::Trace> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    auto text = base::ReadFile(e.path().string());
    if (!text.ok()) continue;
    auto t = trace::ParseTraceText(*text, e.path().string());
    if (t.ok()) out[t->task_id] = std::move(*t);
  }
  return out;
}

void ExpectSolved(const std::vector<eval::EvalTask>& tasks, const std::string& out_dir, int min_tool_calls) {
  const auto traces = Traces(out_dir);
  ASSERT_EQ(traces.size(), tasks.size());
  for (const eval::EvalTask& task : tasks) {
    auto it = traces.find(task.id);
    ASSERT_NE(it, traces.end()) << task.id;
    const trace::Trace& t = it->second;
    EXPECT_EQ(t.outcome.status, "success") << task.id << ": " << t.outcome.detail;
    int calls = 0;
    for (const trace::Message& m : t.messages) calls += static_cast<int>(m.tool_calls.size());
    EXPECT_GE(calls, min_tool_calls) << task.id;
    ASSERT_FALSE(t.messages.empty());
    const trace::Message& last = t.messages.back();
    EXPECT_EQ(last.role, trace::Role::kAssistant);
    EXPECT_TRUE(last.reasoning_content.has_value()) << task.id;
    std::string why;
    EXPECT_TRUE(eval::CheckTask(task, t, &why)) << task.id << ": " << why << "\n" << last.Text();
    EXPECT_EQ(t.model, "tracemill-demo-teacher");
  }
}

TEST(DemoTeacherTest, CollectsFileTasksThroughTheFilesystemServer) {
  ASSERT_TRUE(std::filesystem::exists(kPeers + "mcp-server-filesystem")) << "run scripts/peers.sh";
  const std::string dir = base::FreshTestDir();
  const std::string files = dir + "/files", tasks_path = dir + "/tasks.jsonl";
  BackgroundTracemill teacher("demo-teacher --port 0 --mode alternate --files-dir " + files + " --tasks-out " +
                              tasks_path + " --count 12 --seed 5 --families first_line,count_files,follow_note,write_file");
  const std::string url = teacher.FirstLine();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  auto text = base::ReadFile(tasks_path);
  ASSERT_TRUE(text.ok()) << text.status();
  auto tasks = eval::ParseEvalTasks(*text, tasks_path);
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_EQ(tasks->size(), 12u);

  for (const bool stream : {false, true}) {
    const std::string config = dir + "/agent.yaml", out = dir + (stream ? "/streamed" : "/plain");
    ASSERT_TRUE(base::WriteFileAtomic(
                    config, "endpoint:\n  base_url: " + url + "\n  model: tracemill-demo-teacher\n  stream: " +
                                (stream ? "true" : "false") +
                                "\nsystem_prompt: You are a careful assistant with tools.\n"
                                "limits: {max_turns: 6, max_wall_s: 120}\n"
                                "mcpServers:\n  files:\n    command: " +
                                kPeers + "mcp-server-filesystem\n    args: [\"" + files + "\"]\n")
                    .ok());
    // write_file tasks must create their files in this run.
    std::filesystem::remove_all(files + "/out");
    std::filesystem::create_directories(files + "/out");
    const Result r = RunTracemill("collect --tasks " + tasks_path + " -c " + config + " -o " + out + " -j 4 -q");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("12 success"), std::string::npos) << r.output;
    ExpectSolved(*tasks, out, 1);
  }
  EXPECT_EQ(teacher.Stop(), 0);
}

TEST(DemoTeacherTest, CommandErrorsAreClear) {
  const Result bad_mode = RunTracemill("demo-teacher --mode telepathy");
  EXPECT_NE(bad_mode.code, 0);
  EXPECT_NE(bad_mode.output.find("telepathy"), std::string::npos) << bad_mode.output;
  const Result no_files = RunTracemill("demo-teacher --port 0 --tasks-out /tmp/never.jsonl --families first_line");
  EXPECT_EQ(no_files.code, 1);
  EXPECT_NE(no_files.output.find("needs --files-dir"), std::string::npos) << no_files.output;
  const Result help = RunTracemill("demo-teacher --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.output.find("NOT a model"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace tracemill
