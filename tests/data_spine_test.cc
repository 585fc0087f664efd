// Golden tests on examples/traces, traces shaped exactly like the reference agent's
// (25 Playwright tools, string arguments, reasoning, several user turns). The expected
// row counts were worked out by hand from the message sequences:
//
//   trace                         users asst  seed per-turn per-query
//   A Go_to_trelis (guidance)       2    6     3      6        2
//   B What_is_the_title_103011      1    2     2      2        1
//   C Check_the_top_story           3    6     4      6        3
//   D Log_into_huggingface          2*   2     2      2        1     (* consecutive)
//   E What_is_the_title_113300      1    2     2      2        1     (duplicate of B)
//   F Sign_into_github              1    2     2      2        1     (broken, dangling)
//   all six                                   15     20        9
//   after curation (E, F dropped)             11     16        7
#include <filesystem>
#include <map>
#include <set>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/line_reader.h"
#include "libs/base/test_util.h"
#include "libs/hub/dataset_builder.h"
#include "libs/trace/curator.h"
#include "libs/trace/trace_reader.h"
#include "libs/trace/unroll.h"

namespace tracemill {
namespace {

const std::string kExamples = std::string(TRACEMILL_SOURCE_DIR) + "/examples/traces";
const std::string kRules = std::string(TRACEMILL_SOURCE_DIR) + "/examples/curate_rules.yaml";

size_t CountRows(const std::vector<trace::Trace>& traces, trace::UnrollMode mode) {
  size_t n = 0;
  for (const auto& t : traces) n += trace::UnrollTrace(t, mode).size();
  return n;
}

TEST(DataSpineTest, RawExamplesUnrollToHandCountedRows) {
  auto traces = trace::ReadAllTraces({kExamples});
  ASSERT_TRUE(traces.ok()) << traces.status();
  ASSERT_EQ(traces->size(), 6u);
  EXPECT_EQ(CountRows(*traces, trace::UnrollMode::kSeed), 15u);
  EXPECT_EQ(CountRows(*traces, trace::UnrollMode::kPerTurn), 20u);
  EXPECT_EQ(CountRows(*traces, trace::UnrollMode::kPerQuery), 9u);

  // Trace A row by row in seed mode: the reference's ids, with the gap in numbering.
  const trace::Trace& a = (*traces)[1];
  ASSERT_EQ(a.id, "Go_to_trelis_com_and_list_the_20250529_101502");
  auto rows = trace::UnrollTrace(a, trace::UnrollMode::kSeed);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, a.id + "_trunc_1");
  EXPECT_EQ(rows[0].truncation_point, 1);
  EXPECT_EQ(rows[0].messages.size(), 3u);
  EXPECT_EQ(rows[1].id, a.id + "_trunc_4");
  EXPECT_EQ(rows[1].truncation_point, 4);
  EXPECT_EQ(rows[1].messages.size(), 9u);
  EXPECT_EQ(rows[2].id, a.id);
  EXPECT_EQ(rows[2].messages.size(), a.messages.size());
}

class CuratedExamplesTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = base::FreshTestDir();
    auto options = trace::LoadCurateRules(kRules);
    ASSERT_TRUE(options.ok()) << options.status();
    trace::CurateFilesOptions files;
    files.output = dir_ + "/curated.jsonl";
    files.rejects = dir_ + "/rejects.jsonl";
    ASSERT_TRUE(trace::CurateFiles({kExamples}, *options, files, &report_).ok());
  }
  std::string dir_;
  trace::CurateReport report_;
};

TEST_F(CuratedExamplesTest, ReportCountsEveryDecision) {
  EXPECT_EQ(report_.read.ok, 6);
  EXPECT_EQ(report_.traces_in, 6);
  EXPECT_EQ(report_.traces_out, 4);
  EXPECT_EQ(report_.dropped_by["duplicate"], 1);
  EXPECT_EQ(report_.dropped, 2);
  EXPECT_EQ(report_.edits["drop_guidance"], 1);
  EXPECT_EQ(report_.edits["merge_user_turns"], 1);
  EXPECT_GE(report_.edits["redact"], 1);
  EXPECT_EQ(report_.redactions.by_kind["hf_token"], 1);
  EXPECT_EQ(report_.tool_errors_by_kind["rejected"], 1);
  EXPECT_GE(report_.findings["outcome.dangling_tool_call"], 1);
  EXPECT_GE(report_.findings["format.schema_violation"], 1);

  auto rejects = trace::ReadAllTraces({dir_ + "/rejects.jsonl"});
  ASSERT_TRUE(rejects.ok());
  ASSERT_EQ(rejects->size(), 2u);
  std::set<std::string> ids = {(*rejects)[0].id, (*rejects)[1].id};
  EXPECT_TRUE(ids.count("Sign_into_github_20250529_120101"));
  EXPECT_TRUE(ids.count("What_is_the_title_of_example_20250529_113300"));
  EXPECT_TRUE((*rejects)[0].extra.contains("rejected"));
}

TEST_F(CuratedExamplesTest, CuratedTracesAreCleanAndProvenanced) {
  auto kept = trace::ReadAllTraces({dir_ + "/curated.jsonl"});
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 4u);
  EXPECT_EQ(CountRows(*kept, trace::UnrollMode::kSeed), 11u);
  EXPECT_EQ(CountRows(*kept, trace::UnrollMode::kPerTurn), 16u);
  EXPECT_EQ(CountRows(*kept, trace::UnrollMode::kPerQuery), 7u);
  for (const auto& t : *kept) {
    EXPECT_EQ(t.schema_version, 1);  // read from v0 files, written back as current
    for (const auto& m : t.messages) {
      EXPECT_EQ(m.Text().find("You are a browser agent"), std::string::npos) << t.id;
      EXPECT_EQ(m.Text().find("hf_aBcDeFg"), std::string::npos) << t.id;
    }
  }
  const trace::Trace& a = (*kept)[1];
  ASSERT_FALSE(a.provenance.empty());
  EXPECT_EQ(a.provenance[0].op, "drop_guidance");
  EXPECT_EQ(a.messages[0].role, trace::Role::kUser);
  auto text = base::ReadFile(dir_ + "/curated.jsonl");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"), std::string::npos);
}

TEST_F(CuratedExamplesTest, DatasetIsGroupedByTraceAndWellFormed) {
  hub::BuildDatasetOptions options;
  options.out_dir = dir_ + "/dataset";
  options.mode = trace::UnrollMode::kPerTurn;
  options.split.eval_ratio = 0.5;
  options.split.seed = 7;
  hub::BuildDatasetReport report;
  ASSERT_TRUE(hub::BuildDataset({dir_ + "/curated.jsonl"}, options, &report).ok());
  EXPECT_EQ(report.traces, 4);
  EXPECT_EQ(report.rows, 16);
  EXPECT_EQ(report.duplicate_ids, 0);
  EXPECT_TRUE(std::filesystem::exists(options.out_dir + "/README.md"));

  std::map<std::string, std::string> split_of_trace;
  std::set<std::string> row_ids;
  int64_t rows = 0;
  for (const auto& entry : std::filesystem::directory_iterator(options.out_dir + "/data")) {
    std::string name = entry.path().filename().string();
    ASSERT_NE(name.find("-of-"), std::string::npos) << name;
    std::string split = name.substr(0, name.find('-'));
    auto lines = base::LineReader::Open(entry.path().string());
    ASSERT_TRUE(lines.ok());
    std::string line;
    while (*(*lines)->Next(&line)) {
      auto row = base::ParseJson(line, name);
      ASSERT_TRUE(row.ok());
      ++rows;
      EXPECT_EQ((*row)["split"], split);
      EXPECT_TRUE((*row)["tools"].is_string());
      EXPECT_TRUE(row_ids.insert((*row)["id"].get<std::string>()).second);
      std::string original = (*row)["original_id"];
      auto [it, inserted] = split_of_trace.emplace(original, split);
      EXPECT_EQ(it->second, split) << "rows of " << original << " in two splits";
    }
  }
  EXPECT_EQ(rows, 16);
  EXPECT_EQ(split_of_trace.size(), 4u);
  // The exact split holds out exactly half of the four traces.
  EXPECT_EQ(report.traces_per_split["eval"], 2);
  EXPECT_EQ(report.traces_per_split["train"], 2);
}

TEST_F(CuratedExamplesTest, SameIdsFromTwoRunsAreCounted) {
  hub::BuildDatasetOptions options;
  options.out_dir = dir_ + "/twice";
  hub::BuildDatasetReport report;
  std::string curated = dir_ + "/curated.jsonl";
  ASSERT_TRUE(hub::BuildDataset({curated, curated}, options, &report).ok());
  EXPECT_EQ(report.traces, 8);
  EXPECT_EQ(report.duplicate_ids, 4);
}

}  // namespace
}  // namespace tracemill
