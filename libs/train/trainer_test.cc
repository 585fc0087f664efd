#include "libs/train/trainer.h"

#include <torch/torch.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/test_util.h"
#include "libs/model/lora.h"
#include "libs/model/qwen3_model.h"

namespace tracemill::train {
namespace {

std::unique_ptr<model::Qwen3Model> Tiny(uint64_t seed = 1, int64_t vocab = 64) {
  model::Qwen3Config c = *model::Qwen3Preset("tiny");
  c.vocab_size = vocab;
  auto m = model::Qwen3Model::RandomInit(c, seed, {});
  EXPECT_TRUE(m.ok());
  return std::move(*m);
}

// A learnable task: a short random prompt, a separator, then the answer f(last prompt
// token) and an end-of-turn token as the targets.
std::vector<Example> LookupTask(int n, uint64_t seed) {
  std::mt19937 rng(seed);
  std::vector<Example> out;
  for (int i = 0; i < n; ++i) {
    Example e;
    e.ids.push_back(1);
    const int len = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < len; ++k) e.ids.push_back(4 + static_cast<int32_t>(rng() % 20));
    const int32_t key = e.ids.back();
    e.ids.push_back(2);
    e.target.assign(e.ids.size(), 0);
    e.ids.push_back(24 + (key * 7) % 20);  // the answer
    e.ids.push_back(3);                    // end of turn
    e.target.push_back(1);
    e.target.push_back(1);
    out.push_back(std::move(e));
  }
  return out;
}

TEST(BatchTest, PaddedLabelsMaskEverythingButTargets) {
  Example a{{1, 2, 3}, {0, 1, 1}};
  Example b{{5, 6}, {1, 1}};
  Batch batch = PadBatch({&a, &b});
  EXPECT_EQ(batch.rows, 2);
  EXPECT_EQ(batch.len, 3);
  EXPECT_EQ(batch.input_ids, (std::vector<int64_t>{1, 2, 3, 5, 6, 0}));
  // The first token of a row is never a label.
  EXPECT_EQ(batch.labels, (std::vector<int64_t>{-100, 2, 3, -100, 6, -100}));
  EXPECT_EQ(batch.attention_mask, (std::vector<int64_t>{1, 1, 1, 1, 1, 0}));
  EXPECT_EQ(batch.target_tokens, 3);
  EXPECT_EQ(batch.tokens, 5);
}

TEST(BatchTest, PackingResetsPositionsAndSeparatesSegments) {
  Example a{{1, 2, 3}, {0, 1, 1}};
  Example b{{5, 6}, {1, 1}};
  Example c{{7, 8, 9, 10}, {0, 0, 1, 1}};
  Batch batch = PackBatch({&a, &b, &c}, 5);
  EXPECT_TRUE(batch.packed);
  EXPECT_EQ(batch.rows, 2);  // [a b] [c]
  EXPECT_EQ(batch.len, 5);
  EXPECT_EQ(batch.position_ids, (std::vector<int64_t>{0, 1, 2, 0, 1, 0, 1, 2, 3, 0}));
  EXPECT_EQ(batch.segment_ids, (std::vector<int64_t>{0, 0, 0, 1, 1, 0, 0, 0, 0, -1}));
  EXPECT_EQ(batch.labels, (std::vector<int64_t>{-100, 2, 3, -100, 6, -100, -100, 9, 10, -100}));
}

TEST(ScheduleTest, WarmupThenDecay) {
  EXPECT_DOUBLE_EQ(LearningRate(Schedule::kLinear, 1.0, 0, 10, 110), 0.0);
  EXPECT_DOUBLE_EQ(LearningRate(Schedule::kLinear, 1.0, 5, 10, 110), 0.5);
  EXPECT_DOUBLE_EQ(LearningRate(Schedule::kLinear, 1.0, 10, 10, 110), 1.0);
  EXPECT_DOUBLE_EQ(LearningRate(Schedule::kLinear, 1.0, 60, 10, 110), 0.5);
  EXPECT_NEAR(LearningRate(Schedule::kCosine, 1.0, 60, 10, 110), 0.5, 1e-12);
  EXPECT_NEAR(LearningRate(Schedule::kCosine, 1.0, 110, 10, 110), 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(LearningRate(Schedule::kConstant, 3.0, 99, 10, 110), 3.0);
  Schedule s;
  EXPECT_TRUE(ParseSchedule("cosine", &s));
  EXPECT_FALSE(ParseSchedule("step", &s));
}

// With LoRA the tied embedding and the norms stay frozen at their random init (std
// 0.02), which caps how confident a tiny random model can get (max logit about
// |h| * |e| = 8 * 0.16): the loss falls clearly but not to zero. Full fine-tuning below
// shows the task is learnable.
TEST(TrainerTest, LoraLearnsTheLookupTask) {
  auto model = Tiny();
  model::LoraConfig lora;
  lora.r = 8;
  lora.alpha = 16;
  lora.dropout = 0.0;
  auto adapters = model::LoraAdapters::Create(lora, model->LinearModules(), 5);
  ASSERT_TRUE(adapters.ok());
  model->SetLora(std::shared_ptr<const model::LoraAdapters>(std::move(*adapters)));
  TrainOptions o;
  o.lr = 1e-2;
  o.epochs = 30;
  o.batch_size = 8;
  o.warmup_steps = 5;
  const std::string dir = base::FreshTestDir();
  o.metrics_path = dir + "/metrics.jsonl";
  Trainer trainer(model.get(), o);
  int calls = 0;
  auto report = trainer.Run(LookupTask(64, 1), LookupTask(16, 2), [&](const StepStats&) { ++calls; });
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->steps, 30 * 8);
  EXPECT_EQ(calls, report->steps);
  EXPECT_LT(report->last_loss, 0.8 * report->first_loss)
      << report->first_loss << " -> " << report->last_loss;
  ASSERT_TRUE(report->eval_before && report->eval_after);
  EXPECT_LT(*report->eval_after, 0.85 * *report->eval_before)
      << *report->eval_before << " -> " << *report->eval_after;
  // Base weights untouched.
  for (const auto& [name, w] : model->weights()) EXPECT_FALSE(w.grad().defined()) << name;
  std::ifstream in(o.metrics_path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, report->steps + 1);  // + the evaluation before training
}

TEST(TrainerTest, FullFineTuneLearnsTheLookupTask) {
  auto model = Tiny();
  TrainOptions o;
  o.lr = 3e-3;
  o.epochs = 20;
  o.batch_size = 8;
  o.warmup_steps = 5;
  auto report = Trainer(model.get(), o).Run(LookupTask(64, 1), LookupTask(16, 2));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_LT(report->last_loss, 0.3 * report->first_loss)
      << report->first_loss << " -> " << report->last_loss;
  EXPECT_LT(*report->eval_after, 0.5 * *report->eval_before)
      << *report->eval_before << " -> " << *report->eval_after;
}

// The sampled softmax covers the batch's tokens and a few drawn ones: the train loss is
// over those (below ln(vocab) from the first step), eval loss over the whole vocabulary,
// and what is learnt carries over to it. The draws come from the seeded generator.
TEST(TrainerTest, SampledSoftmaxLearnsTheLookupTaskOverTheWholeVocabulary) {
  auto run = [] {
    auto model = Tiny(1, 4096);
    TrainOptions o;
    o.lr = 3e-3;
    o.epochs = 20;
    o.batch_size = 8;
    o.warmup_steps = 5;
    o.sampled_vocab = 32;
    o.frozen = {"model.embed_tokens"};
    auto report = Trainer(model.get(), o).Run(LookupTask(64, 1), LookupTask(16, 2));
    EXPECT_TRUE(report.ok()) << report.status();
    return *report;
  };
  const TrainReport a = run();
  EXPECT_GT(*a.eval_before, 7.0);  // ~ln 4096 = 8.3 at random init
  EXPECT_LT(a.first_loss, 0.75 * *a.eval_before) << "the first step's loss is not the sampled one";
  EXPECT_LT(*a.eval_after, 0.5 * *a.eval_before) << *a.eval_before << " -> " << *a.eval_after;
  const TrainReport b = run();
  EXPECT_DOUBLE_EQ(a.last_loss, b.last_loss);
  EXPECT_DOUBLE_EQ(*a.eval_after, *b.eval_after);
}

TEST(TrainerTest, FrozenWeightsStayAsTheyWereAndTheRestLearns) {
  auto model = Tiny();
  const at::Tensor embed_before = model->weights().at("model.embed_tokens.weight").clone();
  const at::Tensor q_before = model->weights().at("model.layers.0.self_attn.q_proj.weight").clone();
  TrainOptions o;
  o.lr = 3e-3;
  o.epochs = 10;
  o.batch_size = 8;
  o.frozen = {"model.embed_tokens"};
  auto report = Trainer(model.get(), o).Run(LookupTask(64, 1), LookupTask(16, 2));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(torch::equal(model->weights().at("model.embed_tokens.weight"), embed_before));
  EXPECT_FALSE(torch::equal(model->weights().at("model.layers.0.self_attn.q_proj.weight"), q_before));
  EXPECT_LT(*report->eval_after, 0.8 * *report->eval_before)
      << *report->eval_before << " -> " << *report->eval_after;

  o.frozen = {"model."};  // every weight of a tied model
  auto none = Trainer(model.get(), o).Run(LookupTask(8, 1), {});
  EXPECT_FALSE(none.ok());
}

TEST(TrainerTest, AccumulationEqualsOneLargeBatch) {
  std::vector<Example> data = LookupTask(4, 3);
  auto run = [&](int64_t batch, int64_t accum) {
    auto model = Tiny(9);
    TrainOptions o;
    o.lr = 1e-3;
    o.max_steps = 1;
    o.batch_size = batch;
    o.grad_accum = accum;
    o.max_grad_norm = 0;
    o.schedule = Schedule::kConstant;
    // Adam's first step is lr * g / (|g| + eps): with a tiny eps it is lr * sign(g), which
    // flips on rounding noise in near-zero gradients; a large eps keeps it linear in g.
    o.adam_eps = 1.0;
    Trainer trainer(model.get(), o);
    auto report = trainer.Run(data, {});
    EXPECT_TRUE(report.ok()) << report.status();
    return model->weights().at("model.layers.0.mlp.up_proj.weight").clone();
  };
  at::Tensor one = run(4, 1);
  at::Tensor accumulated = run(1, 4);
  EXPECT_TRUE(at::allclose(one, accumulated, 1e-5, 1e-6));
}

TEST(TrainerTest, PackedLossEqualsPaddedLoss) {
  auto model = Tiny(4);
  std::vector<Example> data = LookupTask(6, 8);
  TrainOptions padded;
  padded.batch_size = 6;
  TrainOptions packed = padded;
  packed.packing = true;
  packed.max_seq_len = 40;
  auto a = Trainer(model.get(), padded).EvalLoss(data);
  auto b = Trainer(model.get(), packed).EvalLoss(data);  // EvalLoss pads; check the packer:
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(*a, *b, 1e-6);
  // One optimizer step on packed vs padded batches gives the same loss.
  TrainOptions step = padded;
  step.max_steps = 1;
  TrainOptions step_packed = packed;
  step_packed.max_steps = 1;
  step_packed.batch_size = 6;
  auto m1 = Tiny(4);
  auto m2 = Tiny(4);
  auto r1 = Trainer(m1.get(), step).Run(data, {});
  auto r2 = Trainer(m2.get(), step_packed).Run(data, {});
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_NEAR(r1->first_loss, r2->first_loss, 1e-5);
}

TEST(TrainerTest, OverLongExamplesAreCountedNotCut) {
  auto model = Tiny();
  TrainOptions o;
  o.max_seq_len = 6;
  o.max_steps = 2;
  std::vector<Example> data = LookupTask(20, 4);  // 5 to 8 tokens
  int64_t longer = 0;
  for (const Example& e : data) longer += e.ids.size() > 6;
  ASSERT_GT(longer, 0);
  ASSERT_LT(longer, 20);
  auto report = Trainer(model.get(), o).Run(data, {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->skipped_too_long, longer);
  EXPECT_EQ(report->examples, 20 - longer);
  o.max_seq_len = 4;
  auto none = Trainer(model.get(), o).Run(data, {});
  EXPECT_FALSE(none.ok());
}

// Stopping at step 3 (a checkpoint is written), then resuming, ends bit-for-bit where an
// uninterrupted run ends: adapters, optimizer moments, data order across an epoch
// boundary and LoRA dropout's RNG all continue.
// Both optimizers; the 8-bit one (with every adapter tensor 8-bit) under gradient
// checkpointing, whose recomputed dropout must not disturb the RNG stream either.
class ResumeTest : public ::testing::TestWithParam<OptimizerKind> {};

TEST_P(ResumeTest, ResumeIsBitForBit) {
  std::vector<Example> data = LookupTask(12, 5);
  auto make = [] {
    auto model = Tiny(6);
    model::LoraConfig lora;
    lora.r = 4;
    lora.dropout = 0.2;
    auto adapters = model::LoraAdapters::Create(lora, model->LinearModules(), 8);
    EXPECT_TRUE(adapters.ok());
    model->SetLora(std::shared_ptr<const model::LoraAdapters>(std::move(*adapters)));
    return model;
  };
  TrainOptions o;
  o.batch_size = 2;
  o.grad_accum = 2;
  o.max_steps = 8;  // 3 steps an epoch: crosses two epoch boundaries
  o.lr = 5e-3;
  o.warmup_steps = 2;
  o.optimizer = GetParam();
  o.gradient_checkpointing = GetParam() == OptimizerKind::kAdamW8bit;
  o.min_8bit_size = 64;
  auto straight = make();
  auto r0 = Trainer(straight.get(), o).Run(data, {});
  ASSERT_TRUE(r0.ok()) << r0.status();

  const std::string dir = base::FreshTestDir();
  o.checkpoint_dir = dir + "/ckpt";
  auto first = make();
  std::atomic<bool> stop{false};
  auto r1 = Trainer(first.get(), o).Run(data, {}, [&](const StepStats& s) {
    if (s.step == 4) stop = true;
  }, &stop);
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_EQ(r1->steps, 4);
  ASSERT_TRUE(std::filesystem::exists(dir + "/ckpt/checkpoint.pt"));

  auto second = make();  // fresh process state: new model, new adapters
  o.resume = true;
  auto r2 = Trainer(second.get(), o).Run(data, {});
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r2->resumed_from, 4);
  EXPECT_EQ(r2->steps, 8);
  EXPECT_DOUBLE_EQ(r2->last_loss, r0->last_loss);
  const auto a = straight->lora()->Parameters();
  const auto b = second->lora()->Parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(at::equal(a[i], b[i])) << i;

  // The other optimizer cannot resume this checkpoint.
  o.optimizer = GetParam() == OptimizerKind::kAdamW ? OptimizerKind::kAdamW8bit
                                                    : OptimizerKind::kAdamW;
  auto other = Trainer(make().get(), o).Run(data, {});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument) << other.status();
  o.checkpoint_dir = dir + "/none";
  EXPECT_EQ(Trainer(make().get(), o).Run(data, {}).status().code(), absl::StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Optimizers, ResumeTest,
                         ::testing::Values(OptimizerKind::kAdamW, OptimizerKind::kAdamW8bit),
                         [](const auto& info) { return std::string(OptimizerName(info.param)); });


TEST(TrainerTest, StopFlagEndsAfterTheCurrentStep) {
  auto model = Tiny();
  TrainOptions o;
  o.epochs = 100;
  std::atomic<bool> stop{false};
  auto report = Trainer(model.get(), o).Run(LookupTask(8, 1), {}, [&](const StepStats& s) {
    if (s.step == 3) stop = true;
  }, &stop);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->stopped);
  EXPECT_EQ(report->steps, 3);
}

}  // namespace
}  // namespace tracemill::train
