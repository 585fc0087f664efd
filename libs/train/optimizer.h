// The optimizers `tracemill train` offers, behind one small interface so the trainer and
// its checkpoints do not care which is in use:
//
//   adamw      torch's AdamW (decoupled weight decay), fp32 state: 8 bytes a parameter.
//   adamw8bit  bitsandbytes' block-wise 8-bit AdamW (adamw8bit.h): about 2 bytes.
//
//   TM_ASSIGN_OR_RETURN(OptimizerKind kind, ParseOptimizerKind("adamw8bit"));
//   std::unique_ptr<Optimizer> opt = MakeOptimizer(kind, params, {.weight_decay = 0.01});
//   opt->ZeroGrad(); loss.backward(); opt->Step(lr);
#ifndef TRACEMILL_LIBS_TRAIN_OPTIMIZER_H_
#define TRACEMILL_LIBS_TRAIN_OPTIMIZER_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace at {
class Tensor;
}
namespace torch::serialize {
class InputArchive;
class OutputArchive;
}  // namespace torch::serialize

namespace tracemill::train {

enum class OptimizerKind { kAdamW, kAdamW8bit };

// "adamw" or "adamw8bit"; InvalidArgument naming the accepted values otherwise.
absl::StatusOr<OptimizerKind> ParseOptimizerKind(std::string_view name);
std::string_view OptimizerName(OptimizerKind kind);

struct OptimizerOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  // adamw8bit: tensors with fewer elements keep fp32 state (bitsandbytes' default).
  int64_t min_8bit_size = 4096;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void ZeroGrad() = 0;
  // One update of every parameter that has a gradient, at learning rate `lr`.
  virtual void Step(double lr) = 0;
  // The whole state (moments, step counts) for a checkpoint; Load restores it exactly.
  virtual void Save(torch::serialize::OutputArchive& archive) const = 0;
  virtual absl::Status Load(torch::serialize::InputArchive& archive) = 0;
  // Bytes the state takes (after the first step).
  virtual int64_t StateBytes() const = 0;
};

std::unique_ptr<Optimizer> MakeOptimizer(OptimizerKind kind, const std::vector<at::Tensor>& params,
                                         const OptimizerOptions& options);

}  // namespace tracemill::train

#endif  // TRACEMILL_LIBS_TRAIN_OPTIMIZER_H_
