#include "libs/agent/collector.h"

#include <chrono>
#include <filesystem>
#include <set>

#include "libs/base/file_io.h"
#include "libs/base/ids.h"
#include "libs/base/json.h"
#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/net/http_client.h"
#include "libs/trace/trace_json.h"

namespace tracemill::agent {
namespace {

// Task ids with a finished trace in `dir`.
std::set<std::string> FinishedTasks(const std::string& dir) {
  std::set<std::string> done;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return done;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    auto text = base::ReadFile(entry.path().string());
    if (!text.ok()) continue;
    auto t = trace::ParseTraceText(*text, entry.path().string());
    if (t.ok() && !t->task_id.empty() && t->outcome.status != "incomplete") done.insert(t->task_id);
  }
  return done;
}

}  // namespace

absl::StatusOr<std::vector<AgentTask>> ReadTasks(const std::string& path) {
  auto text = base::ReadFile(path);
  if (!text.ok()) return text.status();
  std::vector<AgentTask> tasks;
  std::set<std::string> ids;
  size_t line_no = 0, pos = 0;
  const std::string& s = *text;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    if (end == std::string::npos) end = s.size();
    std::string_view line(s.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos || line[0] == '#') continue;
    const std::string where = base::StrCat(path, ":", line_no);
    auto j = base::ParseJson(line, where);
    if (!j.ok()) return j.status();
    if (!j->is_object()) return absl::InvalidArgumentError(base::StrCat(where, ": not a JSON object"));
    AgentTask task;
    auto str = [&](const char* key, std::string* out, bool required) -> absl::Status {
      auto it = j->find(key);
      if (it == j->end()) {
        return required ? absl::InvalidArgumentError(base::StrCat(where, ": \"", key, "\" is missing"))
                        : absl::OkStatus();
      }
      if (it->is_number_integer() && std::string_view(key) == "id") {
        *out = std::to_string(it->get<int64_t>());
        return absl::OkStatus();
      }
      if (!it->is_string()) return absl::InvalidArgumentError(base::StrCat(where, ": \"", key, "\" is not a string"));
      *out = it->get<std::string>();
      return absl::OkStatus();
    };
    for (auto st : {str("id", &task.id, true), str("prompt", &task.prompt, true),
                    str("guidance", &task.guidance, false)}) {
      if (!st.ok()) return st;
    }
    if (task.id.empty() || task.prompt.empty()) {
      return absl::InvalidArgumentError(base::StrCat(where, ": \"id\" and \"prompt\" must not be empty"));
    }
    if (!ids.insert(task.id).second) {
      return absl::InvalidArgumentError(base::StrCat(where, ": task id \"", task.id, "\" appears twice"));
    }
    tasks.push_back(std::move(task));
  }
  return tasks;
}

absl::StatusOr<CollectSummary> Collect(const AgentConfig& config,
                                       const std::vector<AgentTask>& tasks,
                                       const CollectOptions& options,
                                       const CollectProgress& progress) {
  if (options.parallel < 1) return absl::InvalidArgumentError("parallel must be at least 1");
  if (options.out_dir.empty()) return absl::InvalidArgumentError("no output directory");
  CollectSummary summary;
  summary.tasks = static_cast<int>(tasks.size());
  summary.run_id = options.run_id.empty() ? base::NewId() : options.run_id;
  const std::set<std::string> finished = FinishedTasks(options.out_dir);
  std::vector<const AgentTask*> to_run;
  for (const AgentTask& t : tasks) {
    if (finished.count(t.id) > 0) {
      ++summary.skipped;
    } else {
      to_run.push_back(&t);
    }
  }
  const auto start = std::chrono::steady_clock::now();
  net::EventLoop loop;
  net::HttpClient http(&loop);
  llm::OpenAiClient model(&loop, &http, config.endpoint);
  TraceStore store(options.out_dir);
  AgentOptions agent_options = config.options;
  agent_options.run_id = summary.run_id;
  agent_options.derive_trace_ids = options.derive_trace_ids;
  Agent agent(&loop, &model, config.servers, agent_options, &store);

  size_t next = 0;
  int running = 0, done = 0;
  const int total = static_cast<int>(to_run.size());
  std::function<void()> launch = [&] {
    while (running < options.parallel && next < to_run.size()) {
      ++running;
      const AgentTask& task = *to_run[next++];
      net::Spawn(agent.Run(task), std::function<void(trace::Trace)>([&](trace::Trace t) {
                   --running;
                   ++done;
                   ++summary.outcomes[t.outcome.status];
                   summary.steps += t.usage.requests;
                   summary.tokens += t.usage.total_tokens;
                   for (const trace::Message& m : t.messages) {
                     summary.tool_calls += static_cast<int64_t>(m.tool_calls.size());
                   }
                   if (progress) progress(done, total, t);
                   // Start the next one from the loop, not from inside this agent's frame.
                   loop.Post([&] { launch(); });
                 }));
    }
  };
  launch();
  loop.RunUntil([&] { return done == total; });
  TM_RETURN_IF_ERROR(store.Flush());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace tracemill::agent
