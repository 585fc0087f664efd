#include "libs/eval/live.h"

#include <chrono>
#include <filesystem>
#include <set>

#include "libs/agent/collector.h"
#include "libs/base/ids.h"
#include "libs/base/str_cat.h"
#include "libs/eval/turn_score.h"
#include "libs/trace/json_schema.h"

namespace tracemill::eval {
namespace {

void AddTry(const LiveTry& t, LiveStats* s) {
  s->pass_at_1.Add(t.passed);
  s->schema_valid.count += t.valid_tool_calls;
  s->schema_valid.n += t.tool_calls;
  s->valid_use.Add(t.tool_calls > 0 && t.valid_tool_calls == t.tool_calls);
  if (t.expected_calls > 0) {
    s->arguments.count += t.matched_calls;
    s->arguments.n += t.expected_calls;
    s->names.Add(t.names_ok);
  }
}

Json StatsToJson(const LiveStats& s) {
  return {{"tasks", s.tasks},
          {"pass@1", ProportionToJson(s.pass_at_1)},
          {"pass^k", ProportionToJson(s.pass_all)},
          {"schema_valid_calls", ProportionToJson(s.schema_valid)},
          {"valid_tool_use", ProportionToJson(s.valid_use)},
          {"argument_accuracy", ProportionToJson(s.arguments)},
          {"tool_name_accuracy", ProportionToJson(s.names)}};
}

// "" when the call is schema-valid, else why not.
std::string InvalidBecause(const TurnCalls::Call& c, const std::vector<trace::ToolDef>& offered) {
  const trace::ToolDef* tool = nullptr;
  for (const trace::ToolDef& t : offered) {
    if (t.name == c.name) tool = &t;
  }
  if (tool == nullptr) return base::StrCat("\"", c.name.substr(0, 100), "\" is not an offered tool");
  if (!c.args_ok) return base::StrCat(c.name, ": the arguments are not a JSON object");
  if (const Json* schema = tool->parameters(); schema != nullptr) {
    const auto violations = trace::ValidateJsonSchema(*schema, c.args, 1);
    if (!violations.empty()) return base::StrCat(c.name, ": ", violations.front().ToString());
  }
  return "";
}

}  // namespace

Json LiveTry::ToJson() const {
  Json j = {{"task_id", task_id},       {"family", family},       {"try", try_index},
            {"passed", passed},         {"outcome", outcome},     {"tool_calls", tool_calls},
            {"schema_valid_calls", valid_tool_calls}};
  if (expected_calls > 0) {
    j["expected_calls"] = expected_calls;
    j["matched_calls"] = matched_calls;
    j["names_ok"] = names_ok;
  }
  if (!first_invalid.empty()) j["first_invalid_call"] = first_invalid;
  if (!why.empty()) j["why"] = why;
  return j;
}

LiveTry ScoreLiveTrace(const EvalTask& task, const trace::Trace& trace, int try_index) {
  LiveTry t;
  t.task_id = task.id;
  t.family = task.family;
  t.try_index = try_index;
  t.outcome = trace.outcome.status;
  std::vector<TurnCalls::Call> valid;
  bool only_expected_names = true;
  for (const trace::Message& m : trace.messages) {
    if (m.role != trace::Role::kAssistant) continue;
    TurnCalls calls = ExtractCalls(m);
    for (TurnCalls::Call& c : calls.calls) {
      ++t.tool_calls;
      bool expected_name = false;
      for (const ExpectedCall& e : task.calls) {
        for (const std::string& n : e.names) expected_name |= NamesTool(c.name, n);
      }
      only_expected_names &= expected_name;
      const std::string bad = InvalidBecause(c, trace.tools);
      if (bad.empty()) {
        ++t.valid_tool_calls;
        valid.push_back(std::move(c));
      } else if (t.first_invalid.empty()) {
        t.first_invalid = bad;
      }
    }
    if (calls.refused_block) {
      ++t.tool_calls;
      only_expected_names = false;
      if (t.first_invalid.empty()) t.first_invalid = "a <tool_call> block that does not parse";
    }
  }
  t.expected_calls = static_cast<int>(task.calls.size());
  bool every_tool_called = true;
  for (const ExpectedCall& e : task.calls) {
    bool matched = false, named = false;
    for (const TurnCalls::Call& c : valid) {
      matched |= CallMatches(e, c.name, c.args);
      for (const std::string& n : e.names) named |= NamesTool(c.name, n);
    }
    t.matched_calls += matched ? 1 : 0;
    every_tool_called &= named;
  }
  t.names_ok = t.tool_calls > 0 && only_expected_names && every_tool_called;
  std::string why;
  t.passed = CheckTask(task, trace, &why);
  if (!t.passed) t.why = std::move(why);
  return t;
}

std::vector<Metric> LiveResult::Metrics() const {
  const std::string k = std::to_string(tries);
  std::vector<Metric> out = {
      {"pass@1",
       "tries that finish the task: every answer and file check holds, the expected calls were made where the "
       "task requires them, no tool result echoed back, no unparsed call; n = tasks x tries",
       overall.pass_at_1},
      {"pass^k", base::StrCat("tasks whose ", k, " tries all pass; n = tasks"), overall.pass_all},
      {"schema_valid_calls",
       "calls naming an offered tool with arguments that parse without repair and validate against its input "
       "schema (an unparsed <tool_call> block is an invalid call); n = tool calls",
       overall.schema_valid},
      {"valid_tool_use", "traces with at least one call, every one schema-valid; n = traces", overall.valid_use},
      {"argument_accuracy",
       "expected calls made by a schema-valid call with the expected name and arguments; n = expected calls",
       overall.arguments},
      {"tool_name_accuracy",
       "traces that call every expected tool and no other (all calls count); n = traces of tasks with expected calls",
       overall.names},
  };
  for (const auto& [family, s] : families) {
    out.push_back({base::StrCat("pass@1 ", family), base::StrCat("pass@1 on ", family, " tasks"), s.pass_at_1});
  }
  return out;
}

Json LiveResult::ToJson() const {
  Json metrics = Json::object();
  for (const Metric& m : Metrics()) metrics[m.name] = MetricToJson(m);
  Json fams = Json::object();
  for (const auto& [family, s] : families) fams[family] = StatsToJson(s);
  Json tries_json = Json::array();
  for (const LiveTry& t : attempts) tries_json.push_back(t.ToJson());
  return {{"tries", tries},   {"tasks", overall.tasks}, {"seconds", seconds},
          {"metrics", metrics}, {"families", fams},     {"attempts", tries_json}};
}

LiveResult SummarizeLive(const std::vector<EvalTask>& tasks, std::vector<LiveTry> attempts, int tries) {
  LiveResult r;
  r.tries = tries;
  std::map<std::string, int> passes;  // task id → passed tries
  for (const LiveTry& t : attempts) {
    AddTry(t, &r.overall);
    AddTry(t, &r.families[t.family]);
    passes[t.task_id] += t.passed ? 1 : 0;
  }
  for (const EvalTask& task : tasks) {
    const bool all = passes[task.id] >= tries && tries > 0;
    ++r.overall.tasks;
    ++r.families[task.family].tasks;
    r.overall.pass_all.Add(all);
    r.families[task.family].pass_all.Add(all);
  }
  r.attempts = std::move(attempts);
  return r;
}

absl::StatusOr<LiveResult> RunLiveEval(const agent::AgentConfig& config, const std::vector<EvalTask>& tasks,
                                       const LiveOptions& options, const LiveProgress& progress) {
  namespace fs = std::filesystem;
  if (options.tries < 1) return absl::InvalidArgumentError("tries must be at least 1");
  if (options.parallel < 1) return absl::InvalidArgumentError("parallel must be at least 1");
  if (options.out_dir.empty()) return absl::InvalidArgumentError("no output directory for the live traces");
  if (options.derive_trace_ids && options.run_id.empty()) {
    return absl::InvalidArgumentError("derived trace ids need a run id");
  }
  std::map<std::string, size_t> index;
  std::vector<agent::AgentTask> agent_tasks;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const EvalTask& t = tasks[i];
    if (t.id.empty() || !index.emplace(t.id, i).second) {
      return absl::InvalidArgumentError(base::StrCat("task id \"", t.id, "\" is empty or appears twice"));
    }
    agent_tasks.push_back({.id = t.id, .prompt = t.prompt});
  }
  for (int k = 1; k <= options.tries; ++k) {
    const fs::path dir = fs::path(options.out_dir) / base::StrCat("try-", k);
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
      return absl::FailedPreconditionError(
          base::StrCat(dir.string(), " already holds files; a live evaluation needs fresh trace directories"));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string run_id = options.run_id.empty() ? base::NewId() : options.run_id;
  const int total = static_cast<int>(tasks.size()) * options.tries;
  int finished = 0;
  std::vector<std::vector<LiveTry>> per_task(tasks.size());
  for (int k = 1; k <= options.tries; ++k) {
    for (const EvalTask& t : tasks) {
      // A file left by an earlier try (or run) must not pass this one.
      for (const FileCheck& f : t.files) {
        std::error_code ec;
        fs::remove(f.path, ec);
      }
    }
    std::set<std::string> seen;
    const std::string dir = (fs::path(options.out_dir) / base::StrCat("try-", k)).string();
    auto summary = agent::Collect(config, agent_tasks,
                                  {.parallel = options.parallel,
                                   .out_dir = dir,
                                   .run_id = base::StrCat(run_id, "-try", k),
                                   .derive_trace_ids = options.derive_trace_ids},
                                  [&](int, int, const trace::Trace& trace) {
                                    auto it = index.find(trace.task_id);
                                    if (it == index.end() || !seen.insert(trace.task_id).second) return;
                                    LiveTry t = ScoreLiveTrace(tasks[it->second], trace, k);
                                    ++finished;
                                    if (progress) progress(finished, total, t);
                                    per_task[it->second].push_back(std::move(t));
                                  });
    if (!summary.ok()) return summary.status();
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (seen.count(tasks[i].id) > 0) continue;
      // Collect reported no trace for it: a failed try, never a silent gap.
      LiveTry t;
      t.task_id = tasks[i].id;
      t.family = tasks[i].family;
      t.try_index = k;
      t.outcome = "missing";
      t.expected_calls = static_cast<int>(tasks[i].calls.size());
      t.why = "the collector returned no trace for this task";
      ++finished;
      if (progress) progress(finished, total, t);
      per_task[i].push_back(std::move(t));
    }
  }
  std::vector<LiveTry> attempts;
  for (auto& v : per_task) {
    for (LiveTry& t : v) attempts.push_back(std::move(t));
  }
  LiveResult r = SummarizeLive(tasks, std::move(attempts), options.tries);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace tracemill::eval
