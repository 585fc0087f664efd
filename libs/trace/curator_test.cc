#include "libs/trace/curator.h"

#include <algorithm>
#include <filesystem>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"
#include "libs/trace/test_util.h"
#include "libs/trace/trace_json.h"
#include "libs/trace/trace_reader.h"

namespace tracemill::trace {
namespace {

constexpr char kToken[] = "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";

Trace Parse(const std::string& text, const std::string& id = "t") {
  Trace t = ParseOrFail(text);
  t.id = id;
  return t;
}

// system, user, assistant(call), tool, assistant(answer), user, assistant(answer).
std::string Clean(const std::string& result = "page text") {
  return R"({"messages":[
    {"role":"system","content":"You are a browser agent."},
    {"role":"user","content":"open example.com"},
    {"role":"assistant","content":"\n\n","tool_calls":[{"id":"c1","type":"function",
      "function":{"name":"nav","arguments":"{\"url\":\"https://example.com\"}"}}]},
    {"role":"tool","tool_call_id":"c1","content":")" +
         result + R"("},
    {"role":"assistant","content":"It says Example Domain."},
    {"role":"user","content":"thanks"},
    {"role":"assistant","content":"You're welcome."}],
   "tools":[{"type":"function","function":{"name":"nav","parameters":{"type":"object",
     "properties":{"url":{"type":"string"}},"required":["url"]}}}]})";
}

TEST(CuratorTest, KeepsACleanTraceAndCountsIt) {
  Curator curator(CurateOptions{});
  Trace t = Parse(Clean());
  CurateDecision d = curator.Process(&t);
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(curator.report().traces_out, 1);
  EXPECT_EQ(curator.report().messages_in, 7);
  EXPECT_TRUE(curator.report().findings.empty());
}

TEST(CuratorTest, DropOnDecidesWhichGatesDrop) {
  std::string dangling = R"({"messages":[{"role":"user","content":"q"},
    {"role":"assistant","content":"","tool_calls":[{"id":"c","type":"function",
      "function":{"name":"nav","arguments":"{}"}}]}],"tools":[]})";
  {
    Curator curator(CurateOptions{});
    Trace t = Parse(dangling);
    CurateDecision d = curator.Process(&t);
    EXPECT_FALSE(d.keep);
    EXPECT_FALSE(d.findings.empty());
    EXPECT_EQ(curator.report().dropped, 1);
    EXPECT_GE(curator.report().findings.at("outcome.dangling_tool_call"), 1);
  }
  {
    CurateOptions options;
    options.drop_on.clear();
    Curator curator(options);
    Trace t = Parse(dangling);
    EXPECT_TRUE(curator.Process(&t).keep);
    EXPECT_GE(curator.report().findings.at("outcome.dangling_tool_call"), 1);  // still counted
  }
}

TEST(CuratorTest, ToolErrorsAreKeptOrDroppedByPolicy) {
  for (ToolErrorPolicy policy : {ToolErrorPolicy::kKeep, ToolErrorPolicy::kDrop}) {
    CurateOptions options;
    options.on_tool_error = policy;
    Curator curator(options);
    Trace t = Parse(Clean("User rejected tool call."));
    CurateDecision d = curator.Process(&t);
    EXPECT_EQ(d.keep, policy == ToolErrorPolicy::kKeep);
    EXPECT_EQ(curator.report().tool_errors_by_kind.at("rejected"), 1);
    if (!d.keep) {
      EXPECT_EQ(d.dropped_by, "execution");
    }
  }
}

TEST(CuratorTest, DeletionsNameInputPositionsEvenAfterGuidanceDrop) {
  CurateOptions options;
  options.guidance_texts = {"You are a browser agent."};
  // Input positions: 5 = second user message, 6 = its answer; delete that turn.
  options.delete_user_turns = {{"t", 1}};
  options.delete_messages = {{"t", 6}, {"t", 6}};  // inside the turn, and repeated
  Curator curator(options);
  Trace t = Parse(Clean());
  ASSERT_TRUE(curator.Process(&t).keep);
  ASSERT_EQ(t.messages.size(), 4u);
  EXPECT_EQ(t.messages[0].role, Role::kUser);  // guidance system prompt gone too
  EXPECT_EQ(t.messages.back().Text(), "It says Example Domain.");
  EXPECT_GE(curator.report().edits.at("drop_guidance"), 1);
}

TEST(CuratorTest, AFailedDeletionDropsTheTraceRedacted) {
  CurateOptions options;
  options.delete_messages = {{"t", 3}};  // a tool message: refused
  Curator curator(options);
  Trace t = Parse(Clean(std::string("token ") + kToken));
  CurateDecision d = curator.Process(&t);
  EXPECT_FALSE(d.keep);
  EXPECT_EQ(d.dropped_by, "edit_failed");
  EXPECT_EQ(t.messages.size(), 7u);  // nothing deleted
  EXPECT_EQ(t.messages[3].Text().find(kToken), std::string::npos);
}

TEST(CuratorTest, RedactionRunsBeforeTruncation) {
  CurateOptions options;
  // Cut in the middle of the token: were truncation first, the 20 characters left of it
  // would be too short for the scanner to recognise.
  options.truncate_tool_results = 6 + 20;
  Curator curator(options);
  Trace t = Parse(Clean(std::string("token ") + kToken + " and more text after it"));
  ASSERT_TRUE(curator.Process(&t).keep);
  const std::string& text = t.messages[3].Text();
  EXPECT_EQ(text.find("hf_aBcDeFg"), std::string::npos) << text;
  EXPECT_NE(text.find("[Content truncated to 26 characters]"), std::string::npos) << text;
}

TEST(CuratorTest, MaxTokensDropsOrReports) {
  // A stand-in count: one token per byte of every message's content.
  auto count = [](const Trace& t) -> absl::StatusOr<size_t> {
    if (t.id == "unrenderable") return absl::InvalidArgumentError("template:1:1: boom");
    size_t n = 0;
    for (const Message& m : t.messages) n += m.content ? m.content->size() : 0;
    return n;
  };
  CurateOptions options;
  options.max_tokens = 100;
  options.count_trace_tokens = count;
  options.dedupe = false;
  {
    Curator curator(options);
    Trace small = Parse(Clean(), "small");
    Trace big = Parse(Clean(std::string(200, 'x')), "big");
    Trace bad = Parse(Clean(), "unrenderable");
    EXPECT_TRUE(curator.Process(&small).keep);
    CurateDecision d = curator.Process(&big);
    EXPECT_FALSE(d.keep);
    EXPECT_EQ(d.dropped_by, "max_tokens");
    EXPECT_NE(d.reason.find("over max_tokens 100"), std::string::npos) << d.reason;
    CurateDecision e = curator.Process(&bad);
    EXPECT_FALSE(e.keep);
    EXPECT_EQ(e.dropped_by, "template");
    EXPECT_NE(e.reason.find("template:1:1: boom"), std::string::npos);
    const CurateReport& r = curator.report();
    EXPECT_EQ(r.over_max_tokens, 1);
    EXPECT_EQ(r.tokens_counted, 1);
    EXPECT_EQ(r.dropped_by.at("max_tokens"), 1);
    EXPECT_EQ(r.ToJson()["tokens"]["over_max_tokens"], 1);
    EXPECT_NE(r.ToText().find("1 over max_tokens"), std::string::npos);
  }
  options.drop_over_max_tokens = false;
  {
    Curator curator(options);
    Trace big = Parse(Clean(std::string(200, 'x')), "big");
    EXPECT_TRUE(curator.Process(&big).keep);
    EXPECT_EQ(curator.report().over_max_tokens, 1);
    EXPECT_EQ(curator.report().tokens_max, static_cast<int64_t>(*count(big)));
  }
}

TEST(CuratorTest, DuplicatesAndUnmatchedRefs) {
  CurateOptions options;
  options.delete_messages = {{"nobody", 2}};
  Curator curator(options);
  Trace a = Parse(Clean(), "a");
  Trace b = Parse(Clean(), "b");
  EXPECT_TRUE(curator.Process(&a).keep);
  CurateDecision d = curator.Process(&b);
  EXPECT_FALSE(d.keep);
  EXPECT_EQ(d.dropped_by, "duplicate");
  curator.Finish();
  EXPECT_EQ(curator.report().unmatched_refs, std::vector<std::string>{"nobody:2"});
  EXPECT_NE(curator.report().ToText().find("warning: deletion nobody:2"), std::string::npos);
  Json j = curator.report().ToJson();
  EXPECT_EQ(j["dropped_by"]["duplicate"], 1);
  EXPECT_EQ(j["unmatched_refs"][0], "nobody:2");
}

TEST(CuratorTest, CurateFilesWritesKeptRejectedAndRedactedIssues) {
  std::string dir = base::FreshTestDir();
  std::string in = dir + "/in.jsonl";
  std::string clean = Clean();
  clean.erase(std::remove(clean.begin(), clean.end(), '\n'), clean.end());
  std::string text = clean + "\n" + clean + "\n" + R"({"messages":[{"role":")" + kToken +
                     R"(","content":"x"}]})" + "\n";
  ASSERT_TRUE(base::WriteFileAtomic(in, text).ok());
  CurateFilesOptions files;
  files.output = dir + "/out.jsonl";
  files.rejects = dir + "/rejects.jsonl";
  CurateReport report;
  ASSERT_TRUE(CurateFiles({in}, CurateOptions{}, files, &report).ok());
  EXPECT_EQ(report.traces_out, 1);
  EXPECT_EQ(report.read.skipped_by_reason.at("unknown_role"), 1);
  ASSERT_EQ(report.read.issues.size(), 1u);
  EXPECT_EQ(report.read.issues[0].message.find(kToken), std::string::npos)
      << report.read.issues[0].message;
  auto rejects = ReadAllTraces({files.rejects});
  ASSERT_TRUE(rejects.ok());
  ASSERT_EQ(rejects->size(), 1u);
  EXPECT_EQ((*rejects)[0].extra["rejected"]["by"], "duplicate");
  EXPECT_EQ((*rejects)[0].id, "in-2");
}

}  // namespace
}  // namespace tracemill::trace
