#include "libs/model/lora.h"

#include <torch/torch.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"
#include "libs/model/qwen3_model.h"
#include "libs/model/safetensors.h"

namespace tracemill::model {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Qwen3Model> Tiny(uint64_t seed = 1) {
  Qwen3Config c = *Qwen3Preset("tiny");
  c.vocab_size = 300;
  auto model = Qwen3Model::RandomInit(c, seed, {});
  EXPECT_TRUE(model.ok());
  return std::move(*model);
}

at::Tensor Ids() { return torch::tensor({5, 17, 42, 7, 99, 3}, torch::kLong).unsqueeze(0); }

// Gives every B a non-zero value so the adapter changes the output.
void Perturb(const LoraAdapters& lora) {
  torch::NoGradGuard no_grad;
  for (const at::Tensor& p : lora.Parameters()) p.add_(torch::randn_like(p) * 0.05);
}

TEST(LoraTest, PeftParameterCountsForTheReleasedShapes) {
  LoraConfig r16;
  EXPECT_EQ(LoraParameterCount(r16, Qwen3LinearModules(*Qwen3Preset("0.6b-shape"))), 10092544);
  auto modules = Qwen3LinearModules(*Qwen3Preset("0.6b-shape"));
  ASSERT_EQ(modules.size(), 28u * 7);
  EXPECT_EQ(modules[0].path, "model.layers.0.self_attn.q_proj");
  EXPECT_EQ(modules[0].in, 1024);
  EXPECT_EQ(modules[0].out, 2048);
  EXPECT_EQ(modules[6].path, "model.layers.0.mlp.down_proj");
  EXPECT_EQ(modules[6].in, 3072);
  LoraConfig qv;
  qv.target_modules = {"q_proj", "v_proj"};
  EXPECT_EQ(LoraParameterCount(qv, modules), 28 * 16 * ((1024 + 2048) + (1024 + 1024)));
}

TEST(LoraTest, FreshAdapterLeavesTheModelUnchangedAndPeftInit) {
  auto model = Tiny();
  at::Tensor before = model->Forward(Ids());
  auto lora = LoraAdapters::Create({}, model->LinearModules(), 7);
  ASSERT_TRUE(lora.ok()) << lora.status();
  model->SetLora(std::shared_ptr<const LoraAdapters>(std::move(*lora)));
  EXPECT_TRUE(at::equal(model->Forward(Ids()), before));
  // A ~ U(±1/sqrt(in)), B = 0.
  const auto params = model->lora()->Parameters();
  ASSERT_EQ(params.size(), 2u * 2 * 7);
  const double bound = 1.0 / std::sqrt(static_cast<double>(params[0].size(1)));  // 1/sqrt(in)
  EXPECT_LE(params[0].abs().max().item<double>(), bound);
  EXPECT_GT(params[0].abs().max().item<double>(), bound * 0.8);
  EXPECT_EQ(params[1].abs().max().item<double>(), 0.0);
  EXPECT_EQ(model->lora()->ParameterCount(),
            LoraParameterCount({}, model->LinearModules()));
}

TEST(LoraTest, OnlyAdaptersGetGradients) {
  auto model = Tiny();
  auto lora = LoraAdapters::Create({}, model->LinearModules(), 7);
  ASSERT_TRUE(lora.ok());
  std::shared_ptr<const LoraAdapters> shared(std::move(*lora));
  model->SetLora(shared);
  model->SetBaseTrainable(false);
  model->Forward(Ids()).pow(2).mean().backward();
  int with_grad = 0;
  for (const at::Tensor& p : shared->Parameters()) with_grad += p.grad().defined();
  EXPECT_EQ(with_grad, static_cast<int>(shared->Parameters().size()));
  for (const auto& [name, w] : model->weights()) EXPECT_FALSE(w.grad().defined()) << name;
}

// Gradient checkpointing recomputes each layer in backward, with the same dropout masks:
// the gradients (LoRA with dropout, and a full fine-tune) are those without it.
TEST(LoraTest, GradientCheckpointingGivesTheSameGradients) {
  for (bool full : {false, true}) {
    std::vector<std::vector<at::Tensor>> grads;
    for (bool checkpoint : {false, true}) {
      torch::manual_seed(3);
      auto model = Tiny();
      std::vector<at::Tensor> params;
      if (full) {
        model->SetBaseTrainable(true);
        for (auto& [name, w] : model->mutable_weights()) params.push_back(w);
      } else {
        LoraConfig config;
        config.dropout = 0.3;
        auto lora = LoraAdapters::Create(config, model->LinearModules(), 7);
        ASSERT_TRUE(lora.ok());
        Perturb(**lora);
        params = (*lora)->Parameters();
        model->SetLora(std::move(*lora));
        model->SetBaseTrainable(false);
      }
      model->SetTraining(true);
      model->SetGradientCheckpointing(checkpoint);
      at::Tensor ids = torch::randint(0, 300, {2, 9}, torch::kLong);
      at::Tensor mask = torch::ones({2, 9}, torch::kLong);
      mask.index_put_({1, torch::indexing::Slice(6, torch::indexing::None)}, 0);
      at::Tensor logits = model->Forward(ids, {.attention_mask = &mask});
      (logits * torch::randn_like(logits)).sum().backward();
      std::vector<at::Tensor> g;
      for (const at::Tensor& p : params) {
        ASSERT_TRUE(p.grad().defined());
        g.push_back(p.grad().clone());
      }
      grads.push_back(g);
    }
    ASSERT_EQ(grads[0].size(), grads[1].size());
    for (size_t i = 0; i < grads[0].size(); ++i) {
      EXPECT_TRUE(torch::allclose(grads[0][i], grads[1][i], 1e-5, 1e-7))
          << (full ? "full" : "lora") << " tensor " << i;
    }
  }
}

TEST(LoraTest, PeftSaveLoadAndMergeReproduceTheLogits) {
  auto model = Tiny(2);
  LoraConfig config;
  config.r = 4;
  config.alpha = 8;
  config.target_modules = {"q_proj", "v_proj", "down_proj"};
  auto created = LoraAdapters::Create(config, model->LinearModules(), 3);
  ASSERT_TRUE(created.ok());
  std::shared_ptr<const LoraAdapters> lora(std::move(*created));
  Perturb(*lora);
  model->SetLora(lora);
  at::Tensor adapted = model->Forward(Ids()).detach();
  model->SetLora(nullptr);
  EXPECT_FALSE(at::allclose(model->Forward(Ids()), adapted, 1e-4, 1e-4));

  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(lora->SavePeft(dir + "/adapter", "tracemill/tiny").ok());
  auto file = SafetensorsFile::Open(dir + "/adapter/adapter_model.safetensors");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->tensors().size(), 2u * 2 * 3);
  const TensorInfo* a = (*file)->Find("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{4, 192}));
  const TensorInfo* b = (*file)->Find("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->shape, (std::vector<int64_t>{64, 4}));
  std::ifstream in(dir + "/adapter/adapter_config.json");
  nlohmann::json cfg = nlohmann::json::parse(in);
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_EQ(cfg["r"], 4);
  EXPECT_EQ(cfg["lora_alpha"], 8.0);
  EXPECT_EQ(cfg["bias"], "none");
  EXPECT_TRUE(cfg["modules_to_save"].is_null());
  EXPECT_EQ(cfg["target_modules"], nlohmann::json({"q_proj", "v_proj", "down_proj"}));

  auto loaded = LoraAdapters::LoadPeft(dir + "/adapter", model->LinearModules());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  model->SetLora(std::shared_ptr<const LoraAdapters>(std::move(*loaded)));
  EXPECT_TRUE(at::allclose(model->Forward(Ids()), adapted, 1e-6, 1e-6));

  ASSERT_TRUE(model->MergeLora().ok());
  EXPECT_EQ(model->lora(), nullptr);
  EXPECT_TRUE(at::allclose(model->Forward(Ids()), adapted, 1e-4, 1e-5));
  EXPECT_FALSE(model->MergeLora().ok());
}

TEST(LoraTest, RsLoraScaling) {
  LoraConfig c;
  c.r = 16;
  c.alpha = 32;
  EXPECT_DOUBLE_EQ(c.scaling(), 2.0);
  c.use_rslora = true;
  EXPECT_DOUBLE_EQ(c.scaling(), 8.0);
}

TEST(LoraTest, BadConfigsAndFilesAreClearErrors) {
  auto model = Tiny();
  LoraConfig bad;
  bad.r = 0;
  EXPECT_FALSE(LoraAdapters::Create(bad, model->LinearModules(), 1).ok());
  LoraConfig none;
  none.target_modules = {"c_attn"};
  auto no_match = LoraAdapters::Create(none, model->LinearModules(), 1);
  ASSERT_FALSE(no_match.ok());
  EXPECT_THAT(std::string(no_match.status().message()), HasSubstr("matches"));

  auto lora = LoraAdapters::Create({}, model->LinearModules(), 1);
  ASSERT_TRUE(lora.ok());
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE((*lora)->SavePeft(dir, "x").ok());
  // Another model shape: the tensors do not fit.
  Qwen3Config other = *Qwen3Preset("tiny");
  other.vocab_size = 300;
  other.intermediate_size = 128;
  auto wrong = LoraAdapters::LoadPeft(dir, Qwen3LinearModules(other));
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("wrong shape for r=16"));
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/adapter_config.json",
                                    R"({"peft_type": "LORA", "r": 16, "lora_alpha": 32,
                                        "target_modules": ["q_proj"], "use_dora": true})")
                  .ok());
  auto dora = LoraAdapters::LoadPeft(dir, model->LinearModules());
  ASSERT_FALSE(dora.ok());
  EXPECT_THAT(std::string(dora.status().message()), HasSubstr("DoRA"));
  EXPECT_EQ(LoraAdapters::LoadPeft("/nonexistent", model->LinearModules()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tracemill::model
