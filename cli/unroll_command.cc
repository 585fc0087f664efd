// `tracemill unroll`: traces → rows → a local Hugging Face dataset directory.
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/base/file_io.h"
#include "libs/base/progress.h"
#include "libs/base/str_cat.h"
#include "libs/hub/dataset_builder.h"

namespace tracemill::cli {
namespace {

struct UnrollFlags {
  std::vector<std::string> inputs;
  std::string out_dir = "dataset";
  std::string mode = "per-turn";
  double eval_ratio = 0.1;
  uint64_t seed = 42;
  std::string split_method = "exact";
  uint64_t shard_mb = 256;
  int64_t shard_rows = 0;
  std::string title = "tracemill agent traces";
  std::string description;
  std::string curate_report;
  std::string report;
  bool quiet = false;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "tracemill unroll: %s\n", std::string(status.message()).c_str());
  return 1;
}

int RunUnroll(const UnrollFlags& f) {
  hub::BuildDatasetOptions options;
  options.out_dir = f.out_dir;
  if (!trace::ParseUnrollMode(f.mode, &options.mode)) {
    return Fail(absl::InvalidArgumentError(
        base::StrCat("--mode: unknown mode \"", f.mode, "\" (seed, per-turn, per-query)")));
  }
  options.split.eval_ratio = f.eval_ratio;
  options.split.seed = f.seed;
  options.split_method =
      f.split_method == "hash" ? hub::SplitMethod::kHash : hub::SplitMethod::kExact;
  options.writer.max_shard_bytes = f.shard_mb << 20;
  options.writer.max_shard_rows = f.shard_rows;
  options.title = f.title;
  options.description = f.description;
  if (!f.curate_report.empty()) {
    auto text = base::ReadFile(f.curate_report);
    if (!text.ok()) return Fail(text.status());
    auto json = base::ParseJson(*text, f.curate_report);
    if (!json.ok()) return Fail(json.status());
    // The card gets the counters; per-record messages stay in the report file.
    json->erase("examples");
    if (json->contains("read")) (*json)["read"].erase("issues");
    options.curation = std::move(*json);
  }
  base::ProgressBar bar("unroll", 0, base::ProgressBar::Unit::kBytes, !f.quiet);
  options.progress = [&bar](uint64_t done, uint64_t total) {
    bar.SetTotal(total);
    bar.Update(done);
  };
  hub::BuildDatasetReport report;
  absl::Status status = hub::BuildDataset(f.inputs, options, &report);
  bar.Finish();
  if (!status.ok()) return Fail(status);
  if (!f.report.empty()) {
    absl::Status s = base::WriteFileAtomic(f.report, base::DumpJsonPretty(report.ToJson()) + "\n");
    if (!s.ok()) return Fail(s);
  }
  if (!f.quiet) {
    std::string text = base::StrCat("unroll (", f.mode, "): ", report.traces, " traces -> ",
                                    report.rows, " rows in ", f.out_dir, "\n");
    for (const auto& [split, n] : report.rows_per_split) {
      base::StrAppend(&text, "  ", split, ": ", n, " rows from ", report.traces_per_split.at(split),
                      " traces\n");
    }
    if (report.duplicate_ids > 0) {
      base::StrAppend(&text, "  warning: ", report.duplicate_ids,
                      " traces repeat an earlier trace's id; their rows share ids and split "
                      "(give traces unique ids, e.g. by curating each run separately)\n");
    }
    if (report.traces_without_rows > 0) {
      base::StrAppend(&text, "  ", report.traces_without_rows, " traces gave no rows\n");
    }
    if (report.read.skipped > 0) {
      base::StrAppend(&text, "  ", report.read.skipped, " input records skipped:\n");
      for (const auto& issue : report.read.issues)
        base::StrAppend(&text, "    ", issue.message, "\n");
    }
    std::fprintf(stderr, "%s", text.c_str());
  }
  return 0;
}

}  // namespace

void AddUnrollCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<UnrollFlags>();
  CLI::App* cmd = app.add_subcommand(
      "unroll",
      "Unroll traces into training rows and write a local Hugging Face dataset: "
      "data/<split>-NNNNN-of-NNNNN.jsonl shards and a README.md card. Rows of one trace "
      "always share a split.");
  cmd->add_option("inputs", flags->inputs,
                  "Trace files (.json, .jsonl), directories of them, or - for stdin")
      ->required();
  cmd->add_option("-o,--out", flags->out_dir, "Dataset directory")->capture_default_str();
  cmd->add_option("--mode", flags->mode,
                  "seed: the reference agent's rows (full trace + a prefix at each assistant "
                  "reply to a user); per-turn: a row ending at every assistant message; "
                  "per-query: a row per user query")
      ->check(CLI::IsMember({"seed", "per-turn", "per-query"}))
      ->capture_default_str();
  cmd->add_option("--eval-ratio", flags->eval_ratio, "Share of traces held out for eval")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--seed", flags->seed, "Split seed")->capture_default_str();
  cmd->add_option("--split-method", flags->split_method,
                  "exact: two passes, exactly round(ratio x traces) eval traces; hash: one "
                  "pass, each trace is eval with probability ratio (used for stdin)")
      ->check(CLI::IsMember({"exact", "hash"}))
      ->capture_default_str();
  cmd->add_option("--shard-mb", flags->shard_mb, "Start a new shard after this many MiB")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--shard-rows", flags->shard_rows,
                  "Start a new shard after this many rows (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--title", flags->title, "Dataset title for the card")->capture_default_str();
  cmd->add_option("--description", flags->description, "Dataset description for the card");
  cmd->add_option("--curate-report", flags->curate_report,
                  "A `tracemill curate --report` JSON to summarise in the card");
  cmd->add_option("--report", flags->report, "Write the unroll report as JSON here");
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress bar and no printed summary");
  cmd->callback([flags, exit_code] { *exit_code = RunUnroll(*flags); });
}

}  // namespace tracemill::cli
