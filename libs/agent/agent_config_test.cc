#include "libs/agent/agent_config.h"

#include "gtest/gtest.h"

namespace tracemill::agent {
namespace {

mcp::EnvLookup NoEnv() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

TEST(AgentConfigTest, ReadsEveryField) {
  auto c = ParseAgentConfig(R"(
endpoint:
  base_url: http://localhost:8000/v1
  model: Qwen/Qwen3-4B
  api_key_env: MY_KEY
  stream: true
  hermes: on
  timeout_s: 30
  max_attempts: 3
  extra_body: {chat_template_kwargs: {enable_thinking: false}}
sampling: {temperature: 0.6, max_tokens: 2048}
system_prompt: "You browse."
limits: {max_turns: 12, max_tool_calls: 40, max_wall_s: 90, max_tokens: 100000, tool_timeout_s: 5}
truncate: 16000
approval: {allow: ["browser_*"], deny: [browser_evaluate]}
mcpServers:
  fs: {command: npx, args: ["-y", "server-filesystem", "/tmp"]}
)", "agent.yaml", "/cfg", NoEnv());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->endpoint.base_url, "http://localhost:8000/v1");
  EXPECT_EQ(c->endpoint.model, "Qwen/Qwen3-4B");
  EXPECT_EQ(c->api_key_env, "MY_KEY");
  EXPECT_TRUE(c->endpoint.stream);
  EXPECT_EQ(c->endpoint.hermes, llm::HermesMode::kOn);
  EXPECT_EQ(c->endpoint.timeout.count(), 30000);
  EXPECT_EQ(c->endpoint.max_attempts, 3);
  EXPECT_EQ(c->endpoint.extra_body["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_EQ(c->options.sampling["temperature"], 0.6);
  EXPECT_EQ(c->options.sampling["max_tokens"], 2048);
  EXPECT_EQ(c->options.system_prompt, "You browse.");
  EXPECT_EQ(c->options.max_turns, 12);
  EXPECT_EQ(c->options.max_tool_calls, 40);
  EXPECT_EQ(c->options.max_wall.count(), 90000);
  EXPECT_EQ(c->options.max_tokens, 100000);
  EXPECT_EQ(c->options.tool_timeout.count(), 5000);
  EXPECT_EQ(c->options.truncate_chars, 16000);
  EXPECT_EQ(c->options.approval.deny, std::vector<std::string>{"browser_evaluate"});
  ASSERT_EQ(c->servers.size(), 1u);
  EXPECT_EQ(c->servers[0].command, "npx");
  EXPECT_EQ(c->servers[0].args[2], "/tmp");
}

TEST(AgentConfigTest, BadConfigsNameFileAndKey) {
  struct Case {
    const char* yaml;
    const char* want;
  } cases[] = {
      {"", "empty configuration"},
      {"endpoint: {model: m}", "endpoint.base_url: missing"},
      {"endpoint: {base_url: u}", "endpoint.model: missing"},
      {"endpoint: {base_url: u, model: m, hermes: maybe}", "endpoint.hermes"},
      {"endpoint: {base_url: u, model: m}\nlimits: {max_turn: 3}", "limits.max_turn: unknown key"},
      {"endpoint: {base_url: u, model: m}\nlimits: {max_turns: -1}", "limits.max_turns"},
      {"endpoint: {base_url: u, model: m}\ntruncate: lots", "truncate"},
      {"endpoint: {base_url: u, model: m}\napproval: {allow: [1]}", "approval.allow[0]: not a string"},
      {"endpoint: {base_url: u, model: m}\nsystem_prompt_file: /nonexistent/p.txt", "system_prompt_file"},
      {"endpoint: {base_url: u, model: m\n  bad", "line"},
      {"endpoint: {base_url: u, model: m}\nmcpServers: {x: {args: [a]}}", "mcpServers"},
      {"endpoint: {base_url: u, model: m}\nbogus: 1", "bogus: unknown key"},
  };
  for (const Case& k : cases) {
    auto c = ParseAgentConfig(k.yaml, "agent.yaml", "/cfg", NoEnv());
    ASSERT_FALSE(c.ok()) << k.yaml;
    const std::string msg(c.status().message());
    EXPECT_NE(msg.find("agent.yaml"), std::string::npos) << msg;
    EXPECT_NE(msg.find(k.want), std::string::npos) << k.yaml << " -> " << msg;
  }
}

TEST(AgentConfigTest, YamlScalarsKeepTheirTypes) {
  auto j = YamlToJson("a: 1\nb: '1'\nc: 1.5\nd: true\ne: ~\nf: hello\ng: [1, x]", "y");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["a"], 1);
  EXPECT_EQ((*j)["b"], "1");
  EXPECT_EQ((*j)["c"], 1.5);
  EXPECT_EQ((*j)["d"], true);
  EXPECT_TRUE((*j)["e"].is_null());
  EXPECT_EQ((*j)["f"], "hello");
  EXPECT_EQ((*j)["g"][1], "x");
}

}  // namespace
}  // namespace tracemill::agent
