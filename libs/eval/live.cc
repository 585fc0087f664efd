#include "libs/eval/live.h"

#include <chrono>
#include <filesystem>
#include <set>

#include "libs/agent/collector.h"
#include "libs/base/ids.h"
#include "libs/base/str_cat.h"
#include "libs/eval/turn_score.h"

namespace tracemill::eval {
namespace {

bool NamesTool(std::string_view called, const std::vector<std::string>& wanted) {
  for (const std::string& w : wanted) {
    if (called == w) return true;
    // A server prefix, as ToolNameMap adds on collisions: "files__read_file".
    if (called.size() > w.size() + 2 && called.substr(called.size() - w.size()) == w &&
        called.substr(called.size() - w.size() - 2, 2) == "__") {
      return true;
    }
  }
  return false;
}

void AddTry(const LiveTry& t, LiveStats* s) {
  s->pass_at_1.Add(t.passed);
  s->validity.count += t.valid_tool_calls;
  s->validity.n += t.tool_calls;
  s->first_tool.Add(t.first_tool_ok);
  s->valid_use.Add(t.tool_calls > 0 && t.valid_tool_calls == t.tool_calls);
}

Json StatsToJson(const LiveStats& s) {
  return {{"tasks", s.tasks},
          {"pass@1", ProportionToJson(s.pass_at_1)},
          {"pass^k", ProportionToJson(s.pass_all)},
          {"tool_call_validity", ProportionToJson(s.validity)},
          {"valid_tool_use", ProportionToJson(s.valid_use)},
          {"tool_name_accuracy", ProportionToJson(s.first_tool)}};
}

}  // namespace

std::vector<std::string> FamilyTools(std::string_view family) {
  if (family == "page_title") return {"browser_navigate"};
  if (family == "first_line" || family == "follow_note") return {"read_text_file", "read_file"};
  if (family == "count_files") return {"list_directory"};
  if (family == "write_file") return {"write_file"};
  return {};
}

Json LiveTry::ToJson() const {
  Json j = {{"task_id", task_id}, {"family", family}, {"try", try_index},  {"passed", passed},
            {"outcome", outcome}, {"first_tool", first_tool}, {"tool_calls", tool_calls},
            {"valid_tool_calls", valid_tool_calls}};
  if (!why.empty()) j["why"] = why;
  return j;
}

LiveTry ScoreLiveTrace(const demo::DemoTask& task, const trace::Trace& trace, int try_index) {
  LiveTry t;
  t.task_id = task.id;
  t.family = task.family;
  t.try_index = try_index;
  t.outcome = trace.outcome.status;
  for (const trace::Message& m : trace.messages) {
    if (m.role != trace::Role::kAssistant) continue;
    const TurnCalls calls = ExtractCalls(m);
    for (const TurnCalls::Call& c : calls.calls) {
      if (t.first_tool.empty()) t.first_tool = c.name;
      ++t.tool_calls;
      t.valid_tool_calls += c.args_ok ? 1 : 0;
    }
    if (calls.refused_block) ++t.tool_calls;
  }
  t.first_tool_ok = !t.first_tool.empty() && NamesTool(t.first_tool, FamilyTools(task.family));
  const trace::Message* last = trace.messages.empty() ? nullptr : &trace.messages.back();
  if (t.outcome != "success") {
    t.why = base::StrCat("outcome ", t.outcome.empty() ? "unknown" : t.outcome,
                         trace.outcome.detail.empty() ? "" : ": ", trace.outcome.detail.substr(0, 300));
  } else if (last == nullptr || last->role != trace::Role::kAssistant) {
    t.why = "the trace does not end with an assistant message";
  } else {
    std::string why;
    t.passed = demo::CheckAnswer(task, ExtractCalls(*last).answer, &why);
    if (!t.passed) t.why = why;
  }
  return t;
}

std::vector<Metric> LiveResult::Metrics() const {
  const std::string k = std::to_string(tries);
  std::vector<Metric> out = {
      {"pass@1", "mean success over all tries; n = tasks x tries", overall.pass_at_1},
      {"pass^k", base::StrCat("tasks whose ", k, " tries all pass; n = tasks"), overall.pass_all},
      {"tool_call_validity", "tool calls whose arguments are a JSON object; n = tool calls", overall.validity},
      {"valid_tool_use", "traces with at least one tool call, all valid; n = traces", overall.valid_use},
      {"tool_name_accuracy", "traces whose first call names the family's tool; n = traces", overall.first_tool},
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

LiveResult SummarizeLive(const std::vector<demo::DemoTask>& tasks, std::vector<LiveTry> attempts, int tries) {
  LiveResult r;
  r.tries = tries;
  std::map<std::string, int> passes;  // task id → passed tries
  for (const LiveTry& t : attempts) {
    AddTry(t, &r.overall);
    AddTry(t, &r.families[t.family]);
    passes[t.task_id] += t.passed ? 1 : 0;
  }
  for (const demo::DemoTask& task : tasks) {
    const bool all = passes[task.id] >= tries && tries > 0;
    ++r.overall.tasks;
    ++r.families[task.family].tasks;
    r.overall.pass_all.Add(all);
    r.families[task.family].pass_all.Add(all);
  }
  r.attempts = std::move(attempts);
  return r;
}

absl::StatusOr<LiveResult> RunLiveEval(const agent::AgentConfig& config, const std::vector<demo::DemoTask>& tasks,
                                       const LiveOptions& options, const LiveProgress& progress) {
  namespace fs = std::filesystem;
  if (options.tries < 1) return absl::InvalidArgumentError("tries must be at least 1");
  if (options.parallel < 1) return absl::InvalidArgumentError("parallel must be at least 1");
  if (options.out_dir.empty()) return absl::InvalidArgumentError("no output directory for the live traces");
  std::map<std::string, const demo::DemoTask*> by_id;
  std::vector<agent::AgentTask> agent_tasks;
  for (const demo::DemoTask& t : tasks) {
    if (t.id.empty() || !by_id.emplace(t.id, &t).second) {
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
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < tasks.size(); ++i) index[tasks[i].id] = i;
  for (int k = 1; k <= options.tries; ++k) {
    for (const demo::DemoTask& t : tasks) {
      // A file left by an earlier try (or run) must not pass this one.
      if (t.family == "write_file" && !t.path.empty()) {
        std::error_code ec;
        fs::remove(t.path, ec);
      }
    }
    std::set<std::string> seen;
    const std::string dir = (fs::path(options.out_dir) / base::StrCat("try-", k)).string();
    auto summary = agent::Collect(
        config, agent_tasks, {.parallel = options.parallel, .out_dir = dir, .run_id = base::StrCat(run_id, "-try", k)},
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
