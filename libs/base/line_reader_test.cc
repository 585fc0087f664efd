#include "libs/base/line_reader.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"

namespace tracemill::base {
namespace {

std::string WriteTemp(const std::string& name, const std::string& contents) {
  std::string path = testing::TempDir() + "/line_reader_" + std::to_string(::getpid()) + name;
  EXPECT_TRUE(WriteFileAtomic(path, contents).ok());
  return path;
}

std::vector<std::string> ReadAll(LineReader* r) {
  std::vector<std::string> lines;
  std::string line;
  while (true) {
    auto next = r->Next(&line);
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok() || !*next) break;
    lines.push_back(line);
  }
  return lines;
}

TEST(LineReaderTest, SplitsAndStripsCr) {
  auto r = LineReader::Open(WriteTemp("a", "one\r\ntwo\n\nthree"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ReadAll(r->get()), (std::vector<std::string>{"one", "two", "", "three"}));
  EXPECT_TRUE((*r)->last_line_unterminated());
  EXPECT_EQ((*r)->line_number(), 4);
}

TEST(LineReaderTest, TerminatedLastLine) {
  auto r = LineReader::Open(WriteTemp("b", "x\n"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ReadAll(r->get()).size(), 1u);
  EXPECT_FALSE((*r)->last_line_unterminated());
}

TEST(LineReaderTest, LinesAcrossBufferBoundary) {
  std::string big(3 << 20, 'z');
  auto r = LineReader::Open(WriteTemp("c", "a\n" + big + "\nb\n"));
  ASSERT_TRUE(r.ok());
  auto lines = ReadAll(r->get());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].size(), big.size());
  EXPECT_EQ(lines[2], "b");
}

TEST(LineReaderTest, OverlongLineIsSkippedWithError) {
  auto r = LineReader::Open(WriteTemp("d", "short\n" + std::string(100, 'x') + "\nafter\n"), 10);
  ASSERT_TRUE(r.ok());
  std::string line;
  EXPECT_TRUE(*(*r)->Next(&line));
  auto bad = (*r)->Next(&line);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(":2:"), std::string::npos);
  EXPECT_TRUE(*(*r)->Next(&line));
  EXPECT_EQ(line, "after");
  EXPECT_EQ((*r)->line_number(), 3);
}

TEST(LineReaderTest, MissingFile) {
  EXPECT_EQ(LineReader::Open("/nonexistent/x.jsonl").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tracemill::base
