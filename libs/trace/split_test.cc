#include "libs/trace/split.h"

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/str_cat.h"

namespace tracemill::trace {
namespace {

TEST(SplitTest, Deterministic) {
  SplitOptions options;
  for (int i = 0; i < 100; ++i) {
    std::string id = base::StrCat("trace-", i);
    EXPECT_EQ(AssignSplit(id, options), AssignSplit(id, options));
    EXPECT_EQ(SplitPosition(id, 42), SplitPosition(std::string(id), 42));
  }
}

TEST(SplitTest, PinnedValues) {
  // The split must not change between versions: published datasets and reruns rely on
  // it. These values were computed independently (in Python) from the algorithm in
  // split.h.
  EXPECT_EQ(SplitPosition("", 0), 0x1.027e02e9446cfp-1);
  EXPECT_EQ(SplitPosition("abc", 42), 0x1.a125ea40a6792p-1);
}

TEST(SplitTest, GroupsRowsByOriginalIdOnly) {
  // The decision depends on the original id alone, not on what else was assigned before.
  SplitOptions options{0.5, 7};
  std::map<std::string, std::string_view> first;
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < 200; ++i) {
      int k = pass == 0 ? i : 199 - i;  // reverse order on the second pass
      std::string id = base::StrCat("run-", k);
      std::string_view split = AssignSplit(id, options);
      auto [it, inserted] = first.emplace(id, split);
      if (!inserted) {
        EXPECT_EQ(it->second, split) << id;
      }
    }
  }
}

TEST(SplitTest, RatioWithinTolerance) {
  for (double ratio : {0.1, 0.25, 0.5}) {
    SplitOptions options{ratio, 42};
    int eval = 0;
    const int n = 10000;
    for (int i = 0; i < n; ++i) {
      eval += AssignSplit(base::StrCat("0190f3a1-0000-7000-8000-", i), options) == kEvalSplit;
    }
    // 4 sigma of a binomial(n, ratio).
    double tolerance = 4 * std::sqrt(n * ratio * (1 - ratio));
    EXPECT_NEAR(eval, n * ratio, tolerance) << ratio;
  }
}

TEST(SplitTest, SeedChangesAssignment) {
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string id = base::StrCat("t", i);
    differ += AssignSplit(id, {0.5, 1}) != AssignSplit(id, {0.5, 2});
  }
  EXPECT_GT(differ, 350);
  EXPECT_LT(differ, 650);
}

TEST(SplitTest, EdgeRatios) {
  for (int i = 0; i < 1000; ++i) {
    std::string id = base::StrCat("x", i);
    EXPECT_EQ(AssignSplit(id, {0.0, 42}), kTrainSplit);
    EXPECT_EQ(AssignSplit(id, {1.0, 42}), kEvalSplit);
  }
  EXPECT_EQ(AssignSplit("", {1.0, 0}), "eval");
  EXPECT_EQ(AssignSplit("", {0.0, 0}), "train");
}

TEST(SplitTest, PositionInUnitInterval) {
  for (int i = 0; i < 1000; ++i) {
    double u = SplitPosition(base::StrCat("id", i), static_cast<uint64_t>(i) * 977);
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(SplitTest, ValidateOptions) {
  EXPECT_TRUE(ValidateSplitOptions({}).ok());
  EXPECT_TRUE(ValidateSplitOptions({0.0, 1}).ok());
  EXPECT_TRUE(ValidateSplitOptions({1.0, 1}).ok());
  for (double bad :
       {-0.01, 1.01, std::numeric_limits<double>::quiet_NaN(),
        std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    absl::Status s = ValidateSplitOptions({bad, 1});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(std::string(s.message()).find("eval_ratio"), std::string::npos);
  }
}

TEST(SplitTest, NanRatioGivesTrain) {
  EXPECT_EQ(AssignSplit("a", {std::numeric_limits<double>::quiet_NaN(), 1}), kTrainSplit);
}

}  // namespace
}  // namespace tracemill::trace

namespace tracemill::trace {
namespace {

TEST(ExactSplitTest, CutGivesExactCounts) {
  std::vector<double> positions;
  for (int i = 0; i < 20; ++i) positions.push_back(SplitPosition("trace-" + std::to_string(i), 42));
  for (double ratio : {0.0, 0.05, 0.1, 0.25, 0.5, 0.99, 1.0}) {
    double cut = ExactSplitCut(positions, ratio);
    int eval = 0;
    for (double p : positions) eval += SplitForPosition(p, cut) == kEvalSplit;
    EXPECT_EQ(eval, std::llround(ratio * 20)) << ratio;
  }
}

TEST(ExactSplitTest, IndependentOfOrderAndEmpty) {
  std::vector<double> a = {0.9, 0.1, 0.5, 0.3};
  std::vector<double> b = {0.3, 0.5, 0.1, 0.9};
  EXPECT_EQ(ExactSplitCut(a, 0.5), ExactSplitCut(b, 0.5));
  EXPECT_EQ(ExactSplitCut({}, 0.5), 0.0);
  EXPECT_EQ(SplitForPosition(0.2, 0.0), kTrainSplit);
}

}  // namespace
}  // namespace tracemill::trace
