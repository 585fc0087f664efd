#include "libs/train/adamw8bit.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "libs/base/test_util.h"
#include "libs/model/safetensors.h"
#include "libs/model/torch_dtype.h"

namespace tracemill::train {
namespace {

TEST(DynamicMapTest, MatchesBitsandbytesShape) {
  at::Tensor s = DynamicMap(true);
  at::Tensor u = DynamicMap(false);
  ASSERT_EQ(s.numel(), 256);
  ASSERT_EQ(u.numel(), 256);
  EXPECT_TRUE(s.diff().gt(0).all().item<bool>()) << "sorted and distinct";
  EXPECT_TRUE(u.diff().gt(0).all().item<bool>());
  EXPECT_EQ(s[127].item<float>(), 0.0f);
  EXPECT_EQ(s[255].item<float>(), 1.0f);
  EXPECT_NEAR(s[0].item<float>(), -0.99297f, 1e-5);
  EXPECT_NEAR(s[128].item<float>(), 5.5e-7f, 1e-12);  // smallest positive
  EXPECT_NEAR(s[126].item<float>(), -5.5e-7f, 1e-12);
  EXPECT_EQ(u[0].item<float>(), 0.0f);
  EXPECT_NEAR(u[1].item<float>(), 3.25e-7f, 1e-12);
  EXPECT_EQ(u[255].item<float>(), 1.0f);
}

TEST(QuantizeTest, NearestCodePerBlockOfTwoHundredFiftySix) {
  torch::manual_seed(3);
  at::Tensor x = torch::randn({700});  // 3 blocks, the last partial
  x.narrow(0, 256, 256).mul_(1000);   // blocks scale independently
  at::Tensor map = DynamicMap(true);
  at::Tensor codes, absmax;
  QuantizeBlockwise(x, map, /*fix_sign=*/true, &codes, &absmax);
  ASSERT_EQ(codes.numel(), 768);
  ASSERT_EQ(absmax.numel(), 3);
  EXPECT_FLOAT_EQ(absmax[1].item<float>(), x.narrow(0, 256, 256).abs().max().item<float>());
  at::Tensor back = DequantizeBlockwise(codes, absmax, map, 700);
  // Each value's code is the nearest one to x / absmax.
  for (int64_t i = 0; i < 700; i += 37) {
    const float a = absmax[i / 256].item<float>();
    const float normed = x[i].item<float>() / a;
    at::Tensor dist = (map - normed).abs();
    EXPECT_NEAR(back[i].item<float>() / a, map[dist.argmin()].item<float>(), 1e-6) << i;
  }
  // The block maximum itself is exact.
  const int64_t top = x.narrow(0, 256, 256).abs().argmax().item<int64_t>() + 256;
  EXPECT_FLOAT_EQ(std::abs(back[top].item<float>()), absmax[1].item<float>());
}

TEST(QuantizeTest, SignFixUpKeepsTinyNegativesNegativeAndZeroBlocksZero) {
  at::Tensor x = torch::zeros({512});
  x[0] = 1.0f;
  x[1] = -1e-9f;  // nearest code is 0, whose sign is +
  x[2] = 1e-9f;
  at::Tensor map = DynamicMap(true);
  at::Tensor codes, absmax;
  QuantizeBlockwise(x, map, /*fix_sign=*/true, &codes, &absmax);
  EXPECT_EQ(codes[1].item<uint8_t>(), 126);  // the smallest negative code
  EXPECT_EQ(codes[2].item<uint8_t>(), 127);  // zero
  EXPECT_EQ(absmax[1].item<float>(), 0.0f);   // an all-zero block
  EXPECT_TRUE(DequantizeBlockwise(codes, absmax, map, 512).narrow(0, 256, 256).eq(0).all().item<bool>());
  QuantizeBlockwise(x, map, /*fix_sign=*/false, &codes, &absmax);
  EXPECT_EQ(codes[1].item<uint8_t>(), 127);
}

TEST(AdamW8bitTest, SmallTensorsKeepFp32StateAndDecayAfterTheStep) {
  at::Tensor p = torch::tensor({1.0f, -2.0f, 0.5f}).set_requires_grad(true);
  AdamW8bit opt({p}, {.weight_decay = 0.1});
  p.mutable_grad() = torch::tensor({0.3f, -0.1f, 0.0f});
  opt.Step(0.01);
  // Step 1: m̂ = g, v̂ = g², so p −= lr · g / (|g| + eps); then p *= 1 − lr·wd.
  const double lr = 0.01, decay = 1 - lr * 0.1, eps = 1e-8;
  EXPECT_NEAR(p[0].item<float>(), (1.0 - lr * 0.3 / (0.3 + eps)) * decay, 1e-6);
  EXPECT_NEAR(p[1].item<float>(), (-2.0 + lr * 0.1 / (0.1 + eps)) * decay, 1e-6);
  EXPECT_NEAR(p[2].item<float>(), 0.5 * decay, 1e-6);
  EXPECT_EQ(opt.StateBytes(), 2 * 3 * 4);
}

TEST(AdamW8bitTest, NanGradientsLeaveTheirElementAlone) {
  at::Tensor p = torch::ones({5000}).set_requires_grad(true);
  AdamW8bit opt({p}, {});
  at::Tensor g = torch::full({5000}, 0.5f);
  g[7] = std::nanf("");
  g[9] = INFINITY;
  p.mutable_grad() = g;
  opt.Step(0.1);
  EXPECT_EQ(p[7].item<float>(), 1.0f);
  EXPECT_EQ(p[9].item<float>(), 1.0f);
  EXPECT_NEAR(p[8].item<float>(), 0.9f, 1e-5);
  EXPECT_TRUE(p.isfinite().all().item<bool>());
}

TEST(AdamW8bitTest, StateIsAboutTwoBytesAParameter) {
  at::Tensor big = torch::zeros({1 << 20}).set_requires_grad(true);
  at::Tensor small = torch::zeros({100}).set_requires_grad(true);
  AdamW8bit opt({big, small}, {});
  big.mutable_grad() = torch::randn({1 << 20});
  small.mutable_grad() = torch::randn({100});
  opt.Step(1e-3);
  const double per_param = static_cast<double>(opt.StateBytes() - 800) / (1 << 20);
  EXPECT_NEAR(per_param, 2.03125, 1e-9);  // 2 codes + 2 fp32 absmax per 256
  auto fp32 = MakeOptimizer(OptimizerKind::kAdamW, {big}, {});
  big.mutable_grad() = torch::randn({1 << 20});
  fp32->Step(1e-3);
  EXPECT_EQ(fp32->StateBytes(), 8 << 20);
}

TEST(AdamW8bitTest, MinimisesLikeFp32AdamW) {
  // A least-squares problem: both optimizers reach about the same loss.
  torch::manual_seed(5);
  at::Tensor a = torch::randn({64, 128});
  at::Tensor target = torch::randn({64, 64});
  double losses[2];
  for (int kind = 0; kind < 2; ++kind) {
    at::Tensor w = torch::zeros({128, 64}).set_requires_grad(true);
    auto opt = MakeOptimizer(kind == 0 ? OptimizerKind::kAdamW : OptimizerKind::kAdamW8bit, {w},
                             {.weight_decay = 0.01});
    for (int s = 0; s < 300; ++s) {
      opt->ZeroGrad();
      at::Tensor loss = (a.matmul(w) - target).pow(2).mean();
      loss.backward();
      opt->Step(0.01);
      losses[kind] = loss.item<double>();
    }
  }
  EXPECT_LT(losses[0], 0.05);
  EXPECT_LT(losses[1], 0.05);
  EXPECT_NEAR(losses[1], losses[0], 0.02);
}

TEST(AdamW8bitTest, SaveAndLoadContinueExactly) {
  torch::manual_seed(9);
  at::Tensor p1 = torch::randn({6000}).set_requires_grad(true);
  at::Tensor q1 = torch::randn({10}).set_requires_grad(true);
  at::Tensor p2 = p1.detach().clone().set_requires_grad(true);
  at::Tensor q2 = q1.detach().clone().set_requires_grad(true);
  AdamW8bit a({p1, q1}, {.weight_decay = 0.01});
  std::vector<at::Tensor> grads;
  for (int s = 0; s < 5; ++s) grads.push_back(torch::randn({6010}));
  auto apply = [&](AdamW8bit& opt, at::Tensor& p, at::Tensor& q, int s) {
    p.mutable_grad() = grads[s].narrow(0, 0, 6000).clone();
    q.mutable_grad() = grads[s].narrow(0, 6000, 10).clone();
    opt.Step(0.01);
  };
  for (int s = 0; s < 3; ++s) apply(a, p1, q1, s);
  torch::serialize::OutputArchive out;
  a.Save(out);
  const std::string path = base::FreshTestDir() + "/opt.pt";
  out.save_to(path);
  {
    AdamW8bit warm({p2, q2}, {.weight_decay = 0.01});
    for (int s = 0; s < 3; ++s) apply(warm, p2, q2, s);
  }
  AdamW8bit b({p2, q2}, {.weight_decay = 0.01});
  torch::serialize::InputArchive in;
  in.load_from(path);
  ASSERT_TRUE(b.Load(in).ok());
  for (int s = 3; s < 5; ++s) {
    apply(a, p1, q1, s);
    apply(b, p2, q2, s);
  }
  EXPECT_TRUE(p1.equal(p2));
  EXPECT_TRUE(q1.equal(q2));
}

// Several steps on tensors of both kinds (one not a whole number of blocks, one with
// NaN gradients, one with a block of zero gradients, one with moments that need the
// sign fix-up) against an independent Python
// port (libs/train/testdata/adamw8bit_reference.py, Debian's python3-torch).
TEST(AdamW8bitTest, MatchesAnIndependentPythonPort) {
  ASSERT_EQ(std::system("/usr/bin/python3 -c 'import torch' 2>/dev/null"), 0)
      << "Debian's python3-torch is not installed: run scripts/deps.sh";
  torch::manual_seed(21);
  const int steps = 6;
  std::vector<at::Tensor> params = {torch::randn({4100}), torch::randn({30, 200}),
                                    torch::randn({300}), torch::randn({5000}) * 0.01};
  model::SafetensorsWriter writer;
  for (size_t i = 0; i < params.size(); ++i) {
    ASSERT_TRUE(model::AddTensor(&writer, "p0_" + std::to_string(i), params[i]).ok());
    params[i].set_requires_grad(true);
  }
  const OptimizerOptions o{.beta1 = 0.9, .beta2 = 0.995, .eps = 1e-6, .weight_decay = 0.05};
  const double lr = 3e-3;
  AdamW8bit opt(params, o);
  for (int s = 0; s < steps; ++s) {
    for (size_t i = 0; i < params.size(); ++i) {
      at::Tensor g = torch::randn(params[i].sizes()) * std::pow(10.0, -static_cast<double>(i));
      if (i == 1) {
        g.view({-1})[17] = std::nanf("");
        g.view({-1})[s * 100] = INFINITY;
      }
      if (i == 3) g.view({-1}).narrow(0, 256, 256).zero_();
      // One huge gradient per block: the block's small moments round towards 0, so
      // negative ones need the sign fix-up.
      if (i == 0) g.view({-1}).narrow(0, 0, 4096).view({16, 256}).select(1, 5).fill_(1e7);
      ASSERT_TRUE(model::AddTensor(&writer, "g_" + std::to_string(s) + "_" + std::to_string(i), g).ok());
      params[i].mutable_grad() = g;
    }
    opt.Step(lr);
  }
  torch::serialize::OutputArchive state;
  opt.Save(state);
  const std::string dir = base::FreshTestDir();
  state.save_to(dir + "/state.pt");
  torch::serialize::InputArchive in;
  in.load_from(dir + "/state.pt");
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string k = std::to_string(i);
    ASSERT_TRUE(model::AddTensor(&writer, "p_" + k, params[i].detach()).ok());
    at::Tensor t;
    if (in.try_read("m_codes_" + k, t)) {
      ASSERT_TRUE(model::AddTensor(&writer, "m_codes_" + k, t).ok());
      at::Tensor v, ma, va;
      ASSERT_TRUE(in.try_read("v_codes_" + k, v) && in.try_read("m_absmax_" + k, ma) &&
                  in.try_read("v_absmax_" + k, va));
      ASSERT_TRUE(model::AddTensor(&writer, "v_codes_" + k, v).ok());
      ASSERT_TRUE(model::AddTensor(&writer, "m_absmax_" + k, ma).ok());
      ASSERT_TRUE(model::AddTensor(&writer, "v_absmax_" + k, va).ok());
    }
  }
  at::Tensor hp = torch::tensor({lr, o.beta1, o.beta2, o.eps, o.weight_decay,
                                 static_cast<double>(o.min_8bit_size), static_cast<double>(steps),
                                 static_cast<double>(params.size())},
                                torch::kDouble);
  ASSERT_TRUE(model::AddTensor(&writer, "hp", hp).ok());
  ASSERT_TRUE(writer.Write(dir + "/cases.safetensors").ok());
  const std::string cmd = "/usr/bin/python3 " TRACEMILL_SOURCE_DIR
                          "/libs/train/testdata/adamw8bit_reference.py " + dir + "/cases.safetensors";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "the reference disagrees: " << cmd;
}

}  // namespace
}  // namespace tracemill::train
