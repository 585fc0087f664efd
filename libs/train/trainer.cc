#include "libs/train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <numeric>
#include <filesystem>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "libs/base/status_macros.h"
#include "libs/base/str_cat.h"
#include "libs/train/loss.h"
#include "libs/train/tensorboard.h"

namespace tracemill::train {
namespace {

constexpr int64_t kIgnore = -100;

// Sum of next-token cross-entropy at target positions of `batch`, computed from the
// hidden states at those positions only. With `sampled_vocab` > 0 the softmax runs over
// the batch's own tokens and that many drawn from the whole vocabulary (torch's generator,
// so a resumed run draws the same), not over every token.
at::Tensor LossSum(const model::Qwen3Model& model, const Batch& batch, const at::Device& device,
                   int64_t sampled_vocab = 0) {
  at::Tensor ids = batch.Tensor(batch.input_ids).to(device);
  at::Tensor labels = batch.Tensor(batch.labels).to(device);
  at::Tensor mask = batch.Tensor(batch.attention_mask).to(device);
  at::Tensor positions, segments;
  model::ForwardOptions options;
  options.attention_mask = &mask;
  if (batch.packed) {
    positions = batch.Tensor(batch.position_ids).to(device);
    segments = batch.Tensor(batch.segment_ids).to(device);
    options.position_ids = &positions;
    options.segment_ids = &segments;
  }
  at::Tensor hidden = model.Hidden(ids, options);  // [B, T, H]
  const int64_t t = batch.len;
  // Position p predicts the token at p + 1.
  at::Tensor next = labels.narrow(1, 1, t - 1);
  at::Tensor where = next.ne(kIgnore);
  at::Tensor h = hidden.narrow(1, 0, t - 1).index({where});  // [N, H]
  at::Tensor y = next.index({where});
  if (y.numel() == 0) return hidden.sum().to(at::kFloat) * 0.0;  // keeps the graph connected
  const at::Tensor& weight = model.LmHeadWeight();
  if (sampled_vocab > 0 && sampled_vocab < weight.size(0)) {
    at::Tensor drawn = torch::randint(weight.size(0), {sampled_vocab}, torch::kLong).to(device);
    at::Tensor candidates = std::get<0>(at::_unique(at::cat({ids.flatten(), y, drawn}), /*sorted=*/true));
    return CrossEntropySum(h, weight.index_select(0, candidates), at::searchsorted(candidates, y));
  }
  return CrossEntropySum(h, weight, y);
}

// The examples' indices that fit max_seq_len; counts the others.
std::vector<size_t> Fitting(const std::vector<Example>& examples, int64_t max_len,
                            int64_t* skipped) {
  std::vector<size_t> out;
  for (size_t i = 0; i < examples.size(); ++i) {
    if (static_cast<int64_t>(examples[i].ids.size()) > max_len || examples[i].ids.size() < 2) {
      ++*skipped;
    } else {
      out.push_back(i);
    }
  }
  return out;
}

// Micro-batches of one epoch, in order.
std::vector<Batch> EpochBatches(const std::vector<Example>& examples,
                                const std::vector<size_t>& order, const TrainOptions& o) {
  std::vector<Batch> out;
  std::vector<const Example*> group;
  int64_t group_tokens = 0;
  auto flush = [&] {
    if (group.empty()) return;
    out.push_back(o.packing ? PackBatch(group, o.max_seq_len) : PadBatch(group));
    group.clear();
    group_tokens = 0;
  };
  for (size_t i : order) {
    const Example* e = &examples[i];
    const int64_t n = static_cast<int64_t>(e->ids.size());
    if (o.packing) {
      if (group_tokens + n > o.batch_size * o.max_seq_len) flush();
    } else if (static_cast<int64_t>(group.size()) >= o.batch_size) {
      flush();
    }
    group.push_back(e);
    group_tokens += n;
  }
  flush();
  return out;
}

class MetricsLog {
 public:
  explicit MetricsLog(const std::string& path) {
    if (!path.empty()) out_.open(path, std::ios::app);
  }
  void Write(const nlohmann::ordered_json& j) {
    if (out_.is_open()) out_ << j.dump() << "\n" << std::flush;
  }

 private:
  std::ofstream out_;
};

// What a checkpoint holds beside tensors and the optimizer.
struct Position {
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t first = 0;         // next micro-batch index within the epoch
  std::string epoch_rng;     // the shuffling RNG as it was before this epoch's shuffle
};

std::string CheckpointPath(const std::string& dir) { return dir + "/checkpoint.pt"; }

absl::Status SaveCheckpoint(const std::string& dir, const std::vector<at::Tensor>& params,
                            const Optimizer& optimizer, OptimizerKind kind, const Position& pos) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(base::StrCat("cannot create ", dir, ": ", ec.message()));
  torch::serialize::OutputArchive archive;
  for (size_t i = 0; i < params.size(); ++i) {
    archive.write(base::StrCat("param_", i), params[i].detach().cpu());
  }
  torch::serialize::OutputArchive opt;
  optimizer.Save(opt);
  archive.write("optimizer", opt);
  archive.write("optimizer_kind", torch::tensor(static_cast<int64_t>(kind), torch::kLong));
  archive.write("step", torch::tensor(pos.step, torch::kLong));
  archive.write("epoch", torch::tensor(pos.epoch, torch::kLong));
  archive.write("first", torch::tensor(pos.first, torch::kLong));
  at::Tensor rng = torch::from_blob(const_cast<char*>(pos.epoch_rng.data()),
                                    {static_cast<int64_t>(pos.epoch_rng.size())}, torch::kUInt8)
                       .clone();
  archive.write("epoch_rng", rng);
  archive.write("torch_rng", at::detail::getDefaultCPUGenerator().get_state());
  const std::string path = CheckpointPath(dir);
  archive.save_to(path + ".tmp");
  std::filesystem::rename(path + ".tmp", path, ec);
  if (ec) return absl::InternalError(base::StrCat("cannot write ", path, ": ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<Position> LoadCheckpoint(const std::string& dir, const std::vector<at::Tensor>& params,
                                        Optimizer& optimizer, OptimizerKind kind) {
  const std::string path = CheckpointPath(dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(base::StrCat("no checkpoint to resume from: ", path));
  }
  torch::serialize::InputArchive archive;
  archive.load_from(path);
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    at::Tensor t;
    if (!archive.try_read(base::StrCat("param_", i), t) || !t.sizes().equals(params[i].sizes())) {
      return absl::InvalidArgumentError(base::StrCat(
          path, ": tensor ", i, " is missing or has another shape (another model or LoRA config?)"));
    }
    params[i].copy_(t);
  }
  // Each read needs a fresh tensor: reading into one that holds an archive's storage fails.
  auto read = [&archive](const char* key) {
    at::Tensor t;
    archive.read(key, t);
    return t;
  };
  at::Tensor saved_kind;
  const OptimizerKind was = archive.try_read("optimizer_kind", saved_kind)
                                ? static_cast<OptimizerKind>(saved_kind.item<int64_t>())
                                : OptimizerKind::kAdamW;
  if (was != kind) {
    return absl::InvalidArgumentError(base::StrCat(path, " was written with optimizer ",
                                                   OptimizerName(was), ", not ",
                                                   OptimizerName(kind)));
  }
  torch::serialize::InputArchive opt;
  archive.read("optimizer", opt);
  TM_RETURN_IF_ERROR(optimizer.Load(opt));
  Position pos;
  pos.step = read("step").item<int64_t>();
  pos.epoch = read("epoch").item<int64_t>();
  pos.first = read("first").item<int64_t>();
  at::Tensor rng = read("epoch_rng").contiguous();
  pos.epoch_rng.assign(static_cast<const char*>(rng.data_ptr()), rng.numel());
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  generator.set_state(read("torch_rng"));
  return pos;
}

std::string RngState(const std::mt19937_64& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

}  // namespace

Trainer::Trainer(model::Qwen3Model* model, TrainOptions options)
    : model_(model), options_(std::move(options)) {}

absl::StatusOr<double> Trainer::EvalLoss(const std::vector<Example>& examples) {
  int64_t skipped = 0;
  std::vector<size_t> order = Fitting(examples, options_.max_seq_len, &skipped);
  if (order.empty()) return absl::InvalidArgumentError("no evaluation example fits max_seq_len");
  try {
    at::NoGradGuard no_grad;
    const at::Device device(options_.device);
    model_->SetTraining(false);
    TrainOptions o = options_;
    o.packing = false;
    double sum = 0;
    int64_t targets = 0;
    for (const Batch& batch : EpochBatches(examples, order, o)) {
      sum += LossSum(*model_, batch, device).item<double>();
      targets += batch.target_tokens;
    }
    if (targets == 0) return absl::InvalidArgumentError("the evaluation examples have no targets");
    return sum / static_cast<double>(targets);
  } catch (const std::exception& e) {
    return absl::InternalError(base::StrCat("evaluation: ", e.what()));
  }
}

absl::StatusOr<TrainReport> Trainer::Run(const std::vector<Example>& train,
                                         const std::vector<Example>& eval,
                                         const std::function<void(const StepStats&)>& on_step,
                                         const std::atomic<bool>* stop) {
  const TrainOptions& o = options_;
  if (o.batch_size < 1 || o.grad_accum < 1 || o.epochs < 1 || o.max_seq_len < 2 || !(o.lr > 0)) {
    return absl::InvalidArgumentError(
        "batch_size, grad_accum and epochs must be >= 1, max_seq_len >= 2 and lr > 0");
  }
  TrainReport report;
  std::vector<size_t> usable = Fitting(train, o.max_seq_len, &report.skipped_too_long);
  if (usable.empty()) {
    return absl::InvalidArgumentError(base::StrCat(
        "no training example fits max_seq_len ", o.max_seq_len, " (", report.skipped_too_long,
        " are longer)"));
  }
  report.examples = static_cast<int64_t>(usable.size());
  Fitting(eval, o.max_seq_len, &report.eval_skipped_too_long);

  model_->SetGradientCheckpointing(o.gradient_checkpointing);
  std::vector<at::Tensor> params;
  if (model_->lora() != nullptr) {
    model_->SetBaseTrainable(false);
    params = model_->lora()->Parameters();
  } else {
    model_->SetBaseTrainable(true);
    for (auto& [name, w] : model_->mutable_weights()) {
      const bool frozen = std::any_of(o.frozen.begin(), o.frozen.end(), [&](const std::string& f) {
        return name.rfind(f, 0) == 0;
      });
      if (frozen) {
        w.set_requires_grad(false);
      } else {
        params.push_back(w);
      }
    }
    if (params.empty()) return absl::InvalidArgumentError("every weight is frozen: nothing to train");
  }
  MetricsLog metrics(o.metrics_path);
  std::unique_ptr<TensorBoardWriter> tensorboard;
  if (!o.tensorboard_dir.empty()) {
    TM_ASSIGN_OR_RETURN(tensorboard, TensorBoardWriter::Open(o.tensorboard_dir));
  }
  auto scalar = [&](std::string_view tag, double value, int64_t step) -> absl::Status {
    return tensorboard ? tensorboard->AddScalar(tag, static_cast<float>(value), step)
                       : absl::OkStatus();
  };
  try {
    const at::Device device(o.device);
    if (!eval.empty()) {
      TM_ASSIGN_OR_RETURN(double before, EvalLoss(eval));
      report.eval_before = before;
      metrics.Write({{"step", 0}, {"eval_loss", before}});
      TM_RETURN_IF_ERROR(scalar("eval/loss", before, 0));
    }
    std::unique_ptr<Optimizer> optimizer =
        MakeOptimizer(o.optimizer, params,
                      {.beta1 = o.adam_beta1, .beta2 = o.adam_beta2, .eps = o.adam_eps,
                       .weight_decay = o.weight_decay, .min_8bit_size = o.min_8bit_size});

    std::mt19937_64 rng(o.seed);
    torch::manual_seed(o.seed);  // LoRA dropout
    // Batches per epoch depend only on the example lengths, so count them once.
    std::vector<size_t> order = usable;
    const int64_t per_epoch_batches = static_cast<int64_t>(EpochBatches(train, order, o).size());
    const int64_t per_epoch_steps = (per_epoch_batches + o.grad_accum - 1) / o.grad_accum;
    const int64_t total_steps = o.max_steps > 0 ? o.max_steps : per_epoch_steps * o.epochs;

    int64_t step = 0;
    int64_t start_epoch = 0;
    size_t start_first = 0;
    if (o.resume) {
      TM_ASSIGN_OR_RETURN(Position pos, LoadCheckpoint(o.checkpoint_dir, params, *optimizer, o.optimizer));
      step = report.resumed_from = pos.step;
      start_epoch = pos.epoch;
      start_first = static_cast<size_t>(pos.first);
      std::istringstream in(pos.epoch_rng);
      in >> rng;
    }
    const auto start = std::chrono::steady_clock::now();
    int64_t tokens_total = 0;
    Position position;
    for (int64_t epoch = start_epoch; step < total_steps; ++epoch) {
      position.epoch = epoch;
      position.epoch_rng = RngState(rng);
      order = usable;
      std::shuffle(order.begin(), order.end(), rng);
      std::vector<Batch> batches = EpochBatches(train, order, o);
      const size_t skip = epoch == start_epoch ? start_first : 0;
      for (size_t first = skip; first < batches.size() && step < total_steps;
           first += static_cast<size_t>(o.grad_accum)) {
        position.first = static_cast<int64_t>(first + static_cast<size_t>(o.grad_accum));
        const size_t last = std::min(batches.size(), first + static_cast<size_t>(o.grad_accum));
        int64_t targets = 0, tokens = 0;
        for (size_t i = first; i < last; ++i) {
          targets += batches[i].target_tokens;
          tokens += batches[i].tokens;
        }
        if (targets == 0) continue;
        model_->SetTraining(true);
        optimizer->ZeroGrad();
        double loss_sum = 0;
        for (size_t i = first; i < last; ++i) {
          at::Tensor loss = LossSum(*model_, batches[i], device, o.sampled_vocab);
          loss_sum += loss.item<double>();
          (loss / static_cast<double>(targets)).backward();
        }
        double grad_norm = 0;
        if (o.max_grad_norm > 0) {
          grad_norm = torch::nn::utils::clip_grad_norm_(params, o.max_grad_norm);
        } else {
          for (const at::Tensor& p : params) {
            if (p.grad().defined()) grad_norm += p.grad().pow(2).sum().item<double>();
          }
          grad_norm = std::sqrt(grad_norm);
        }
        const double lr = LearningRate(o.schedule, o.lr, step, o.warmup_steps, total_steps);
        optimizer->Step(lr);
        ++step;
        tokens_total += tokens;

        StepStats stats;
        stats.step = step;
        stats.total_steps = total_steps;
        stats.epoch = epoch;
        stats.loss = loss_sum / static_cast<double>(targets);
        stats.lr = lr;
        stats.grad_norm = grad_norm;
        stats.tokens = tokens;
        stats.target_tokens = targets;
        stats.elapsed_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        stats.tokens_per_s = tokens_total / std::max(1e-9, stats.elapsed_s);
        const bool last_step = step == total_steps || (stop != nullptr && stop->load());
        if (!eval.empty() && ((o.eval_every > 0 && step % o.eval_every == 0) || last_step)) {
          TM_ASSIGN_OR_RETURN(double eval_loss, EvalLoss(eval));
          stats.eval_loss = eval_loss;
          report.eval_after = eval_loss;
        }
        if (step == 1) report.first_loss = stats.loss;
        report.last_loss = stats.loss;
        nlohmann::ordered_json line = {{"step", step},          {"epoch", epoch},
                                       {"loss", stats.loss},     {"lr", lr},
                                       {"grad_norm", grad_norm}, {"tokens", tokens},
                                       {"target_tokens", targets},
                                       {"tokens_per_s", stats.tokens_per_s}};
        if (stats.eval_loss) line["eval_loss"] = *stats.eval_loss;
        metrics.Write(line);
        TM_RETURN_IF_ERROR(scalar("train/loss", stats.loss, step));
        TM_RETURN_IF_ERROR(scalar("train/lr", lr, step));
        TM_RETURN_IF_ERROR(scalar("train/grad_norm", grad_norm, step));
        TM_RETURN_IF_ERROR(scalar("train/tokens_per_s", stats.tokens_per_s, step));
        if (stats.eval_loss) TM_RETURN_IF_ERROR(scalar("eval/loss", *stats.eval_loss, step));
        report.history.push_back(stats);
        if (on_step) on_step(stats);
        const bool stopping = stop != nullptr && stop->load();
        if (!o.checkpoint_dir.empty() &&
            ((o.checkpoint_every > 0 && step % o.checkpoint_every == 0) || stopping)) {
          position.step = step;
          TM_RETURN_IF_ERROR(SaveCheckpoint(o.checkpoint_dir, params, *optimizer, o.optimizer, position));
        }
        if (stopping) {
          report.stopped = true;
          break;
        }
      }
      if (report.stopped) break;
    }
    report.steps = step;
    report.optimizer_state_bytes = optimizer->StateBytes();
    report.tokens_per_s = report.history.empty() ? 0 : report.history.back().tokens_per_s;
  } catch (const std::exception& e) {
    return absl::InternalError(base::StrCat("training: ", e.what()));
  }
  model_->SetTraining(false);
  return report;
}

}  // namespace tracemill::train
