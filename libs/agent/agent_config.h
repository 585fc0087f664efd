// The collector's configuration file (YAML, or JSON, which YAML includes):
//
//   endpoint:
//     base_url: http://localhost:8000/v1
//     model: Qwen/Qwen3-30B-A3B
//     api_key_env: OPENAI_API_KEY     # the variable holding the key (never the key itself)
//     stream: false
//     hermes: auto                    # auto | on | off: raw-text tool calls
//     timeout_s: 600
//     max_attempts: 6
//     extra_body: {chat_template_kwargs: {enable_thinking: true}}
//   sampling: {temperature: 0.6, max_tokens: 8192}
//   system_prompt: "You are ..."      # or system_prompt_file: prompt.txt (relative to this file)
//   limits: {max_turns: 30, max_tool_calls: 100, max_wall_s: 600, max_tokens: 0, tool_timeout_s: 120}
//   truncate: 16000                   # tool results, characters (0: off)
//   approval: {allow: ["browser_*"], deny: ["browser_evaluate"]}
//   mcpServers: {...}                 # the reference agent's format (mcp/server_config.h)
//
// Unknown keys are errors (a typo in a limit must not pass silently); every error names
// the file, the key path and, for YAML, the line.
#ifndef TRACEMILL_LIBS_AGENT_AGENT_CONFIG_H_
#define TRACEMILL_LIBS_AGENT_AGENT_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/agent/agent.h"
#include "libs/llm/openai_client.h"
#include "libs/mcp/server_config.h"

namespace tracemill::agent {

struct AgentConfig {
  llm::EndpointConfig endpoint;  // api_key left empty: the caller fills it from api_key_env
  std::string api_key_env = "OPENAI_API_KEY";
  AgentOptions options;
  std::vector<mcp::ServerConfig> servers;
};

// `base_dir` resolves system_prompt_file; `env` resolves ${VAR} in mcpServers.
absl::StatusOr<AgentConfig> ParseAgentConfig(std::string_view text, std::string_view where,
                                             const std::string& base_dir,
                                             const mcp::EnvLookup& env = {});
absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path, const mcp::EnvLookup& env = {});

// YAML → JSON: quoted scalars stay strings; plain ones become null, booleans, integers
// or numbers when they read as such. InvalidArgument with the line for bad YAML.
absl::StatusOr<Json> YamlToJson(std::string_view text, std::string_view where);

}  // namespace tracemill::agent

#endif  // TRACEMILL_LIBS_AGENT_AGENT_CONFIG_H_
