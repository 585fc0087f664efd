#include "libs/agent/agent.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>

#include "libs/base/ids.h"
#include "libs/base/str_cat.h"
#include "libs/mcp/client.h"
#include "libs/mcp/http_transport.h"
#include "libs/mcp/stdio_transport.h"
#include "libs/mcp/tool_names.h"

namespace tracemill::agent {
namespace {

using Clock = std::chrono::steady_clock;

std::string NowRfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ms));
  return buf;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

trace::Message Text(trace::Role role, std::string text) {
  trace::Message m;
  m.role = role;
  m.content = std::move(text);
  return m;
}

struct LiveServer {
  std::string name;
  std::unique_ptr<mcp::McpClient> client;
};

}  // namespace

std::string TruncateToolResult(const std::string& text, int64_t n) {
  if (n <= 0) return text;
  // Count code points; cut before the (n+1)th.
  int64_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (count == n) {
      return base::StrCat(text.substr(0, i), "\n[Content truncated to ", n, " characters]");
    }
    ++count;
  }
  return text;
}

Agent::Agent(net::EventLoop* loop, llm::OpenAiClient* model, std::vector<mcp::ServerConfig> servers,
             AgentOptions options, TraceStore* store)
    : loop_(loop), http_(loop), model_(model), servers_(std::move(servers)), options_(std::move(options)),
      store_(store) {}

net::Task<trace::Trace> Agent::Run(AgentTask task) {
  const auto start = Clock::now();
  const auto deadline = start + options_.max_wall;
  trace::Trace t;
  t.id = base::NewId();
  t.run_id = options_.run_id;
  t.task_id = task.id;
  t.timestamp = NowRfc3339();
  t.timings.started_at = t.timestamp;
  t.model = model_->config().model;
  t.endpoint = model_->config().base_url;
  t.schema_version = trace::kSchemaVersion;
  t.sampling = options_.sampling;
  t.outcome.status = "incomplete";
  if (!options_.system_prompt.empty()) t.messages.push_back(Text(trace::Role::kSystem, options_.system_prompt));
  if (!task.guidance.empty()) {
    trace::Message g = Text(trace::Role::kUser, task.guidance);
    g.guidance = true;
    t.messages.push_back(std::move(g));
  }
  t.messages.push_back(Text(trace::Role::kUser, task.prompt));
  store_->Save(t);

  auto finish = [&](std::string status, std::string detail) {
    t.outcome.status = std::move(status);
    t.outcome.detail = std::move(detail);
  };

  // Fresh servers for this agent.
  std::vector<LiveServer> live;
  std::vector<mcp::ServerTools> tools;
  bool ready = true;
  for (const mcp::ServerConfig& cfg : servers_) {
    if (cfg.disabled) continue;
    std::unique_ptr<mcp::Transport> transport;
    if (cfg.is_http()) {
      transport = std::make_unique<mcp::HttpTransport>(loop_, &http_, cfg.url, cfg.headers,
                                                       cfg.name, cfg.timeout);
    } else {
      net::ProcessOptions process;
      process.argv.push_back(cfg.command);
      process.argv.insert(process.argv.end(), cfg.args.begin(), cfg.args.end());
      process.env = cfg.env;
      process.cwd = cfg.cwd;
      auto started = mcp::StdioTransport::Start(loop_, process, cfg.name);
      if (!started.ok()) {
        finish("error", std::string(started.status().message()));
        ready = false;
        break;
      }
      transport = std::move(*started);
    }
    mcp::ClientOptions client_options;
    client_options.name = cfg.name;
    client_options.request_timeout = cfg.timeout;
    live.push_back({cfg.name, std::make_unique<mcp::McpClient>(loop_, std::move(transport), client_options)});
    mcp::McpClient& client = *live.back().client;
    absl::Status init = co_await client.Initialize();
    absl::StatusOr<std::vector<mcp::McpTool>> listed = std::vector<mcp::McpTool>();
    if (init.ok()) {
      listed = co_await client.ListTools();
    } else {
      listed = init;
    }
    if (!listed.ok()) {
      finish("error", std::string(listed.status().message()));
      ready = false;
      break;
    }
    tools.push_back({cfg.name, std::move(*listed)});
  }
  const mcp::ToolNameMap names = mcp::ToolNameMap::Build(tools);
  t.tools = names.OpenAiTools(tools);
  auto client_for = [&](const std::string& server) -> mcp::McpClient* {
    for (LiveServer& s : live) {
      if (s.name == server) return s.client.get();
    }
    return nullptr;
  };

  int turns = 0, calls = 0;
  double model_ms = 0, tool_ms = 0;
  while (ready) {
    if (turns >= options_.max_turns) {
      finish("aborted", base::StrCat("limit: max_turns (", options_.max_turns, ")"));
      break;
    }
    if (Clock::now() >= deadline) {
      finish("aborted", base::StrCat("limit: max_wall (", options_.max_wall.count(), " ms)"));
      break;
    }
    if (options_.max_tokens > 0 && t.usage.total_tokens >= options_.max_tokens) {
      finish("aborted", base::StrCat("limit: max_tokens (", options_.max_tokens, ")"));
      break;
    }
    llm::ChatRequest request;
    request.messages = t.messages;
    request.tools = t.tools;
    if (!t.tools.empty()) request.tool_choice = "auto";
    request.sampling = options_.sampling;
    const auto asked = Clock::now();
    absl::StatusOr<llm::ChatResult> reply = co_await model_->Complete(request);
    model_ms += Ms(Clock::now() - asked);
    ++turns;
    if (!reply.ok()) {
      finish("error", base::StrCat("model: ", reply.status().message()));
      break;
    }
    t.usage.prompt_tokens += reply->usage.prompt_tokens;
    t.usage.completion_tokens += reply->usage.completion_tokens;
    t.usage.total_tokens += reply->usage.total_tokens;
    t.usage.requests += 1;
    for (const std::string& p : reply->problems) {
      t.AddProvenance("model_output", p, static_cast<int>(t.messages.size()));
    }
    t.messages.push_back(reply->message);
    store_->Save(t);
    const std::vector<trace::ToolCall> pending = reply->message.tool_calls;
    if (pending.empty()) {
      if (reply->finish_reason == "length") {
        finish("aborted", "limit: the reply was cut at the endpoint's max_tokens");
      } else {
        finish("success", "");
      }
      break;
    }
    bool limit = false;
    for (const trace::ToolCall& call : pending) {
      trace::Message result;
      result.role = trace::Role::kTool;
      result.tool_call_id = call.id;
      bool is_error = false;
      std::string text;
      if (calls >= options_.max_tool_calls) {
        text = base::StrCat("Not run: the limit of ", options_.max_tool_calls, " tool calls was reached.");
        limit = true;
      } else if (Clock::now() >= deadline) {
        text = "Not run: the time limit was reached.";
        limit = true;
      } else {
        ++calls;
        const mcp::ToolRoute* route = names.Find(call.name);
        auto args = base::ParseJson(call.arguments.empty() ? "{}" : call.arguments,
                                    base::StrCat("arguments of ", call.name));
        if (route == nullptr) {
          text = base::StrCat("Tool \"", call.name, "\" not found.");
          is_error = true;
        } else if (!args.ok() || !args->is_object()) {
          text = base::StrCat("Invalid arguments: ",
                              args.ok() ? "not a JSON object" : args.status().message());
          is_error = true;
        } else if (options_.approval.interactive ? !AskOnTerminal(call.name, *args)
                                                 : !options_.approval.Allows(call.name)) {
          text = std::string(kRejectedMessage);
        } else if (mcp::McpClient* client = client_for(route->server); client == nullptr) {
          text = base::StrCat("Tool \"", call.name, "\" not found.");
          is_error = true;
        } else {
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
          const auto timeout = std::max(std::chrono::milliseconds(1), std::min(options_.tool_timeout, left));
          const auto called = Clock::now();
          absl::StatusOr<mcp::ToolResult> r = co_await client->CallTool(route->tool, *args, timeout);
          tool_ms += Ms(Clock::now() - called);
          if (!r.ok()) {
            text = base::StrCat("Error: ", r.status().message());
            is_error = true;
          } else {
            text = r->text.empty() ? "(empty tool result)" : r->text;
            is_error = r->is_error;
          }
        }
      }
      result.content = TruncateToolResult(text, options_.truncate_chars);
      if (is_error) result.extra["is_error"] = true;
      t.messages.push_back(std::move(result));
      store_->Save(t);
    }
    if (limit) {
      finish("aborted", Clock::now() >= deadline
                            ? base::StrCat("limit: max_wall (", options_.max_wall.count(), " ms)")
                            : base::StrCat("limit: max_tool_calls (", options_.max_tool_calls, ")"));
      break;
    }
  }
  for (LiveServer& s : live) co_await s.client->Close();
  t.timings.ended_at = NowRfc3339();
  t.timings.duration_ms = Ms(Clock::now() - start);
  t.timings.model_ms = model_ms;
  t.timings.tool_ms = tool_ms;
  store_->Save(t);
  co_return t;
}

}  // namespace tracemill::agent
