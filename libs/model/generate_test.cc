#include "libs/model/generate.h"

#include <torch/torch.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/base/test_util.h"
#include "libs/model/kv_cache.h"
#include "libs/model/lora.h"
#include "libs/model/qwen3_model.h"

namespace tracemill::model {
namespace {

// A tiny random Qwen3 (GQA, untied head) with weights larger than the 0.02 init so that
// its next-token distributions are peaked: greedy choices are then far from ties.
std::shared_ptr<Qwen3Model> TinyModel(uint64_t seed = 5) {
  Qwen3Config c = *Qwen3Preset("tiny");
  c.vocab_size = 512;
  c.tie_word_embeddings = false;
  c.rope_theta = 10000.0;
  auto model = Qwen3Model::RandomInit(c, seed, {});
  EXPECT_TRUE(model.ok()) << model.status();
  at::NoGradGuard no_grad;
  for (auto& [name, w] : (*model)->mutable_weights()) {
    if (name.find("norm") == std::string::npos) w.mul_(5.0);
  }
  return std::shared_ptr<Qwen3Model>(std::move(*model));
}

std::vector<int64_t> Prompt(int64_t n, int64_t salt) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) out.push_back((i * 37 + salt * 101 + 11) % 512);
  return out;
}

// Greedy by re-running the full forward over the whole sequence at every step.
std::vector<int64_t> GreedyWithoutCache(const Qwen3Model& model, std::vector<int64_t> seq,
                                        int n) {
  at::NoGradGuard no_grad;
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) {
    at::Tensor ids = at::tensor(seq, at::kLong).view({1, -1});
    at::Tensor logits = model.Forward(ids);
    const int64_t next = logits.select(1, ids.size(1) - 1).argmax(-1).item<int64_t>();
    out.push_back(next);
    seq.push_back(next);
  }
  return out;
}

std::unique_ptr<Generator> MakeGenerator(std::shared_ptr<Qwen3Model> model,
                                         GeneratorOptions options = {}) {
  auto gen = Generator::Create(std::move(model), options);
  EXPECT_TRUE(gen.ok()) << gen.status();
  return std::move(*gen);
}

GenerationRequest Greedy(std::vector<int64_t> prompt, int n) {
  GenerationRequest r;
  r.prompt = std::move(prompt);
  r.sampling.max_new_tokens = n;
  return r;
}

// Adapters on every projection with random, non-zero B (a fresh adapter is a no-op).
std::shared_ptr<LoraAdapters> RandomAdapters(const Qwen3Model& model, uint64_t seed) {
  LoraConfig lc;
  lc.r = 4;
  lc.alpha = 8;
  lc.dropout = 0;
  auto a = LoraAdapters::Create(lc, model.LinearModules(), seed);
  EXPECT_TRUE(a.ok()) << a.status();
  at::NoGradGuard no_grad;
  torch::manual_seed(seed);
  std::vector<at::Tensor> params = (*a)->Parameters();
  for (size_t i = 1; i < params.size(); i += 2) params[i].normal_(0.0, 0.3);
  return std::shared_ptr<LoraAdapters>(std::move(*a));
}

TEST(KvCacheTest, CachedForwardGivesTheFullForwardsLogits) {
  auto model = TinyModel();
  at::NoGradGuard no_grad;
  // Two rows of different lengths decode together after being prefilled apart.
  std::vector<int64_t> a = Prompt(5, 1), b = Prompt(11, 2);
  KvCache batch(model->config().num_hidden_layers);
  for (const auto& p : {a, b}) {
    KvCache one(model->config().num_hidden_layers);
    ForwardOptions fo;
    fo.kv_cache = &one;
    at::Tensor logits = model->Forward(at::tensor(p, at::kLong).view({1, -1}), fo);
    at::Tensor full = model->Forward(at::tensor(p, at::kLong).view({1, -1}));
    EXPECT_LT((logits - full).abs().max().item<float>(), 1e-4);
    EXPECT_EQ(one.lengths(), std::vector<int64_t>{static_cast<int64_t>(p.size())});
    batch.Append(std::move(one));
  }
  ASSERT_EQ(batch.rows(), 2);
  for (int step = 0; step < 4; ++step) {
    const int64_t ta = (step * 13 + 3) % 512, tb = (step * 29 + 7) % 512;
    a.push_back(ta);
    b.push_back(tb);
    ForwardOptions fo;
    fo.kv_cache = &batch;
    at::Tensor logits = model->Forward(at::tensor(std::vector<int64_t>{ta, tb}, at::kLong).view({2, 1}), fo);
    at::Tensor fa = model->Forward(at::tensor(a, at::kLong).view({1, -1})).select(1, -1);
    at::Tensor fb = model->Forward(at::tensor(b, at::kLong).view({1, -1})).select(1, -1);
    EXPECT_LT((logits.select(0, 0).select(0, 0) - fa[0]).abs().max().item<float>(), 1e-4) << step;
    EXPECT_LT((logits.select(0, 1).select(0, 0) - fb[0]).abs().max().item<float>(), 1e-4) << step;
  }
  EXPECT_EQ(batch.lengths(), (std::vector<int64_t>{9, 15}));
  batch.Keep({1});
  EXPECT_EQ(batch.lengths(), std::vector<int64_t>{15});
}

TEST(GeneratorTest, GreedyWithTheCacheEqualsGreedyByFullForward) {
  auto model = TinyModel();
  auto gen = MakeGenerator(model);
  for (int64_t len : {1, 7, 20}) {
    auto r = gen->Generate(Greedy(Prompt(len, len), 12));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->tokens, GreedyWithoutCache(*model, Prompt(len, len), 12)) << len;
    EXPECT_EQ(r->finish_reason, "length");
    EXPECT_EQ(r->prompt_tokens, len);
    EXPECT_GT(r->time_to_first_token_ms, 0);
  }
}

TEST(GeneratorTest, ABatchOfDifferentPromptLengthsGivesEachPromptsTokensAlone) {
  auto model = TinyModel();
  std::vector<std::vector<int64_t>> alone;
  const std::vector<int64_t> lengths = {3, 9, 17, 1};
  {
    auto gen = MakeGenerator(model);
    for (size_t i = 0; i < lengths.size(); ++i) {
      auto r = gen->Generate(Greedy(Prompt(lengths[i], i), 10 + i));
      ASSERT_TRUE(r.ok()) << r.status();
      alone.push_back(r->tokens);
    }
  }
  auto gen = MakeGenerator(model);
  std::vector<std::promise<absl::StatusOr<GenerationResult>>> promises(lengths.size());
  for (size_t i = 0; i < lengths.size(); ++i) {
    gen->Submit(Greedy(Prompt(lengths[i], i), 10 + i),
                [&promises, i](absl::StatusOr<GenerationResult> r) { promises[i].set_value(r); });
  }
  for (size_t i = 0; i < lengths.size(); ++i) {
    auto r = promises[i].get_future().get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->tokens, alone[i]) << "prompt " << i;
  }
  EXPECT_GE(gen->stats().max_batch_seen, 2);
}

TEST(GeneratorTest, PerRequestAdaptersEqualEachAdapterMergedAlone) {
  auto model = TinyModel();
  auto lora_a = RandomAdapters(*model, 21);
  auto lora_b = RandomAdapters(*model, 22);
  const std::string dir = base::FreshTestDir();
  ASSERT_TRUE(lora_a->SavePeft(dir + "/a", "tiny").ok());

  // Reference: the adapter merged into a copy of the weights, one request alone.
  auto merged_tokens = [&](std::shared_ptr<LoraAdapters> lora, const std::vector<int64_t>& p) {
    auto copy = TinyModel();
    copy->SetLora(lora);
    EXPECT_TRUE(copy->MergeLora().ok());
    auto gen = MakeGenerator(copy);
    auto r = gen->Generate(Greedy(p, 10));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->tokens : std::vector<int64_t>{};
  };

  auto gen = MakeGenerator(model);
  ASSERT_TRUE(gen->LoadAdapter("a", dir + "/a").ok());
  ASSERT_TRUE(gen->AddAdapter("b", lora_b).ok());
  EXPECT_EQ(gen->adapters(), (std::vector<std::string>{"a", "b"}));
  struct Case {
    std::string adapter;
    std::vector<int64_t> prompt;
    std::vector<int64_t> want;
  };
  std::vector<Case> cases = {{"a", Prompt(6, 1), merged_tokens(lora_a, Prompt(6, 1))},
                             {"", Prompt(9, 2), GreedyWithoutCache(*model, Prompt(9, 2), 10)},
                             {"b", Prompt(4, 3), merged_tokens(lora_b, Prompt(4, 3))},
                             {"a", Prompt(12, 4), merged_tokens(lora_a, Prompt(12, 4))}};
  // The adapters change the output (else this test would prove nothing).
  EXPECT_NE(cases[0].want, GreedyWithoutCache(*model, Prompt(6, 1), 10));
  std::vector<std::promise<absl::StatusOr<GenerationResult>>> promises(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    GenerationRequest req = Greedy(cases[i].prompt, 10);
    req.adapter = cases[i].adapter;
    gen->Submit(req, [&promises, i](absl::StatusOr<GenerationResult> r) { promises[i].set_value(r); });
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    auto r = promises[i].get_future().get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->tokens, cases[i].want) << "case " << i << " adapter \"" << cases[i].adapter << "\"";
  }
  EXPECT_GE(gen->stats().max_batch_seen, 2);

  // Logits of a mixed batch against the merged models.
  at::NoGradGuard no_grad;
  at::Tensor ids = at::tensor(Prompt(8, 5), at::kLong).view({1, -1}).repeat({3, 1});
  std::vector<const LoraAdapters*> rows = {lora_a.get(), nullptr, lora_b.get()};
  ForwardOptions fo;
  fo.row_adapters = &rows;
  at::Tensor mixed = model->Forward(ids, fo);
  std::vector<at::Tensor> want;
  for (auto lora : {lora_a, std::shared_ptr<LoraAdapters>(), lora_b}) {
    auto copy = TinyModel();
    if (lora) {
      copy->SetLora(lora);
      ASSERT_TRUE(copy->MergeLora().ok());
    }
    want.push_back(copy->Forward(ids.narrow(0, 0, 1)));
  }
  for (int64_t r = 0; r < 3; ++r) {
    EXPECT_LT((mixed.narrow(0, r, 1) - want[r]).abs().max().item<float>(), 1e-3) << r;
  }

  ASSERT_TRUE(gen->UnloadAdapter("a").ok());
  EXPECT_EQ(gen->UnloadAdapter("a").code(), absl::StatusCode::kNotFound);
  GenerationRequest req = Greedy(Prompt(3, 1), 2);
  req.adapter = "a";
  EXPECT_EQ(gen->Generate(req).status().code(), absl::StatusCode::kInvalidArgument);
  // Replacing a name.
  ASSERT_TRUE(gen->AddAdapter("b", lora_a).ok());
  req = Greedy(Prompt(6, 1), 10);
  req.adapter = "b";
  auto r = gen->Generate(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->tokens, cases[0].want);
}

TEST(GeneratorTest, SamplingWithASeedRepeatsAndTopKOneOrTinyTopPIsGreedy) {
  auto model = TinyModel();
  auto gen = MakeGenerator(model);
  const std::vector<int64_t> greedy = GreedyWithoutCache(*model, Prompt(5, 1), 12);
  auto run = [&](float temperature, int top_k, float top_p, std::optional<uint64_t> seed) {
    GenerationRequest req = Greedy(Prompt(5, 1), 12);
    req.sampling.temperature = temperature;
    req.sampling.top_k = top_k;
    req.sampling.top_p = top_p;
    req.sampling.seed = seed;
    auto r = gen->Generate(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->tokens : std::vector<int64_t>{};
  };
  // Temperature high enough that sampling differs from greedy.
  const std::vector<int64_t> s1 = run(5.0, 0, 1, 7);
  EXPECT_EQ(s1.size(), 12u);
  EXPECT_EQ(run(5.0, 0, 1, 7), s1);
  EXPECT_NE(run(5.0, 0, 1, 8), s1);
  EXPECT_NE(s1, greedy);
  EXPECT_EQ(run(5.0, 1, 1, 7), greedy);
  EXPECT_EQ(run(5.0, 1, 1, std::nullopt), greedy);
  EXPECT_EQ(run(5.0, 0, 1e-6f, 9), greedy);
  // top_k = 2 draws only among the two most likely tokens at every step.
  const std::vector<int64_t> k2 = run(5.0, 2, 1, 3);
  at::NoGradGuard no_grad;
  std::vector<int64_t> seq = Prompt(5, 1);
  for (int64_t token : k2) {
    at::Tensor logits = model->Forward(at::tensor(seq, at::kLong).view({1, -1})).select(1, -1)[0];
    at::Tensor top2 = std::get<1>(logits.topk(2));
    EXPECT_TRUE(top2.eq(token).any().item<bool>()) << token;
    seq.push_back(token);
  }
}

TEST(GeneratorTest, StopTokensLengthAndContextEndARequest) {
  auto model = TinyModel();
  const std::vector<int64_t> greedy = GreedyWithoutCache(*model, Prompt(5, 1), 12);
  auto gen = MakeGenerator(model, {.max_context = 12});
  // A stop token ends it and is not returned.
  GenerationRequest req = Greedy(Prompt(5, 1), 6);
  req.sampling.stop_token_ids = {999999, greedy[3]};
  auto r = gen->Generate(req);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto first = std::find(greedy.begin(), greedy.end(), greedy[3]);
  EXPECT_EQ(r->tokens, std::vector<int64_t>(greedy.begin(), first));
  EXPECT_EQ(r->finish_reason, "stop");
  // max_new_tokens.
  r = gen->Generate(Greedy(Prompt(5, 1), 3));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tokens, std::vector<int64_t>(greedy.begin(), greedy.begin() + 3));
  EXPECT_EQ(r->finish_reason, "length");
  // The context: 5 prompt tokens + 7 = 12.
  r = gen->Generate(Greedy(Prompt(5, 1), 100));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tokens, std::vector<int64_t>(greedy.begin(), greedy.begin() + 7));
  EXPECT_EQ(r->finish_reason, "length");
  // on_token saying stop keeps that token.
  std::vector<int64_t> streamed;
  req = Greedy(Prompt(5, 1), 6);
  req.on_token = [&](int64_t t) {
    streamed.push_back(t);
    return streamed.size() < 2;
  };
  r = gen->Generate(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tokens, std::vector<int64_t>(greedy.begin(), greedy.begin() + 2));
  EXPECT_EQ(streamed, r->tokens);
  EXPECT_EQ(r->finish_reason, "stop");
  // max_new_tokens 0.
  r = gen->Generate(Greedy(Prompt(5, 1), 0));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->tokens.empty());
  EXPECT_EQ(r->finish_reason, "length");
}

TEST(GeneratorTest, BadRequestsAreInvalidArgument) {
  auto model = TinyModel();
  auto gen = MakeGenerator(model, {.max_context = 12});
  auto code = [&](GenerationRequest req) { return gen->Generate(std::move(req)).status().code(); };
  EXPECT_EQ(code(Greedy({}, 3)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Greedy(Prompt(12, 1), 3)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Greedy({1, 512}, 3)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Greedy({1, -1}, 3)), absl::StatusCode::kInvalidArgument);
  GenerationRequest req = Greedy({1, 2}, 3);
  req.adapter = "nope";
  EXPECT_EQ(code(req), absl::StatusCode::kInvalidArgument);
  req = Greedy({1, 2}, 3);
  req.sampling.top_p = 0;
  EXPECT_EQ(code(req), absl::StatusCode::kInvalidArgument);
  req = Greedy({1, 2}, 3);
  req.sampling.temperature = -1;
  EXPECT_EQ(code(req), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(gen->LoadAdapter("x", "/nonexistent").code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(Generator::Create(model, {.max_batch = 0}).ok());
  EXPECT_FALSE(Generator::Create(model, {.device = "bogus"}).ok());
  // The generator still works after errors.
  EXPECT_TRUE(gen->Generate(Greedy({1, 2}, 3)).ok());
}

TEST(GeneratorTest, DestroyingTheGeneratorCancelsWhatIsLeft) {
  auto model = TinyModel();
  auto gen = MakeGenerator(model, {.max_batch = 1});
  std::vector<std::promise<absl::StatusOr<GenerationResult>>> promises(6);
  for (size_t i = 0; i < promises.size(); ++i) {
    gen->Submit(Greedy(Prompt(4, i), 200),
                [&promises, i](absl::StatusOr<GenerationResult> r) { promises[i].set_value(r); });
  }
  gen.reset();
  int cancelled = 0;
  for (auto& p : promises) {
    auto r = p.get_future().get();
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
      ++cancelled;
    }
  }
  EXPECT_GE(cancelled, 1);
}

}  // namespace
}  // namespace tracemill::model
