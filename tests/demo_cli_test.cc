// `tracemill demo` end to end, reduced: fewer tasks and steps than the README's run, the
// same stages (teacher traces through the real MCP filesystem server, curation, a random
// Qwen3 student pre-trained to copy, evaluated live on held-out tasks before and after a
// fine-tune), with
// a fixed seed. Asserted: the gains that survive honest metrics (schema-valid calls of the
// expected tools, beyond the 95% interval); the demo's bars on finished tasks
// (demo_tasks.h DemoBars) are missed by the untrained student and by each cheating
// policy — one constant call, echoing the tool's output, cut-off calls — run through
// `tracemill eval live` on the same held-out tasks, and met by the teacher. (The
// student does not finish tasks yet, so it misses them too: the report says so.) A
// second test reruns a small demo with the same seed: the same dataset bytes and numbers.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"
#include "tests/run_tracemill.h"

namespace tracemill {
namespace {

const std::string kPeers = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/.bin/";

Json ReadReport(const std::string& path) {
  auto text = base::ReadFile(path);
  EXPECT_TRUE(text.ok()) << text.status();
  if (!text.ok()) return Json();
  auto report = base::ParseJson(*text, path);
  EXPECT_TRUE(report.ok()) << report.status();
  return report.ok() ? *report : Json();
}

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

// The report's --bar flags, so a cheater is held to exactly the demo's bars.
std::string BarFlags(const Json& report) {
  std::string flags;
  for (const Json& b : report["bars"]) {
    flags += " --bar " + b["metric"].get<std::string>() + "=" + std::to_string(b["min"].get<double>());
  }
  return flags;
}

// Every file under `dir` with its bytes, in path order.
std::string Tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    files[std::filesystem::relative(e.path(), dir).string()] = ss.str();
  }
  std::string out;
  for (const auto& [path, bytes] : files) out += path + "\n" + bytes + "\n";
  return out;
}

// The demo's inputs include its directory (every prompt names the files' paths), so the
// reduced demo runs in a fixed one: with the fixed seed, the same inputs wherever the
// checkout and whatever the test's process id.
const char kFixedDir[] = "/tmp/tracemill-demo-cli-test";

TEST(DemoTest, TheStudentGainsWhatHonestMetricsKeepAndEveryCheaterMissesTheBars) {
  std::filesystem::remove_all(kFixedDir);
  const std::string dir = std::string(kFixedDir) + "/demo";
  const Result r = RunTracemill("demo -o " + dir +
                                " --train-tasks 48 --eval-tasks 12 --steps 240 --threads 2 --seed 7 --chromium '' -q");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* stage : {"[1/7] collect", "[4/7] baseline", "[5/7] train", "[6/7] candidate", "[7/7] report"}) {
    EXPECT_NE(r.output.find(stage), std::string::npos) << stage << "\n" << r.output;
  }
  EXPECT_NE(r.output.find("| schema_valid_calls |"), std::string::npos) << r.output;  // the table on stdout
  for (const char* path : {"report/report.json", "report/report.md", "report/report.png", "student/model.safetensors",
                           "student-base/model.safetensors", "student/tokenizer.json", "dataset/README.md", "curated.jsonl", "tasks/train.jsonl",
                           "tasks/held-out.jsonl"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + path)) << path;
  }
  const Json j = ReadReport(dir + "/report/report.json");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["settings"]["eval_tasks"], 12);
  ASSERT_GE(j["bars"].size(), 3u);
  auto md = base::ReadFile(dir + "/report/report.md");
  ASSERT_TRUE(md.ok());
  for (const char* defined : {"**pass@1**", "**schema_valid_calls**", "**argument_accuracy**", "**tool_name_accuracy**",
                              "## Bars"}) {
    EXPECT_NE(md->find(defined), std::string::npos) << defined;  // every metric is defined in the report
  }
  // The student before training on traces (copy pre-training only) misses the bars and
  // never makes a valid call; the trained one makes schema-valid calls of exactly the
  // expected tools on most held-out tasks, a gain beyond the 95% interval. (Seed 7: 7 of
  // 12 for both.)
  EXPECT_FALSE(j["baseline"]["bars_missed"].empty()) << j["baseline"]["bars_missed"];
  for (const char* name : {"valid_tool_use", "tool_name_accuracy"}) {
    EXPECT_EQ(Metric(j, name, "baseline")["count"], 0) << name;
    EXPECT_GE(Rate(Metric(j, name, "candidate")), 0.4) << name << "\n" << r.output;
    for (const Json& m : j["metrics"]) {
      if (m["name"] == name) EXPECT_GT(m["delta"]["ci95"][0].get<double>(), 0.0) << m;
    }
  }

  // The cheaters, on the same held-out tasks with the same agent, held to the same bars.
  BackgroundTracemill policies("demo-teacher --port 0");
  const std::string url = policies.FirstLine();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  const std::string config = dir + "/cheat-agent.yaml";
  ASSERT_TRUE(base::WriteFileAtomic(
                  config, "endpoint:\n  base_url: " + url +
                              "\n  model: none\nsystem_prompt: You are a helpful assistant. Use the tools to read, "
                              "list and write files, and to open web pages.\n"
                              "limits: {max_turns: 6, max_tool_calls: 6, max_wall_s: 120}\n"
                              "mcpServers:\n  files:\n    command: " +
                              kPeers + "mcp-server-filesystem\n    args: [\"" + dir + "/files\"]\n" +
                              "    includeTools: [read_text_file, list_directory, write_file]\n")
                  .ok());
  const std::string tasks = " --tasks " + dir + "/tasks/held-out.jsonl";
  for (const auto& [baseline, candidate] :
       {std::pair{"cheat-constant", "cheat-echo"}, std::pair{"cheat-cutoff", "tracemill-demo-teacher"}}) {
    const std::string out = dir + "/cheat-" + baseline;
    const Result c = RunTracemill("eval live -c " + config + tasks + " --baseline " + baseline + " --candidate " +
                                  candidate + BarFlags(j) + " -o " + out + " -q");
    ASSERT_EQ(c.code, 0) << c.output;
    const Json cheat = ReadReport(out + "/report.json");
    EXPECT_FALSE(cheat["baseline"]["bars_missed"].empty()) << baseline << " passes the demo's bars: " << cheat;
    EXPECT_EQ(Metric(cheat, "pass@1", "baseline")["count"], 0) << baseline;
    if (std::string(candidate) == "cheat-echo") {
      EXPECT_FALSE(cheat["candidate"]["bars_missed"].empty()) << candidate << " passes the demo's bars: " << cheat;
      EXPECT_EQ(Metric(cheat, "pass@1", "candidate")["count"], 0) << candidate;
    } else {
      // The bars can be met: the teacher meets them on the same tasks with the same agent.
      EXPECT_TRUE(cheat["candidate"]["bars_missed"].empty()) << cheat["candidate"]["bars_missed"];
    }
  }
  EXPECT_EQ(policies.Stop(), 0);
}

TEST(DemoTest, TheSameSeedGivesTheSameDatasetAndNumbers) {
  const std::string a = base::FreshTestDir(), b = base::FreshTestDir();
  const std::string flags =
      " --train-tasks 8 --eval-tasks 4 --copy-steps 20 --steps 30 --threads 2 --seed 11 --chromium '' -q";
  // The same directory twice (paths are part of the prompts), then compared.
  Result r = RunTracemill("demo -o " + a + "/demo" + flags);
  ASSERT_EQ(r.code, 0) << r.output;
  std::filesystem::rename(a + "/demo", b + "/first");
  r = RunTracemill("demo -o " + a + "/demo" + flags);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(Tree(b + "/first/dataset"), Tree(a + "/demo/dataset"));
  EXPECT_EQ(Tree(b + "/first/tasks"), Tree(a + "/demo/tasks"));
  for (const char* weights : {"/student-base/model.safetensors", "/student/model.safetensors"}) {
    EXPECT_TRUE(*base::ReadFile(b + "/first" + weights) == *base::ReadFile(a + "/demo" + weights)) << weights;
  }
  const Json first = ReadReport(b + "/first/report/report.json");
  const Json second = ReadReport(a + "/demo/report/report.json");
  EXPECT_EQ(first["metrics"], second["metrics"]);
  EXPECT_EQ(first["candidate"]["details"]["attempts"], second["candidate"]["details"]["attempts"]);
  // What the trained student said, turn by turn, in the same trace files.
  const std::string traces = "/eval/candidate/files/try-1";
  int compared = 0;
  for (const auto& e : std::filesystem::directory_iterator(a + "/demo" + traces)) {
    const std::string name = e.path().filename().string();
    auto x = base::ParseJson(*base::ReadFile(e.path().string()), name);
    auto y = base::ParseJson(*base::ReadFile(b + "/first" + traces + "/" + name), name);
    ASSERT_TRUE(x.ok() && y.ok()) << name;
    EXPECT_EQ((*x)["messages"], (*y)["messages"]) << name;
    ++compared;
  }
  EXPECT_EQ(compared, 4);
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
