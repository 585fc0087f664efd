// An MCP client session over any Transport: the initialize handshake with version
// negotiation, requests matched to responses by id while notifications and server
// requests interleave, per-request timeouts that send notifications/cancelled, ping in
// both directions, tools/list with pagination and tools/call with every content type
// turned into text for text-only models.
//
//   McpClient client(&loop, std::move(transport), {.name = "browser"});
//   TM_CO_RETURN_IF_ERROR(co_await client.Initialize());
//   TM_CO_ASSIGN_OR_RETURN(auto tools, co_await client.ListTools());
//   TM_CO_ASSIGN_OR_RETURN(ToolResult r, co_await client.CallTool("navigate", args));
#ifndef TRACEMILL_LIBS_MCP_CLIENT_H_
#define TRACEMILL_LIBS_MCP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"
#include "libs/mcp/transport.h"
#include "libs/net/event_loop.h"
#include "libs/net/task.h"

namespace tracemill::mcp {

// The protocol versions this client speaks, newest first; it asks for the first.
inline constexpr const char* kProtocolVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};

struct ClientOptions {
  std::string name = "server";  // the server's name in errors
  std::chrono::milliseconds request_timeout{60000};
  std::string client_name = "tracemill";
  std::string client_version = "0.1";
};

struct McpTool {
  std::string name;
  std::string description;
  Json input_schema = Json::object();
  Json raw;  // the whole tool object as listed
};

struct ToolResult {
  std::string text;       // every content item as text, joined by blank lines
  bool is_error = false;  // the server's isError
  Json raw;               // the result object as received
};

// Content items as text: text as is; images, audio and binary resources as a short
// description (type, MIME type, size); embedded text resources with their URI; resource
// links with URI and name. Nothing is dropped silently. structuredContent is used when
// there is no content.
std::string ToolResultText(const Json& result);

class McpClient {
 public:
  McpClient(net::EventLoop* loop, std::unique_ptr<Transport> transport, ClientOptions options);
  ~McpClient();

  net::Task<absl::Status> Initialize();
  net::Task<absl::StatusOr<std::vector<McpTool>>> ListTools();
  // `timeout` 0: the options' request timeout. A JSON-RPC error is an error status; a
  // tool's own failure is a ToolResult with is_error.
  net::Task<absl::StatusOr<ToolResult>> CallTool(const std::string& name, const Json& arguments,
                                                 std::chrono::milliseconds timeout = {});
  net::Task<absl::Status> Ping();
  net::Task<void> Close();

  // A JSON-RPC request; the result object, or an error naming the server and method.
  // When an HTTP server has forgotten the session (404), the client initialises again
  // and sends the request once more (the server never saw it), and tools_changed() is
  // set since the new session's tools may differ.
  net::Task<absl::StatusOr<Json>> Request(const std::string& method, Json params,
                                          std::chrono::milliseconds timeout = {});
  // How many times a lost session was initialised again.
  int reinitialisations() const { return reinitialisations_; }

  const std::string& protocol_version() const { return protocol_version_; }
  const Json& server_info() const { return server_info_; }
  const Json& server_capabilities() const { return capabilities_; }
  const std::string& instructions() const { return instructions_; }
  // Set when the server sends notifications/tools/list_changed; ListTools clears it.
  bool tools_changed() const { return tools_changed_; }
  bool closed() const { return !closed_reason_.ok(); }
  // Messages that could not be understood, with the reason (kept, never fatal).
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  struct Pending {
    std::function<void(absl::StatusOr<Json>)> resume;
    net::EventLoop::TimerId timer = 0;
    std::string method;
  };
  net::Task<absl::StatusOr<Json>> RequestOnce(const std::string& method, Json params,
                                              std::chrono::milliseconds timeout);
  void OnMessage(std::string_view text);
  void OnClosed(const absl::Status& status);

  net::EventLoop* loop_;
  std::unique_ptr<Transport> transport_;
  ClientOptions options_;
  int64_t next_id_ = 1;
  std::map<int64_t, Pending> pending_;
  std::string protocol_version_;
  Json server_info_ = Json::object();
  Json capabilities_ = Json::object();
  std::string instructions_;
  bool tools_changed_ = false;
  int reinitialisations_ = 0;
  int session_generation_ = 0;  // bumped by each Initialize
  absl::Status closed_reason_;
  std::vector<std::string> problems_;
};

}  // namespace tracemill::mcp

#endif  // TRACEMILL_LIBS_MCP_CLIENT_H_
