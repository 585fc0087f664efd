// LoRA training throughput of tracemill's Trainer on a random Qwen3 of a preset shape:
//   train_bench PRESET SEQ_LEN BATCH STEPS THREADS
// Examples are random ids with the second half as targets (what an assistant turn after
// a prompt looks like to the loss). Prints one JSON line: tokens/s and peak RSS.
// bench/run_train.sh runs it next to the Python PyTorch loop on the same shapes.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "libs/model/lora.h"
#include "libs/model/qwen3_model.h"
#include "libs/train/trainer.h"

namespace {

long PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s PRESET SEQ_LEN BATCH STEPS THREADS [lean]\n", argv[0]);
    return 2;
  }
  const std::string preset = argv[1];
  const int64_t seq = std::atoll(argv[2]), batch = std::atoll(argv[3]), steps = std::atoll(argv[4]);
  at::set_num_threads(std::atoi(argv[5]));
  auto config = tracemill::model::Qwen3Preset(preset);
  if (!config.ok()) return 1;
  auto model = tracemill::model::Qwen3Model::RandomInit(*config, 1, {});
  if (!model.ok()) return 1;
  tracemill::model::LoraConfig lora;
  lora.dropout = 0.0;
  auto adapters = tracemill::model::LoraAdapters::Create(lora, (*model)->LinearModules(), 2);
  if (!adapters.ok()) return 1;
  (*model)->SetLora(std::shared_ptr<const tracemill::model::LoraAdapters>(std::move(*adapters)));

  std::mt19937 rng(3);
  std::vector<tracemill::train::Example> data;
  for (int64_t i = 0; i < batch * (steps + 1); ++i) {
    tracemill::train::Example e;
    for (int64_t t = 0; t < seq; ++t) {
      e.ids.push_back(static_cast<int32_t>(rng() % 150000));
      e.target.push_back(t >= seq / 2);
    }
    data.push_back(std::move(e));
  }
  tracemill::train::TrainOptions o;
  o.batch_size = batch;
  o.max_steps = steps + 1;  // the first step warms up and is not timed
  o.max_seq_len = seq;
  o.lr = 1e-4;
  if (argc > 6 && std::string(argv[6]) == "lean") {  // the memory savers
    o.optimizer = tracemill::train::OptimizerKind::kAdamW8bit;
    o.gradient_checkpointing = true;
  }
  double warm_s = 0;
  int64_t warm_tokens = 0;
  tracemill::train::Trainer trainer(model->get(), o);
  auto report = trainer.Run(data, {}, [&](const tracemill::train::StepStats& s) {
    if (s.step == 1) {
      warm_s = s.elapsed_s;
      warm_tokens = s.tokens;
    }
  });
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", std::string(report.status().message()).c_str());
    return 1;
  }
  const auto& last = report->history.back();
  const double tokens = static_cast<double>(last.tokens_per_s * last.elapsed_s - warm_tokens);
  std::printf("{\"tokens_per_s\": %.1f, \"peak_rss_mb\": %.1f, \"final_loss\": %.4f}\n",
              tokens / (last.elapsed_s - warm_s), PeakRssKb() / 1024.0, report->last_loss);
  return 0;
}
