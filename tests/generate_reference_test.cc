// Generation: tracemill's KV-cache Generator (greedy, prompts of different lengths batched
// together) against a Python greedy loop over an independent PyTorch forward
// (libs/model/testdata/generate_reference.py, Debian's python3-torch), token for token,
// on a small random model with untied head and GQA.
#include <torch/torch.h>

#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/base/test_util.h"
#include "libs/model/generate.h"
#include "libs/model/qwen3_model.h"
#include "libs/model/safetensors.h"
#include "libs/model/torch_dtype.h"
#include "tests/python_reference.h"

namespace tracemill::model {
namespace {

const std::string kScript = TRACEMILL_SOURCE_DIR "/libs/model/testdata/generate_reference.py";

TEST(GenerateReferenceTest, GreedyTokensMatchAPythonGenerationLoop) {
  ASSERT_TRUE(HasPythonTorch()) << "Debian's python3-torch is not installed: run scripts/deps.sh";
  const Qwen3Config c = ReferenceConfig();
  auto loaded = Qwen3Model::RandomInit(c, 13, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::shared_ptr<Qwen3Model> model(std::move(*loaded));
  {
    // Peaked distributions, so that greedy choices are far from ties.
    at::NoGradGuard no_grad;
    for (auto& [name, w] : model->mutable_weights()) {
      if (name.find("norm") == std::string::npos) w.mul_(5.0);
    }
  }
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(model->Save(dir, WeightDType::kFloat32).ok());

  auto gen = Generator::Create(model, {});
  ASSERT_TRUE(gen.ok()) << gen.status();
  const std::vector<int64_t> lengths = {1, 6, 23};
  std::vector<std::promise<absl::StatusOr<GenerationResult>>> promises(lengths.size());
  std::vector<std::vector<int64_t>> prompts;
  for (size_t k = 0; k < lengths.size(); ++k) {
    std::vector<int64_t> p;
    for (int64_t i = 0; i < lengths[k]; ++i) p.push_back((i * 131 + k * 17 + 5) % 512);
    prompts.push_back(p);
    GenerationRequest req;
    req.prompt = p;
    req.sampling.max_new_tokens = 16;
    (*gen)->Submit(req, [&promises, k](absl::StatusOr<GenerationResult> r) {
      promises[k].set_value(std::move(r));
    });
  }
  SafetensorsWriter writer;
  for (size_t k = 0; k < lengths.size(); ++k) {
    auto r = promises[k].get_future().get();
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->tokens.size(), 16u);
    ASSERT_TRUE(AddTensor(&writer, "prompt_" + std::to_string(k), at::tensor(prompts[k], at::kLong)).ok());
    ASSERT_TRUE(AddTensor(&writer, "tokens_" + std::to_string(k), at::tensor(r->tokens, at::kLong)).ok());
  }
  ASSERT_TRUE(writer.Write(dir + "/cases.safetensors").ok());
  const std::string cmd = "/usr/bin/python3 " + kScript + " " + dir + " " + dir + "/cases.safetensors";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "the Python generation loop disagrees: " << cmd;
}

}  // namespace
}  // namespace tracemill::model
