#include "libs/hub/dataset_writer.h"

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/ids.h"
#include "libs/base/str_cat.h"

namespace tracemill::hub {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

class DatasetWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = base::StrCat(::testing::TempDir(), "/dataset_writer_test_", base::NewId());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<DatasetWriter> OpenWriter(const DatasetWriterOptions& options = {}) {
    auto writer = DatasetWriter::Open(dir_, options);
    EXPECT_TRUE(writer.ok()) << writer.status();
    return writer.ok() ? *std::move(writer) : nullptr;
  }

  // File names in <dir>/data, hidden ones included.
  std::set<std::string> DataFiles() const {
    std::set<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_ + "/data", ec)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  std::vector<Json> ReadShard(const std::string& name) const {
    auto text = base::ReadFile(dir_ + "/data/" + name);
    EXPECT_TRUE(text.ok()) << text.status();
    std::vector<Json> rows;
    if (!text.ok()) return rows;
    EXPECT_TRUE(text->empty() || text->back() == '\n');
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) rows.push_back(Json::parse(line));
    return rows;
  }

  static Json Row(const std::string& id, const std::string& split = "train") {
    return Json{{"id", id}, {"split", split}, {"messages", Json::array()}};
  }

  static DatasetCardInfo Card() {
    DatasetCardInfo card;
    card.title = "test";
    card.unroll_mode = "per-turn";
    card.traces = 3;
    card.rows_per_split = {{"bogus", 999}};  // replaced by the writer's counts
    return card;
  }

  std::string dir_;
};

TEST_F(DatasetWriterTest, WritesShardsAndCard) {
  auto writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write("train", Row("a")).ok());
  ASSERT_TRUE(writer->Write("eval", Row("b", "eval")).ok());
  ASSERT_TRUE(writer->Write("train", Row("c")).ok());
  EXPECT_THAT(writer->rows_per_split(), ElementsAre(Pair("eval", 1), Pair("train", 2)));
  EXPECT_THAT(writer->shards_per_split(), ElementsAre(Pair("eval", 1), Pair("train", 1)));
  ASSERT_TRUE(writer->Close(Card()).ok());

  EXPECT_THAT(DataFiles(),
              UnorderedElementsAre("train-00000-of-00001.jsonl", "eval-00000-of-00001.jsonl"));
  std::vector<Json> train = ReadShard("train-00000-of-00001.jsonl");
  ASSERT_EQ(train.size(), 2u);
  EXPECT_EQ(train[0], Row("a"));
  EXPECT_EQ(train[1], Row("c"));
  EXPECT_EQ(ReadShard("eval-00000-of-00001.jsonl").size(), 1u);
  EXPECT_THAT(writer->shard_paths().at("train"),
              ElementsAre(dir_ + "/data/train-00000-of-00001.jsonl"));

  auto card = base::ReadFile(dir_ + "/README.md");
  ASSERT_TRUE(card.ok()) << card.status();
  EXPECT_TRUE(card->starts_with("---\n"));
  EXPECT_THAT(*card, HasSubstr("  - split: \"train\"\n    path: \"data/train-*.jsonl\"\n"));
  EXPECT_THAT(*card, HasSubstr("  - split: \"eval\"\n    path: \"data/eval-*.jsonl\"\n"));
  EXPECT_THAT(*card, HasSubstr("| train | 2 | 1 |\n| eval | 1 | 1 |\n| **total** | 3 | 2 |"));
  EXPECT_THAT(*card, testing::Not(HasSubstr("bogus")));
}

TEST_F(DatasetWriterTest, RollsOverByRows) {
  DatasetWriterOptions options;
  options.max_shard_rows = 2;
  auto writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer->Write("train", Row(base::StrCat(i))).ok());
  EXPECT_THAT(writer->shards_per_split(), ElementsAre(Pair("train", 3)));
  ASSERT_TRUE(writer->Close(Card()).ok());
  EXPECT_THAT(DataFiles(),
              UnorderedElementsAre("train-00000-of-00003.jsonl", "train-00001-of-00003.jsonl",
                                   "train-00002-of-00003.jsonl"));
  EXPECT_THAT(ReadShard("train-00000-of-00003.jsonl"), ElementsAre(Row("0"), Row("1")));
  EXPECT_THAT(ReadShard("train-00001-of-00003.jsonl"), ElementsAre(Row("2"), Row("3")));
  EXPECT_THAT(ReadShard("train-00002-of-00003.jsonl"), ElementsAre(Row("4")));
}

TEST_F(DatasetWriterTest, RollsOverByBytes) {
  const uint64_t line = base::DumpJson(Row("0")).size() + 1;  // all ids one digit
  DatasetWriterOptions options;
  options.max_shard_bytes = 2 * line + 1;  // two rows fit, three do not
  auto writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer->Write("train", Row(base::StrCat(i))).ok());
  // A row larger than the limit gets a shard of its own.
  Json big = Row("big");
  big["messages"].push_back(std::string(3 * line, 'x'));
  ASSERT_TRUE(writer->Write("train", big).ok());
  ASSERT_TRUE(writer->Write("train", Row("5")).ok());
  ASSERT_TRUE(writer->Close(Card()).ok());
  EXPECT_THAT(DataFiles(),
              UnorderedElementsAre("train-00000-of-00004.jsonl", "train-00001-of-00004.jsonl",
                                   "train-00002-of-00004.jsonl", "train-00003-of-00004.jsonl"));
  EXPECT_THAT(ReadShard("train-00000-of-00004.jsonl"), ElementsAre(Row("0"), Row("1")));
  EXPECT_THAT(ReadShard("train-00001-of-00004.jsonl"), ElementsAre(Row("2"), Row("3")));
  EXPECT_THAT(ReadShard("train-00002-of-00004.jsonl"), ElementsAre(big));
  EXPECT_THAT(ReadShard("train-00003-of-00004.jsonl"), ElementsAre(Row("5")));
  for (const std::string& name : DataFiles()) {
    if (name != "train-00002-of-00004.jsonl") {
      EXPECT_LE(fs::file_size(dir_ + "/data/" + name), options.max_shard_bytes) << name;
    }
  }
}

TEST_F(DatasetWriterTest, RemovesStaleShardsOfEarlierRun) {
  {
    DatasetWriterOptions options;
    options.max_shard_rows = 1;
    auto writer = OpenWriter(options);
    ASSERT_NE(writer, nullptr);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer->Write("train", Row(base::StrCat(i))).ok());
    ASSERT_TRUE(writer->Write("eval", Row("e", "eval")).ok());
    ASSERT_TRUE(writer->Close(Card()).ok());
  }
  ASSERT_EQ(DataFiles().size(), 4u);
  // Files a crashed run left, and one the user keeps there.
  ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/data/.train-00007.jsonl.pending", "{}\n").ok());
  ASSERT_TRUE(
      base::WriteFileAtomic(
          dir_ + "/data/..train-00001.jsonl.pending.0190f3a1-0000-7000-8000-000000000000.tmp", "{")
          .ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/data/notes.txt", "keep me").ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/data/my-data.jsonl", "{}\n").ok());

  auto writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write("train", Row("new")).ok());
  ASSERT_TRUE(writer->Close(Card()).ok());
  EXPECT_THAT(DataFiles(),
              UnorderedElementsAre("train-00000-of-00001.jsonl", "notes.txt", "my-data.jsonl"));
  EXPECT_THAT(ReadShard("train-00000-of-00001.jsonl"), ElementsAre(Row("new")));
  auto card = base::ReadFile(dir_ + "/README.md");
  ASSERT_TRUE(card.ok());
  EXPECT_THAT(*card, testing::Not(HasSubstr("data/eval-*.jsonl")));
}

TEST_F(DatasetWriterTest, RejectsInvalidSplitNamesAndRows) {
  auto writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  for (std::string bad : {"", "my-split", "a b", "train/x", "caf\xc3\xa9", "."}) {
    absl::Status s = writer->Write(bad, Row("x"));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("split")) << bad;
  }
  EXPECT_EQ(writer->Write("train", Json::array()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->Write("train", Json("text")).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(writer->Write("Train_2", Row("x")).ok());
  EXPECT_THAT(writer->rows_per_split(), ElementsAre(Pair("Train_2", 1)));
  EXPECT_TRUE(IsValidSplitName("validation"));
  EXPECT_FALSE(IsValidSplitName("train-1"));
}

TEST_F(DatasetWriterTest, NothingUnderAFinalNameBeforeClose) {
  DatasetWriterOptions options;
  options.max_shard_rows = 1;
  auto writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer->Write("train", Row(base::StrCat(i))).ok());
  std::set<std::string> files = DataFiles();
  EXPECT_EQ(files.size(), 3u);  // two committed pending shards, one temporary file
  for (const std::string& name : files) EXPECT_TRUE(name.starts_with(".")) << name;
  ASSERT_TRUE(writer->Close(Card()).ok());
  files = DataFiles();
  EXPECT_EQ(files.size(), 3u);
  for (const std::string& name : files) {
    EXPECT_FALSE(name.starts_with(".")) << name;
    EXPECT_TRUE(name.ends_with("-of-00003.jsonl")) << name;
  }
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
  }
}

TEST_F(DatasetWriterTest, AbandonedWriterKeepsPreviousDataset) {
  {
    auto writer = OpenWriter();
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Write("train", Row("old")).ok());
    ASSERT_TRUE(writer->Close(Card()).ok());
  }
  {
    DatasetWriterOptions options;
    options.max_shard_rows = 1;
    auto writer = OpenWriter(options);
    ASSERT_NE(writer, nullptr);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer->Write("train", Row("new")).ok());
  }  // destroyed without Close()
  EXPECT_THAT(DataFiles(), ElementsAre("train-00000-of-00001.jsonl"));
  EXPECT_THAT(ReadShard("train-00000-of-00001.jsonl"), ElementsAre(Row("old")));
}

TEST_F(DatasetWriterTest, NoRowsWritesCardOnly) {
  auto writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Close(Card()).ok());
  EXPECT_THAT(DataFiles(), IsEmpty());
  EXPECT_THAT(writer->rows_per_split(), IsEmpty());
  auto card = base::ReadFile(dir_ + "/README.md");
  ASSERT_TRUE(card.ok());
  EXPECT_THAT(*card, testing::Not(HasSubstr("configs:")));
}

TEST_F(DatasetWriterTest, RefusesUseAfterClose) {
  auto writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write("train", Row("a")).ok());
  ASSERT_TRUE(writer->Close(Card()).ok());
  EXPECT_EQ(writer->Write("train", Row("b")).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(writer->Close(Card()).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(ReadShard("train-00000-of-00001.jsonl"), ElementsAre(Row("a")));
}

TEST_F(DatasetWriterTest, OpenErrors) {
  EXPECT_EQ(DatasetWriter::Open("", {}).status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(base::MakeDirs(dir_).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/file", "x").ok());
  EXPECT_FALSE(DatasetWriter::Open(dir_ + "/file", {}).ok());
}

}  // namespace
}  // namespace tracemill::hub
