// Any bytes as an mcpServers config: JSON parsing, then the server entries, with variables
// from a fixed environment so runs repeat. Must never crash; accepted configs must keep
// the promises of server_config.h.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "libs/base/json.h"
#include "libs/mcp/server_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto json = tracemill::base::ParseJson(text, "fuzz.json");
  if (!json.ok()) return 0;
  tracemill::mcp::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return "/home/fuzz";
    if (name == "EMPTY") return "";
    return std::nullopt;
  };
  auto servers = tracemill::mcp::ParseMcpServers(*json, "fuzz.json", env);
  if (!servers.ok()) return 0;
  for (const auto& s : *servers) {
    if (s.name.empty() || s.command.empty() == s.url.empty()) std::abort();
    if (s.timeout.count() < 1) std::abort();
  }
  return 0;
}
