// JSON-RPC 2.0 messages as MCP uses them: requests and notifications in both
// directions, responses matched to requests by id.
#ifndef TRACEMILL_LIBS_MCP_JSONRPC_H_
#define TRACEMILL_LIBS_MCP_JSONRPC_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/base/json.h"

namespace tracemill::mcp {

struct JsonRpcMessage {
  enum class Kind { kRequest, kNotification, kResponse, kErrorResponse };
  Kind kind = Kind::kNotification;
  Json id;             // number or string (requests, responses); null otherwise
  std::string method;  // requests, notifications
  Json params;         // requests, notifications (null if absent)
  Json result;         // responses
  int error_code = 0;  // error responses
  std::string error_message;
  Json error_data;
};

// One message. InvalidArgument saying what is wrong (not JSON, no "jsonrpc": "2.0", a
// response with both result and error, a batch, ...). `where` names the source.
absl::StatusOr<JsonRpcMessage> ParseJsonRpc(std::string_view text, std::string_view where);

std::string JsonRpcRequest(const Json& id, std::string_view method, const Json& params);
std::string JsonRpcNotification(std::string_view method, const Json& params);
std::string JsonRpcResult(const Json& id, const Json& result);
std::string JsonRpcError(const Json& id, int code, std::string_view message);

inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidRequest = -32600;
// tracemill's own, from the HTTP transport to the client: the server no longer knows the
// session (HTTP 404), so the client initialises again and retries.
inline constexpr int kSessionLost = -32099;

}  // namespace tracemill::mcp

#endif  // TRACEMILL_LIBS_MCP_JSONRPC_H_
