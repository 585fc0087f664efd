// OpenAI function names for the tools of several MCP servers, and the way back.
//
// MCP tool names allow 1-128 characters of [A-Za-z0-9_.-] (and servers send others too);
// OpenAI function names allow only [a-zA-Z0-9_-], at most 64. Tools of all servers share
// one list for the model, so names are mapped:
//
//   1. A name is sanitized: every byte outside [a-zA-Z0-9_-] becomes '_' (so a UTF-8
//      character becomes one '_' per byte); an empty name becomes "tool". A valid name is
//      unchanged by this.
//   2. Tools whose sanitized names are equal (the same name on two servers, or "a.b" next
//      to "a_b") ALL get the server prefix "<sanitized server>__<sanitized name>", not
//      just the later ones, so a name never depends on which server was listed first.
//   3. A name still equal to another, or longer than 64, keeps its first 55 bytes plus
//      "_" and 8 hex digits of FNV-1a over "server\0tool"; every tool of a collision
//      gets one. Should suffixes collide too (adversarial names), a salted hash is
//      tried, and as a last resort a probe to the next free suffix in list order.
//
// The result depends only on the input (server and tool order included), never on hash
// map order, and every function name is unique and routes back to its server and tool.
//
//   ToolNameMap names = ToolNameMap::Build(servers);
//   request.tools = names.OpenAiTools(servers);
//   const ToolRoute* r = names.Find(call.name);  // nullptr: the model made a name up
//
// Plain values; const methods are safe to call from several threads.
#ifndef TRACEMILL_LIBS_MCP_TOOL_NAMES_H_
#define TRACEMILL_LIBS_MCP_TOOL_NAMES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "libs/mcp/client.h"
#include "libs/trace/trace.h"

namespace tracemill::mcp {

// OpenAI's limit on function names.
inline constexpr size_t kMaxFunctionName = 64;

struct ServerTools {
  std::string server;
  std::vector<McpTool> tools;
};

struct ToolRoute {
  std::string function;  // the OpenAI function name
  std::string server;
  std::string tool;  // the MCP tool name
};

class ToolNameMap {
 public:
  // Routes for every tool, in server then tool order. A tool name repeated within one
  // server keeps its first entry (calls could not tell them apart); a server name
  // repeated in `servers` likewise keeps its first entry.
  static ToolNameMap Build(const std::vector<ServerTools>& servers);

  // The route of an OpenAI function name; nullptr if unknown.
  const ToolRoute* Find(std::string_view function) const;
  const std::vector<ToolRoute>& routes() const { return routes_; }

  // {"type":"function","function":{"name","description","parameters"}} for every route,
  // in route order. `parameters` is the MCP inputSchema whole; a missing, empty or
  // non-object schema becomes {"type":"object","properties":{}}. `servers` should be the
  // list the map was built from; a route whose tool is not in it is left out.
  std::vector<trace::ToolDef> OpenAiTools(const std::vector<ServerTools>& servers) const;

 private:
  friend class ToolNameMapTestPeer;
  // The suffix hash of `tool` on `server` for salt 0, 1, ...; replaceable in tests.
  using Hash = uint32_t (*)(std::string_view server, std::string_view tool, int salt);
  static ToolNameMap Build(const std::vector<ServerTools>& servers, Hash hash);

  std::vector<ToolRoute> routes_;
  std::map<std::string, size_t, std::less<>> by_function_;  // index into routes_
};

// True when `name` is a valid OpenAI function name: ^[a-zA-Z0-9_-]{1,64}$.
bool IsValidFunctionName(std::string_view name);

}  // namespace tracemill::mcp

#endif  // TRACEMILL_LIBS_MCP_TOOL_NAMES_H_
