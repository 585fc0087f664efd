// The agent: a conversation with the model and MCP tools, recorded as a trace at every
// step. Two ways to drive it:
//
//   Agent::Run(task)   one headless run, a task's prompt to a final answer (`collect`);
//   AgentSession       Open(), then Turn(user text) as often as wanted, then Close()
//                      (`tracemill chat`; Run is Open + guidance + Turn(prompt) + Close).
//
// Open starts fresh instances of the configured stdio MCP servers and opens fresh
// sessions with HTTP ones (no state shared with other agents), initialises them and asks
// for their tools; the tools are offered to the model as OpenAI functions (ToolNameMap).
// A turn appends the user's message, then runs model → tool calls → results → model until
// a final answer or a limit.
//
// Limits (max_turns = model calls, max_tool_calls, max_wall, max_tokens) count per user
// turn: each Turn starts them afresh, so a long chat is not cut off by what earlier turns
// spent, and the time a chat waits at its prompt never counts. A run has one turn, so for
// Run they are per run; its wall time also covers starting the servers.
//
// Every way a turn can end is its outcome: "success" with a final answer, "aborted" with a
// limit hit (or Interrupt), "error" with the endpoint's or a server's failure. A turn that
// did not succeed does not end the session: the next Turn continues the same history. The
// trace's outcome is the last turn's, written by Close; until then the trace on disk says
// "incomplete", so a killed session is recognisable. Bad tool calls — unknown names,
// arguments that are not JSON objects, refused by approval, failed or hung tools — become
// tool messages the model can react to; nothing here throws or crashes.
//
// Not thread-safe: a session and an Agent are used on their event loop's thread only
// (one Agent may run many tasks at once there).
#ifndef TRACEMILL_LIBS_AGENT_AGENT_H_
#define TRACEMILL_LIBS_AGENT_AGENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libs/agent/approval.h"
#include "libs/agent/trace_store.h"
#include "libs/base/json.h"
#include "libs/llm/openai_client.h"
#include "libs/mcp/server_config.h"
#include "libs/mcp/tool_names.h"
#include "libs/net/event_loop.h"
#include "libs/net/http_client.h"
#include "libs/net/task.h"
#include "libs/trace/trace.h"

namespace tracemill::agent {

struct AgentTask {
  std::string id;
  std::string prompt;
  std::string guidance;  // task-specific hints: sent, marked `guidance` so curation drops them
};

// Whether a tool call may run: (OpenAI function name, parsed arguments object) → yes/no.
// Called on the loop thread, and may block it (for a single interactive agent only).
using ApproveFn = std::function<bool(const std::string& name, const Json& arguments)>;

struct AgentOptions {
  std::string system_prompt;
  // Limits, per user turn (see the file comment).
  int max_turns = 30;  // model calls
  int max_tool_calls = 100;
  std::chrono::milliseconds max_wall{std::chrono::minutes(10)};
  int64_t max_tokens = 0;      // total tokens; 0: no limit
  int64_t truncate_chars = 0;  // tool results longer than this are cut (the reference's --truncate)
  std::chrono::milliseconds tool_timeout{std::chrono::minutes(2)};
  ApprovalPolicy approval;
  // Asked for each call whose name and arguments are valid; refused calls get
  // kRejectedMessage. Empty: `approval` decides (AskOnTerminal when approval.interactive,
  // else the allow/deny policy).
  ApproveFn approve;
  Json sampling = Json::object();
  std::string run_id;
  // Trace ids: false, a new UUIDv7 each; true, base::DerivedId(run_id + "\n" + task id),
  // so a seeded run with a fixed run id writes the same trace files again.
  bool derive_trace_ids = false;
};

// Cuts `text` to its first `n` characters (UTF-8 code points, never splitting one) plus
// "\n[Content truncated to n characters]", as the reference agent does; n <= 0: unchanged.
std::string TruncateToolResult(const std::string& text, int64_t n);

// How one user turn ended.
struct TurnResult {
  std::string status;  // "success", "aborted" or "error"
  std::string detail;  // the limit or failure; "" on success
  std::string answer;  // the final assistant message's text on success
};

// Called with each message a turn appends to the trace (the user's, the model's, each
// tool result), after it is saved, on the loop thread. For a tool result, `call` is the
// call it answers; otherwise null. For live display (`tracemill chat`).
using StepObserver =
    std::function<void(const trace::Message& message, const trace::ToolCall* call)>;

class AgentSession {
 public:
  // `loop`, `model` and `store` must outlive the session. `task_id` is recorded in the
  // trace ("" for a chat).
  AgentSession(net::EventLoop* loop, llm::OpenAiClient* model,
               std::vector<mcp::ServerConfig> servers, AgentOptions options, TraceStore* store,
               std::string task_id = "");
  ~AgentSession();
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;

  // Starts the trace (header, system prompt) and the servers, and lists their tools.
  // On failure (a server that does not start, initialise or list) the session stays
  // usable for Close, every Turn ends at once with outcome "error", and the status
  // names the server.
  net::Task<absl::Status> Open();

  // Appends a guidance user message (marked so curation drops it), sent with the next
  // turn.
  void AddGuidance(std::string text);

  // Runs one user turn to its end. Only one at a time.
  net::Task<TurnResult> Turn(std::string user_text);

  // Stops the running turn now: an unfinished model call is abandoned (its reply, when it
  // comes, is dropped), a running tool call too, calls not yet run get "Not run" tool
  // messages, and the turn ends "aborted" ("interrupted by the user"). Without a running
  // turn, it does nothing. Loop thread only (a signal handler should wake the loop).
  void Interrupt();

  // Closes the servers and writes the final trace: timings, and the last turn's outcome
  // ("aborted" if there was no turn).
  net::Task<void> Close();

  void set_observer(StepObserver observer) { observer_ = std::move(observer); }
  const trace::Trace& trace() const { return trace_; }
  int turns() const { return turns_; }

 private:
  friend class Agent;
  struct LiveServer;
  using Clock = std::chrono::steady_clock;

  net::Task<TurnResult> TurnUntil(std::string user_text, Clock::time_point deadline);
  // Runs `task` detached and waits for its result, or for Interrupt (nullopt).
  template <typename T>
  net::Task<std::optional<T>> UnlessInterrupted(net::Task<T> task);
  void Append(trace::Message message, const trace::ToolCall* call = nullptr);
  bool Approve(const std::string& name, const Json& arguments) const;

  net::EventLoop* loop_;
  net::HttpClient http_;  // for MCP servers over Streamable HTTP
  llm::OpenAiClient* model_;
  std::vector<mcp::ServerConfig> servers_;
  AgentOptions options_;
  TraceStore* store_;
  trace::Trace trace_;
  StepObserver observer_;
  Clock::time_point opened_at_;
  std::vector<LiveServer> live_;
  mcp::ToolNameMap names_;
  std::string open_error_;  // why Open failed; "" when ready
  bool opened_ = false;
  bool closed_ = false;
  bool in_turn_ = false;
  int turns_ = 0;
  trace::Outcome last_;  // of the last turn
  double model_ms_ = 0, tool_ms_ = 0;
  bool interrupted_ = false;      // Interrupt was called during this turn
  std::function<void()> cancel_;  // set while a call can be abandoned
};

class Agent {
 public:
  Agent(net::EventLoop* loop, llm::OpenAiClient* model, std::vector<mcp::ServerConfig> servers,
        AgentOptions options, TraceStore* store);

  // Runs `task` to its end in a session of its own; the returned trace is also in the
  // store. May be called again before an earlier run finished.
  net::Task<trace::Trace> Run(AgentTask task);

 private:
  net::EventLoop* loop_;
  llm::OpenAiClient* model_;
  std::vector<mcp::ServerConfig> servers_;
  AgentOptions options_;
  TraceStore* store_;
};

}  // namespace tracemill::agent

#endif  // TRACEMILL_LIBS_AGENT_AGENT_H_
