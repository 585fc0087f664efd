#include "libs/eval/bars.h"

#include "gtest/gtest.h"

namespace tracemill::eval {
namespace {

TEST(BarsTest, MissesLowRatesAndWhatWasNotMeasured) {
  const std::vector<Metric> metrics = {{"pass@1", "", {.count = 3, .n = 10}},
                                       {"valid_tool_use", "", {.count = 9, .n = 10}},
                                       {"argument_accuracy", "", {.count = 0, .n = 0}}};
  EXPECT_TRUE(MissedBars(metrics, {{"pass@1", 0.3}, {"valid_tool_use", 0.9}}).empty());
  const auto missed = MissedBars(metrics, {{"pass@1", 0.31}, {"argument_accuracy", 0.1}, {"nope", 0.0}});
  ASSERT_EQ(missed.size(), 3u);
  EXPECT_EQ(missed[0], "pass@1 0.30 < 0.31 (3/10)");
  EXPECT_NE(missed[1].find("n/a"), std::string::npos);
  EXPECT_NE(missed[2].find("not measured"), std::string::npos);
  EXPECT_EQ(BarsToJson({{"pass@1", 0.5}})[0]["min"], 0.5);
}

}  // namespace
}  // namespace tracemill::eval
