// `tracemill eval live --tasks` on a task file of our own (not demo tasks: our own files,
// wording and checks), with the demo teacher behind one endpoint as the candidate and its
// echoing policy as the baseline — two endpoints, the same tasks.
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"
#include "tests/run_tracemill.h"

namespace tracemill {
namespace {

const std::string kPeers = TRACEMILL_SOURCE_DIR "/tests/peers/node_modules/.bin/";

Json Metric(const Json& report, const std::string& name, const std::string& run) {
  for (const Json& m : report["metrics"]) {
    if (m["name"] == name) return m[run];
  }
  ADD_FAILURE() << "no metric " << name;
  return Json();
}

TEST(EvalLiveCliTest, RunsAUsersOwnTaskFileAgainstTwoEndpoints) {
  ASSERT_TRUE(std::filesystem::exists(kPeers + "mcp-server-filesystem")) << "run scripts/peers.sh";
  const std::string dir = base::FreshTestDir();
  const std::string data = dir + "/project";
  ASSERT_TRUE(base::MakeDirs(data + "/notes").ok());
  ASSERT_TRUE(base::MakeDirs(data + "/src/lib").ok());
  ASSERT_TRUE(base::WriteFileAtomic(data + "/notes/plan.txt", "Ship the release on Friday\nthen rest for the weekend\n").ok());
  for (const char* f : {"main.cc", "util.cc", "util.h"}) {
    ASSERT_TRUE(base::WriteFileAtomic(data + "/src/" + f, "// code\n").ok());
  }
  const std::string tasks = dir + "/my_tasks.jsonl";
  ASSERT_TRUE(base::WriteFileAtomic(
                  tasks,
                  "# three tasks of ours, and one nobody here can do\n"
                  "{\"id\": \"plan\", \"family\": \"read\", \"prompt\": \"What is the first line of the file " + data +
                      "/notes/plan.txt ?\", \"answer\": [{\"contains\": \"ship the release\"}, {\"regex\": \"Friday\"}],"
                      " \"calls\": [{\"name\": \"read_text_file\", \"arguments\": {\"path\": {\"regex\": \"plan\\\\.txt$\"}}}]}\n"
                  "{\"id\": \"src\", \"family\": \"count\", \"prompt\": \"How many files are in the directory " + data +
                      "/src ?\", \"answer\": {\"number\": 3}, \"calls\": [{\"name\": \"list_directory\", \"arguments\": "
                      "{\"path\": \"" + data + "/src\"}}]}\n"
                  "{\"id\": \"done\", \"family\": \"write\", \"prompt\": \"Create the file " + data +
                      "/DONE.txt containing exactly: all good\", \"files\": [{\"path\": \"" + data +
                      "/DONE.txt\", \"equals\": \"all good\"}], \"calls\": [{\"name\": \"write_file\", \"arguments\": "
                      "{\"content\": {\"contains\": \"all good\"}}}]}\n"
                  "{\"id\": \"poem\", \"family\": \"other\", \"prompt\": \"Write a poem about " + data +
                      "/notes/plan.txt\", \"answer\": {\"contains\": \"Friday\"}}\n")
                  .ok());
  BackgroundTracemill teacher("demo-teacher --port 0 --mode alternate");
  const std::string url = teacher.FirstLine();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  const std::string config = dir + "/agent.yaml";
  ASSERT_TRUE(base::WriteFileAtomic(config, "endpoint:\n  base_url: http://127.0.0.1:1/v1\n  model: nobody\n"
                                            "limits: {max_turns: 6, max_tool_calls: 6, max_wall_s: 60}\n"
                                            "mcpServers:\n  files:\n    command: " +
                                                kPeers + "mcp-server-filesystem\n    args: [\"" + data + "\"]\n")
                  .ok());
  const std::string out = dir + "/report";
  const Result r = RunTracemill("eval live -c " + config + " --tasks " + tasks + " --baseline cheat-echo --baseline-endpoint " +
                                url + " --candidate tracemill-demo-teacher --candidate-endpoint " + url +
                                " --tries 2 --bar pass@1=0.7 --bar argument_accuracy=0.9 -o " + out + " -q");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("| pass@1 |"), std::string::npos) << r.output;
  auto text = base::ReadFile(out + "/report.json");
  ASSERT_TRUE(text.ok()) << text.status();
  auto report = base::ParseJson(*text, "report.json");
  ASSERT_TRUE(report.ok()) << report.status();
  const Json& j = *report;
  // The teacher does our three tasks (both tries) and not the poem; the echo finishes
  // none: even where its write is right, its answer pastes the tool's output.
  EXPECT_EQ(Metric(j, "pass@1", "candidate")["count"], 6) << *text;
  EXPECT_EQ(Metric(j, "pass@1", "candidate")["n"], 8);
  EXPECT_EQ(Metric(j, "pass@1", "baseline")["count"], 0) << *text;
  EXPECT_EQ(Metric(j, "argument_accuracy", "candidate")["count"], 6);
  EXPECT_EQ(Metric(j, "argument_accuracy", "candidate")["n"], 6);
  EXPECT_EQ(Metric(j, "pass@1 count", "candidate")["count"], 2);
  EXPECT_EQ(Metric(j, "pass@1 other", "candidate")["count"], 0);
  EXPECT_EQ(j["bars"].size(), 2u);
  EXPECT_TRUE(j["candidate"]["bars_missed"].empty()) << j["candidate"];
  EXPECT_EQ(j["baseline"]["bars_missed"].size(), 1u) << j["baseline"];  // pass@1
  EXPECT_EQ(j["settings"]["tasks"], tasks);
  for (const Json& t : j["baseline"]["details"]["attempts"]) {
    if (t["task_id"] != "src" && t["task_id"] != "poem") EXPECT_NE(t["why"].get<std::string>().find("echoes"), std::string::npos) << t;
  }
  EXPECT_TRUE(std::filesystem::exists(out + "/report.md"));
  EXPECT_TRUE(std::filesystem::is_directory(out + "/traces/candidate/try-2"));
  EXPECT_EQ(teacher.Stop(), 0);
}

TEST(EvalLiveCliTest, BadTaskFilesAndFlagsAreClearErrors) {
  const std::string dir = base::FreshTestDir();
  const std::string config = dir + "/agent.yaml";
  ASSERT_TRUE(base::WriteFileAtomic(config, "endpoint:\n  base_url: http://127.0.0.1:1/v1\n  model: m\n").ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/bad.jsonl", "{\"id\": \"a\", \"prompt\": \"p\"}\n").ok());
  Result r = RunTracemill("eval live -c " + config + " --tasks " + dir + "/bad.jsonl --candidate x -o " + dir + "/o -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("bad.jsonl:1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("nothing could fail it"), std::string::npos) << r.output;
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/ok.jsonl", "{\"id\": \"a\", \"prompt\": \"p\", \"answer\": {\"contains\": \"x\"}}\n").ok());
  r = RunTracemill("eval live -c " + config + " --tasks " + dir + "/ok.jsonl -o " + dir + "/o -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("give the candidate"), std::string::npos) << r.output;
  r = RunTracemill("eval live -c " + config + " --tasks " + dir + "/ok.jsonl --candidate x --bar pass@1 -o " + dir + "/o -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("METRIC=MIN"), std::string::npos) << r.output;
  r = RunTracemill("eval live -c " + config + " --candidate x -o " + dir + "/o -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--files-dir"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tracemill
