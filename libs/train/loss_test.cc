#include "libs/train/loss.h"

#include <torch/torch.h>

#include "gtest/gtest.h"

namespace tracemill::train {
namespace {

TEST(CrossEntropySumTest, LossAndGradientsMatchAutogradAcrossChunks) {
  torch::manual_seed(4);
  at::Tensor h0 = torch::randn({50, 16});
  at::Tensor w0 = torch::randn({300, 16}) * 0.5;
  at::Tensor y = torch::randint(0, 300, {50}, torch::kLong);

  at::Tensor h1 = h0.clone().set_requires_grad(true);
  at::Tensor w1 = w0.clone().set_requires_grad(true);
  at::Tensor want = at::cross_entropy_loss(at::linear(h1, w1), y, {}, at::Reduction::Sum);
  (want * 0.3).backward();

  for (int64_t chunk : {7, 50, 0}) {
    at::Tensor h2 = h0.clone().set_requires_grad(true);
    at::Tensor w2 = w0.clone().set_requires_grad(true);
    at::Tensor got = CrossEntropySum(h2, w2, y, chunk);
    EXPECT_NEAR(got.item<double>(), want.item<double>(), 1e-3) << chunk;
    (got * 0.3).backward();
    EXPECT_TRUE(torch::allclose(h2.grad(), h1.grad(), 1e-5, 1e-6)) << chunk;
    EXPECT_TRUE(torch::allclose(w2.grad(), w1.grad(), 1e-5, 1e-6)) << chunk;
  }
}

TEST(CrossEntropySumTest, FrozenWeightGetsNoGradientAndNoGradModeGivesTheSameLoss) {
  torch::manual_seed(5);
  at::Tensor h = torch::randn({9, 8}).set_requires_grad(true);
  at::Tensor w = torch::randn({40, 8});
  at::Tensor y = torch::randint(0, 40, {9}, torch::kLong);
  at::Tensor loss = CrossEntropySum(h, w, y, 4);
  loss.backward();
  EXPECT_TRUE(h.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  at::Tensor no_grad_loss;
  {
    at::NoGradGuard no_grad;
    no_grad_loss = CrossEntropySum(h, w, y, 4);
  }
  EXPECT_FALSE(no_grad_loss.requires_grad());
  EXPECT_FLOAT_EQ(no_grad_loss.item<float>(), loss.item<float>());
}

TEST(CrossEntropySumTest, Bf16HiddenStatesGiveAnFp32LossCloseToFp32) {
  torch::manual_seed(6);
  at::Tensor h = torch::randn({20, 32});
  at::Tensor w = torch::randn({100, 32}) * 0.2;
  at::Tensor y = torch::randint(0, 100, {20}, torch::kLong);
  at::Tensor hb = h.to(at::kBFloat16).set_requires_grad(true);
  at::Tensor got = CrossEntropySum(hb, w.to(at::kBFloat16), y);
  EXPECT_EQ(got.scalar_type(), at::kFloat);
  EXPECT_NEAR(got.item<double>(), CrossEntropySum(h, w, y).item<double>(), 0.5);
  got.backward();
  EXPECT_EQ(hb.grad().scalar_type(), at::kBFloat16);
}

}  // namespace
}  // namespace tracemill::train
