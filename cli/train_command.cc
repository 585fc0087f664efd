// `tracemill train`: LoRA (or full) supervised fine-tuning of a Qwen3 model on a dataset
// directory from `tracemill unroll`, rendered with the model's own chat template and
// masked to assistant tokens.
#include <torch/torch.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "libs/base/file_io.h"
#include "libs/base/json.h"
#include "libs/base/progress.h"
#include "libs/base/str_cat.h"
#include "libs/model/lora.h"
#include "libs/model/model_init.h"
#include "libs/model/qwen3_model.h"
#include "libs/text/chat_format.h"
#include "libs/train/dataset_examples.h"
#include "libs/train/trainer.h"

namespace tracemill::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

struct TrainFlags {
  std::string model;
  std::string data;
  std::string out;
  bool full = false;
  int64_t lora_r = 16;
  double lora_alpha = 32;
  double lora_dropout = 0.05;
  std::vector<std::string> lora_targets = {"q_proj", "k_proj",    "v_proj",   "o_proj",
                                           "gate_proj", "up_proj", "down_proj"};
  bool rslora = false;
  double lr = 2e-4;
  std::string schedule = "cosine";
  int64_t warmup = 0;
  int64_t epochs = 1;
  int64_t max_steps = 0;
  int64_t batch_size = 1;
  int64_t grad_accum = 1;
  double weight_decay = 0.0;
  double max_grad_norm = 1.0;
  int64_t max_seq_len = 32768;
  bool packing = false;
  int64_t sampled_vocab = 0;
  int64_t eval_every = 0;
  uint64_t seed = 42;
  int threads = 0;
  std::string device = "cpu";
  std::string dtype = "auto";
  std::string optimizer = "adamw";
  bool gradient_checkpointing = false;
  std::vector<std::string> freeze;
  bool merge = false;
  int64_t checkpoint_every = 0;
  bool resume = false;
  bool quiet = false;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "tracemill train: %s\n", std::string(status.message()).c_str());
  return 1;
}

int RunTrain(const TrainFlags& f) {
  if (f.threads > 0) at::set_num_threads(f.threads);
  auto format = text::ChatFormat::FromDirectory(f.model);
  if (!format.ok()) return Fail(format.status());

  base::ProgressBar read_bar("tokenize", 0, base::ProgressBar::Unit::kBytes, !f.quiet);
  auto data = train::TokenizeDataset(f.data, **format, f.max_seq_len,
                                     [&](uint64_t done, uint64_t total) {
                                       read_bar.SetTotal(total);
                                       read_bar.Update(done);
                                     });
  read_bar.Finish();
  if (!data.ok()) return Fail(data.status());
  std::fprintf(stderr,
               "data: %lld rows -> %zu train, %zu eval examples; longest %lld tokens; %lld over "
               "--max-seq-len %lld (left out, not cut); %lld refused; %lld turns kept as context "
               "only\n",
               static_cast<long long>(data->rows), data->train.size(), data->eval.size(),
               static_cast<long long>(data->longest), static_cast<long long>(data->too_long),
               static_cast<long long>(f.max_seq_len), static_cast<long long>(data->failed),
               static_cast<long long>(data->skipped_targets));
  for (const std::string& e : data->errors) std::fprintf(stderr, "  refused %s\n", e.c_str());
  if (data->train.empty()) {
    return Fail(absl::InvalidArgumentError("no training example to train on"));
  }

  if (!f.full && !f.freeze.empty()) {
    return Fail(absl::InvalidArgumentError("--freeze applies to a full fine-tune: add --full (LoRA freezes the base)"));
  }
  auto optimizer = train::ParseOptimizerKind(f.optimizer);
  if (!optimizer.ok()) return Fail(optimizer.status());
  // The frozen base of a LoRA run is bf16 on CUDA by default; trained weights (a full
  // fine-tune) stay fp32, and so do the adapters (PEFT's autocast_adapter_dtype).
  const bool cuda = f.device.rfind("cuda", 0) == 0;
  std::string dtype = f.dtype;
  if (dtype == "auto") dtype = cuda && !f.full ? "bfloat16" : "float32";
  if (dtype == "bfloat16" && f.full) {
    return Fail(absl::InvalidArgumentError(
        "--full trains fp32 weights; use --dtype float32 (or LoRA for a bf16 base)"));
  }
  model::LoadOptions load;
  load.device = f.device;
  load.dtype = dtype == "bfloat16" ? model::WeightDType::kBFloat16 : model::WeightDType::kFloat32;
  auto model = model::Qwen3Model::Load(f.model, load);
  if (!model.ok()) return Fail(model.status());
  std::shared_ptr<const model::LoraAdapters> lora;
  if (!f.full) {
    model::LoraConfig config;
    config.r = f.lora_r;
    config.alpha = f.lora_alpha;
    config.dropout = f.lora_dropout;
    config.use_rslora = f.rslora;
    config.target_modules = f.lora_targets;
    auto created = model::LoraAdapters::Create(config, (*model)->LinearModules(), f.seed, f.device);
    if (!created.ok()) return Fail(created.status());
    lora = std::move(*created);
    (*model)->SetLora(lora);
  }

  train::TrainOptions options;
  options.lr = f.lr;
  train::ParseSchedule(f.schedule, &options.schedule);
  options.warmup_steps = f.warmup;
  options.epochs = f.epochs;
  options.max_steps = f.max_steps;
  options.batch_size = f.batch_size;
  options.grad_accum = f.grad_accum;
  options.weight_decay = f.weight_decay;
  options.max_grad_norm = f.max_grad_norm;
  options.max_seq_len = f.max_seq_len;
  options.packing = f.packing;
  options.sampled_vocab = f.sampled_vocab;
  options.eval_every = f.eval_every;
  options.seed = f.seed;
  options.device = f.device;
  options.optimizer = *optimizer;
  options.gradient_checkpointing = f.gradient_checkpointing;
  options.frozen = f.freeze;
  std::error_code ec;
  std::filesystem::create_directories(f.out, ec);
  if (ec) return Fail(absl::InternalError(base::StrCat("cannot create ", f.out)));
  options.metrics_path = f.out + "/metrics.jsonl";
  options.tensorboard_dir = f.out + "/tensorboard";
  options.checkpoint_dir = f.out + "/checkpoint";
  options.checkpoint_every = f.checkpoint_every;
  options.resume = f.resume;
  if (!f.resume) std::filesystem::remove(options.metrics_path, ec);

  std::signal(SIGINT, OnSignal);
  base::ProgressBar bar("train", 0, base::ProgressBar::Unit::kCount, !f.quiet);
  train::Trainer trainer(model->get(), options);
  auto report = trainer.Run(data->train, data->eval, [&](const train::StepStats& s) {
    bar.SetTotal(static_cast<uint64_t>(s.total_steps));
    char suffix[160];
    std::snprintf(suffix, sizeof(suffix), "loss %.4f lr %.2e %.0f tok/s%s", s.loss, s.lr,
                  s.tokens_per_s,
                  s.eval_loss ? base::StrCat(" eval ", *s.eval_loss).c_str() : "");
    bar.SetSuffix(suffix);
    bar.Update(static_cast<uint64_t>(s.step));
  }, &g_stop);
  bar.Finish();
  std::signal(SIGINT, SIG_DFL);
  if (!report.ok()) return Fail(report.status());

  // Outputs: the adapter (PEFT) or the full model, then optionally merged weights.
  absl::Status saved;
  if (lora) {
    saved = lora->SavePeft(f.out + "/adapter", f.model);
  } else {
    saved = (*model)->Save(f.out + "/model", model::WeightDType::kFloat32);
    if (saved.ok()) saved = model::CopyTokenizerFiles(f.model, f.out + "/model");
  }
  if (!saved.ok()) return Fail(saved);
  if (f.merge && lora) {
    absl::Status merged = (*model)->MergeLora();
    if (merged.ok()) merged = (*model)->Save(f.out + "/merged", model::WeightDType::kBFloat16);
    if (!merged.ok()) return Fail(merged);
    if (auto copied = model::CopyTokenizerFiles(f.model, f.out + "/merged"); !copied.ok()) return Fail(copied);
  }
  Json summary = {{"steps", report->steps},
                  {"examples", report->examples},
                  {"skipped_too_long", data->too_long + report->skipped_too_long},
                  {"refused_rows", data->failed},
                  {"first_loss", report->first_loss},
                  {"last_loss", report->last_loss},
                  {"tokens_per_s", report->tokens_per_s},
                  {"stopped", report->stopped},
                  {"mode", lora ? "lora" : "full"},
                  {"dtype", dtype},
                  {"optimizer", f.optimizer},
                  {"optimizer_state_bytes", report->optimizer_state_bytes},
                  {"gradient_checkpointing", f.gradient_checkpointing}};
  if (report->eval_before) summary["eval_loss_before"] = *report->eval_before;
  if (report->eval_after) summary["eval_loss_after"] = *report->eval_after;
  absl::Status written =
      base::WriteFileAtomic(f.out + "/train_report.json", base::DumpJsonPretty(summary) + "\n");
  if (!written.ok()) return Fail(written);
  std::fprintf(stderr, "train: %lld steps%s, loss %.4f -> %.4f", static_cast<long long>(report->steps),
               report->stopped ? " (stopped by Ctrl-C)" : "", report->first_loss, report->last_loss);
  if (report->eval_before && report->eval_after) {
    std::fprintf(stderr, ", eval loss %.4f -> %.4f", *report->eval_before, *report->eval_after);
  }
  std::fprintf(stderr, "; %s in %s\n", lora ? "adapter" : "model",
               (f.out + (lora ? "/adapter" : "/model")).c_str());
  return 0;
}

}  // namespace

void AddTrainCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Fine-tune a Qwen3 model (LoRA by default, --full for all weights) on a dataset from "
      "`tracemill unroll`, rendered with the model's chat template and trained on assistant "
      "tokens only. Writes OUT/adapter (PEFT) or OUT/model, OUT/metrics.jsonl and "
      "OUT/train_report.json and TensorBoard event files in OUT/tensorboard; Ctrl-C stops "
      "after the current step and writes OUT/checkpoint for --resume.");
  cmd->add_option("--model", f->model, "Model directory (Hugging Face layout)")->required();
  cmd->add_option("--data", f->data, "Dataset directory from tracemill unroll")->required();
  cmd->add_option("-o,--out", f->out, "Output directory")->required();
  cmd->add_flag("--full", f->full, "Full fine-tune instead of LoRA");
  cmd->add_option("--freeze", f->freeze,
                  "With --full: keep weights whose names start with these frozen (e.g. "
                  "model.embed_tokens)");
  cmd->add_option("--lora-r", f->lora_r, "LoRA rank")->capture_default_str();
  cmd->add_option("--lora-alpha", f->lora_alpha, "LoRA alpha")->capture_default_str();
  cmd->add_option("--lora-dropout", f->lora_dropout, "LoRA dropout")->capture_default_str();
  cmd->add_option("--lora-targets", f->lora_targets, "Projections to adapt")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_flag("--rslora", f->rslora, "Scale by alpha/sqrt(r) (rsLoRA)");
  cmd->add_option("--lr", f->lr, "Peak learning rate")->capture_default_str();
  cmd->add_option("--schedule", f->schedule, "constant, linear or cosine")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "linear", "cosine"}));
  cmd->add_option("--warmup", f->warmup, "Warmup steps")->capture_default_str();
  cmd->add_option("--epochs", f->epochs, "Epochs")->capture_default_str();
  cmd->add_option("--max-steps", f->max_steps, "Stop after N optimizer steps (0: epochs decide)");
  cmd->add_option("--batch-size", f->batch_size, "Examples per micro-batch")->capture_default_str();
  cmd->add_option("--grad-accum", f->grad_accum, "Micro-batches per optimizer step")
      ->capture_default_str();
  cmd->add_option("--weight-decay", f->weight_decay, "AdamW weight decay")->capture_default_str();
  cmd->add_option("--max-grad-norm", f->max_grad_norm, "Clip gradients (0: off)")
      ->capture_default_str();
  cmd->add_option("--max-seq-len", f->max_seq_len,
                  "Longest row in tokens; longer rows are reported and left out, never cut")
      ->capture_default_str();
  cmd->add_option("--sampled-vocab", f->sampled_vocab,
                  "Sampled softmax: the loss covers each batch's own tokens and this many drawn from the vocabulary "
                  "(0: all of it); eval loss stays over the whole vocabulary")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--packing", f->packing,
                "Pack rows into sequences of --max-seq-len (positions reset, no attention "
                "across rows)");
  cmd->add_option("--eval-every", f->eval_every, "Evaluate every N steps (0: before and after)");
  cmd->add_option("--seed", f->seed, "Seed for shuffling, LoRA init and dropout")
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "CPU threads (0: libtorch's default)");
  cmd->add_option("--device", f->device, "cpu or cuda[:N]")->capture_default_str();
  cmd->add_option("--dtype", f->dtype,
                  "Base weights: auto (bfloat16 for LoRA on CUDA, else float32), float32 or "
                  "bfloat16")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "float32", "bfloat16"}));
  cmd->add_option("--optimizer", f->optimizer,
                  "adamw (fp32 state) or adamw8bit (bitsandbytes' block-wise 8-bit state, "
                  "about a quarter of the memory)")
      ->capture_default_str()
      ->check(CLI::IsMember({"adamw", "adamw8bit"}));
  cmd->add_flag("--gradient-checkpointing", f->gradient_checkpointing,
                "Recompute each layer in backward: much less activation memory for long rows, "
                "about a third more compute");
  cmd->add_flag("--merge", f->merge, "Also write OUT/merged: base + adapter, bf16");
  cmd->add_option("--checkpoint-every", f->checkpoint_every,
                  "Write OUT/checkpoint every N steps (Ctrl-C always writes one)");
  cmd->add_flag("--resume", f->resume,
                "Continue from OUT/checkpoint with the same flags (bit-for-bit on CPU)");
  cmd->add_flag("-q,--quiet", f->quiet, "No progress bars");
  cmd->callback([f, exit_code] { *exit_code = RunTrain(*f); });
}

}  // namespace tracemill::cli
