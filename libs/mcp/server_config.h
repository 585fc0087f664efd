// MCP server configuration: the `mcpServers` JSON of the reference agent and of Claude
// Desktop-style clients.
//
//   {"mcpServers": {
//      "browser": {"command": "npx", "args": ["@playwright/mcp@0.0.79", "--headless"]},
//      "search":  {"url": "https://example.com/mcp",
//                  "headers": {"Authorization": "Bearer ${SEARCH_KEY}"}}}}
//
// Either that object or its inner object is accepted; entries come back in file order.
// Per entry:
//   command  string   a stdio server: the program to start
//   args     [string] its arguments (stdio only)
//   env      {string} variables set on top of the parent environment (stdio only)
//   cwd      string   its working directory (stdio only)
//   url      string   a Streamable HTTP server: http:// or https://
//   headers  {string} sent with every request (HTTP only)
//   type     "stdio" | "http" | "streamable-http" | "streamableHttp"; optional, must agree
//            with command/url. "sse" (the deprecated HTTP+SSE transport) is refused.
//   timeout  number   per-request timeout in milliseconds, 1 to 86400000 (default 60000)
//   disabled bool     returned with disabled = true so callers can report it
//   includeTools [string]  only these of the server's tools are offered to the model
//   excludeTools [string]  these are not (applied after includeTools; Gemini CLI's names)
// Exactly one of command and url. Other keys are ignored, so configs written for other
// clients load. Server names are the object's keys: non-empty, and unique because a JSON
// object holds each key once (a repeated key keeps its last value).
//
// `${VAR}` and `${VAR:-default}` in command, args, env values, cwd, url and header values
// are replaced at parse time: VAR from the environment, `default` when VAR is unset or
// empty. VAR is [A-Za-z_][A-Za-z0-9_]*; `$${` gives a literal `${`; any other `$` is kept.
// An unset VAR without default is an error. Disabled entries are only checked for shape:
// their strings are returned as written (no expansion, no URL check), so a disabled
// server may name variables that are not set.
//
// Errors are InvalidArgument (Unimplemented for "sse"), naming the file, the server and
// the field, e.g. `agent.json: mcpServers.browser.args[2]: not a string`. Env and header
// values may hold secrets: messages name them but never quote a value. Thread-safe.
#ifndef TRACEMILL_LIBS_MCP_SERVER_CONFIG_H_
#define TRACEMILL_LIBS_MCP_SERVER_CONFIG_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/json.h"

namespace tracemill::mcp {

struct ServerConfig {
  std::string name;
  std::string command;  // stdio; empty for HTTP servers
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // in file order
  std::string url;                                       // Streamable HTTP; empty for stdio servers
  std::vector<std::pair<std::string, std::string>> headers;
  std::string cwd;
  std::chrono::milliseconds timeout{60000};
  bool disabled = false;
  std::vector<std::string> include_tools;  // empty: all
  std::vector<std::string> exclude_tools;

  bool is_http() const { return !url.empty(); }
  // Whether the tool `name` of this server is offered to the model.
  bool Offers(std::string_view name) const;
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The servers of `json`. `where` names the source in errors (a file name). `env` resolves
// `${VAR}`; when empty, the process environment is read.
absl::StatusOr<std::vector<ServerConfig>> ParseMcpServers(const Json& json, std::string_view where,
                                                          const EnvLookup& env = {});

// Reads and parses the JSON file at `path`; errors name the path.
absl::StatusOr<std::vector<ServerConfig>> LoadMcpServers(const std::string& path,
                                                         const EnvLookup& env = {});

}  // namespace tracemill::mcp

#endif  // TRACEMILL_LIBS_MCP_SERVER_CONFIG_H_
