#include "libs/text/unicode_classes.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/text/pre_tokenizer.h"

namespace tracemill::text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(UnicodeClassesTest, RewritesMajorClassesOnly) {
  EXPECT_EQ(WidenUnicodeClasses(R"(\s+|\d|\p{Lu}|\p{Han}|[a-z]|\\p{L})"),
            R"(\s+|\d|\p{Lu}|\p{Han}|[a-z]|\\p{L})");
  EXPECT_THAT(WidenUnicodeClasses(R"(\p{S})"), StartsWith(R"([\p{S}\x{)"));
  EXPECT_THAT(WidenUnicodeClasses(R"([^\s\p{L}])"), StartsWith(R"([^\s\p{L}\x{)"));
  EXPECT_THAT(WidenUnicodeClasses(R"(\PL)"), StartsWith(R"([^\p{L}\x{)"));
  // Inside brackets a negated class is left alone; \Q..\E is literal.
  EXPECT_EQ(WidenUnicodeClasses(R"([\P{L}])"), R"([\P{L}])");
  EXPECT_EQ(WidenUnicodeClasses(R"(\Q\p{L}\E)"), R"(\Q\p{L}\E)");
  // A leading ']' in brackets is literal, and a POSIX class does not close them.
  EXPECT_THAT(WidenUnicodeClasses(R"([][:alpha:]\p{N}])"), StartsWith(R"([][:alpha:]\p{N}\x{)"));
}

std::vector<std::string> Pieces(const PreTokenizer& pre, std::string_view text) {
  std::vector<std::string_view> views;
  pre.Split(text, &views);
  return std::vector<std::string>(views.begin(), views.end());
}

TEST(UnicodeClassesTest, NewEmojiIsASymbolAsInHuggingFace) {
  // DeepSeek-V3's punctuation/symbol alternative; U+1FADF (splatter, Unicode 16) is So
  // to Oniguruma and unassigned to Unicode 14: HF keeps " 🫟" together.
  auto pre = PreTokenizer::Create({R"( ?[\p{P}\p{S}]+|\s+)"}, "test");
  ASSERT_TRUE(pre.ok()) << pre.status();
  EXPECT_THAT(Pieces(**pre, "a \xF0\x9F\xAB\x9F"), ElementsAre("a", " \xF0\x9F\xAB\x9F"));
  // Still unassigned everywhere (U+E0080): not a symbol.
  EXPECT_THAT(Pieces(**pre, " \xF3\xA0\x82\x80"), ElementsAre(" ", "\xF3\xA0\x82\x80"));
}

TEST(UnicodeClassesTest, ErrorsPointIntoTheOriginalPattern) {
  auto pre = PreTokenizer::Create({R"(\p{L}(unclosed)"}, "tok.json");
  ASSERT_FALSE(pre.ok());
  EXPECT_THAT(std::string(pre.status().message()), HasSubstr("offset 14"));
}

}  // namespace
}  // namespace tracemill::text
