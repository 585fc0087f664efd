// `tracemill collect`: many headless agents at once, one trace per task.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/agent/collector.h"
#include "libs/base/progress.h"
#include "libs/base/str_cat.h"

namespace tracemill::cli {
namespace {

struct CollectFlags {
  std::string tasks;
  std::string config;
  std::string out = "traces";
  int parallel = 4;
  std::string run_id;
  bool quiet = false;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "tracemill collect: %s\n", std::string(status.message()).c_str());
  return 1;
}

int RunCollect(const CollectFlags& f) {
  auto config = agent::LoadAgentConfig(f.config);
  if (!config.ok()) return Fail(config.status());
  // The key comes from the environment only; it goes into the Authorization header and
  // nowhere else.
  if (const char* key = std::getenv(config->api_key_env.c_str()); key != nullptr) {
    config->endpoint.api_key = key;
  }
  auto tasks = agent::ReadTasks(f.tasks);
  if (!tasks.ok()) return Fail(tasks.status());
  base::ProgressBar bar("collect", 0, base::ProgressBar::Unit::kCount, !f.quiet);
  int failed = 0;
  auto summary = agent::Collect(
      *config, *tasks, {.parallel = f.parallel, .out_dir = f.out, .run_id = f.run_id},
      [&](int done, int total, const trace::Trace& t) {
        failed += t.outcome.status != "success";
        bar.SetTotal(static_cast<uint64_t>(total));
        bar.SetSuffix(base::StrCat("ok ", done - failed, ", not ok ", failed));
        bar.Update(static_cast<uint64_t>(done));
      });
  bar.Finish();
  if (!summary.ok()) return Fail(summary.status());
  std::string outcomes;
  for (const auto& [status, n] : summary->outcomes) {
    base::StrAppend(&outcomes, outcomes.empty() ? "" : ", ", n, " ", status.empty() ? "unknown" : status);
  }
  std::fprintf(stderr,
               "collect: %d tasks (%d already done) in %.1f s: %s; %lld model calls, %lld tool "
               "calls, %lld tokens; run %s; traces in %s\n",
               summary->tasks, summary->skipped, summary->seconds,
               outcomes.empty() ? "nothing to run" : outcomes.c_str(),
               static_cast<long long>(summary->steps), static_cast<long long>(summary->tool_calls),
               static_cast<long long>(summary->tokens), summary->run_id.c_str(), f.out.c_str());
  return 0;
}

}  // namespace

void AddCollectCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<CollectFlags>();
  CLI::App* cmd = app.add_subcommand(
      "collect",
      "Run headless agents on every task of a tasks.jsonl ({\"id\", \"prompt\", \"guidance\"?} "
      "per line) against the endpoint and MCP servers of --config, --parallel at once, each "
      "with fresh server instances, writing one trace per task into --out (kept on disk at "
      "every step; a rerun skips tasks already finished).");
  cmd->add_option("--tasks", f->tasks, "Tasks file (JSONL)")->required();
  cmd->add_option("-c,--config", f->config, "Agent configuration (YAML or JSON)")->required();
  cmd->add_option("-o,--out", f->out, "Trace directory")->capture_default_str();
  cmd->add_option("-j,--parallel", f->parallel, "Agents at once")->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--run-id", f->run_id, "Run id recorded in every trace (default: a new one)");
  cmd->add_flag("-q,--quiet", f->quiet, "No progress bar");
  cmd->callback([f, exit_code] { *exit_code = RunCollect(*f); });
}

}  // namespace tracemill::cli
