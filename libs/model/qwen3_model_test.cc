#include "libs/model/qwen3_model.h"

#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/file_io.h"
#include "libs/base/test_util.h"
#include "libs/model/safetensors.h"

namespace tracemill::model {
namespace {

using ::testing::HasSubstr;

Qwen3Config TinyConfig() {
  Qwen3Config c = *Qwen3Preset("tiny");
  c.vocab_size = 300;  // keep the test light
  return c;
}

std::unique_ptr<Qwen3Model> Tiny(uint64_t seed = 1) {
  auto model = Qwen3Model::RandomInit(TinyConfig(), seed, {});
  EXPECT_TRUE(model.ok()) << model.status();
  return std::move(*model);
}

at::Tensor Ids(std::vector<int64_t> ids) {
  return torch::tensor(ids, torch::kLong).unsqueeze(0);
}

TEST(Qwen3ConfigTest, PresetsAndJsonRoundTrip) {
  for (const char* name : {"tiny", "student", "small", "0.6b-shape", "4b-shape"}) {
    auto c = Qwen3Preset(name);
    ASSERT_TRUE(c.ok()) << name;
    auto back = ParseQwen3Config(Qwen3ConfigJson(*c), "config.json");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->hidden_size, c->hidden_size);
    EXPECT_EQ(back->num_key_value_heads, c->num_key_value_heads);
    EXPECT_EQ(back->head_dim, c->head_dim);
    EXPECT_EQ(back->tie_word_embeddings, c->tie_word_embeddings);
    EXPECT_EQ(back->initializer_range, c->initializer_range);
  }
  EXPECT_EQ(Qwen3Preset("tiny")->initializer_range, 0.125);  // 1/sqrt(64)
  EXPECT_EQ(Qwen3Preset("0.6b-shape")->initializer_range, 0.02);
  EXPECT_EQ(Qwen3Preset("0.6b-shape")->ParameterCount(), 596049920);
  EXPECT_EQ(Qwen3Preset("4b-shape")->ParameterCount(), 4022468096);
  EXPECT_FALSE(Qwen3Preset("huge").ok());
}

TEST(Qwen3ConfigTest, AcceptsRopeParametersAndRefusesWhatItCannotCompute) {
  auto c = ParseQwen3Config(R"({"vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
      "num_hidden_layers": 1, "num_attention_heads": 2, "head_dim": 4,
      "rope_parameters": {"rope_theta": 5000, "rope_type": "default"}, "eos_token_id": [7, 8]})",
                            "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->rope_theta, 5000);
  EXPECT_EQ(c->num_key_value_heads, 2);
  EXPECT_EQ(c->eos_token_id, 7);
  EXPECT_TRUE(c->tie_word_embeddings);
  const std::string base = R"({"vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
      "num_hidden_layers": 1, "num_attention_heads": 2, "head_dim": 4, )";
  struct Bad {
    std::string extra;
    std::string expect;
  };
  for (const Bad& b : std::vector<Bad>{
           {R"("rope_scaling": {"type": "yarn"})", "rope_scaling"},
           {R"("use_sliding_window": true)", "sliding-window"},
           {R"("attention_bias": true)", "attention_bias"},
           {R"("hidden_act": "gelu")", "hidden_act"},
           {R"("num_key_value_heads": 3)", "must divide"},
           {R"("model_type": "llama")", "model_type"},
           {R"("head_dim": 3)", "even"},
           {R"("hidden_size": -1)", "non-negative"},
       }) {
    auto r = ParseQwen3Config(base + b.extra + "}", "c.json");
    ASSERT_FALSE(r.ok()) << b.extra;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(b.expect)) << b.extra;
  }
  EXPECT_FALSE(ParseQwen3Config("{", "c.json").ok());
  EXPECT_FALSE(ParseQwen3Config(R"({"hidden_size": 8})", "c.json").ok());
}

TEST(Qwen3ModelTest, RandomInitDrawsWithTheConfigsInitializerRange) {
  for (double range : {0.02, 0.125}) {
    Qwen3Config c = TinyConfig();
    c.initializer_range = range;
    auto model = Qwen3Model::RandomInit(c, 3, {});
    ASSERT_TRUE(model.ok()) << model.status();
    const double std = (*model)->weights().at("model.embed_tokens.weight").std().item<double>();
    EXPECT_NEAR(std, range, 0.05 * range);
    EXPECT_EQ((*model)->weights().at("model.norm.weight").mean().item<double>(), 1.0);
  }
}

TEST(Qwen3ModelTest, SaveLoadRoundTripGivesTheSameLogits) {
  auto model = Tiny();
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(model->Save(dir, WeightDType::kFloat32).ok());
  auto file = SafetensorsFile::Open(dir + "/model.safetensors");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->Find("lm_head.weight"), nullptr);  // tied: not written
  EXPECT_EQ((*file)->tensors().size(), 1u + 11u * 2 + 1u);
  auto loaded = Qwen3Model::Load(dir, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  at::Tensor ids = Ids({1, 5, 9, 200, 7});
  at::Tensor a = model->Forward(ids);
  at::Tensor b = (*loaded)->Forward(ids);
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{1, 5, 300}));
  EXPECT_TRUE(at::equal(a, b));
  // bf16 save: close, not equal.
  const std::string bf = base::FreshTestDir();
  ASSERT_TRUE(model->Save(bf, WeightDType::kBFloat16).ok());
  auto bf_loaded = Qwen3Model::Load(bf, {});
  ASSERT_TRUE(bf_loaded.ok()) << bf_loaded.status();
  EXPECT_LT((a - (*bf_loaded)->Forward(ids)).abs().max().item<float>(), 0.05);
}

TEST(Qwen3ModelTest, PaddingDoesNotChangeTokenLogits) {
  auto model = Tiny(3);
  at::Tensor row = Ids({4, 8, 15, 16, 23});
  at::Tensor want = model->Forward(row);
  // Right padding.
  at::Tensor right = torch::tensor({4, 8, 15, 16, 23, 0, 0}, torch::kLong).unsqueeze(0);
  at::Tensor right_mask = torch::tensor({1, 1, 1, 1, 1, 0, 0}, torch::kLong).unsqueeze(0);
  at::Tensor got = model->Forward(right, {.attention_mask = &right_mask});
  EXPECT_TRUE(at::allclose(got.narrow(1, 0, 5), want, 1e-5, 1e-5));
  // Left padding: positions count tokens only.
  at::Tensor left = torch::tensor({0, 0, 4, 8, 15, 16, 23}, torch::kLong).unsqueeze(0);
  at::Tensor left_mask = torch::tensor({0, 0, 1, 1, 1, 1, 1}, torch::kLong).unsqueeze(0);
  got = model->Forward(left, {.attention_mask = &left_mask});
  EXPECT_TRUE(at::allclose(got.narrow(1, 2, 5), want, 1e-5, 1e-5));
  EXPECT_FALSE(got.isnan().any().item<bool>());
}

TEST(Qwen3ModelTest, PackedRowsEqualSeparateRows) {
  auto model = Tiny(4);
  at::Tensor a = Ids({10, 11, 12});
  at::Tensor b = Ids({20, 21, 22, 23});
  at::Tensor packed = torch::cat({a, b}, 1);
  at::Tensor positions = torch::tensor({0, 1, 2, 0, 1, 2, 3}, torch::kLong).unsqueeze(0);
  at::Tensor segments = torch::tensor({0, 0, 0, 1, 1, 1, 1}, torch::kLong).unsqueeze(0);
  at::Tensor got = model->Forward(packed, {.position_ids = &positions, .segment_ids = &segments});
  EXPECT_TRUE(at::allclose(got.narrow(1, 0, 3), model->Forward(a), 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(got.narrow(1, 3, 4), model->Forward(b), 1e-5, 1e-5));
}

TEST(Qwen3ModelTest, BadCheckpointsAreClearErrors) {
  auto model = Tiny();
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(model->Save(dir, WeightDType::kFloat32).ok());
  // A config that disagrees with the weights.
  Qwen3Config wrong = TinyConfig();
  wrong.intermediate_size = 100;
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/config.json", Qwen3ConfigJson(wrong)).ok());
  auto shape = Qwen3Model::Load(dir, {});
  ASSERT_FALSE(shape.ok());
  EXPECT_THAT(std::string(shape.status().message()),
              HasSubstr("mlp.gate_proj.weight\" has shape [192, 64], config.json says [100, 64]"));
  // Untied: lm_head.weight must be there.
  Qwen3Config untied = TinyConfig();
  untied.tie_word_embeddings = false;
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/config.json", Qwen3ConfigJson(untied)).ok());
  auto missing = Qwen3Model::Load(dir, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("\"lm_head.weight\" is missing"));
  // No weights at all.
  std::filesystem::remove(dir + "/model.safetensors");
  auto none = Qwen3Model::Load(dir, {});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(Qwen3Model::Load("/nonexistent", {}).ok());
}

TEST(Qwen3ModelTest, ShardedCheckpointLoads) {
  auto model = Tiny(5);
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(model->Save(dir, WeightDType::kFloat32).ok());
  // Split into two shards with an index, as huggingface_hub writes.
  auto whole = SafetensorsFile::Open(dir + "/model.safetensors");
  ASSERT_TRUE(whole.ok());
  SafetensorsWriter one, two;
  std::string map;
  for (const TensorInfo& t : (*whole)->tensors()) {
    const bool first = t.name.find("layers.1.") == std::string::npos;
    ASSERT_TRUE((first ? one : two).Add(t.name, t.dtype, t.shape, (*whole)->Data(t)).ok());
    map += (map.empty() ? "" : ",") + std::string("\"") + t.name + "\":\"model-0000" +
           (first ? "1" : "2") + "-of-00002.safetensors\"";
  }
  ASSERT_TRUE(one.Write(dir + "/model-00001-of-00002.safetensors").ok());
  ASSERT_TRUE(two.Write(dir + "/model-00002-of-00002.safetensors").ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir + "/model.safetensors.index.json",
                                    "{\"metadata\":{},\"weight_map\":{" + map + "}}")
                  .ok());
  whole->reset();
  std::filesystem::remove(dir + "/model.safetensors");
  auto loaded = Qwen3Model::Load(dir, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  at::Tensor ids = Ids({3, 1, 4, 1, 5});
  EXPECT_TRUE(at::equal(model->Forward(ids), (*loaded)->Forward(ids)));
}

}  // namespace
}  // namespace tracemill::model
