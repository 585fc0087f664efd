#include "libs/mcp/tool_names.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/base/str_cat.h"

namespace tracemill::mcp {

class ToolNameMapTestPeer {
 public:
  static ToolNameMap BuildWithHash(const std::vector<ServerTools>& servers,
                                   ToolNameMap::Hash hash) {
    return ToolNameMap::Build(servers, hash);
  }
};

namespace {

McpTool Tool(std::string name, Json schema = Json::object(), std::string description = "") {
  return {.name = std::move(name), .description = std::move(description), .input_schema = schema};
}

ServerTools Server(std::string server, std::vector<std::string> names) {
  ServerTools s{.server = std::move(server)};
  for (auto& n : names) s.tools.push_back(Tool(std::move(n)));
  return s;
}

std::vector<std::string> Functions(const ToolNameMap& map) {
  std::vector<std::string> out;
  for (const ToolRoute& r : map.routes()) out.push_back(r.function);
  return out;
}

// Every function name valid and unique, and Find routes it back.
void ExpectSound(const ToolNameMap& map) {
  std::set<std::string> seen;
  for (const ToolRoute& r : map.routes()) {
    EXPECT_TRUE(IsValidFunctionName(r.function)) << r.function;
    EXPECT_TRUE(seen.insert(r.function).second) << "duplicate " << r.function;
    const ToolRoute* found = map.Find(r.function);
    ASSERT_NE(found, nullptr) << r.function;
    EXPECT_EQ(found->server, r.server);
    EXPECT_EQ(found->tool, r.tool);
  }
}

TEST(ToolNamesTest, ValidUniqueNamesAreUnchanged) {
  std::vector<ServerTools> servers = {
      Server("browser", {"browser_navigate", "browser-click", "X9"}), Server("fs", {"read_file"})};
  ToolNameMap map = ToolNameMap::Build(servers);
  EXPECT_EQ(Functions(map),
            (std::vector<std::string>{"browser_navigate", "browser-click", "X9", "read_file"}));
  const ToolRoute* r = map.Find("read_file");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->server, "fs");
  EXPECT_EQ(r->tool, "read_file");
  EXPECT_EQ(map.Find("nope"), nullptr);
  EXPECT_EQ(map.Find(""), nullptr);
}

TEST(ToolNamesTest, NoServersOrNoTools) {
  EXPECT_TRUE(ToolNameMap::Build({}).routes().empty());
  EXPECT_TRUE(ToolNameMap::Build({Server("a", {})}).routes().empty());
  EXPECT_TRUE(ToolNameMap::Build({}).OpenAiTools({}).empty());
}

TEST(ToolNamesTest, CollisionAcrossServersPrefixesAll) {
  std::vector<ServerTools> servers = {Server("github", {"search", "issues"}),
                                      Server("web.search", {"search"}), Server("x", {"other"})};
  ToolNameMap map = ToolNameMap::Build(servers);
  EXPECT_EQ(Functions(map),
            (std::vector<std::string>{"github__search", "issues", "web_search__search", "other"}));
  EXPECT_EQ(map.Find("github__search")->server, "github");
  EXPECT_EQ(map.Find("web_search__search")->server, "web.search");
  EXPECT_EQ(map.Find("web_search__search")->tool, "search");
  EXPECT_EQ(map.Find("search"), nullptr);
}

TEST(ToolNamesTest, SanitizesUnicodeSpacesAndDots) {
  std::vector<ServerTools> servers = {Server("s", {"file.read", "get weather", "caf\xc3\xa9", ""})};
  ToolNameMap map = ToolNameMap::Build(servers);
  EXPECT_EQ(Functions(map),
            (std::vector<std::string>{"file_read", "get_weather", "caf__", "tool"}));
  EXPECT_EQ(map.Find("file_read")->tool, "file.read");
  EXPECT_EQ(map.Find("caf__")->tool, "caf\xc3\xa9");
  EXPECT_EQ(map.Find("tool")->tool, "");
  ExpectSound(map);
}

TEST(ToolNamesTest, SanitizedCollisionWithinOneServerGetsHashes) {
  // "a.b" and "a_b" sanitize alike; the server prefix cannot separate them, so both get
  // a hash suffix.
  std::vector<ServerTools> servers = {Server("s", {"a.b", "a_b", "c"})};
  ToolNameMap map = ToolNameMap::Build(servers);
  std::vector<std::string> f = Functions(map);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_TRUE(f[0].starts_with("s__a_b_")) << f[0];
  EXPECT_TRUE(f[1].starts_with("s__a_b_")) << f[1];
  EXPECT_EQ(f[0].size(), 7u + 8u);
  EXPECT_NE(f[0], f[1]);
  EXPECT_EQ(f[2], "c");
  EXPECT_EQ(map.Find(f[0])->tool, "a.b");
  EXPECT_EQ(map.Find(f[1])->tool, "a_b");
  ExpectSound(map);
}

TEST(ToolNamesTest, LongNamesAreShortenedWithAHash) {
  const std::string long_a = std::string(100, 'a');
  const std::string long_b = std::string(99, 'a') + "b";  // same first 55 bytes
  std::vector<ServerTools> servers = {Server("s", {long_a, long_b, std::string(64, 'c')})};
  ToolNameMap map = ToolNameMap::Build(servers);
  std::vector<std::string> f = Functions(map);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].size(), 64u);
  EXPECT_TRUE(f[0].starts_with(std::string(55, 'a') + "_")) << f[0];
  EXPECT_NE(f[0], f[1]);
  EXPECT_EQ(f[2], std::string(64, 'c'));  // exactly 64 fits
  EXPECT_EQ(map.Find(f[1])->tool, long_b);
  ExpectSound(map);
}

TEST(ToolNamesTest, ALongPrefixedNameIsShortened) {
  const std::string server(70, 's');
  std::vector<ServerTools> servers = {Server(server, {"run"}), Server("t", {"run"})};
  ToolNameMap map = ToolNameMap::Build(servers);
  std::vector<std::string> f = Functions(map);
  EXPECT_EQ(f[0].size(), 64u);
  EXPECT_EQ(f[1], "t__run");
  ExpectSound(map);
}

TEST(ToolNamesTest, StableAndIndependentOfOtherServersOrder) {
  std::vector<ServerTools> servers = {Server("a", {"x.y", "x_y", std::string(80, 'q'), "z"}),
                                      Server("b", {"z", "w"})};
  ToolNameMap first = ToolNameMap::Build(servers);
  ToolNameMap second = ToolNameMap::Build(servers);
  EXPECT_EQ(Functions(first), Functions(second));
  // The same tools with the servers listed the other way round get the same names.
  ToolNameMap swapped = ToolNameMap::Build({servers[1], servers[0]});
  for (const ToolRoute& r : first.routes()) {
    const ToolRoute* s = swapped.Find(r.function);
    ASSERT_NE(s, nullptr) << r.function;
    EXPECT_EQ(s->server, r.server);
    EXPECT_EQ(s->tool, r.tool);
  }
}

TEST(ToolNamesTest, DuplicatesWithinAServerKeepTheFirst) {
  ServerTools s = Server("s", {"t"});
  s.tools.push_back(Tool("t", Json{{"type", "object"}, {"title", "second"}}));
  ServerTools again = Server("s", {"other"});  // a repeated server name: ignored
  ToolNameMap map = ToolNameMap::Build({s, again});
  EXPECT_EQ(Functions(map), (std::vector<std::string>{"t"}));
  auto tools = map.OpenAiTools({s, again});
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0].json["function"]["parameters"],
            (Json{{"type", "object"}, {"properties", Json::object()}}));
}

TEST(ToolNamesTest, AdversarialNamesThatSanitizeAlike) {
  // 300 names that all sanitize to "a_b", on two servers whose names also sanitize alike,
  // plus names that look like the hash-suffixed forms.
  ServerTools s1{.server = "s.1"}, s2{.server = "s 1"};
  const std::string odd = ".:/ @!\xff";
  for (char c1 : odd) {
    for (char c2 : odd) {
      for (int n = 0; n < 3; ++n) {
        std::string name = std::string("a") + c1 + "b" + std::string(n, c2);
        s1.tools.push_back(Tool(name));
        s2.tools.push_back(Tool(name));
      }
    }
  }
  ToolNameMap map = ToolNameMap::Build({s1, s2});
  for (const ToolRoute& r : map.routes()) {
    ServerTools decoy{.server = "decoy", .tools = {Tool(r.function)}};
    ToolNameMap with_decoy = ToolNameMap::Build({s1, s2, decoy});
    ExpectSound(with_decoy);
    ASSERT_EQ(with_decoy.routes().size(), map.routes().size() + 1);
    if (testing::Test::HasFailure()) break;
  }
  ExpectSound(map);
}

TEST(ToolNamesTest, SuffixIsFnv1aOfServerAndTool) {
  // FNV-1a("s\0a.@**&") = FNV-1a("s\0a.<[:/") = 0x9e30a2ef, and both sanitize to "a_____".
  ToolNameMap one = ToolNameMap::Build({Server("s", {"a.@**&", "a.!!!!"})});
  EXPECT_EQ(one.routes()[0].function, "s__a______9e30a2ef");
  // When the suffixes collide too, both move on to a salted hash.
  ToolNameMap both = ToolNameMap::Build({Server("s", {"a.@**&", "a.<[:/"})});
  std::vector<std::string> f = Functions(both);
  EXPECT_NE(f[0], f[1]);
  EXPECT_NE(f[0], "s__a______9e30a2ef");
  EXPECT_NE(f[1], "s__a______9e30a2ef");
  ExpectSound(both);
}

TEST(ToolNamesTest, ProbesForFreeNamesWhenEveryHashCollides) {
  auto constant = [](std::string_view, std::string_view, int) -> uint32_t { return 7; };
  ServerTools s{.server = "s"};
  for (std::string name : {"x.", "x:", "x/", "x "}) s.tools.push_back(Tool(name));
  s.tools.push_back(Tool(std::string(90, 'y')));
  s.tools.push_back(Tool("s__x__00000008"));  // a decoy shaped like a probed name
  ServerTools t{.server = "t", .tools = {Tool("x_"), Tool(std::string(90, 'y'))}};
  ToolNameMap map = ToolNameMapTestPeer::BuildWithHash({s, t}, constant);
  ExpectSound(map);
  EXPECT_EQ(Functions(map),
            (std::vector<std::string>{"s__x__00000007", "s__x__00000009", "s__x__0000000a",
                                      "s__x__0000000b", "s__" + std::string(52, 'y') + "_00000007",
                                      "s__x__00000008", "t__x_",
                                      "t__" + std::string(52, 'y') + "_00000007"}));
  EXPECT_EQ(Functions(map), Functions(ToolNameMapTestPeer::BuildWithHash({s, t}, constant)));
}

TEST(ToolNamesTest, RandomNamesProperty) {
  std::mt19937 rng(12345);
  const std::string alphabet = "abAB09_-. /\xc3\xa9\x01";
  auto random_name = [&](size_t max_len) {
    std::string s(rng() % (max_len + 1), ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<ServerTools> servers;
    const int n_servers = 1 + rng() % 4;
    for (int i = 0; i < n_servers; ++i) {
      ServerTools s{.server = random_name(rng() % 2 ? 3 : 80)};
      const int n_tools = rng() % 12;
      for (int j = 0; j < n_tools; ++j) s.tools.push_back(Tool(random_name(rng() % 3 ? 4 : 130)));
      servers.push_back(std::move(s));
    }
    ToolNameMap map = ToolNameMap::Build(servers);
    ExpectSound(map);
    EXPECT_EQ(Functions(map), Functions(ToolNameMap::Build(servers)));
    // Every distinct (server, tool) of the first server of each name has a route.
    std::set<std::pair<std::string, std::string>> expected, routed;
    std::set<std::string> seen_servers;
    for (const auto& s : servers) {
      if (!seen_servers.insert(s.server).second) continue;
      for (const auto& t : s.tools) expected.insert({s.server, t.name});
    }
    for (const auto& r : map.routes()) routed.insert({r.server, r.tool});
    EXPECT_EQ(routed, expected);
    EXPECT_EQ(map.OpenAiTools(servers).size(), map.routes().size());
    if (testing::Test::HasFailure()) break;
  }
}

TEST(ToolNamesTest, OpenAiToolsKeepSchemasWhole) {
  Json schema = Json::parse(
      R"({"type":"object","properties":{"url":{"type":"string","format":"uri"}},"required":["url"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"})");
  std::vector<ServerTools> servers = {
      {.server = "b", .tools = {Tool("nav.go", schema, "Go somewhere"), Tool("snap")}},
      {.server = "c", .tools = {Tool("weird", Json::array())}}};
  ToolNameMap map = ToolNameMap::Build(servers);
  std::vector<trace::ToolDef> tools = map.OpenAiTools(servers);
  ASSERT_EQ(tools.size(), 3u);
  EXPECT_EQ(tools[0].name, "nav_go");
  EXPECT_EQ(
      base::DumpJson(tools[0].json),
      base::StrCat(
          R"({"type":"function","function":{"name":"nav_go","description":"Go somewhere","parameters":)",
          base::DumpJson(schema), "}}"));
  ASSERT_NE(tools[0].parameters(), nullptr);
  EXPECT_EQ(*tools[0].parameters(), schema);
  EXPECT_EQ(tools[0].description(), "Go somewhere");
  const Json empty = {{"type", "object"}, {"properties", Json::object()}};
  EXPECT_EQ(tools[1].json["function"]["parameters"], empty);
  EXPECT_EQ(tools[2].json["function"]["parameters"], empty);
  // A route whose tool is missing from the list given is left out.
  EXPECT_EQ(map.OpenAiTools({servers[1]}).size(), 1u);
}

TEST(ToolNamesTest, IsValidFunctionName) {
  EXPECT_TRUE(IsValidFunctionName("a"));
  EXPECT_TRUE(IsValidFunctionName("A-z_09"));
  EXPECT_TRUE(IsValidFunctionName(std::string(64, 'x')));
  EXPECT_FALSE(IsValidFunctionName(std::string(65, 'x')));
  EXPECT_FALSE(IsValidFunctionName(""));
  EXPECT_FALSE(IsValidFunctionName("a.b"));
  EXPECT_FALSE(IsValidFunctionName("a b"));
}

}  // namespace
}  // namespace tracemill::mcp
