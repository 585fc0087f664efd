#include "libs/mcp/server_config.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/str_cat.h"
#include "libs/base/test_util.h"

namespace tracemill::mcp {
namespace {

using std::chrono_literals::operator""ms;
using Pairs = std::vector<std::pair<std::string, std::string>>;

const std::map<std::string, std::string> kEnv = {
    {"HOME", "/home/me"}, {"KEY", "sk-SECRET"}, {"EMPTY", ""}, {"NL", "a\r\nInjected: 1"}};

std::optional<std::string> FakeEnv(const std::string& name) {
  auto it = kEnv.find(name);
  if (it == kEnv.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::vector<ServerConfig>> Parse(std::string_view text) {
  auto json = base::ParseJson(text, "test");
  EXPECT_TRUE(json.ok()) << json.status();
  if (!json.ok()) return json.status();
  return ParseMcpServers(*json, "agent.json", FakeEnv);
}

// The error message of a config that must be refused with InvalidArgument.
std::string Error(std::string_view text) {
  auto r = Parse(text);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  return std::string(r.status().message());
}

TEST(ServerConfigTest, ReferenceAgentFormat) {
  auto r = Parse(
      R"({"mcpServers": {"playwright": {"command": "npx", "args": ["@playwright/mcp@latest"]}}})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  const ServerConfig& s = (*r)[0];
  EXPECT_EQ(s.name, "playwright");
  EXPECT_EQ(s.command, "npx");
  EXPECT_EQ(s.args, std::vector<std::string>{"@playwright/mcp@latest"});
  EXPECT_TRUE(s.env.empty());
  EXPECT_TRUE(s.url.empty());
  EXPECT_FALSE(s.is_http());
  EXPECT_EQ(s.cwd, "");
  EXPECT_EQ(s.timeout, 60000ms);
  EXPECT_FALSE(s.disabled);
}

TEST(ServerConfigTest, InnerObjectInFileOrder) {
  auto r = Parse(R"({"zeta": {"command": "z"}, "alpha": {"url": "http://localhost:8931/mcp"},
                     "mid": {"command": "m", "args": []}})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].name, "zeta");
  EXPECT_EQ((*r)[1].name, "alpha");
  EXPECT_TRUE((*r)[1].is_http());
  EXPECT_EQ((*r)[2].name, "mid");
}

TEST(ServerConfigTest, EmptyConfigs) {
  for (const char* text : {"{}", R"({"mcpServers": {}})"}) {
    auto r = Parse(text);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->empty());
  }
}

TEST(ServerConfigTest, AllStdioFields) {
  auto r = Parse(R"({"mcpServers": {"fs": {"type": "stdio", "command": "srv", "args": ["-v", ""],
      "env": {"B": "2", "A": "1"}, "cwd": "/tmp", "timeout": 1500, "disabled": false,
      "autoApprove": ["x"], "alwaysAllow": true}}})");
  ASSERT_TRUE(r.ok()) << r.status();
  const ServerConfig& s = (*r)[0];
  EXPECT_EQ(s.args, (std::vector<std::string>{"-v", ""}));
  EXPECT_EQ(s.env, (Pairs{{"B", "2"}, {"A", "1"}}));
  EXPECT_EQ(s.cwd, "/tmp");
  EXPECT_EQ(s.timeout, 1500ms);
}

TEST(ServerConfigTest, HttpServersAndTypeSpellings) {
  for (const char* type : {"http", "streamable-http", "streamableHttp"}) {
    auto r = Parse(base::StrCat(R"({"mcpServers": {"web": {"type": ")", type,
                                R"(", "url": "HTTPS://example.com:8443/mcp?x=1",
        "headers": {"Authorization": "Bearer ${KEY}", "X-Id": "7"}}}})"));
    ASSERT_TRUE(r.ok()) << type << ": " << r.status();
    const ServerConfig& s = (*r)[0];
    EXPECT_TRUE(s.is_http());
    EXPECT_EQ(s.url, "HTTPS://example.com:8443/mcp?x=1");
    EXPECT_EQ(s.headers, (Pairs{{"Authorization", "Bearer sk-SECRET"}, {"X-Id", "7"}}));
    EXPECT_TRUE(s.command.empty());
  }
}

TEST(ServerConfigTest, SseIsRefused) {
  auto r = Parse(R"({"mcpServers": {"old": {"type": "sse", "url": "http://localhost/sse"}}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("agent.json: mcpServers.old.type: \"sse\", the deprecated "
                                      "HTTP+SSE transport, is not supported"),
            std::string::npos)
      << r.status();
}

TEST(ServerConfigTest, TransportErrors) {
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"args": []}}})"),
            "agent.json: mcpServers.x: needs \"command\" (a stdio server) or \"url\" (a Streamable "
            "HTTP server)");
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"command": "a", "url": "http://h"}}})"),
            "agent.json: mcpServers.x: has both \"command\" and \"url\"; a server is either stdio "
            "or Streamable HTTP");
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"type": "websocket", "command": "a"}}})"),
            "agent.json: mcpServers.x.type: unknown transport (expected \"stdio\", \"http\" or "
            "\"streamable-http\")");
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"type": 1, "command": "a"}}})"),
            "agent.json: mcpServers.x.type: not a string but number");
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"type": "stdio", "url": "http://h"}}})"),
            "agent.json: mcpServers.x.type: \"stdio\" but the server has \"url\", not \"command\"");
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"type": "http", "command": "a"}}})"),
            "agent.json: mcpServers.x.type: an HTTP transport but the server has \"command\", not "
            "\"url\"");
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"command": ["npx"]}}})"),
            "agent.json: mcpServers.x.command: not a string but array");
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"command": ""}}})"),
            "agent.json: mcpServers.x.command: empty");
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"command": "${EMPTY}"}}})"),
            "agent.json: mcpServers.x.command: empty");
  EXPECT_EQ(Error(R"({"mcpServers": {"x": {"url": null}}})"),
            "agent.json: mcpServers.x.url: not a string but null");
}

TEST(ServerConfigTest, UrlErrors) {
  EXPECT_EQ(Error(R"({"x": {"url": ""}})"), "agent.json: x.url: empty");
  EXPECT_EQ(Error(R"({"x": {"url": "ftp://h/?token=sk-SECRET"}})"),
            "agent.json: x.url: must start with http:// or https://");
  EXPECT_EQ(Error(R"({"x": {"url": "localhost:8931/mcp"}})"),
            "agent.json: x.url: must start with http:// or https://");
  EXPECT_EQ(Error(R"({"x": {"url": "http:///mcp"}})"), "agent.json: x.url: has no host");
  EXPECT_EQ(Error(R"({"x": {"url": "https://"}})"), "agent.json: x.url: has no host");
  EXPECT_EQ(Error(R"({"x": {"url": "http://h/a b"}})"),
            "agent.json: x.url: contains a space or control character");
}

TEST(ServerConfigTest, FieldsOfTheOtherTransport) {
  EXPECT_EQ(Error(R"({"x": {"command": "a", "headers": {}}})"),
            "agent.json: x.headers: only for HTTP servers (this one has \"command\")");
  for (const char* key : {"args", "env", "cwd"}) {
    EXPECT_EQ(
        Error(base::StrCat(R"({"x": {"url": "http://h", ")", key, R"(": 1}})")),
        base::StrCat("agent.json: x.", key, ": only for stdio servers (this one has \"url\")"));
  }
}

TEST(ServerConfigTest, FieldTypeErrorsNameFileServerAndField) {
  EXPECT_EQ(Error(R"({"mcpServers": {"browser": {"command": "npx", "args": ["a", "b", 3]}}})"),
            "agent.json: mcpServers.browser.args[2]: not a string but number");
  EXPECT_EQ(Error(R"({"mcpServers": {"browser": {"command": "npx", "args": "a b"}}})"),
            "agent.json: mcpServers.browser.args: not an array but string");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"command": "npx", "env": ["A=1"]}}})"),
            "agent.json: mcpServers.b.env: not an object but array");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"command": "npx", "env": {"PORT": 8080}}}})"),
            "agent.json: mcpServers.b.env.PORT: not a string but number");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"command": "npx", "env": {"A=B": "1"}}}})"),
            "agent.json: mcpServers.b.env[\"A=B\"]: not a valid environment variable name (empty, "
            "or has '=' or NUL)");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"command": "npx", "env": {"": "1"}}}})"),
            "agent.json: mcpServers.b.env[\"\"]: not a valid environment variable name (empty, or "
            "has '=' or NUL)");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"command": "npx", "cwd": false}}})"),
            "agent.json: mcpServers.b.cwd: not a string but boolean");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"url": "http://h", "headers": "Authorization: x"}}})"),
            "agent.json: mcpServers.b.headers: not an object but string");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"url": "http://h", "headers": {"X-N": 1}}}})"),
            "agent.json: mcpServers.b.headers.X-N: not a string but number");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"url": "http://h", "headers": {"Bad Name": "v"}}}})"),
            "agent.json: mcpServers.b.headers[\"Bad Name\"]: not a valid HTTP header name");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"command": "npx", "disabled": "yes"}}})"),
            "agent.json: mcpServers.b.disabled: not a boolean but string");
  EXPECT_EQ(Error(R"({"mcpServers": {"b": {"command": "npx", "args": ["a\u0000b"]}}})"),
            "agent.json: mcpServers.b.args[0]: contains a NUL byte");
}

TEST(ServerConfigTest, StructureErrors) {
  EXPECT_EQ(Error("[]"),
            "agent.json: not a JSON object (expected {\"mcpServers\": {...}}) but array");
  EXPECT_EQ(Error(R"({"mcpServers": []})"), "agent.json: mcpServers: not an object but array");
  EXPECT_EQ(Error(R"({"mcpServers": {"a": "npx"}})"),
            "agent.json: mcpServers.a: not an object but string");
  EXPECT_EQ(Error(R"({"mcpServers": {"": {"command": "a"}}})"),
            "agent.json: mcpServers[\"\"]: a server name must not be empty");
  EXPECT_EQ(Error(R"({"mcpServers": {"my server": {"command": "a", "args": [1]}}})"),
            "agent.json: mcpServers[\"my server\"].args[0]: not a string but number");
  EXPECT_EQ(Error(R"({"b": {"command": "a", "args": [1]}})"),
            "agent.json: b.args[0]: not a string but number");
}

TEST(ServerConfigTest, RepeatedServerNameKeepsTheLastEntry) {
  auto r = Parse(R"({"mcpServers": {"a": {"command": "one"}, "a": {"command": "two"}}})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].command, "two");
}

TEST(ServerConfigTest, Timeout) {
  auto timeout = [](std::string_view value) -> absl::StatusOr<std::chrono::milliseconds> {
    auto r = Parse(base::StrCat(R"({"x": {"command": "a", "timeout": )", value, "}}"));
    if (!r.ok()) return r.status();
    return (*r)[0].timeout;
  };
  EXPECT_EQ(*timeout("1"), 1ms);
  EXPECT_EQ(*timeout("120000"), 120000ms);
  EXPECT_EQ(*timeout("0.2"), 1ms);
  EXPECT_EQ(*timeout("1500.5"), 1501ms);
  EXPECT_EQ(*timeout("86400000"), 86400000ms);
  for (const char* bad : {"0", "-5", "86400001", "1e300", "18446744073709551615"}) {
    EXPECT_EQ(timeout(bad).status().message(),
              "agent.json: x.timeout: out of range: milliseconds from 1 to 86400000")
        << bad;
  }
  EXPECT_EQ(timeout("\"60s\"").status().message(),
            "agent.json: x.timeout: not a number (milliseconds) but string");
  EXPECT_EQ(timeout("true").status().message(),
            "agent.json: x.timeout: not a number (milliseconds) but boolean");
}

TEST(ServerConfigTest, ToolFilters) {
  auto r = Parse(R"({"mcpServers": {
      "files": {"command": "fs", "includeTools": ["read_text_file", "write_file"],
                "excludeTools": ["write_file"]},
      "web": {"url": "http://127.0.0.1:9/mcp", "excludeTools": ["browser_close"]},
      "all": {"command": "x"}}})");
  ASSERT_TRUE(r.ok()) << r.status();
  const ServerConfig& files = (*r)[0];
  EXPECT_EQ(files.include_tools, (std::vector<std::string>{"read_text_file", "write_file"}));
  EXPECT_TRUE(files.Offers("read_text_file"));
  EXPECT_FALSE(files.Offers("write_file"));  // excluded wins
  EXPECT_FALSE(files.Offers("list_directory"));  // not included
  EXPECT_TRUE((*r)[1].Offers("browser_navigate"));
  EXPECT_FALSE((*r)[1].Offers("browser_close"));
  EXPECT_TRUE((*r)[2].Offers("anything"));

  EXPECT_EQ(Error(R"({"s": {"command": "x", "includeTools": "read_text_file"}})"),
            "agent.json: s.includeTools: not an array but string");
  EXPECT_EQ(Error(R"({"s": {"command": "x", "excludeTools": ["a", 3]}})"),
            "agent.json: s.excludeTools[1]: not a tool name (a non-empty string)");
  EXPECT_EQ(Error(R"({"s": {"command": "x", "includeTools": [""]}})"),
            "agent.json: s.includeTools[0]: not a tool name (a non-empty string)");
}

TEST(ServerConfigTest, VariablesExpandInEveryStringField) {
  auto r = Parse(R"({"s": {"command": "${HOME}/bin/srv", "args": ["--dir=${HOME}", "${NOPE:-dflt}"],
                          "env": {"API_KEY": "${KEY}", "LEVEL": "${NOPE:-info}"}, "cwd": "${HOME}"},
                     "h": {"url": "https://${NOPE:-example.com}/mcp", "headers": {"Authorization": "Bearer ${KEY}"}}})");
  ASSERT_TRUE(r.ok()) << r.status();
  const ServerConfig& s = (*r)[0];
  EXPECT_EQ(s.command, "/home/me/bin/srv");
  EXPECT_EQ(s.args, (std::vector<std::string>{"--dir=/home/me", "dflt"}));
  EXPECT_EQ(s.env, (Pairs{{"API_KEY", "sk-SECRET"}, {"LEVEL", "info"}}));
  EXPECT_EQ(s.cwd, "/home/me");
  const ServerConfig& h = (*r)[1];
  EXPECT_EQ(h.url, "https://example.com/mcp");
  EXPECT_EQ(h.headers, (Pairs{{"Authorization", "Bearer sk-SECRET"}}));
}

TEST(ServerConfigTest, VariableSyntax) {
  auto arg = [](std::string_view value) -> absl::StatusOr<std::string> {
    Json config = {{"x", {{"command", "a"}, {"args", Json::array({std::string(value)})}}}};
    auto r = ParseMcpServers(config, "agent.json", FakeEnv);
    if (!r.ok()) return r.status();
    return (*r)[0].args[0];
  };
  EXPECT_EQ(*arg("${HOME}${HOME}"), "/home/me/home/me");
  EXPECT_EQ(*arg("${EMPTY}"), "");                  // set but empty
  EXPECT_EQ(*arg("${EMPTY:-d}"), "d");              // :- also covers empty
  EXPECT_EQ(*arg("${NOPE:-}"), "");                 // an empty default
  EXPECT_EQ(*arg("${NOPE:-a:-b $x}"), "a:-b $x");   // the default is literal
  EXPECT_EQ(*arg("$${HOME}"), "${HOME}");           // escaped
  EXPECT_EQ(*arg("$$${HOME}"), "$${HOME}");         // read left to right: "$", then "$${"
  EXPECT_EQ(*arg("$HOME $ $$ $"), "$HOME $ $$ $");  // only ${ is special
  EXPECT_EQ(*arg("}{"), "}{");
  EXPECT_EQ(arg("${NOPE}").status().message(),
            "agent.json: x.args[0]: environment variable NOPE is not set (write ${NOPE:-default} "
            "for a default)");
  EXPECT_EQ(arg("pre ${HOME").status().message(),
            "agent.json: x.args[0]: unclosed ${ at byte 4 (write $${ for a literal ${)");
  for (const char* bad : {"${}", "${1A}", "${A-B}", "${ A}", "${:-x}", "${A:x}"}) {
    EXPECT_EQ(arg(bad).status().message(),
              "agent.json: x.args[0]: malformed ${...} at byte 0: a variable name is "
              "[A-Za-z_][A-Za-z0-9_]*")
        << bad;
  }
}

TEST(ServerConfigTest, UnsetVariableNamesServerAndField) {
  EXPECT_EQ(
      Error(
          R"({"mcpServers": {"search": {"url": "http://h", "headers": {"Authorization": "Bearer ${SEARCH_KEY}"}}}})"),
      "agent.json: mcpServers.search.headers.Authorization: environment variable SEARCH_KEY "
      "is not set (write ${SEARCH_KEY:-default} for a default)");
  EXPECT_EQ(Error(R"({"mcpServers": {"gh": {"command": "a", "env": {"TOKEN": "${GH_TOKEN}"}}}})"),
            "agent.json: mcpServers.gh.env.TOKEN: environment variable GH_TOKEN is not set (write "
            "${GH_TOKEN:-default} for a default)");
  EXPECT_EQ(Error(R"({"u": {"url": "${MCP_URL}"}})"),
            "agent.json: u.url: environment variable MCP_URL is not set (write ${MCP_URL:-default} "
            "for a default)");
}

TEST(ServerConfigTest, SecretsNeverAppearInErrors) {
  const std::vector<std::string> configs = {
      // A header value made invalid by a variable's line break.
      R"({"h": {"url": "http://h", "headers": {"Authorization": "Bearer sk-LITERAL ${NL}"}}})",
      // Malformed references inside secret-bearing values.
      R"({"h": {"url": "http://h", "headers": {"Authorization": "Bearer sk-LITERAL ${sk-LITERAL"}}})",
      R"({"h": {"url": "http://h", "headers": {"Authorization": "${sk-LITERAL}"}}})",
      R"({"s": {"command": "a", "env": {"TOKEN": "sk-LITERAL ${"}}})",
      R"({"s": {"command": "a", "env": {"TOKEN": "${sk-LITERAL:-x}"}}})",
      R"({"s": {"command": "a", "env": {"TOKEN": "sk-LITERAL\u0000"}}})",
      R"({"s": {"url": "https://h/mcp?key=sk-LITERAL&${KEY}", "headers": {}}, "t": {"url": "sk-LITERAL"}})",
      R"({"s": {"url": "https://h/mcp?key=sk-LITERAL ${KEY}"}})",
  };
  for (const std::string& config : configs) {
    std::string message = Error(config);
    EXPECT_FALSE(message.empty()) << config;
    EXPECT_EQ(message.find("sk-"), std::string::npos) << message;
    EXPECT_EQ(message.find("Injected"), std::string::npos) << message;
  }
  EXPECT_EQ(Error(configs[0]),
            "agent.json: h.headers.Authorization: the value contains a line break");
}

TEST(ServerConfigTest, DisabledEntriesAreReturnedUnexpanded) {
  auto r = Parse(R"({"mcpServers": {"on": {"command": "a"},
      "off": {"command": "${UNSET}", "args": ["${UNSET"], "env": {"K": "${UNSET}"}, "disabled": true},
      "web": {"url": "${UNSET_URL}", "disabled": true}}})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_FALSE((*r)[0].disabled);
  EXPECT_TRUE((*r)[1].disabled);
  EXPECT_EQ((*r)[1].command, "${UNSET}");
  EXPECT_EQ((*r)[1].args, std::vector<std::string>{"${UNSET"});
  EXPECT_EQ((*r)[1].env, (Pairs{{"K", "${UNSET}"}}));
  EXPECT_EQ((*r)[2].url, "${UNSET_URL}");
  // Shape is still checked.
  EXPECT_EQ(Error(R"({"off": {"command": "a", "args": [1], "disabled": true}})"),
            "agent.json: off.args[0]: not a string but number");
  EXPECT_EQ(Error(R"({"off": {"disabled": true}})"),
            "agent.json: off: needs \"command\" (a stdio server) or \"url\" (a Streamable HTTP "
            "server)");
}

TEST(ServerConfigTest, ReadsTheProcessEnvironmentByDefault) {
  ASSERT_EQ(setenv("TRACEMILL_SERVER_CONFIG_TEST", "from-env", 1), 0);
  unsetenv("TRACEMILL_SERVER_CONFIG_TEST_UNSET");
  Json config = Json::parse(R"({"x": {"command": "${TRACEMILL_SERVER_CONFIG_TEST}",
      "args": ["${TRACEMILL_SERVER_CONFIG_TEST_UNSET:-d}"]}})");
  auto r = ParseMcpServers(config, "agent.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].command, "from-env");
  EXPECT_EQ((*r)[0].args[0], "d");
  unsetenv("TRACEMILL_SERVER_CONFIG_TEST");
}

TEST(ServerConfigTest, LoadFromFile) {
  const std::string dir = base::FreshTestDir();
  const std::string path = dir + "/agent.json";
  std::ofstream(path) << R"({"mcpServers": {"p": {"command": "npx", "args": ["-y", "${HOME}"]}}})";
  auto r = LoadMcpServers(path, FakeEnv);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].args, (std::vector<std::string>{"-y", "/home/me"}));

  std::ofstream(dir + "/bad.json") << R"({"mcpServers": {"p": {"command": 1}}})";
  auto bad = LoadMcpServers(dir + "/bad.json", FakeEnv);
  EXPECT_EQ(bad.status().message(),
            dir + "/bad.json: mcpServers.p.command: not a string but number");

  std::ofstream(dir + "/broken.json") << R"({"mcpServers": {"p": )";
  auto broken = LoadMcpServers(dir + "/broken.json", FakeEnv);
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(std::string(broken.status().message()).starts_with(dir + "/broken.json"))
      << broken.status();

  auto missing = LoadMcpServers(dir + "/missing.json", FakeEnv);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir + "/missing.json"), std::string::npos)
      << missing.status();
}

TEST(ServerConfigTest, SeedCorpusConfigs) {
  const std::string dir = TRACEMILL_SOURCE_DIR "/libs/mcp/testdata/server_config_fuzz/";
  auto reference = LoadMcpServers(dir + "reference_agent.json", FakeEnv);
  ASSERT_TRUE(reference.ok()) << reference.status();
  EXPECT_EQ((*reference)[0].name, "playwright");
  auto desktop = LoadMcpServers(dir + "claude_desktop_env.json", FakeEnv);
  ASSERT_TRUE(desktop.ok()) << desktop.status();
  EXPECT_EQ((*desktop)[0].env, (Pairs{{"LOG", "info"}, {"TOKEN", "none"}}));
  auto inner = LoadMcpServers(dir + "inner_http.json", FakeEnv);
  ASSERT_TRUE(inner.ok()) << inner.status();
  EXPECT_EQ((*inner)[0].headers, (Pairs{{"Authorization", "Bearer anon"}}));
  EXPECT_TRUE((*inner)[1].disabled);
  EXPECT_EQ(LoadMcpServers(dir + "sse_refused.json", FakeEnv).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_FALSE(LoadMcpServers(dir + "bad_fields.json", FakeEnv).ok());
  EXPECT_FALSE(LoadMcpServers(dir + "escapes.json", FakeEnv).ok());
}

}  // namespace
}  // namespace tracemill::mcp
