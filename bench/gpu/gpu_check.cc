// gpu_check: the trainer's throughput, model FLOPs utilisation and peak memory on a
// random Qwen3, in LoRA steps with gradient checkpointing (scripts/gpu-check.sh runs it
// on a GPU; with --device cpu and a small preset it is a quick smoke test).
//
//   gpu_check [--preset 4b-shape] [--device cuda] [--dtype bfloat16] [--steps 20]
//             [--seq 4096] [--long-steps 3] [--long-seq 32768] [--lora-r 16]
//             [--optimizer adamw|adamw8bit] [--no-checkpointing] [--peak-tflops 989]
//             [--export DIR]
//
// --export DIR first writes a small random Qwen3 (DIR/model, Hugging Face layout), a PEFT
// adapter with non-zero weights (DIR/adapter) and tracemill's logits for a padded batch
// (DIR/cases.safetensors), for bench/gpu/peft_check.py to compare with transformers +
// PEFT where those are installed.
//
// Each phase trains on random tokens, every one a target, one row of `seq` tokens per
// step; its first step (allocations, kernel selection) is not timed. Model FLOPs per
// token: 4·N (forward and input gradients of the frozen matmuls, lm_head included)
// + 6·N_lora + 6·L·T·d_attn (causal attention at sequence length T, forward and
// backward); recomputation by checkpointing is not counted, as MFU is defined.
#include <torch/torch.h>
#include <torch/version.h>

#if defined(TRACEMILL_TORCH_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "libs/base/status_macros.h"
#include "libs/model/lora.h"
#include "libs/model/qwen3_model.h"
#include "libs/model/safetensors.h"
#include "libs/model/torch_dtype.h"
#include "libs/train/trainer.h"

namespace tracemill {
namespace {

struct Flags {
  std::string preset = "4b-shape";
  std::string device = "cuda";
  std::string dtype = "bfloat16";
  std::string optimizer = "adamw";
  int64_t steps = 20;
  int64_t seq = 4096;
  int64_t long_steps = 3;
  int64_t long_seq = 32768;
  int64_t lora_r = 16;
  bool checkpointing = true;
  double peak_tflops = 989;  // H200 dense bf16, the data sheet's figure
  std::string export_dir;
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--no-checkpointing") {
      f->checkpointing = false;
      continue;
    }
    std::string value;
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::fprintf(stderr, "gpu_check: %s needs a value\n", arg.c_str());
      return false;
    }
    if (arg == "--preset") f->preset = value;
    else if (arg == "--device") f->device = value;
    else if (arg == "--dtype") f->dtype = value;
    else if (arg == "--optimizer") f->optimizer = value;
    else if (arg == "--steps") f->steps = std::stoll(value);
    else if (arg == "--seq") f->seq = std::stoll(value);
    else if (arg == "--long-steps") f->long_steps = std::stoll(value);
    else if (arg == "--long-seq") f->long_seq = std::stoll(value);
    else if (arg == "--lora-r") f->lora_r = std::stoll(value);
    else if (arg == "--peak-tflops") f->peak_tflops = std::stod(value);
    else if (arg == "--export") f->export_dir = value;
    else {
      std::fprintf(stderr, "gpu_check: unknown flag %s (see the comment at the top of "
                   "bench/gpu/gpu_check.cc)\n", arg.c_str());
      return false;
    }
  }
  return true;
}

// Peak memory since the last reset: the CUDA caching allocator's, or the process's RSS.
class PeakMemory {
 public:
  explicit PeakMemory(const at::Device& device) : device_(device) {}
  void Reset() {
#if defined(TRACEMILL_TORCH_CUDA)
    if (device_.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(DeviceIndex());
#endif
  }
  double GiB() const {
#if defined(TRACEMILL_TORCH_CUDA)
    if (device_.is_cuda()) {
      auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(DeviceIndex());
      return static_cast<double>(stats.allocated_bytes[0].peak) / (1 << 30);
    }
#endif
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / (1 << 20);
    }
    return 0;
  }
  const char* What() const { return device_.is_cuda() ? "peak GPU memory" : "peak RSS"; }

 private:
  c10::DeviceIndex DeviceIndex() const { return device_.has_index() ? device_.index() : 0; }
  at::Device device_;
};

std::vector<train::Example> RandomRows(int64_t rows, int64_t len, int64_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<train::Example> out(static_cast<size_t>(rows));
  for (train::Example& e : out) {
    e.ids.resize(static_cast<size_t>(len));
    for (int32_t& id : e.ids) id = static_cast<int32_t>(rng() % static_cast<uint64_t>(vocab));
    e.target.assign(static_cast<size_t>(len), 1);
    e.target[0] = 0;
  }
  return out;
}

// A small fp32 model with trained-looking adapters, and its logits, for peft_check.py.
absl::Status Export(const std::string& dir) {
  model::Qwen3Config c = *model::Qwen3Preset("tiny");
  c.vocab_size = 1000;
  c.tie_word_embeddings = false;
  TM_ASSIGN_OR_RETURN(auto model, model::Qwen3Model::RandomInit(c, 3, {}));
  TM_RETURN_IF_ERROR(model->Save(dir + "/model", model::WeightDType::kFloat32));
  model::LoraConfig config;
  config.r = 8;
  config.alpha = 16;
  config.use_rslora = true;
  config.target_modules = {"q_proj", "v_proj", "o_proj", "down_proj"};
  TM_ASSIGN_OR_RETURN(std::unique_ptr<model::LoraAdapters> lora,
                      model::LoraAdapters::Create(config, model->LinearModules(), 4));
  {
    at::NoGradGuard no_grad;
    at::manual_seed(5);
    for (const at::Tensor& p : lora->Parameters()) p.add_(at::randn_like(p) * 0.1);
  }
  TM_RETURN_IF_ERROR(lora->SavePeft(dir + "/adapter", dir + "/model"));
  model->SetLora(std::move(lora));
  at::Tensor ids = at::randint(0, c.vocab_size, {2, 12}, at::kLong);
  at::Tensor mask = at::ones({2, 12}, at::kLong);
  mask.narrow(1, 8, 4).select(0, 1).zero_();  // the second row right-padded
  at::Tensor logits = model->Forward(ids, {.attention_mask = &mask});
  model::SafetensorsWriter writer;
  TM_RETURN_IF_ERROR(model::AddTensor(&writer, "ids", ids));
  TM_RETURN_IF_ERROR(model::AddTensor(&writer, "mask", mask));
  TM_RETURN_IF_ERROR(model::AddTensor(&writer, "logits", logits));
  return writer.Write(dir + "/cases.safetensors");
}

int Run(const Flags& f) {
  if (!f.export_dir.empty()) {
    absl::Status exported = Export(f.export_dir);
    if (!exported.ok()) {
      std::fprintf(stderr, "gpu_check: export: %s\n", std::string(exported.message()).c_str());
      return 1;
    }
    std::printf("exported a tiny model, a PEFT adapter and logits to %s\n", f.export_dir.c_str());
  }
  auto config = model::Qwen3Preset(f.preset);
  if (!config.ok()) {
    std::fprintf(stderr, "gpu_check: %s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  const model::Qwen3Config& c = *config;
  std::printf("torch %s, device %s, %s, preset %s (%lld parameters), LoRA r=%lld on all "
              "projections, %s, gradient checkpointing %s\n",
              TORCH_VERSION, f.device.c_str(), f.dtype.c_str(), f.preset.c_str(),
              static_cast<long long>(c.ParameterCount()),
              static_cast<long long>(f.lora_r), f.optimizer.c_str(),
              f.checkpointing ? "on" : "off");
  model::LoadOptions load;
  load.device = f.device;
  load.dtype = f.dtype == "bfloat16" ? model::WeightDType::kBFloat16 : model::WeightDType::kFloat32;
  auto start = std::chrono::steady_clock::now();
  auto model = model::Qwen3Model::RandomInit(c, 1, load);
  if (!model.ok()) {
    std::fprintf(stderr, "gpu_check: %s\n", std::string(model.status().message()).c_str());
    return 1;
  }
  model::LoraConfig lora_config;
  lora_config.r = f.lora_r;
  lora_config.alpha = 2.0 * static_cast<double>(f.lora_r);
  lora_config.dropout = 0.0;
  auto lora = model::LoraAdapters::Create(lora_config, (*model)->LinearModules(), 2, f.device);
  if (!lora.ok()) {
    std::fprintf(stderr, "gpu_check: %s\n", std::string(lora.status().message()).c_str());
    return 1;
  }
  const int64_t lora_params = (*lora)->ParameterCount();
  (*model)->SetLora(std::shared_ptr<const model::LoraAdapters>(std::move(*lora)));
  std::printf("random init and adapters: %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  // The matmul parameters a token passes through: every projection and lm_head.
  int64_t matmul_params = c.vocab_size * c.hidden_size;
  for (const model::LinearModule& m : (*model)->LinearModules()) matmul_params += m.in * m.out;
  const int64_t attn_width = c.num_attention_heads * c.head_dim;
  auto optimizer = train::ParseOptimizerKind(f.optimizer);
  if (!optimizer.ok()) {
    std::fprintf(stderr, "gpu_check: %s\n", std::string(optimizer.status().message()).c_str());
    return 1;
  }

  const at::Device device(f.device);
  PeakMemory peak(device);
  int failures = 0;
  auto phase = [&](int64_t steps, int64_t seq) {
    if (steps <= 0) return;
    train::TrainOptions o;
    o.lr = 1e-4;
    o.schedule = train::Schedule::kConstant;
    o.max_steps = steps + 1;  // the first is not timed
    o.max_seq_len = seq;
    o.device = f.device;
    o.optimizer = *optimizer;
    o.gradient_checkpointing = f.checkpointing;
    peak.Reset();
    auto report = train::Trainer(model->get(), o)
                      .Run(RandomRows(steps + 1, seq, c.vocab_size, static_cast<uint64_t>(seq)), {});
    if (!report.ok()) {
      std::printf("seq %lld: FAILED: %s\n", static_cast<long long>(seq),
                  std::string(report.status().message()).c_str());
      ++failures;
      return;
    }
    const auto& h = report->history;
    int64_t tokens = 0;
    for (size_t i = 1; i < h.size(); ++i) tokens += h[i].tokens;
    const double seconds = h.back().elapsed_s - h.front().elapsed_s;
    const double tokens_per_s = static_cast<double>(tokens) / seconds;
    const double flops_per_token = 4.0 * static_cast<double>(matmul_params) +
                                   6.0 * static_cast<double>(lora_params) +
                                   6.0 * static_cast<double>(c.num_hidden_layers) *
                                       static_cast<double>(seq) * static_cast<double>(attn_width);
    const double tflops = tokens_per_s * flops_per_token / 1e12;
    std::printf("seq %6lld x %lld steps: %9.0f tokens/s, %6.1f TFLOP/s, MFU %5.1f%% of %.0f, "
                "%s %.1f GiB, %.2f s/step, loss %.3f -> %.3f\n",
                static_cast<long long>(seq), static_cast<long long>(steps), tokens_per_s, tflops,
                100.0 * tflops / f.peak_tflops, f.peak_tflops, peak.What(), peak.GiB(),
                seconds / static_cast<double>(h.size() - 1), h.front().loss, h.back().loss);
    std::fflush(stdout);
  };
  phase(f.steps, f.seq);
  phase(f.long_steps, f.long_seq);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace tracemill

int main(int argc, char** argv) {
  tracemill::Flags flags;
  if (!tracemill::ParseFlags(argc, argv, &flags)) return 2;
  try {
    return tracemill::Run(flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu_check: %s\n", e.what());
    return 1;
  }
}
