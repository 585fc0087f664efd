// Runs the `tracemill` binary as a user would: every command answers --help, the curate →
// unroll pipeline works on the examples, and bad input fails with a clear message.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"

namespace tracemill {
namespace {

const std::string kBinary = std::string(TRACEMILL_BINARY_DIR) + "/cli/tracemill";
const std::string kSource = TRACEMILL_SOURCE_DIR;

struct Result {
  int code;
  std::string output;
};

Result RunTracemill(const std::string& args) {
  std::string cmd = kBinary + " " + args + " 2>&1";
  Result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(CliTest, EveryCommandHasHelp) {
  for (const char* cmd : {"", "curate ", "unroll "}) {
    Result r = RunTracemill(std::string(cmd) + "--help");
    EXPECT_EQ(r.code, 0) << cmd << r.output;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << r.output;
  }
}

TEST(CliTest, CurateThenUnrollTheExamples) {
  std::string dir = base::FreshTestDir();
  Result c = RunTracemill("curate " + kSource + "/examples/traces --rules " + kSource +
                          "/examples/curate_rules.yaml -o " + dir + "/curated.jsonl --report " +
                          dir + "/report.json -q");
  ASSERT_EQ(c.code, 0) << c.output;
  auto report = base::ReadFile(dir + "/report.json");
  ASSERT_TRUE(report.ok());
  auto json = base::ParseJson(*report, "report.json");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)["traces_out"], 4);

  Result u =
      RunTracemill("unroll " + dir + "/curated.jsonl -o " + dir + "/ds --mode seed --eval-ratio 0");
  ASSERT_EQ(u.code, 0) << u.output;
  EXPECT_NE(u.output.find("4 traces -> 11 rows"), std::string::npos) << u.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/ds/data/train-00000-of-00001.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/ds/README.md"));
}

TEST(CliTest, SecretsFromTheEnvironmentAreRedacted) {
  std::string dir = base::FreshTestDir();
  ASSERT_TRUE(base::WriteFileAtomic(
                  dir + "/t.jsonl",
                  R"({"messages":[{"role":"user","content":"key zq9-secret-value-1234 ok"},)"
                  R"({"role":"assistant","content":"fine"}]})"
                  "\n")
                  .ok());
  Result c = RunTracemill("curate " + dir + "/t.jsonl -o " + dir + "/out.jsonl -q");
  ASSERT_EQ(c.code, 0) << c.output;
  std::string env = "TRACEMILL_API_KEY=zq9-secret-value-1234 ";
  std::string cmd = env + kBinary + " curate " + dir + "/t.jsonl -o " + dir + "/out2.jsonl -q";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_NE(base::ReadFile(dir + "/out.jsonl")->find("zq9-secret-value-1234"), std::string::npos);
  EXPECT_EQ(base::ReadFile(dir + "/out2.jsonl")->find("zq9-secret-value-1234"), std::string::npos);
}

TEST(CliTest, BadInputIsReportedNotFatal) {
  std::string dir = base::FreshTestDir();
  ASSERT_TRUE(
      base::WriteFileAtomic(
          dir + "/t.jsonl",
          "{\"messages\": [\n"
          R"({"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]})"
          "\n")
          .ok());
  Result c = RunTracemill("curate " + dir + "/t.jsonl -o " + dir + "/out.jsonl");
  EXPECT_EQ(c.code, 0) << c.output;
  EXPECT_NE(c.output.find("t.jsonl:1"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("malformed_json: 1"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("1 kept"), std::string::npos) << c.output;
}

TEST(CliTest, UsageErrorsFail) {
  EXPECT_NE(RunTracemill("curate").code, 0);
  EXPECT_NE(RunTracemill("unroll x --mode bogus").code, 0);
  Result r = RunTracemill("curate /nonexistent/dir -o /tmp/x.jsonl");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("input not found: /nonexistent/dir"), std::string::npos) << r.output;
  Result bad_rules = RunTracemill("curate " + kSource + "/examples/traces --rules " + kSource +
                                  "/README.md -o /tmp/x.jsonl");
  EXPECT_EQ(bad_rules.code, 1) << bad_rules.output;
}

}  // namespace
}  // namespace tracemill
