// `tracemill demo` end to end, reduced: fewer tasks and steps than the README's run, the
// same stages (teacher traces through the real MCP filesystem server, curation, a random
// tiny Qwen3 student evaluated live before and after a fine-tune). The trained student
// must call tools validly and pick the right tool where the untrained one never does.
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"
#include "tests/run_tracemill.h"

namespace tracemill {
namespace {

// A metric's {"count", "n", "rate"} for one run of report.json.
Json Metric(const Json& report, const std::string& name, const std::string& run) {
  for (const Json& m : report["metrics"]) {
    if (m["name"] == name) return m[run];
  }
  ADD_FAILURE() << "no metric " << name;
  return Json();
}

double Rate(const Json& proportion) {
  if (!proportion.is_object() || proportion["n"].get<int64_t>() == 0) return 0.0;
  return static_cast<double>(proportion["count"].get<int64_t>()) / proportion["n"].get<int64_t>();
}

TEST(DemoTest, AReducedDemoTeachesTheStudentToCallTools) {
  const std::string dir = base::FreshTestDir();
  const Result r = RunTracemill("demo -o " + dir +
                                " --train-tasks 48 --eval-tasks 12 --steps 240 --threads 2 --chromium '' -q");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* stage : {"[1/7] collect", "[4/7] baseline", "[5/7] train", "[6/7] candidate", "[7/7] report"}) {
    EXPECT_NE(r.output.find(stage), std::string::npos) << stage << "\n" << r.output;
  }
  EXPECT_NE(r.output.find("| tool_name_accuracy |"), std::string::npos) << r.output;  // the table on stdout
  for (const char* path : {"report/report.json", "report/report.md", "report/report.png", "student/model.safetensors",
                           "student/tokenizer.json", "dataset/README.md", "curated.jsonl"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + path)) << path;
  }
  auto text = base::ReadFile(dir + "/report/report.json");
  ASSERT_TRUE(text.ok()) << text.status();
  auto report = base::ParseJson(*text, "report.json");
  ASSERT_TRUE(report.ok()) << report.status();
  const Json& j = *report;
  EXPECT_EQ(j["settings"]["eval_tasks"], 12);
  // The untrained student never makes a valid call, let alone the right one ...
  EXPECT_LE(Rate(Metric(j, "valid_tool_use", "baseline")), 0.1) << *text;
  EXPECT_LE(Rate(Metric(j, "tool_name_accuracy", "baseline")), 0.1) << *text;
  // ... the trained one mostly does, on tasks it has not seen, and the gain is beyond the
  // 95% interval. (Across runs of this reduced setting — its split depends on the
  // time-based trace ids — valid_tool_use was 58–92% and tool_name_accuracy 50–100%; the
  // README's full demo gets 90–100%.)
  EXPECT_GE(Rate(Metric(j, "valid_tool_use", "candidate")), 0.5) << *text;
  EXPECT_GE(Rate(Metric(j, "tool_name_accuracy", "candidate")), 0.4) << *text;
  EXPECT_GE(Rate(Metric(j, "tool_call_validity", "candidate")), 0.5) << *text;
  for (const Json& m : j["metrics"]) {
    if (m["name"] == "valid_tool_use" || m["name"] == "tool_name_accuracy") {
      EXPECT_GT(m["delta"]["ci95"][0].get<double>(), 0.0) << m;
    }
  }
}

TEST(DemoTest, BadSettingsAndAMissingServerAreClearErrors) {
  const std::string dir = base::FreshTestDir();
  Result r = RunTracemill("demo -o " + dir + " --steps 0 -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("must be positive"), std::string::npos) << r.output;
  r = RunTracemill("demo -o " + dir + " --node-modules " + dir + "/nothing -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("the MCP filesystem server is not at"), std::string::npos) << r.output;
  // Never writes into a directory that holds someone else's files.
  ASSERT_TRUE(base::MakeDirs(dir + "/other").ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/other/keep.txt", "mine").ok());
  r = RunTracemill("demo -o " + dir + "/other -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("not an earlier demo's"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/other/keep.txt"));
  r = RunTracemill("demo --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("--train-tasks"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tracemill
