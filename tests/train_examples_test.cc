// The whole data-to-model path on the example traces, as a user runs it: curate, unroll
// per-turn, create the tiny Qwen3, train it (full fine-tune: with LoRA a random tiny
// model's frozen tied embedding caps how far its loss can fall), and check that train and
// eval loss fall by a clear margin. The rows are long (25 tool schemas each, 4.5k–9.7k
// tokens), so this takes about two minutes on 2 cores: labelled `long`.
#include <string>

#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/test_util.h"
#include "tests/run_tracemill.h"

namespace tracemill {
namespace {

const std::string kSource = TRACEMILL_SOURCE_DIR;

TEST(TrainExamplesTest, TinyModelLossFallsOnTheExampleDataset) {
  const std::string dir = base::FreshTestDir();
  Result curate = RunTracemill("curate " + kSource + "/examples/traces --rules " + kSource +
                               "/examples/curate_rules.yaml -o " + dir + "/curated.jsonl -q");
  ASSERT_EQ(curate.code, 0) << curate.output;
  Result unroll = RunTracemill("unroll " + dir + "/curated.jsonl -o " + dir +
                               "/ds --mode per-turn --eval-ratio 0.25 --seed 42 -q");
  ASSERT_EQ(unroll.code, 0) << unroll.output;
  Result init = RunTracemill("model init --preset tiny --seed 0 --out " + dir + "/m");
  ASSERT_EQ(init.code, 0) << init.output;
  Result train = RunTracemill("train --model " + dir + "/m --data " + dir + "/ds --out " + dir +
                              "/run --full --lr 1e-2 --warmup 1 --max-steps 10 --threads 2 -q");
  ASSERT_EQ(train.code, 0) << train.output;
  auto report = base::ParseJson(*base::ReadFile(dir + "/run/train_report.json"), "report");
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->contains("eval_loss_before") && report->contains("eval_loss_after"))
      << "no eval split: " << *report;
  const double first = (*report)["first_loss"].get<double>();
  const double last = (*report)["last_loss"].get<double>();
  const double before = (*report)["eval_loss_before"].get<double>();
  const double after = (*report)["eval_loss_after"].get<double>();
  std::printf("train loss %.3f -> %.3f, eval loss %.3f -> %.3f\n", first, last, before, after);
  EXPECT_LT(last, first - 2.0) << *report;
  EXPECT_LT(after, before - 2.0) << *report;
}

}  // namespace
}  // namespace tracemill
