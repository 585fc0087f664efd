#include "libs/train/optimizer.h"

#include <torch/torch.h>

#include <string>

#include "libs/base/str_cat.h"
#include "libs/train/adamw8bit.h"

namespace tracemill::train {
namespace {

// torch's AdamW: decoupled decay p *= 1 − lr·wd before the Adam step, fp32 moments.
class TorchAdamW : public Optimizer {
 public:
  TorchAdamW(const std::vector<at::Tensor>& params, const OptimizerOptions& o)
      : optimizer_(params, torch::optim::AdamWOptions(1e-3)
                               .betas({o.beta1, o.beta2})
                               .eps(o.eps)
                               .weight_decay(o.weight_decay)) {}

  void ZeroGrad() override { optimizer_.zero_grad(); }

  void Step(double lr) override {
    for (auto& group : optimizer_.param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    }
    optimizer_.step();
  }

  void Save(torch::serialize::OutputArchive& archive) const override { optimizer_.save(archive); }

  absl::Status Load(torch::serialize::InputArchive& archive) override {
    try {
      optimizer_.load(archive);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(base::StrCat("AdamW state: ", e.what()));
    }
    return absl::OkStatus();
  }

  int64_t StateBytes() const override {
    int64_t bytes = 0;
    for (const auto& [key, state] : optimizer_.state()) {
      const auto& s = static_cast<const torch::optim::AdamWParamState&>(*state);
      bytes += static_cast<int64_t>(s.exp_avg().nbytes() + s.exp_avg_sq().nbytes());
    }
    return bytes;
  }

 private:
  torch::optim::AdamW optimizer_;
};

}  // namespace

absl::StatusOr<OptimizerKind> ParseOptimizerKind(std::string_view name) {
  if (name == "adamw") return OptimizerKind::kAdamW;
  if (name == "adamw8bit") return OptimizerKind::kAdamW8bit;
  return absl::InvalidArgumentError(
      base::StrCat("unknown optimizer \"", name, "\" (adamw or adamw8bit)"));
}

std::string_view OptimizerName(OptimizerKind kind) {
  return kind == OptimizerKind::kAdamW8bit ? "adamw8bit" : "adamw";
}

std::unique_ptr<Optimizer> MakeOptimizer(OptimizerKind kind, const std::vector<at::Tensor>& params,
                                         const OptimizerOptions& options) {
  if (kind == OptimizerKind::kAdamW8bit) return std::make_unique<AdamW8bit>(params, options);
  return std::make_unique<TorchAdamW>(params, options);
}

}  // namespace tracemill::train
