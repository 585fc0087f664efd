// `tracemill demo-teacher`: the scripted demo teacher (not a model) and the demo site on
// one port, optionally with the demo files and a task file to collect with.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "cli/run_until_signal.h"
#include "libs/base/file_io.h"
#include "libs/base/str_cat.h"
#include "libs/demo/demo_tasks.h"
#include "libs/demo/teacher.h"
#include "libs/demo/teacher_server.h"

namespace tracemill::cli {
namespace {

struct TeacherFlags {
  std::string host = "127.0.0.1";
  int port = 8731;
  std::string mode = "alternate";
  int latency_ms = 0;
  std::string files_dir;
  std::string tasks_out;
  int count = 50;
  uint64_t seed = 1;
  bool held_out = false;
  std::vector<std::string> families;
};

int Fail(std::string_view message) {
  std::fprintf(stderr, "tracemill demo-teacher: %.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

int RunTeacher(const TeacherFlags& f) {
  net::EventLoop loop;
  auto server = demo::TeacherServer::Start(
      &loop, {.host = f.host, .port = f.port, .mode = f.mode, .latency = std::chrono::milliseconds(f.latency_ms)});
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::string files_dir;
  if (!f.files_dir.empty()) {
    std::error_code ec;
    files_dir = std::filesystem::absolute(f.files_dir, ec).lexically_normal().string();
    if (!files_dir.empty() && files_dir.back() == '/') files_dir.pop_back();
    if (auto st = demo::WriteDemoFiles(files_dir); !st.ok()) return Fail(std::string(st.message()));
  }
  if (!f.tasks_out.empty()) {
    if (files_dir.empty()) {
      for (const std::string& family : f.families) {
        if (family != "page_title") return Fail("--tasks-out with file tasks needs --files-dir");
      }
      if (f.families.empty()) return Fail("--tasks-out with file tasks needs --files-dir (or --families page_title)");
    }
    const demo::DemoEnv env{.site_url = (*server)->site_url(), .files_dir = files_dir};
    const auto tasks = demo::MakeTasks(
        env, {.families = f.families, .count = f.count, .seed = f.seed, .held_out = f.held_out});
    if (auto st = base::WriteFileAtomic(f.tasks_out, eval::EvalTasksToJsonl(tasks)); !st.ok()) return Fail(std::string(st.message()));
    std::fprintf(stderr, "demo-teacher: wrote %zu tasks to %s\n", tasks.size(), f.tasks_out.c_str());
  }
  // The first line of stdout is for scripts: the endpoint's base URL.
  std::printf("%s\n", (*server)->base_url().c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "demo-teacher: a scripted demo teacher, NOT a model: it solves only the demo tasks.\n"
               "  endpoint  %s  (model %s, replies: %s)\n  site      %s\n%s%s%s  Ctrl-C stops it.\n",
               (*server)->base_url().c_str(), demo::kTeacherModel, f.mode.c_str(), (*server)->site_url().c_str(),
               files_dir.empty() ? "" : "  files     ", files_dir.c_str(), files_dir.empty() ? "" : "\n");
  RunUntilSignal(loop);
  std::fprintf(stderr, "demo-teacher: stopped after %lld completions\n",
               static_cast<long long>((*server)->completions()));
  return 0;
}

}  // namespace

void AddDemoTeacherCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<TeacherFlags>();
  CLI::App* cmd = app.add_subcommand(
      "demo-teacher",
      "Serve the scripted demo teacher (a deterministic policy, NOT a model) as an OpenAI-compatible "
      "endpoint, with the demo web site, so the demo and tests can collect real traces with no model "
      "server. It solves the demo tasks (page titles on the site; reading, counting and writing the demo "
      "files) with real tool calls. Prints the endpoint's base URL on stdout's first line.");
  cmd->add_option("--host", flags->host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", flags->port, "port (0: any free one)")->capture_default_str();
  cmd->add_option("--mode", flags->mode,
                  "how tool calls are returned: tool_calls (server-side), hermes (raw <tool_call> text), "
                  "alternate (both, per conversation)")
      ->check(CLI::IsMember({"tool_calls", "hermes", "alternate"}))
      ->capture_default_str();
  cmd->add_option("--latency-ms", flags->latency_ms, "delay before each completion (a slow teacher)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--files-dir", flags->files_dir,
                  "write the demo files here (give the same directory to the filesystem MCP server)");
  cmd->add_option("--tasks-out", flags->tasks_out,
                  "write a tasks.jsonl for `tracemill collect` that points at this server and --files-dir");
  cmd->add_option("--count", flags->count, "tasks to write")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--seed", flags->seed, "seed for the tasks")->capture_default_str();
  cmd->add_flag("--held-out", flags->held_out, "draw tasks from the held-out half (for evaluation)");
  cmd->add_option("--families", flags->families,
                  "task families: page_title, first_line, count_files, follow_note, write_file (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember({"page_title", "first_line", "count_files", "follow_note", "write_file"}));
  cmd->callback([flags, exit_code] { *exit_code = RunTeacher(*flags); });
}

}  // namespace tracemill::cli
