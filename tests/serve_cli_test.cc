// `tracemill serve` as users run it: a tiny random Qwen3 from `tracemill model init`,
// the official `openai` npm client (models, plain, streamed with usage, a tool-call
// request, an error), and the server as the endpoint of `tracemill collect`.
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"
#include "libs/trace/trace_json.h"
#include "tests/run_tracemill.h"

namespace tracemill {
namespace {

TEST(ServeTest, OfficialClientAndCollectAgainstATinyModel) {
  const std::string dir = base::FreshTestDir();
  const std::string model = dir + "/tiny";
  Result init = RunTracemill("model init --preset tiny --out " + model);
  ASSERT_EQ(init.code, 0) << init.output;
  BackgroundTracemill server("serve -m " + model + " --port 0 --max-context 2048 --default-max-tokens 16 --threads 1");
  const std::string url = server.FirstLine();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;

  const std::string node = "node " TRACEMILL_SOURCE_DIR "/tests/peers/serve_openai_client.mjs " + url + " 2>&1";
  FILE* p = popen(node.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  ASSERT_EQ(pclose(p), 0) << out;
  EXPECT_NE(out.find("\"model_not_found\""), std::string::npos) << out;

  // The server as the agent's endpoint: a random model answers (in words or not), and
  // every trace ends.
  const std::string tasks = dir + "/tasks.jsonl", config = dir + "/agent.yaml";
  ASSERT_TRUE(base::WriteFileAtomic(tasks, "{\"id\":\"a\",\"prompt\":\"Hello?\"}\n{\"id\":\"b\",\"prompt\":\"Hi!\"}\n").ok());
  ASSERT_TRUE(base::WriteFileAtomic(config, "endpoint: {base_url: \"" + url + "\", model: base, stream: true}\n"
                                            "sampling: {temperature: 0, max_tokens: 12}\nlimits: {max_turns: 2}\n")
                  .ok());
  Result collect = RunTracemill("collect --tasks " + tasks + " -c " + config + " -o " + dir + "/traces -j 2 -q");
  ASSERT_EQ(collect.code, 0) << collect.output;
  int traces = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/traces")) {
    if (e.path().extension() != ".json") continue;
    auto t = trace::ParseTraceText(*base::ReadFile(e.path().string()), e.path().string());
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_NE(t->outcome.status, "error") << t->outcome.detail;
    EXPECT_EQ(t->model, "base");
    EXPECT_GT(t->usage.completion_tokens, 0);
    ++traces;
  }
  EXPECT_EQ(traces, 2);
  EXPECT_EQ(server.Stop(), 0);
}

// `eval live` with both sides model directories served in-process: the full fine-tune's
// comparison, with no server of the user's own.
TEST(ServeTest, EvalLiveComparesTwoModelDirectories) {
  const std::string dir = base::FreshTestDir();
  const std::string model = dir + "/tiny";
  Result init = RunTracemill("model init --preset tiny --out " + model);
  ASSERT_EQ(init.code, 0) << init.output;
  const std::string tasks = dir + "/tasks.jsonl", config = dir + "/agent.yaml";
  ASSERT_TRUE(base::WriteFileAtomic(tasks, "{\"id\":\"a\",\"prompt\":\"Say hello.\",\"answer\":{\"contains\":\"hello\"}}\n"
                                           "{\"id\":\"b\",\"prompt\":\"Count to 3.\",\"answer\":{\"number\":3}}\n")
                  .ok());
  ASSERT_TRUE(base::WriteFileAtomic(config, "endpoint: {base_url: \"http://127.0.0.1:1/v1\", model: none}\n"
                                            "sampling: {temperature: 0, max_tokens: 12}\nlimits: {max_turns: 2}\n")
                  .ok());
  const Result r = RunTracemill("eval live -c " + config + " --tasks " + tasks + " --baseline-model-dir " + model +
                                " --candidate-model-dir " + model + " --threads 1 --tries 1 -o " + dir + "/report -q");
  ASSERT_EQ(r.code, 0) << r.output;
  auto text = base::ReadFile(dir + "/report/report.json");
  ASSERT_TRUE(text.ok()) << text.status();
  auto report = base::ParseJson(*text, "report.json");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ((*report)["settings"]["baseline"]["model_dir"], model);
  EXPECT_EQ((*report)["candidate"]["model"], model);
  for (const char* run : {"baseline", "candidate"}) {
    const Json& attempts = (*report)[run]["details"]["attempts"];
    ASSERT_EQ(attempts.size(), 2u) << run;
    // The served model answered (a random one: wrongly, or cut at max_tokens), never an
    // endpoint error.
    for (const Json& t : attempts) {
      EXPECT_NE(t["outcome"], "error") << t;
      EXPECT_EQ(t["passed"], false) << t;
    }
  }
}

}  // namespace
}  // namespace tracemill
