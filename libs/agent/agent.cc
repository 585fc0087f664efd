#include "libs/agent/agent.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

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
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
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

constexpr char kInterrupted[] = "interrupted by the user";

// The calls below own their arguments: an interrupted turn abandons them, and they may
// finish after the caller's locals are gone.
net::Task<absl::StatusOr<llm::ChatResult>> CompleteOwned(llm::OpenAiClient* model,
                                                         llm::ChatRequest request) {
  absl::StatusOr<llm::ChatResult> reply = co_await model->Complete(request);
  co_return reply;
}

net::Task<absl::StatusOr<mcp::ToolResult>> CallToolOwned(mcp::McpClient* client, std::string tool,
                                                         Json arguments,
                                                         std::chrono::milliseconds timeout) {
  absl::StatusOr<mcp::ToolResult> result = co_await client->CallTool(tool, arguments, timeout);
  co_return result;
}

}  // namespace

struct AgentSession::LiveServer {
  std::string name;
  std::unique_ptr<mcp::McpClient> client;
};

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

AgentSession::AgentSession(net::EventLoop* loop, llm::OpenAiClient* model,
                           std::vector<mcp::ServerConfig> servers, AgentOptions options,
                           TraceStore* store, std::string task_id)
    : loop_(loop),
      http_(loop),
      model_(model),
      servers_(std::move(servers)),
      options_(std::move(options)),
      store_(store) {
  trace_.task_id = std::move(task_id);
}

AgentSession::~AgentSession() = default;

bool AgentSession::Approve(const std::string& name, const Json& arguments) const {
  if (options_.approve) return options_.approve(name, arguments);
  return options_.approval.interactive ? AskOnTerminal(name, arguments)
                                       : options_.approval.Allows(name);
}

void AgentSession::Append(trace::Message message, const trace::ToolCall* call) {
  trace_.messages.push_back(std::move(message));
  store_->Save(trace_);
  if (observer_) observer_(trace_.messages.back(), call);
}

void AgentSession::AddGuidance(std::string text) {
  trace::Message g = Text(trace::Role::kUser, std::move(text));
  g.guidance = true;
  trace_.messages.push_back(std::move(g));
}

void AgentSession::Interrupt() {
  if (!in_turn_) return;
  interrupted_ = true;
  // Resumes the turn, which may run on to its end inside this call.
  if (std::function<void()> cancel = std::exchange(cancel_, nullptr)) cancel();
}

template <typename T>
net::Task<std::optional<T>> AgentSession::UnlessInterrupted(net::Task<T> task) {
  struct Race {
    std::optional<T> value;
    std::function<void(bool)> resume;
  };
  auto race = std::make_shared<Race>();
  net::Spawn(std::move(task), std::function<void(T)>([race](T value) {
               race->value.emplace(std::move(value));
               if (std::function<void(bool)> resume = std::exchange(race->resume, nullptr)) {
                 resume(true);
               }
             }));
  if (!race->value && !interrupted_) {
    net::AwaitCallback<bool> wait([this, race](std::function<void(bool)> resume) {
      race->resume = std::move(resume);
      cancel_ = [race] {
        if (std::function<void(bool)> r = std::exchange(race->resume, nullptr)) r(false);
      };
    });
    co_await wait;
    cancel_ = nullptr;
  }
  co_return std::move(race->value);
}

net::Task<absl::Status> AgentSession::Open() {
  opened_ = true;
  opened_at_ = Clock::now();
  trace_.id = options_.derive_trace_ids ? base::DerivedId(base::StrCat(options_.run_id, "\n", trace_.task_id))
                                         : base::NewId();
  trace_.run_id = options_.run_id;
  trace_.timestamp = NowRfc3339();
  trace_.timings.started_at = trace_.timestamp;
  trace_.model = model_->config().model;
  trace_.endpoint = model_->config().base_url;
  trace_.schema_version = trace::kSchemaVersion;
  trace_.sampling = options_.sampling;
  trace_.outcome.status = "incomplete";
  if (!options_.system_prompt.empty()) {
    trace_.messages.push_back(Text(trace::Role::kSystem, options_.system_prompt));
  }
  store_->Save(trace_);

  // Fresh servers for this session.
  std::vector<mcp::ServerTools> tools;
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
        open_error_ = std::string(started.status().message());
        break;
      }
      transport = std::move(*started);
    }
    mcp::ClientOptions client_options;
    client_options.name = cfg.name;
    client_options.request_timeout = cfg.timeout;
    live_.push_back(
        {cfg.name, std::make_unique<mcp::McpClient>(loop_, std::move(transport), client_options)});
    mcp::McpClient& client = *live_.back().client;
    absl::Status init = co_await client.Initialize();
    absl::StatusOr<std::vector<mcp::McpTool>> listed = std::vector<mcp::McpTool>();
    if (init.ok()) {
      listed = co_await client.ListTools();
    } else {
      listed = init;
    }
    if (!listed.ok()) {
      open_error_ = std::string(listed.status().message());
      break;
    }
    std::erase_if(*listed, [&](const mcp::McpTool& t) { return !cfg.Offers(t.name); });
    tools.push_back({cfg.name, std::move(*listed)});
  }
  names_ = mcp::ToolNameMap::Build(tools);
  trace_.tools = names_.OpenAiTools(tools);
  store_->Save(trace_);
  if (!open_error_.empty()) co_return absl::UnavailableError(open_error_);
  co_return absl::OkStatus();
}

net::Task<TurnResult> AgentSession::Turn(std::string user_text) {
  net::Task<TurnResult> turn = TurnUntil(std::move(user_text), Clock::now() + options_.max_wall);
  TurnResult result = co_await turn;
  co_return result;
}

net::Task<TurnResult> AgentSession::TurnUntil(std::string user_text, Clock::time_point deadline) {
  TurnResult result;
  auto finish = [&](std::string status, std::string detail) {
    result.status = std::move(status);
    result.detail = std::move(detail);
    last_.status = result.status;
    last_.detail = result.detail;
  };
  if (!opened_ || closed_ || in_turn_) {
    result.status = "error";
    result.detail = !opened_  ? "the session is not open"
                    : closed_ ? "the session is closed"
                              : "a turn is already running";
    co_return result;
  }
  in_turn_ = true;
  interrupted_ = false;
  ++turns_;
  Append(Text(trace::Role::kUser, std::move(user_text)));
  auto client_for = [&](const std::string& server) -> mcp::McpClient* {
    for (LiveServer& s : live_) {
      if (s.name == server) return s.client.get();
    }
    return nullptr;
  };

  const int64_t tokens_before = trace_.usage.total_tokens;
  int model_calls = 0, calls = 0;
  bool ready = open_error_.empty();
  if (!ready) finish("error", open_error_);
  while (ready) {
    if (interrupted_) {
      finish("aborted", kInterrupted);
      break;
    }
    if (model_calls >= options_.max_turns) {
      finish("aborted", base::StrCat("limit: max_turns (", options_.max_turns, ")"));
      break;
    }
    if (Clock::now() >= deadline) {
      finish("aborted", base::StrCat("limit: max_wall (", options_.max_wall.count(), " ms)"));
      break;
    }
    if (options_.max_tokens > 0 &&
        trace_.usage.total_tokens - tokens_before >= options_.max_tokens) {
      finish("aborted", base::StrCat("limit: max_tokens (", options_.max_tokens, ")"));
      break;
    }
    llm::ChatRequest request;
    request.messages = trace_.messages;
    request.tools = trace_.tools;
    if (!trace_.tools.empty()) request.tool_choice = "auto";
    request.sampling = options_.sampling;
    const auto asked = Clock::now();
    net::Task<std::optional<absl::StatusOr<llm::ChatResult>>> ask =
        UnlessInterrupted(CompleteOwned(model_, std::move(request)));
    std::optional<absl::StatusOr<llm::ChatResult>> answered = co_await ask;
    model_ms_ += Ms(Clock::now() - asked);
    ++model_calls;
    if (!answered.has_value()) {
      finish("aborted", kInterrupted);
      break;
    }
    absl::StatusOr<llm::ChatResult>& reply = *answered;
    if (!reply.ok()) {
      finish("error", base::StrCat("model: ", reply.status().message()));
      break;
    }
    trace_.usage.prompt_tokens += reply->usage.prompt_tokens;
    trace_.usage.completion_tokens += reply->usage.completion_tokens;
    trace_.usage.total_tokens += reply->usage.total_tokens;
    trace_.usage.requests += 1;
    for (const std::string& p : reply->problems) {
      trace_.AddProvenance("model_output", p, static_cast<int>(trace_.messages.size()));
    }
    const std::vector<trace::ToolCall> pending = reply->message.tool_calls;
    Append(reply->message);
    if (pending.empty()) {
      if (reply->finish_reason == "length") {
        finish("aborted", "limit: the reply was cut at the endpoint's max_tokens");
      } else {
        finish("success", "");
        result.answer = reply->message.Text();
      }
      break;
    }
    bool limit = false;
    for (const trace::ToolCall& call : pending) {
      trace::Message message;
      message.role = trace::Role::kTool;
      message.tool_call_id = call.id;
      bool is_error = false;
      std::string text;
      if (interrupted_) {
        text = base::StrCat("Not run: ", kInterrupted, ".");
      } else if (calls >= options_.max_tool_calls) {
        text = base::StrCat("Not run: the limit of ", options_.max_tool_calls,
                            " tool calls was reached.");
        limit = true;
      } else if (Clock::now() >= deadline) {
        text = "Not run: the time limit was reached.";
        limit = true;
      } else {
        ++calls;
        const mcp::ToolRoute* route = names_.Find(call.name);
        auto args = base::ParseJson(call.arguments.empty() ? "{}" : call.arguments,
                                    base::StrCat("arguments of ", call.name));
        if (route == nullptr) {
          text = base::StrCat("Tool \"", call.name, "\" not found.");
          is_error = true;
        } else if (!args.ok() || !args->is_object()) {
          text = base::StrCat("Invalid arguments: ",
                              args.ok() ? "not a JSON object" : args.status().message());
          is_error = true;
        } else if (!Approve(call.name, *args)) {
          // The approval prompt may itself have been interrupted.
          text = interrupted_ ? base::StrCat("Not run: ", kInterrupted, ".")
                              : std::string(kRejectedMessage);
        } else if (mcp::McpClient* client = client_for(route->server); client == nullptr) {
          text = base::StrCat("Tool \"", call.name, "\" not found.");
          is_error = true;
        } else {
          const auto left =
              std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
          const auto timeout =
              std::max(std::chrono::milliseconds(1), std::min(options_.tool_timeout, left));
          const auto called = Clock::now();
          net::Task<std::optional<absl::StatusOr<mcp::ToolResult>>> run =
              UnlessInterrupted(CallToolOwned(client, route->tool, *args, timeout));
          std::optional<absl::StatusOr<mcp::ToolResult>> ran = co_await run;
          tool_ms_ += Ms(Clock::now() - called);
          if (!ran.has_value()) {
            text = "Interrupted by the user.";
          } else if (!ran->ok()) {
            text = base::StrCat("Error: ", ran->status().message());
            is_error = true;
          } else {
            text = (*ran)->text.empty() ? "(empty tool result)" : (*ran)->text;
            is_error = (*ran)->is_error;
          }
        }
      }
      message.content = TruncateToolResult(text, options_.truncate_chars);
      if (is_error) message.extra["is_error"] = true;
      Append(std::move(message), &call);
    }
    if (interrupted_) {
      finish("aborted", kInterrupted);
      break;
    }
    if (limit) {
      finish("aborted",
             Clock::now() >= deadline
                 ? base::StrCat("limit: max_wall (", options_.max_wall.count(), " ms)")
                 : base::StrCat("limit: max_tool_calls (", options_.max_tool_calls, ")"));
      break;
    }
  }
  in_turn_ = false;
  cancel_ = nullptr;
  co_return result;
}

net::Task<void> AgentSession::Close() {
  if (closed_) co_return;
  closed_ = true;
  for (LiveServer& s : live_) co_await s.client->Close();
  if (turns_ > 0) {
    trace_.outcome = last_;
  } else {
    trace_.outcome.status = "aborted";
    trace_.outcome.detail = "the session ended before any user turn";
  }
  trace_.timings.ended_at = NowRfc3339();
  trace_.timings.duration_ms = Ms(Clock::now() - opened_at_);
  trace_.timings.model_ms = model_ms_;
  trace_.timings.tool_ms = tool_ms_;
  store_->Save(trace_);
}

Agent::Agent(net::EventLoop* loop, llm::OpenAiClient* model, std::vector<mcp::ServerConfig> servers,
             AgentOptions options, TraceStore* store)
    : loop_(loop),
      model_(model),
      servers_(std::move(servers)),
      options_(std::move(options)),
      store_(store) {}

net::Task<trace::Trace> Agent::Run(AgentTask task) {
  // The run's wall-time limit covers starting the servers too.
  const auto deadline = std::chrono::steady_clock::now() + options_.max_wall;
  AgentSession session(loop_, model_, servers_, options_, store_, task.id);
  net::Task<absl::Status> open = session.Open();
  // A failure is the trace's outcome: the turn ends at once with it.
  const absl::Status opened = co_await open;
  (void)opened;
  if (!task.guidance.empty()) session.AddGuidance(std::move(task.guidance));
  net::Task<TurnResult> turn = session.TurnUntil(std::move(task.prompt), deadline);
  co_await turn;
  net::Task<void> close = session.Close();
  co_await close;
  co_return session.trace();
}

}  // namespace tracemill::agent
