#include "libs/base/ids.h"

#include <set>

#include "gtest/gtest.h"

namespace tracemill::base {
namespace {

TEST(IdsTest, UuidV7Layout) {
  std::string id = UuidV7(0x0190A5F1B2C3ull, 0xFFFF, 0xFFFFFFFFFFFFFFFFull);
  EXPECT_TRUE(LooksLikeUuid(id));
  EXPECT_EQ(id.substr(0, 13), "0190a5f1-b2c3");
  EXPECT_EQ(id[14], '7');                       // version
  EXPECT_TRUE(id[19] >= '8' && id[19] <= 'b');  // RFC 4122 variant
}

TEST(IdsTest, SortByTime) { EXPECT_LT(UuidV7(1000, 5, 5), UuidV7(1001, 0, 0)); }

TEST(IdsTest, DerivedIdsArePureFunctionsOfTheirKeys) {
  EXPECT_EQ(DerivedId("run-1\ntask-7"), DerivedId("run-1\ntask-7"));
  EXPECT_TRUE(LooksLikeUuid(DerivedId("x")));
  EXPECT_EQ(DerivedId("x")[14], '8');
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(DerivedId("task-" + std::to_string(i))).second);
  EXPECT_NE(DerivedId(""), DerivedId(std::string(1, '\0')));
}

TEST(IdsTest, NewIdsAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(NewId()).second);
}

TEST(IdsTest, LooksLikeUuidRejects) {
  EXPECT_FALSE(LooksLikeUuid("not-an-id"));
  EXPECT_FALSE(LooksLikeUuid("0190A5F1-B2C3-7FFF-BFFF-FFFFFFFFFFFF"));
}

}  // namespace
}  // namespace tracemill::base
