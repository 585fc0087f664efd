#include "libs/eval/eval_rows.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"

namespace tracemill::eval {
namespace {

const char* kTools =
    R"([{"type":"function","function":{"name":"read_file","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}}])";

std::string Row(std::string_view id, std::string_view split, std::string_view messages,
                std::string_view tools = kTools) {
  Json row = {{"id", id}, {"original_id", "t"}, {"split", split}, {"messages", Json::parse(messages)},
              {"tools", std::string(tools)}};
  return row.dump() + "\n";
}

constexpr std::string_view kGood =
    R"([{"role":"user","content":"read a"},{"role":"assistant","content":null,"reasoning_content":"r","tool_calls":[{"id":"c1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a\"}"}}],"tool_call_id":null,"name":null}])";

TEST(EvalRowsTest, ReadsTheEvalSplitAndCountsBadRowsByReason) {
  const std::string dir = base::FreshTestDir();
  std::filesystem::create_directories(dir + "/data");
  std::string eval = Row("good", "eval", kGood);
  eval += Row("no-final", "eval", R"([{"role":"user","content":"hi"}])");
  eval += Row("bad-args", "eval",
              R"([{"role":"user","content":"x"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"read_file","arguments":"{path: a"}}]}])");
  eval += Row("bad-tools", "eval", kGood, "[{not json");
  eval += "{this is not json\n";
  eval += Row("no-messages", "eval", "[]");
  eval += Row("answer", "eval", R"([{"role":"user","content":"hi"},{"role":"assistant","content":"Hello!"}])");
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/data/eval-00000-of-00001.jsonl", eval).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/data/train-00000-of-00001.jsonl", Row("t1", "train", kGood)).ok());

  auto rows = ReadEvalRows(dir);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0].id, "good");
  EXPECT_EQ(rows->rows[0].prefix.size(), 1u);
  EXPECT_EQ(rows->rows[0].reference.tool_calls.size(), 1u);
  ASSERT_EQ(rows->rows[0].tools.size(), 1u);
  EXPECT_EQ(rows->rows[0].tools[0].name, "read_file");
  EXPECT_EQ(rows->rows[1].reference.Text(), "Hello!");
  EXPECT_EQ(rows->lines, 7);
  EXPECT_EQ(rows->other_split, 1);
  EXPECT_EQ(rows->skipped(), 5);
  EXPECT_EQ(rows->skipped_by_reason.at("no_final_assistant"), 1);
  EXPECT_EQ(rows->skipped_by_reason.at("reference_arguments_not_json"), 1);
  EXPECT_EQ(rows->skipped_by_reason.at("bad_tools"), 1);
  EXPECT_EQ(rows->skipped_by_reason.at("malformed_json"), 1);
  EXPECT_EQ(rows->skipped_by_reason.at("no_messages"), 1);
  ASSERT_FALSE(rows->issues.empty());
  EXPECT_NE(rows->issues[0].find("eval-00000-of-00001.jsonl:2"), std::string::npos) << rows->issues[0];
  const Json j = rows->ToJson();
  EXPECT_EQ(j["skipped"], 5);

  auto train = ReadEvalRows(dir, {.split = "train"});
  ASSERT_TRUE(train.ok());
  EXPECT_EQ(train->rows.size(), 1u);
  auto limited = ReadEvalRows(dir, {.limit = 1});
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->rows.size(), 1u);
}

TEST(EvalRowsTest, MissingDatasetIsNotFound) {
  const std::string dir = base::FreshTestDir();
  EXPECT_EQ(ReadEvalRows(dir).status().code(), absl::StatusCode::kNotFound);
  std::filesystem::create_directories(dir + "/data");
  EXPECT_EQ(ReadEvalRows(dir).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tracemill::eval
