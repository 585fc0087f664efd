// One headless agent run: a task's prompt to a final answer through the model and MCP
// tools, recorded as a trace at every step.
//
// Per task, fresh instances of the configured stdio MCP servers are started, and fresh
// sessions opened with HTTP ones (no state shared with other agents), initialised and asked for their tools; the tools are offered to the
// model as OpenAI functions (ToolNameMap); then model → tool calls → results → model
// until a final answer or a limit (turns, tool calls, wall time, tokens). Every way a run
// can end is its trace's outcome: "success" with a final answer, "aborted" with the limit
// hit, "error" with the endpoint's or server's failure. Bad tool calls — unknown names,
// arguments that are not JSON objects, refused by the approval policy, failed or hung
// tools — become tool messages the model can react to; nothing here throws or crashes.
#ifndef TRACEMILL_LIBS_AGENT_AGENT_H_
#define TRACEMILL_LIBS_AGENT_AGENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "libs/agent/approval.h"
#include "libs/agent/trace_store.h"
#include "libs/base/json.h"
#include "libs/llm/openai_client.h"
#include "libs/mcp/server_config.h"
#include "libs/net/event_loop.h"
#include "libs/net/task.h"
#include "libs/trace/trace.h"

namespace tracemill::agent {

struct AgentTask {
  std::string id;
  std::string prompt;
  std::string guidance;  // task-specific hints: sent, marked `guidance` so curation drops them
};

struct AgentOptions {
  std::string system_prompt;
  int max_turns = 30;        // model calls
  int max_tool_calls = 100;
  std::chrono::milliseconds max_wall{std::chrono::minutes(10)};
  int64_t max_tokens = 0;    // total tokens over the run; 0: no limit
  int64_t truncate_chars = 0;  // tool results longer than this are cut (the reference's --truncate)
  std::chrono::milliseconds tool_timeout{std::chrono::minutes(2)};
  ApprovalPolicy approval;
  Json sampling = Json::object();
  std::string run_id;
};

// Cuts `text` to its first `n` characters (UTF-8 code points, never splitting one) plus
// "\n[Content truncated to n characters]", as the reference agent does; n <= 0: unchanged.
std::string TruncateToolResult(const std::string& text, int64_t n);

class Agent {
 public:
  Agent(net::EventLoop* loop, llm::OpenAiClient* model, std::vector<mcp::ServerConfig> servers,
        AgentOptions options, TraceStore* store);

  // Runs `task` to its end; the returned trace is also in the store.
  net::Task<trace::Trace> Run(AgentTask task);

 private:
  net::EventLoop* loop_;
  net::HttpClient http_;  // for MCP servers over Streamable HTTP
  llm::OpenAiClient* model_;
  std::vector<mcp::ServerConfig> servers_;
  AgentOptions options_;
  TraceStore* store_;
};

}  // namespace tracemill::agent

#endif  // TRACEMILL_LIBS_AGENT_AGENT_H_
