#include "libs/eval/stats.h"

#include "gtest/gtest.h"

namespace tracemill::eval {
namespace {

TEST(WilsonTest, MatchesTheFormula) {
  const Interval ci = Proportion{.count = 31, .n = 50}.Wilson();
  EXPECT_NEAR(ci.low, 0.48150, 1e-4);
  EXPECT_NEAR(ci.high, 0.74137, 1e-4);
  const Interval half = Proportion{.count = 1, .n = 2}.Wilson();
  EXPECT_NEAR(half.low, 0.09453, 1e-4);
  EXPECT_NEAR(half.high, 0.90547, 1e-4);
}

TEST(WilsonTest, EdgesStayInsideZeroOne) {
  const Interval none = Proportion{.count = 0, .n = 10}.Wilson();
  EXPECT_EQ(none.low, 0.0);
  EXPECT_NEAR(none.high, 0.27753, 1e-4);
  const Interval all = Proportion{.count = 10, .n = 10}.Wilson();
  EXPECT_NEAR(all.low, 0.72247, 1e-4);
  EXPECT_EQ(all.high, 1.0);
  const Proportion empty;
  EXPECT_EQ(empty.rate(), 0.0);
  EXPECT_EQ(empty.Wilson().low, 0.0);
  EXPECT_EQ(empty.Wilson().high, 1.0);
}

TEST(DifferenceTest, NewcombeIntervalContainsTheDeltaAndNarrowsWithN) {
  const Proportion a{.count = 10, .n = 50}, b{.count = 30, .n = 50};
  const Interval d = DifferenceInterval(a, b);
  EXPECT_LT(d.low, 0.4);
  EXPECT_GT(d.high, 0.4);
  EXPECT_GT(d.low, 0.0);  // a clear improvement excludes zero
  const Interval wide = DifferenceInterval({.count = 1, .n = 5}, {.count = 3, .n = 5});
  EXPECT_LT(wide.low, 0.0);
  EXPECT_GT(wide.high - wide.low, d.high - d.low);
  const Interval none = DifferenceInterval({}, b);
  EXPECT_EQ(none.low, -1.0);
  EXPECT_EQ(none.high, 1.0);
}

TEST(ProportionTest, AddAndJson) {
  Proportion p;
  p.Add(true);
  p.Add(false);
  p.Add(true);
  EXPECT_EQ(p.count, 2);
  EXPECT_EQ(p.n, 3);
  const Json j = MetricToJson({"m", "what", p});
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["n"], 3);
  EXPECT_NEAR(j["rate"].get<double>(), 2.0 / 3, 1e-12);
  ASSERT_EQ(j["ci95"].size(), 2u);
  EXPECT_EQ(j["name"], "m");
}

}  // namespace
}  // namespace tracemill::eval
