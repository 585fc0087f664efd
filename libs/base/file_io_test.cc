#include "libs/base/file_io.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "libs/base/test_util.h"

namespace tracemill::base {
namespace {

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

TEST(FileIoTest, WriteAtomicThenRead) {
  std::string dir = FreshTestDir();
  std::string path = dir + "/a.txt";
  ASSERT_TRUE(WriteFileAtomic(path, "hello").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "world").ok());
  EXPECT_EQ(*ReadFile(path), "world");
  EXPECT_EQ(CountFiles(dir), 1u);  // no temp files left behind
}

TEST(FileIoTest, UncommittedWriterLeavesNothing) {
  std::string dir = FreshTestDir();
  {
    auto w = AtomicFileWriter::Open(dir + "/b.txt");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("partial").ok());
  }
  EXPECT_EQ(CountFiles(dir), 0u);
}

TEST(FileIoTest, CommitAsRenames) {
  std::string dir = FreshTestDir();
  auto w = AtomicFileWriter::Open(dir + "/shard.tmpname");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("x").ok());
  ASSERT_TRUE((*w)->CommitAs(dir + "/final.jsonl").ok());
  EXPECT_EQ(*ReadFile(dir + "/final.jsonl"), "x");
  EXPECT_FALSE((*w)->Append("more").ok());
}

TEST(FileIoTest, MissingFileIsNotFound) {
  auto r = ReadFile("/nonexistent/tracemill/file");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/tracemill/file"), std::string::npos);
}

TEST(FileIoTest, MakeDirsOverFileFails) {
  std::string dir = FreshTestDir();
  ASSERT_TRUE(WriteFileAtomic(dir + "/f", "x").ok());
  EXPECT_FALSE(MakeDirs(dir + "/f").ok());
  EXPECT_TRUE(MakeDirs(dir + "/g/h").ok());
}

}  // namespace
}  // namespace tracemill::base
