// `tracemill eval`: the before/after report of a baseline and a candidate model —
// `next-turn` over a dataset's eval rows on one endpoint, `live` on tasks run by the agent
// (a task file, or held-out demo tasks) against one or two endpoints or model directories
// served in-process. The report files (report.json, report.md, report.png) go to --out.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/agent/agent_config.h"
#include "libs/base/progress.h"
#include "libs/base/str_cat.h"
#include "libs/demo/demo_tasks.h"
#include "libs/eval/eval_rows.h"
#include "libs/eval/live.h"
#include "libs/eval/next_turn.h"
#include "libs/eval/report.h"
#ifdef TRACEMILL_HAS_TORCH
#include "libs/serve/model_server.h"
#endif

namespace tracemill::cli {
namespace {

struct ModelPair {
  std::string baseline = "base";
  std::string candidate;
};

struct NextTurnFlags {
  std::string data;
  std::string endpoint;
  ModelPair models;
  std::string out;
  std::string split = "eval";
  int parallel = 8;
  int64_t limit = 0;
  std::string api_key_env = "OPENAI_API_KEY";
  double temperature = 0;
  int max_tokens = 2048;
  int timeout_s = 600;
  std::string hermes = "auto";
  bool quiet = false;
};

// Where one run of `eval live` sends the agent: a model name on the config's endpoint, on
// another endpoint, or a model directory served in this process.
struct RunTarget {
  std::string model;
  std::string endpoint;
  std::string model_dir;
};

struct LiveFlags {
  std::string config;
  RunTarget baseline{.model = "base"};
  RunTarget candidate;
  std::string out;
  std::string tasks_file;
  int demo_tasks = 20;
  int tries = 3;
  std::string files_dir;
  std::string site_url;
  std::vector<std::string> families;
  uint64_t seed = 1;
  int parallel = 4;
  int threads = 0;
  std::vector<std::string> bars;
  bool quiet = false;
};

int Fail(std::string_view message) {
  std::fprintf(stderr, "tracemill eval: %.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

int Fail(const absl::Status& status) { return Fail(std::string(status.message())); }

// Prints the Markdown table of the report (the lines starting with '|').
void PrintTable(const eval::Report& report) {
  const std::string md = eval::ReportToMarkdown(report);
  size_t pos = 0;
  while (pos < md.size()) {
    size_t end = md.find('\n', pos);
    if (end == std::string::npos) end = md.size();
    if (md[pos] == '|') std::printf("%s\n", md.substr(pos, end - pos).c_str());
    pos = end + 1;
  }
}

int Finish(const eval::Report& report, const std::string& out) {
  if (auto st = eval::WriteReport(report, out); !st.ok()) return Fail(st);
  PrintTable(report);
  std::fprintf(stderr, "eval: report in %s/report.{json,md,png}\n", out.c_str());
  return 0;
}

int RunNextTurnEval(const NextTurnFlags& f) {
  auto rows = eval::ReadEvalRows(f.data, {.split = f.split, .limit = f.limit});
  if (!rows.ok()) return Fail(rows.status());
  std::fprintf(stderr, "eval: %zu %s rows from %s (%lld skipped)\n", rows->rows.size(), f.split.c_str(),
               f.data.c_str(), static_cast<long long>(rows->skipped()));
  for (const auto& [reason, n] : rows->skipped_by_reason) {
    std::fprintf(stderr, "  skipped %lld: %s\n", static_cast<long long>(n), reason.c_str());
  }
  if (rows->rows.empty()) return Fail(base::StrCat("no ", f.split, " rows to evaluate in ", f.data));

  llm::EndpointConfig endpoint;
  endpoint.base_url = f.endpoint;
  endpoint.timeout = std::chrono::seconds(f.timeout_s);
  endpoint.hermes = f.hermes == "on" ? llm::HermesMode::kOn
                    : f.hermes == "off" ? llm::HermesMode::kOff
                                        : llm::HermesMode::kAuto;
  // The key comes from the environment only, into the Authorization header.
  if (const char* key = std::getenv(f.api_key_env.c_str()); key != nullptr) endpoint.api_key = key;
  const Json sampling = {{"temperature", f.temperature}, {"max_tokens", f.max_tokens}};

  eval::Report report;
  report.kind = "next-turn";
  report.settings = {{"data", f.data},
                     {"split", f.split},
                     {"endpoint", f.endpoint},
                     {"baseline", f.models.baseline},
                     {"candidate", f.models.candidate},
                     {"parallel", f.parallel},
                     {"limit", f.limit},
                     {"sampling", sampling},
                     {"rows", rows->ToJson()}};
  int all_failed = 0;
  for (eval::EvalRun* run : {&report.baseline, &report.candidate}) {
    const bool is_base = run == &report.baseline;
    run->label = is_base ? "baseline" : "candidate";
    run->model = is_base ? f.models.baseline : f.models.candidate;
    endpoint.model = run->model;
    base::ProgressBar bar(base::StrCat("next-turn ", run->model), rows->rows.size(), base::ProgressBar::Unit::kCount,
                          !f.quiet);
    const eval::NextTurnResult r = eval::RunNextTurnOnEndpoint(
        endpoint, sampling, rows->rows, {.parallel = f.parallel},
        [&](int64_t done, int64_t) { bar.Update(static_cast<uint64_t>(done)); });
    bar.Finish();
    run->metrics = r.Metrics();
    run->details = r.ToJson();
    if (r.tally.errors() > 0) {
      std::fprintf(stderr, "eval: %s: %lld of %zu requests failed", run->model.c_str(),
                   static_cast<long long>(r.tally.errors()), rows->rows.size());
      for (const auto& [reason, n] : r.tally.errors_by_reason()) {
        std::fprintf(stderr, "; %lld %s", static_cast<long long>(n), reason.c_str());
      }
      std::fprintf(stderr, "\n");
    }
    if (r.tally.errors() == static_cast<int64_t>(rows->rows.size())) ++all_failed;
  }
  const int code = Finish(report, f.out);
  if (code == 0 && all_failed > 0) return Fail("every request of a run failed (is the endpoint up and the model name served?)");
  return code;
}

absl::StatusOr<std::vector<eval::EvalTask>> LiveTasks(const LiveFlags& f, Json* settings) {
  if (!f.tasks_file.empty()) {
    (*settings)["tasks"] = f.tasks_file;
    return eval::ReadEvalTasks(f.tasks_file);
  }
  std::vector<std::string> families = f.families;
  if (families.empty()) {
    families = {"first_line", "count_files", "follow_note", "write_file"};
    if (!f.site_url.empty()) families.insert(families.begin(), "page_title");
    else std::fprintf(stderr, "eval: no --site-url, so no page_title tasks\n");
  }
  bool file_tasks = false;
  for (const std::string& fam : families) {
    if (fam == "page_title" && f.site_url.empty()) return absl::InvalidArgumentError("page_title tasks need --site-url");
    file_tasks |= fam != "page_title";
  }
  std::string files_dir;
  if (file_tasks) {
    if (f.files_dir.empty()) {
      return absl::InvalidArgumentError(
          "demo file tasks need --files-dir (the directory the agent's filesystem server serves), or give --tasks");
    }
    std::error_code ec;
    files_dir = std::filesystem::absolute(f.files_dir, ec).lexically_normal().string();
    if (!files_dir.empty() && files_dir.back() == '/') files_dir.pop_back();
    if (auto st = demo::WriteDemoFiles(files_dir); !st.ok()) return st;
  }
  std::string site = f.site_url;
  while (!site.empty() && site.back() == '/') site.pop_back();
  (*settings)["tasks"] = base::StrCat(f.demo_tasks, " held-out demo tasks");
  (*settings)["families"] = families;
  (*settings)["held_out"] = true;
  (*settings)["files_dir"] = files_dir;
  (*settings)["site_url"] = site;
  return demo::MakeTasks({.site_url = site, .files_dir = files_dir},
                         {.families = families, .count = f.demo_tasks, .seed = f.seed, .id_prefix = "eval", .held_out = true});
}

absl::StatusOr<std::vector<eval::Bar>> ParseBars(const std::vector<std::string>& specs) {
  std::vector<eval::Bar> bars;
  for (const std::string& spec : specs) {
    const size_t eq = spec.rfind('=');
    char* end = nullptr;
    const double min = eq == std::string::npos ? 0 : std::strtod(spec.c_str() + eq + 1, &end);
    if (eq == std::string::npos || eq == 0 || end == spec.c_str() + eq + 1 || *end != '\0' || !(min >= 0 && min <= 1)) {
      return absl::InvalidArgumentError(base::StrCat("--bar \"", spec, "\": give METRIC=MIN with MIN in [0, 1], e.g. pass@1=0.5"));
    }
    bars.push_back({spec.substr(0, eq), min});
  }
  return bars;
}

int RunLive(const LiveFlags& f) {
  auto config = agent::LoadAgentConfig(f.config);
  if (!config.ok()) return Fail(config.status());
  if (const char* key = std::getenv(config->api_key_env.c_str()); key != nullptr) {
    config->endpoint.api_key = key;
  }
  if (f.candidate.model.empty() && f.candidate.endpoint.empty() && f.candidate.model_dir.empty()) {
    return Fail("give the candidate: --candidate NAME, --candidate-endpoint URL or --candidate-model-dir DIR");
  }
#ifndef TRACEMILL_HAS_TORCH
  if (!f.baseline.model_dir.empty() || !f.candidate.model_dir.empty()) {
    return Fail("--baseline-model-dir/--candidate-model-dir need a build with libtorch");
  }
#endif
  auto bars = ParseBars(f.bars);
  if (!bars.ok()) return Fail(bars.status());
  eval::Report report;
  report.kind = "live";
  report.bars = *bars;
  report.settings = {{"config", f.config}, {"tries", f.tries}, {"seed", f.seed}, {"parallel", f.parallel}};
  auto tasks = LiveTasks(f, &report.settings);
  if (!tasks.ok()) return Fail(tasks.status());
  for (eval::EvalRun* run : {&report.baseline, &report.candidate}) {
    const bool is_base = run == &report.baseline;
    const RunTarget& target = is_base ? f.baseline : f.candidate;
    run->label = is_base ? "baseline" : "candidate";
    agent::AgentConfig c = *config;
#ifdef TRACEMILL_HAS_TORCH
    std::unique_ptr<serve::ModelServer> served;
    if (!target.model_dir.empty()) {
      auto server = serve::ModelServer::Start(target.model_dir, {.threads = f.threads});
      if (!server.ok()) return Fail(base::StrCat(run->label, " model directory ", target.model_dir, ": ", server.status().message()));
      served = std::move(*server);
      c.endpoint.base_url = served->base_url();
      c.endpoint.api_key.clear();
    }
#endif
    if (!target.endpoint.empty()) c.endpoint.base_url = target.endpoint;
    c.endpoint.model = target.model_dir.empty() ? (target.model.empty() ? c.endpoint.model : target.model) : "base";
    run->model = target.model_dir.empty() ? base::StrCat(c.endpoint.model, " @ ", c.endpoint.base_url) : target.model_dir;
    report.settings[run->label] = {{"model", c.endpoint.model}, {"endpoint", c.endpoint.base_url},
                                   {"model_dir", target.model_dir}};
    // This report's own trace directory for the run, replaced on a rerun.
    const std::string traces = (std::filesystem::path(f.out) / "traces" / run->label).string();
    std::error_code ec;
    std::filesystem::remove_all(traces, ec);
    base::ProgressBar bar(base::StrCat("live ", run->label), tasks->size() * static_cast<size_t>(f.tries),
                          base::ProgressBar::Unit::kCount, !f.quiet);
    int passed = 0;
    auto r = eval::RunLiveEval(c, *tasks,
                               {.tries = f.tries,
                                .parallel = f.parallel,
                                .out_dir = traces,
                                .run_id = base::StrCat("eval-seed-", f.seed, "-", run->label),
                                .derive_trace_ids = true},
                               [&](int done, int, const eval::LiveTry& t) {
                                 passed += t.passed ? 1 : 0;
                                 bar.SetSuffix(base::StrCat("passed ", passed, "/", done));
                                 bar.Update(static_cast<uint64_t>(done));
                               });
    bar.Finish();
    if (!r.ok()) return Fail(r.status());
    run->metrics = r->Metrics();
    run->details = r->ToJson();
    run->details["traces"] = traces;
  }
  return Finish(report, f.out);
}

void AddModelFlags(CLI::App* cmd, ModelPair* m) {
  cmd->add_option("--baseline", m->baseline, "model name of the baseline (e.g. the base model)")->capture_default_str();
  cmd->add_option("--candidate", m->candidate, "model name of the candidate (e.g. base:adapter)")->required();
}

}  // namespace

void AddEvalCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "eval", "Compare a baseline and a candidate model (e.g. base vs base:adapter on one OpenAI-compatible "
              "endpoint) and write a before/after report: report.json, report.md and report.png.");
  cmd->require_subcommand(1);

  auto nt = std::make_shared<NextTurnFlags>();
  CLI::App* next = cmd->add_subcommand(
      "next-turn",
      "Offline next-turn evaluation: for every eval-split row of a dataset from `tracemill unroll`, ask each "
      "model for the turn after the row's prefix and score it against the row's final assistant turn "
      "(decision, tool-call parse rate, tool names, BFCL-style argument match, exact match; 95% intervals).");
  next->add_option("--data", nt->data, "dataset directory (with data/*.jsonl)")->required();
  next->add_option("--endpoint", nt->endpoint, "OpenAI-compatible base URL, e.g. http://localhost:8000/v1")->required();
  AddModelFlags(next, &nt->models);
  next->add_option("-o,--out", nt->out, "report directory")->required();
  next->add_option("-j,--parallel", nt->parallel, "requests in flight")->check(CLI::Range(1, 4096))->capture_default_str();
  next->add_option("--limit", nt->limit, "at most this many rows (0: all)")->check(CLI::NonNegativeNumber)->capture_default_str();
  next->add_option("--split", nt->split, "split to evaluate")->capture_default_str();
  next->add_option("--api-key-env", nt->api_key_env, "environment variable holding the API key")->capture_default_str();
  next->add_option("--temperature", nt->temperature, "sampling temperature")->capture_default_str();
  next->add_option("--max-tokens", nt->max_tokens, "max_tokens per reply")->check(CLI::PositiveNumber)->capture_default_str();
  next->add_option("--timeout-s", nt->timeout_s, "per request attempt")->check(CLI::PositiveNumber)->capture_default_str();
  next->add_option("--hermes", nt->hermes, "parse raw <tool_call> text in replies: auto, on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  next->add_flag("-q,--quiet", nt->quiet, "no progress bars");
  next->callback([nt, exit_code] { *exit_code = RunNextTurnEval(*nt); });

  auto lf = std::make_shared<LiveFlags>();
  CLI::App* live = cmd->add_subcommand(
      "live",
      "Live evaluation: the agent of --config runs tasks end to end with its MCP servers, --tries times each, "
      "for a baseline and a candidate; every trace is judged by the task's checks (an answer that echoes a tool "
      "result fails). Tasks come from --tasks (JSONL with answer, file and expected-call checks; see "
      "libs/eval/eval_task.h) or are held-out demo tasks. Each run is a model name on the config's endpoint, "
      "another endpoint, or a model directory served in this process. Reports pass@1, pass^k, schema-valid "
      "calls, argument accuracy and tool-name accuracy, per family and overall. Traces go to "
      "OUT/traces/{baseline,candidate}/try-N (replaced on a rerun).");
  live->add_option("-c,--config", lf->config, "agent configuration (YAML or JSON), as for collect")->required();
  live->add_option("--baseline", lf->baseline.model, "baseline model name (on its endpoint)")->capture_default_str();
  live->add_option("--baseline-endpoint", lf->baseline.endpoint, "baseline's OpenAI-compatible base URL (default: the config's)");
  live->add_option("--baseline-model-dir", lf->baseline.model_dir, "serve this model directory as the baseline")
      ->check(CLI::ExistingDirectory);
  live->add_option("--candidate", lf->candidate.model, "candidate model name, e.g. base:adapter");
  live->add_option("--candidate-endpoint", lf->candidate.endpoint, "candidate's OpenAI-compatible base URL (default: the config's)");
  live->add_option("--candidate-model-dir", lf->candidate.model_dir, "serve this model directory as the candidate")
      ->check(CLI::ExistingDirectory);
  live->add_option("-o,--out", lf->out, "report directory")->required();
  live->add_option("--tasks", lf->tasks_file, "task file (JSONL); without it, held-out demo tasks")->check(CLI::ExistingFile);
  live->add_option("--demo-tasks", lf->demo_tasks, "how many held-out demo tasks (without --tasks)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  live->add_option("--tries", lf->tries, "tries per task (k of pass^k)")->check(CLI::Range(1, 100))->capture_default_str();
  live->add_option("--files-dir", lf->files_dir,
                   "demo tasks: the demo files are written here; the config's filesystem MCP server must serve it");
  live->add_option("--site-url", lf->site_url,
                   "demo tasks: the demo site for page_title tasks, e.g. http://127.0.0.1:8731/site (none: no page tasks)");
  live->add_option("--families", lf->families,
                   "demo task families: page_title, first_line, count_files, follow_note, write_file")
      ->delimiter(',')
      ->check(CLI::IsMember({"page_title", "first_line", "count_files", "follow_note", "write_file"}));
  live->add_option("--seed", lf->seed, "seed for the demo tasks and the trace ids")->capture_default_str();
  live->add_option("--bar", lf->bars, "METRIC=MIN (repeatable): the report says which runs miss it, e.g. pass@1=0.5");
  live->add_option("--threads", lf->threads, "libtorch threads for a served model directory (0: its default)")
      ->check(CLI::NonNegativeNumber);
  live->add_option("-j,--parallel", lf->parallel, "agents at once")->check(CLI::Range(1, 10000))->capture_default_str();
  live->add_flag("-q,--quiet", lf->quiet, "no progress bars");
  live->callback([lf, exit_code] { *exit_code = RunLive(*lf); });
}

}  // namespace tracemill::cli
