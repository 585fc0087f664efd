// Numerics: tracemill's Qwen3 forward against an independent PyTorch forward in Python
// (libs/model/testdata/qwen3_reference.py, Debian's python3-torch), to 1e-4 in fp32, on
// a small random model with untied head and GQA, for unpadded, right-padded and
// left-padded batches, and a padded batch longer than one attention block.
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/test_util.h"
#include "libs/model/qwen3_model.h"
#include "libs/model/safetensors.h"
#include "libs/model/torch_dtype.h"
#include "tests/python_reference.h"

namespace tracemill::model {
namespace {

const std::string kScript = TRACEMILL_SOURCE_DIR "/libs/model/testdata/qwen3_reference.py";

TEST(Qwen3ReferenceTest, LogitsMatchAnIndependentPyTorchForward) {
  // The test command installs python3-torch (scripts/deps.sh); without it this must fail,
  // not pass silently.
  ASSERT_TRUE(HasPythonTorch()) << "Debian's python3-torch is not installed: run scripts/deps.sh";
  const Qwen3Config c = ReferenceConfig();
  auto model = Qwen3Model::RandomInit(c, 11, {});
  ASSERT_TRUE(model.ok()) << model.status();
  // Larger weights than the 0.02 init so that differences would show.
  for (auto& [name, w] : (*model)->mutable_weights()) {
    if (name.find("norm") == std::string::npos) w.mul_(5.0);
    else w.add_(torch::randn_like(w) * 0.1);
  }
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE((*model)->Save(dir, WeightDType::kFloat32).ok());

  torch::manual_seed(7);
  struct Case {
    at::Tensor ids, mask;
  };
  std::vector<Case> cases;
  at::Tensor ids = torch::randint(0, 512, {3, 17}, torch::kLong);
  cases.push_back({ids, torch::ones({3, 17}, torch::kLong)});
  at::Tensor right = torch::ones({3, 17}, torch::kLong);
  right.index_put_({0, torch::indexing::Slice(12, torch::indexing::None)}, 0);
  right.index_put_({2, torch::indexing::Slice(5, torch::indexing::None)}, 0);
  cases.push_back({ids * right, right});
  at::Tensor left = right.flip(1);
  cases.push_back({ids * left, left});
  // Longer than one block of the eager attention (512 queries), padded.
  at::Tensor long_ids = torch::randint(0, 512, {2, 1100}, torch::kLong);
  at::Tensor long_mask = torch::ones({2, 1100}, torch::kLong);
  long_mask.index_put_({1, torch::indexing::Slice(0, 300)}, 0);
  cases.push_back({long_ids * long_mask, long_mask});

  SafetensorsWriter writer;
  for (size_t k = 0; k < cases.size(); ++k) {
    at::Tensor logits = (*model)->Forward(cases[k].ids, {.attention_mask = &cases[k].mask});
    ASSERT_TRUE(AddTensor(&writer, "ids_" + std::to_string(k), cases[k].ids).ok());
    ASSERT_TRUE(AddTensor(&writer, "mask_" + std::to_string(k), cases[k].mask).ok());
    ASSERT_TRUE(AddTensor(&writer, "logits_" + std::to_string(k), logits).ok());
  }
  ASSERT_TRUE(writer.Write(dir + "/cases.safetensors").ok());
  const std::string cmd = "/usr/bin/python3 " + kScript + " " + dir + " " + dir + "/cases.safetensors";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "the reference forward disagrees: " << cmd;
}

}  // namespace
}  // namespace tracemill::model
