#include "libs/base/progress.h"

#include "gtest/gtest.h"

namespace tracemill::base {
namespace {

TEST(ProgressTest, FormatBytes) {
  EXPECT_EQ(FormatBytes(312), "312 B");
  EXPECT_EQ(FormatBytes(1500000), "1.5 MB");
  EXPECT_EQ(FormatBytes(4e9), "4.0 GB");
}

TEST(ProgressTest, RenderWithTotal) {
  ProgressBar bar("curate", 1000, ProgressBar::Unit::kBytes, /*enabled=*/false);
  std::string line = bar.Render(500, 2.0);
  EXPECT_NE(line.find("curate ["), std::string::npos);
  EXPECT_NE(line.find("50.0%"), std::string::npos);
  EXPECT_NE(line.find("250 B/s"), std::string::npos);
  EXPECT_NE(line.find("eta 0m02s"), std::string::npos);
}

TEST(ProgressTest, RenderWithoutTotal) {
  ProgressBar bar("rows", 0, ProgressBar::Unit::kCount, /*enabled=*/false);
  EXPECT_EQ(bar.Render(42, 0), "rows 42");
  bar.SetSuffix("loss 1.25");
  EXPECT_EQ(bar.Render(42, 0), "rows 42 loss 1.25");
}

}  // namespace
}  // namespace tracemill::base
