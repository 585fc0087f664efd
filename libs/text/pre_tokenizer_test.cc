#include "libs/text/pre_tokenizer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tracemill::text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kQwenPattern[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::vector<std::string> Pieces(const PreTokenizer& pre, std::string_view text) {
  std::vector<std::string_view> views;
  pre.Split(text, &views);
  return std::vector<std::string>(views.begin(), views.end());
}

TEST(PreTokenizerTest, QwenPattern) {
  auto pre = PreTokenizer::Create({kQwenPattern}, "test");
  ASSERT_TRUE(pre.ok()) << pre.status();
  EXPECT_THAT(Pieces(**pre, "Hello world's 123  x\n\n\ty"),
              ElementsAre("Hello", " world", "'s", " ", "1", "2", "3", " ", " x", "\n\n", "\ty"));
  EXPECT_THAT(Pieces(**pre, "DON'T it'S"), ElementsAre("DON", "'T", " it", "'S"));
  EXPECT_THAT(Pieces(**pre, "a  \xE4\xB8\x96\xE7\x95\x8C!!"),
              ElementsAre("a", " ", " \xE4\xB8\x96\xE7\x95\x8C", "!!"));
  EXPECT_TRUE(Pieces(**pre, "").empty());
}

TEST(PreTokenizerTest, GapsAreKept) {
  auto pre = PreTokenizer::Create({"[0-9]+"}, "test");
  ASSERT_TRUE(pre.ok()) << pre.status();
  EXPECT_THAT(Pieces(**pre, "ab12cd3"), ElementsAre("ab", "12", "cd", "3"));
  auto none = PreTokenizer::Create({}, "test");
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(Pieces(**none, "a b"), ElementsAre("a b"));
}

TEST(PreTokenizerTest, LongWhitespaceRun) {
  auto pre = PreTokenizer::Create({kQwenPattern}, "test");
  ASSERT_TRUE(pre.ok());
  std::string text(200000, ' ');
  text += "x";
  EXPECT_THAT(Pieces(**pre, text), ElementsAre(std::string(199999, ' '), " x"));
}

TEST(PreTokenizerTest, BadPatternIsAnError) {
  auto pre = PreTokenizer::Create({"(unclosed"}, "tok.json");
  ASSERT_FALSE(pre.ok());
  EXPECT_EQ(pre.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(pre.status().message()), HasSubstr("tok.json"));
}

}  // namespace
}  // namespace tracemill::text
