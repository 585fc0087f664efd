#include "libs/text/bpe_model.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tracemill::text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// a=0 b=1 c=2 ab=3 bc=4 abc=5 aa=6 Ġ=7
std::unique_ptr<BpeModel> Tiny(std::vector<std::pair<std::string, std::string>> merges,
                               BpeModel::Options options = {}) {
  auto model = BpeModel::Create(
      {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}, {"aa", 6}, {"Ġ", 7}}, merges,
      options, "tiny");
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : nullptr;
}

std::vector<int32_t> Encode(const BpeModel& model, std::string_view word) {
  std::vector<int32_t> ids;
  model.EncodeWord(word, &ids);
  return ids;
}

TEST(BpeModelTest, MergesByRank) {
  auto ab_first = Tiny({{"a", "b"}, {"b", "c"}, {"ab", "c"}});
  EXPECT_THAT(Encode(*ab_first, "abc"), ElementsAre(5));
  auto bc_first = Tiny({{"b", "c"}, {"a", "b"}, {"ab", "c"}});
  EXPECT_THAT(Encode(*bc_first, "abc"), ElementsAre(0, 4));
  EXPECT_THAT(Encode(*bc_first, " a"), ElementsAre(7, 0));
  EXPECT_TRUE(Encode(*bc_first, "").empty());
  // Bytes with no token are dropped; their neighbours then merge.
  EXPECT_THAT(Encode(*bc_first, "axb"), ElementsAre(3));
}

TEST(BpeModelTest, EqualRanksMergeLeftmostFirst) {
  auto model = Tiny({{"a", "a"}});
  EXPECT_THAT(Encode(*model, "aaa"), ElementsAre(6, 0));
  EXPECT_THAT(Encode(*model, "aaaa"), ElementsAre(6, 6));
}

TEST(BpeModelTest, LongWordsMatchShortWordOrder) {
  // Over the short-word limit the heap path runs; it must agree with piecewise results.
  auto model = Tiny({{"b", "c"}, {"a", "b"}, {"ab", "c"}, {"a", "a"}});
  std::string word;
  std::vector<int32_t> expected;
  for (int i = 0; i < 40; ++i) {
    word += "abcaab";
    std::vector<int32_t> one = Encode(*model, "abcaab");
    expected.insert(expected.end(), one.begin(), one.end());
  }
  // "b" followed by "a" never merges, so each "abcaab" encodes on its own.
  EXPECT_EQ(Encode(*model, word), expected);
}

TEST(BpeModelTest, IgnoreMerges) {
  BpeModel::Options options;
  options.ignore_merges = true;
  auto model = Tiny({{"b", "c"}, {"a", "b"}}, options);
  EXPECT_THAT(Encode(*model, "abc"), ElementsAre(5));
}

TEST(BpeModelTest, Lookups) {
  auto model = Tiny({});
  EXPECT_EQ(model->TokenToId("ab"), 3);
  EXPECT_EQ(model->TokenToId("zz"), -1);
  EXPECT_EQ(model->IdToToken(7), "Ġ");
  EXPECT_EQ(model->IdToToken(99), "");
  EXPECT_EQ(model->IdToToken(-1), "");
  EXPECT_EQ(model->vocab_size(), 8);
}

TEST(BpeModelTest, Errors) {
  auto unknown = BpeModel::Create({{"a", 0}}, {{"a", "q"}}, {}, "f.json");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("f.json: model.merges[0]"));
  auto no_result = BpeModel::Create({{"a", 0}, {"b", 1}}, {{"a", "b"}}, {}, "f.json");
  EXPECT_THAT(std::string(no_result.status().message()), HasSubstr("\"ab\" is not in"));
  auto dup = BpeModel::Create({{"a", 0}, {"b", 0}}, {}, {}, "f.json");
  EXPECT_THAT(std::string(dup.status().message()), HasSubstr("id 0"));
  auto negative = BpeModel::Create({{"a", -3}}, {}, {}, "f.json");
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tracemill::text
