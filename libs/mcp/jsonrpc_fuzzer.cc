// MCP frames on any bytes: each line through the JSON-RPC parser and, when it parses,
// the tool-result text conversion. Must never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "libs/mcp/client.h"
#include "libs/mcp/jsonrpc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = tracemill::mcp::ParseJsonRpc(text, "fuzz");
  if (m.ok()) {
    (void)tracemill::mcp::ToolResultText(m->result);
    (void)tracemill::mcp::ToolResultText(m->params);
  }
  return 0;
}
