// Supervised fine-tuning of a Qwen3Model on tokenized, masked examples: LoRA when the
// model has adapters (base frozen, only adapter tensors in the optimizer), otherwise a
// full fine-tune.
//
//   Trainer trainer(model.get(), options);
//   TM_ASSIGN_OR_RETURN(TrainReport report, trainer.Run(train, eval, on_step, &stop));
//
// Per optimizer step: `grad_accum` micro-batches of `batch_size` examples (padded, or
// packed into sequences of max_seq_len), the loss being the cross-entropy of next-token
// prediction at target tokens only, normalised by the number of target tokens of the
// whole step (so accumulation equals one big batch); gradient clipping by global norm;
// AdamW with decoupled weight decay (fp32 or 8-bit state, optimizer.h); the learning rate from the schedule. The loss is
// computed from the hidden states at target positions only, by chunks (loss.h), so the
// [T, vocab] logits of a long row never exist. Examples are shuffled per epoch from `seed`.
//
// Examples longer than max_seq_len are not cut: they are left out and counted in the
// report (callers should tell the user). Run stops early and cleanly when *stop turns
// true (Ctrl-C), after the current step.
#ifndef TRACEMILL_LIBS_TRAIN_TRAINER_H_
#define TRACEMILL_LIBS_TRAIN_TRAINER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/model/qwen3_model.h"
#include "libs/train/batch.h"
#include "libs/train/optimizer.h"
#include "libs/train/schedule.h"

namespace tracemill::train {

struct TrainOptions {
  double lr = 2e-4;
  Schedule schedule = Schedule::kCosine;
  int64_t warmup_steps = 0;
  int64_t epochs = 1;
  int64_t max_steps = 0;  // > 0: stop after this many optimizer steps (epochs repeat)
  int64_t batch_size = 1;
  int64_t grad_accum = 1;
  double weight_decay = 0.0;
  double max_grad_norm = 1.0;  // <= 0: no clipping
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_eps = 1e-8;
  OptimizerKind optimizer = OptimizerKind::kAdamW;
  int64_t min_8bit_size = 4096;  // adamw8bit: smaller tensors keep fp32 state
  bool gradient_checkpointing = false;  // Qwen3Model::SetGradientCheckpointing
  // A full fine-tune keeps the weights whose names start with one of these frozen (e.g.
  // "model.embed_tokens": with a tied head, a random embedding's dense gradient and
  // optimizer update are most of a tiny model's step). Ignored with LoRA.
  std::vector<std::string> frozen;
  bool packing = false;
  int64_t max_seq_len = 32768;
  // > 0: each step's softmax covers the batch's own tokens plus this many drawn from the
  // vocabulary at random (sampled softmax), not all of it: a small student's head over
  // Qwen's 151,936 tokens is otherwise most of a step. The reported train loss is then
  // the sampled one, lower than the full one; eval loss is always over the full vocabulary.
  int64_t sampled_vocab = 0;
  int64_t eval_every = 0;  // optimizer steps; 0: only before and after
  uint64_t seed = 42;
  std::string device = "cpu";
  std::string metrics_path;  // JSONL, one line per step and per evaluation; "" = none
  std::string tensorboard_dir;  // TensorBoard event files (train/*, eval/loss); "" = none
  // Checkpoints (trainable tensors, optimizer state, step, data position, RNG states) in
  // checkpoint_dir/checkpoint.pt every checkpoint_every steps (0: never on schedule), and
  // always when *stop ends the run. With resume, Run continues from that file; on CPU the
  // result is bit-for-bit the same as an uninterrupted run with the same options.
  std::string checkpoint_dir;
  int64_t checkpoint_every = 0;
  bool resume = false;
};

struct StepStats {
  int64_t step = 0;  // 1-based optimizer step
  int64_t total_steps = 0;
  int64_t epoch = 0;
  double loss = 0;
  double lr = 0;
  double grad_norm = 0;
  int64_t tokens = 0;
  int64_t target_tokens = 0;
  double tokens_per_s = 0;
  double elapsed_s = 0;
  std::optional<double> eval_loss;
};

struct TrainReport {
  int64_t steps = 0;
  int64_t resumed_from = 0;  // the step a resumed run started after
  int64_t examples = 0;
  int64_t skipped_too_long = 0;
  int64_t eval_skipped_too_long = 0;
  double first_loss = 0;
  double last_loss = 0;
  std::optional<double> eval_before;
  std::optional<double> eval_after;
  double tokens_per_s = 0;
  int64_t optimizer_state_bytes = 0;
  bool stopped = false;  // *stop ended it early
  std::vector<StepStats> history;
};

class Trainer {
 public:
  Trainer(model::Qwen3Model* model, TrainOptions options);

  absl::StatusOr<TrainReport> Run(const std::vector<Example>& train,
                                  const std::vector<Example>& eval,
                                  const std::function<void(const StepStats&)>& on_step = {},
                                  const std::atomic<bool>* stop = nullptr);

  // Mean cross-entropy over the target tokens of `examples` (those within max_seq_len).
  absl::StatusOr<double> EvalLoss(const std::vector<Example>& examples);

 private:
  model::Qwen3Model* model_;
  TrainOptions options_;
};

}  // namespace tracemill::train

#endif  // TRACEMILL_LIBS_TRAIN_TRAINER_H_
