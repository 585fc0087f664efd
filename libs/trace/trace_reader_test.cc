#include "libs/trace/trace_reader.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"

namespace tracemill::trace {
namespace {

constexpr char kGood[] =
    R"({"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]})";

TEST(TraceReaderTest, JsonlSkipsBadLinesAndKeepsTheRest) {
  std::string dir = base::FreshTestDir();
  std::string path = dir + "/run.jsonl";
  std::string text;
  text += std::string(kGood) + "\n";  // 1 ok
  text += "{\"messages\": [\n";       // 2 malformed
  text += "\n";                       // 3 blank: ignored
  text += R"({"messages":[{"role":"robot","content":"x"}]})"
          "\n";                                                               // 4 unknown role
  text += "{\"messages\":[{\"role\":\"user\",\"content\":\"\xC3\x28\"}]}\n";  // 5 bad utf-8
  text += R"({"id":"keep-me","messages":[{"role":"user","content":5}]})"
          "\n";  // 6 wrong type
  text += R"({"id":"named","messages":[]})"
          "\n";  // 7 ok
  text += R"({"model":"m"})"
          "\n";                                             // 8 missing messages
  text += R"({"messages":[{"role":"user","content":"cut)";  // 9 truncated
  ASSERT_TRUE(base::WriteFileAtomic(path, text).ok());

  ReadSummary summary;
  auto traces = ReadAllTraces({path}, &summary);
  ASSERT_TRUE(traces.ok()) << traces.status();
  ASSERT_EQ(traces->size(), 2u);
  EXPECT_EQ((*traces)[0].id, "run-1");  // derived from file stem and line
  EXPECT_EQ((*traces)[0].source, path + ":1");
  EXPECT_EQ((*traces)[1].id, "named");
  EXPECT_EQ(summary.records, 8);
  EXPECT_EQ(summary.ok, 2);
  EXPECT_EQ(summary.skipped, 6);
  EXPECT_EQ(summary.skipped_by_reason["malformed_json"], 1);
  EXPECT_EQ(summary.skipped_by_reason["unknown_role"], 1);
  EXPECT_EQ(summary.skipped_by_reason["invalid_utf8"], 1);
  EXPECT_EQ(summary.skipped_by_reason["wrong_type"], 1);
  EXPECT_EQ(summary.skipped_by_reason["missing_field"], 1);
  EXPECT_EQ(summary.skipped_by_reason["truncated_last_line"], 1);
  ASSERT_EQ(summary.issues.size(), 6u);
  EXPECT_NE(summary.issues[0].message.find(path + ":2"), std::string::npos);
  EXPECT_NE(summary.issues[1].message.find(path + ":4: messages[0].role"), std::string::npos);
  EXPECT_NE(summary.issues[3].message.find(":6: messages[0].content"), std::string::npos);
  EXPECT_NE(summary.issues[5].message.find("cut off"), std::string::npos);
  EXPECT_EQ(summary.bytes, text.size());
}

TEST(TraceReaderTest, DirectoryOfReferenceFilesInNameOrder) {
  std::string dir = base::FreshTestDir();
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/b_trace.json", kGood).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/a_trace.json", kGood).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/notes.txt", "ignored").ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/c_broken.json", "{").ok());
  ReadSummary summary;
  auto traces = ReadAllTraces({dir}, &summary);
  ASSERT_TRUE(traces.ok());
  ASSERT_EQ(traces->size(), 2u);
  EXPECT_EQ((*traces)[0].id, "a_trace");
  EXPECT_EQ((*traces)[1].id, "b_trace");
  EXPECT_EQ(summary.files, 3);
  EXPECT_EQ(summary.skipped_by_reason["malformed_json"], 1);
}

TEST(TraceReaderTest, JsonArrayFile) {
  std::string dir = base::FreshTestDir();
  std::string text = std::string("[") + kGood + ", 5, " + kGood + "]";
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/many.json", text).ok());
  ReadSummary summary;
  auto traces = ReadAllTraces({dir + "/many.json"}, &summary);
  ASSERT_TRUE(traces.ok());
  ASSERT_EQ(traces->size(), 2u);
  EXPECT_EQ((*traces)[1].id, "many-2");
  EXPECT_EQ(summary.skipped_by_reason["wrong_type"], 1);
  EXPECT_NE(summary.issues[0].message.find("many.json[1]"), std::string::npos);
}

TEST(TraceReaderTest, OverlongLineIsSkipped) {
  std::string dir = base::FreshTestDir();
  std::string path = dir + "/long.jsonl";
  std::string big = R"({"messages":[{"role":"user","content":")" + std::string(5000, 'x') + "\"}]}";
  ASSERT_TRUE(base::WriteFileAtomic(path, big + "\n" + kGood + "\n").ok());
  TraceReaderOptions options;
  options.max_line_bytes = 1000;
  auto reader = TraceReader::Open({path}, options);
  ASSERT_TRUE(reader.ok());
  Trace t;
  ASSERT_TRUE(*(*reader)->Next(&t));
  EXPECT_EQ(t.id, "long-2");
  EXPECT_FALSE(*(*reader)->Next(&t));
  EXPECT_EQ((*reader)->summary().skipped_by_reason.at("line_too_long"), 1);
}

TEST(TraceReaderTest, ReasonsDoNotDependOnUserValues) {
  std::string dir = base::FreshTestDir();
  std::string path = dir + "/odd.jsonl";
  std::string long_role(5000, 'r');
  ASSERT_TRUE(base::WriteFileAtomic(path, R"({"messages":[{"role":"truncated"}]})"
                                          "\n"
                                          R"({"messages":[{"role":")" +
                                              long_role + R"("}]})" + "\n")
                  .ok());
  ReadSummary summary;
  ASSERT_TRUE(ReadAllTraces({path}, &summary).ok());
  EXPECT_EQ(summary.skipped_by_reason["unknown_role"], 2);
  ASSERT_EQ(summary.issues.size(), 2u);
  EXPECT_LE(summary.issues[1].message.size(), ReadSummary::kMaxIssueBytes + 3);
}

TEST(TraceReaderTest, MissingInputFailsUpFront) {
  auto reader = TraceReader::Open({"/nonexistent/traces"});
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kNotFound);
}

TEST(TraceReaderTest, ReadsTheExamples) {
  ReadSummary summary;
  auto traces = ReadAllTraces({std::string(TRACEMILL_SOURCE_DIR) + "/examples/traces"}, &summary);
  ASSERT_TRUE(traces.ok());
  EXPECT_EQ(traces->size(), 6u);
  EXPECT_EQ(summary.skipped, 0);
}

TEST(TraceReaderTest, SummaryJson) {
  ReadSummary s;
  s.records = 2;
  s.ok = 1;
  s.Skip("malformed_json", "x.jsonl:2: malformed JSON");
  Json j = s.ToJson();
  EXPECT_EQ(j["skipped"], 1);
  EXPECT_EQ(j["skipped_by_reason"]["malformed_json"], 1);
  EXPECT_EQ(j["issues"][0]["message"], "x.jsonl:2: malformed JSON");
}

}  // namespace
}  // namespace tracemill::trace
