// How an McpClient talks to one server: JSON-RPC messages out, messages in, and a close
// with its reason. StdioTransport (a child process) and, later, Streamable HTTP.
#ifndef TRACEMILL_LIBS_MCP_TRANSPORT_H_
#define TRACEMILL_LIBS_MCP_TRANSPORT_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "libs/net/task.h"

namespace tracemill::mcp {

class Transport {
 public:
  virtual ~Transport() = default;
  // Handlers run on the loop thread: each message's text as received, and once, the
  // reason the connection ended (after which Send fails).
  void SetHandlers(std::function<void(std::string_view)> on_message,
                   std::function<void(const absl::Status&)> on_closed) {
    on_message_ = std::move(on_message);
    on_closed_ = std::move(on_closed);
  }
  // Queues one serialized message. FailedPrecondition once closed.
  virtual absl::Status Send(std::string message) = 0;
  // Ends the connection (for stdio: close stdin, SIGTERM, SIGKILL).
  virtual net::Task<void> Close() = 0;
  // The protocol version the session negotiated (HTTP sends it on every request).
  virtual void SetProtocolVersion(std::string version) {}

 protected:
  std::function<void(std::string_view)> on_message_;
  std::function<void(const absl::Status&)> on_closed_;
};

}  // namespace tracemill::mcp

#endif  // TRACEMILL_LIBS_MCP_TRANSPORT_H_
