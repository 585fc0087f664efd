#include "libs/trace/curate_options.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"

namespace tracemill::trace {
namespace {

absl::StatusOr<CurateOptions> Parse(const std::string& yaml, const std::string& dir = ".") {
  return ParseCurateRules(yaml, "rules.yaml", dir);
}

TEST(CurateOptionsTest, EmptyFileKeepsDefaults) {
  auto o = Parse("");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->drop_guidance);
  EXPECT_TRUE(o->redact);
  EXPECT_TRUE(o->dedupe);
  EXPECT_EQ(o->truncate_tool_results, 0u);
  EXPECT_EQ(o->drop_on.size(), 3u);
  EXPECT_EQ(o->on_tool_error, ToolErrorPolicy::kKeep);
}

TEST(CurateOptionsTest, EveryKey) {
  std::string dir = base::FreshTestDir();
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/hint.txt", "Use the Products link.").ok());
  auto o = Parse(R"(
gates:
  check_schema: false
  drop_on: [structure, outcome]
  on_tool_error: drop
edits:
  drop_guidance: no
  guidance_texts: ["You are a browser agent."]
  guidance_files: [hint.txt]
  delete_messages: ["run-1:3", "a:b:7"]
  delete_user_turns: "run-2:0"
  merge_user_turns: true
  merge_separator: " | "
  drop_reasoning: true
  truncate_tool_results: 16000
  truncate_tool_results_tokens: 4000
  redact: true
  redact_emails: true
dedupe: false
tokens:
  max_tokens: 8192
  over_max_tokens: report
)",
                 dir);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->gates.check_schema);
  EXPECT_EQ(o->drop_on, (std::set<Gate>{Gate::kStructure, Gate::kOutcome}));
  EXPECT_EQ(o->on_tool_error, ToolErrorPolicy::kDrop);
  EXPECT_FALSE(o->drop_guidance);
  ASSERT_EQ(o->guidance_texts.size(), 2u);
  EXPECT_EQ(o->guidance_texts[1], "Use the Products link.");
  ASSERT_EQ(o->delete_messages.size(), 2u);
  EXPECT_EQ(o->delete_messages[1].trace_id, "a:b");
  EXPECT_EQ(o->delete_messages[1].index, 7);
  ASSERT_EQ(o->delete_user_turns.size(), 1u);
  EXPECT_EQ(o->delete_user_turns[0].trace_id, "run-2");
  EXPECT_TRUE(o->merge_user_turns);
  EXPECT_EQ(o->merge_separator, " | ");
  EXPECT_TRUE(o->drop_reasoning);
  EXPECT_EQ(o->truncate_tool_results, 16000u);
  EXPECT_TRUE(o->redact_options.emails);
  EXPECT_FALSE(o->dedupe);
  EXPECT_EQ(o->truncate_tool_results_tokens, 4000u);
  EXPECT_EQ(o->max_tokens, 8192u);
  EXPECT_FALSE(o->drop_over_max_tokens);
  EXPECT_TRUE(o->token_rules_need_model());
}

TEST(CurateOptionsTest, DropOnNone) {
  auto o = Parse("gates:\n  drop_on: [none]\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->drop_on.empty());
}

TEST(CurateOptionsTest, FileOverridesBase) {
  CurateOptions base;
  base.truncate_tool_results = 500;
  base.dedupe = false;
  auto o = ParseCurateRules("edits:\n  truncate_tool_results: 0\n", "r.yaml", ".", base);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->truncate_tool_results, 0u);
  EXPECT_FALSE(o->dedupe);  // untouched keys keep the base value
}

struct BadRules {
  const char* name;
  const char* yaml;
  const char* expect;
};

class CurateOptionsBadTest : public testing::TestWithParam<BadRules> {};

TEST_P(CurateOptionsBadTest, NamesFileLineAndKey) {
  auto o = Parse(GetParam().yaml);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  std::string msg(o.status().message());
  EXPECT_EQ(msg.rfind("rules.yaml:", 0), 0u) << msg;
  EXPECT_NE(msg.find(GetParam().expect), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CurateOptionsBadTest,
    testing::Values(
        BadRules{"UnknownTopKey", "gate:\n  check_schema: true\n", "unknown key \"gate\""},
        BadRules{"UnknownEditKey", "edits:\n  truncate: 5\n", "rules.yaml:2:3: edits: unknown key"},
        BadRules{"UnknownGateKey", "gates:\n  strict: true\n", "gates: unknown key \"strict\""},
        BadRules{"NotAMapping", "- a\n- b\n", "expected a mapping"},
        BadRules{"BadBool", "dedupe: maybe\n", "expected true or false, got \"maybe\""},
        BadRules{"BadNumber", "edits:\n  truncate_tool_results: -3\n",
                 "expected a non-negative integer"},
        BadRules{"BadGate", "gates:\n  drop_on: [format, vibes]\n", "unknown gate \"vibes\""},
        BadRules{"BadPolicy", "gates:\n  on_tool_error: ignore\n", "expected keep or drop"},
        BadRules{"BadRef", "edits:\n  delete_messages: [\"no-index\"]\n",
                 "expected <trace id>:<index>"},
        BadRules{"NegativeRef", "edits:\n  delete_user_turns: [\"t:-1\"]\n", "non-negative index"},
        BadRules{"MissingGuidanceFile", "edits:\n  guidance_files: [nope.txt]\n", "nope.txt"},
        BadRules{"MalformedYaml", "edits: [unclosed\n", "malformed YAML"},
        BadRules{"BadOverMaxTokens", "tokens:\n  over_max_tokens: cut\n",
                 "rules.yaml:2:20: over_max_tokens: expected drop or report"},
        BadRules{"UnknownTokensKey", "tokens:\n  max_len: 5\n", "tokens: unknown key \"max_len\""},
        BadRules{"TokensNotAMapping", "tokens: 5\n", "tokens: expected a mapping"},
        BadRules{"EditsNotMap", "edits: 5\n", "edits: expected a mapping"},
        BadRules{"ListForString", "edits:\n  merge_separator: [a]\n", "expected a string"}),
    [](const testing::TestParamInfo<BadRules>& info) { return std::string(info.param.name); });

TEST(CurateOptionsTest, LoadNamesTheFile) {
  auto o = LoadCurateRules("/nonexistent/rules.yaml");
  EXPECT_EQ(o.status().code(), absl::StatusCode::kNotFound);
  auto ex = LoadCurateRules(std::string(TRACEMILL_SOURCE_DIR) + "/examples/curate_rules.yaml");
  ASSERT_TRUE(ex.ok()) << ex.status();
  EXPECT_EQ(ex->guidance_texts.size(), 1u);  // guidance_files resolved next to the rules
  EXPECT_EQ(ex->truncate_tool_results, 16000u);
}

TEST(CurateOptionsTest, ParseMessageRef) {
  EXPECT_EQ(ParseMessageRef("t:0")->index, 0);
  EXPECT_FALSE(ParseMessageRef(":3").ok());
  EXPECT_FALSE(ParseMessageRef("t:").ok());
  EXPECT_FALSE(ParseMessageRef("t:3x").ok());
  EXPECT_FALSE(ParseMessageRef("t:99999999999999999999").ok());
}

}  // namespace
}  // namespace tracemill::trace
