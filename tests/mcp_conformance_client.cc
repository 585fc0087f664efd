// The MCP client that @modelcontextprotocol/conformance drives: it starts this program
// with the scenario's server URL as the argument and the scenario's name in
// MCP_CONFORMANCE_SCENARIO, and grades what the client does. Over Streamable HTTP:
// initialize (and the initialized notification), list the tools, call the scenario's
// tool, close.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "libs/base/json.h"
#include "libs/mcp/client.h"
#include "libs/mcp/http_transport.h"
#include "libs/net/event_loop.h"
#include "libs/net/http_client.h"

namespace {

using tracemill::Json;
namespace mcp = tracemill::mcp;
namespace net = tracemill::net;

net::Task<int> Run(mcp::McpClient& client, const std::string& scenario) {
  absl::Status init = co_await client.Initialize();
  if (!init.ok()) {
    std::fprintf(stderr, "initialize: %s\n", std::string(init.message()).c_str());
    co_return 1;
  }
  auto tools = co_await client.ListTools();
  if (!tools.ok()) {
    std::fprintf(stderr, "tools/list: %s\n", std::string(tools.status().message()).c_str());
    co_return 1;
  }
  int rc = 0;
  for (const mcp::McpTool& tool : *tools) {
    Json args = Json::object();
    if (tool.name == "add_numbers") args = {{"a", 2}, {"b", 3}};
    if (scenario == "initialize") break;
    auto r = co_await client.CallTool(tool.name, args);
    if (r.ok()) {
      std::printf("%s: %s\n", tool.name.c_str(), r->text.c_str());
    } else {
      std::fprintf(stderr, "%s: %s\n", tool.name.c_str(), std::string(r.status().message()).c_str());
      rc = 1;
    }
  }
  co_await client.Close();
  co_return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SERVER_URL (MCP_CONFORMANCE_SCENARIO names the scenario)\n", argv[0]);
    return 2;
  }
  const char* scenario = std::getenv("MCP_CONFORMANCE_SCENARIO");
  net::EventLoop loop;
  net::HttpClient http(&loop);
  mcp::McpClient client(
      &loop,
      std::make_unique<mcp::HttpTransport>(&loop, &http, argv[1],
                                           std::vector<std::pair<std::string, std::string>>{},
                                           "conformance", std::chrono::milliseconds(20000)),
      {.name = "conformance", .request_timeout = std::chrono::milliseconds(20000)});
  return net::RunTask(loop, Run(client, scenario != nullptr ? scenario : ""));
}
