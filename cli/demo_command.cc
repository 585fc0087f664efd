// `tracemill demo`: the whole loop on one machine (libs/demo/demo_run.h).
#include <cstdio>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/base/file_io.h"
#include "libs/demo/demo_run.h"
#include "libs/eval/report.h"

namespace tracemill::cli {
namespace {

struct DemoFlags {
  demo::DemoOptions options;
  bool quiet = false;
};

int RunDemoCommand(DemoFlags f) {
  f.options.progress = !f.quiet;
  std::fprintf(stderr, "tracemill demo: teacher traces -> dataset -> a trained student, evaluated before and after\n");
  auto result = demo::RunDemo(f.options, [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
  if (!result.ok()) {
    std::fprintf(stderr, "tracemill demo: %s\n", std::string(result.status().message()).c_str());
    return 1;
  }
  // The report's table on stdout, the rest of the story on stderr.
  auto markdown = base::ReadFile(result->report_dir + "/report.md");
  std::printf("%s", markdown.ok() ? markdown->c_str() : eval::ReportToMarkdown(result->report).c_str());
  std::fprintf(stderr, "tracemill demo: done in %.0f s:", result->seconds);
  for (const demo::DemoStage& s : result->stages) std::fprintf(stderr, " %s %.0f s;", s.name.c_str(), s.seconds);
  std::fprintf(stderr, " report in %s\n", result->report_dir.c_str());
  return 0;
}

}  // namespace

void AddDemoCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<DemoFlags>();
  demo::DemoOptions& o = flags->options;
  o.node_modules = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules";
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "The whole loop on this machine, no model server, no download: the scripted demo teacher (not a model) "
      "collects traces through real MCP servers (filesystem; @playwright/mcp with chromium when present), they "
      "are curated and unrolled into a dataset, a small random Qwen3 student is evaluated live on held-out "
      "tasks, fine-tuned on the dataset, served and evaluated again; the before/after report (JSON, Markdown, "
      "PNG) goes to OUT/report and its table to stdout.");
  cmd->add_option("-o,--out", o.out_dir, "output directory (its demo subdirectories are replaced)")
      ->capture_default_str();
  cmd->add_option("--train-tasks", o.train_tasks, "tasks the teacher solves (one trace each)")->capture_default_str();
  cmd->add_option("--eval-tasks", o.eval_tasks, "held-out tasks for the before/after evaluation")
      ->capture_default_str();
  cmd->add_option("--tries", o.tries, "tries per held-out task and model (pass^k)")->capture_default_str();
  cmd->add_option("-j,--parallel", o.parallel, "agents at once")->capture_default_str();
  cmd->add_option("--preset", o.preset, "student shape (student, tiny or small)")
      ->check(CLI::IsMember({"tiny", "student", "small"}))
      ->capture_default_str();
  cmd->add_option("--copy-steps", o.copy_steps,
                  "copy pre-training steps (16 rows of random tokens each) before the baseline; 0: none")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--copy-share", o.copy_share, "share of the fine-tune's rows that are copy rows")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  cmd->add_option("--sampled-vocab", o.sampled_vocab,
                  "tokens drawn per step for the sampled softmax, beside the batch's own (0: the full vocabulary)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--steps", o.steps, "fine-tune steps")->capture_default_str();
  cmd->add_option("--batch-size", o.batch_size, "rows per fine-tune step")->capture_default_str();
  cmd->add_option("--lr", o.lr, "peak learning rate")->capture_default_str();
  cmd->add_option("--threads", o.threads, "CPU threads for training and serving (0: libtorch's default)")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "seed for tasks, the student's init and training")->capture_default_str();
  cmd->add_option("--chromium", o.chromium, "browser for the page_title tasks (skipped when absent; \"\" = none)")
      ->capture_default_str();
  cmd->add_option("--node-modules", o.node_modules,
                  "directory with the MCP servers and the Qwen3 tokenizer (tests/peers/node_modules)")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", flags->quiet, "no progress bars");
  cmd->callback([flags, exit_code] { *exit_code = RunDemoCommand(*flags); });
}

}  // namespace tracemill::cli
