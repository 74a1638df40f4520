// Quadratic and cross-entropy costs: values and gradients by hand, the fused sigmoid +
// cross-entropy gradient, saturated outputs, shape errors and the cost factory.
#include <gtest/gtest.h>

#include <cmath>

#include "neurite/cost.h"
#include "neurite/error.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

using testing::expect_values;

// Two samples, two outputs.
const Tensor kA = Tensor::from({2, 2}, {0.2f, 0.8f, 0.5f, 0.1f});
const Tensor kY = Tensor::from({2, 2}, {0, 1, 1, 0});

TEST(QuadraticCost, ValueIsHalfSquaredErrorMeanOverBatch) {
  // sample 0: (0.04 + 0.04) / 2 = 0.04; sample 1: (0.25 + 0.01) / 2 = 0.13; mean 0.085
  EXPECT_NEAR(QuadraticCost().value(kA, kY), 0.085, 1e-7);
  EXPECT_EQ(QuadraticCost().value(kY, kY), 0.0);
}

TEST(QuadraticCost, GradientIsDifferenceOverBatch) {
  Tensor da({5}, 9.0f);
  QuadraticCost().gradient(kA, kY, da);
  expect_values(da, {2, 2}, {0.1f, -0.1f, -0.25f, 0.05f});
  Tensor dz;
  EXPECT_FALSE(QuadraticCost().fused_gradient(ActivationKind::Sigmoid, kA, kY, dz));
}

TEST(CrossEntropyCost, ValueByHand) {
  // sample 0: -ln 0.8 - ln 0.8; sample 1: -ln 0.5 - ln 0.9
  const double expected = (-2 * std::log(0.8) - std::log(0.5) - std::log(0.9)) / 2;
  EXPECT_NEAR(CrossEntropyCost().value(kA, kY), expected, 1e-6);
}

TEST(CrossEntropyCost, GradientByHand) {
  Tensor da;
  CrossEntropyCost().gradient(kA, kY, da);
  // (a - y) / (a (1 - a)) / N
  expect_values(da, {2, 2}, {0.625f, -0.625f, -1.0f, 0.1f / 0.09f / 2});
}

TEST(CrossEntropyCost, FusedSigmoidGradientIsOutputMinusTargetOverN) {
  const Tensor a = testing::random_tensor({4, 3}, 5, 0.05f, 0.95f);
  const Tensor y = testing::random_tensor({4, 3}, 6, 0.0f, 1.0f);
  Tensor dz, da;
  ASSERT_TRUE(CrossEntropyCost().fused_gradient(ActivationKind::Sigmoid, a, y, dz));
  CrossEntropyCost().gradient(a, y, da);
  ASSERT_EQ(dz.shape(), a.shape());
  for (int64_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(dz[i], (a[i] - y[i]) / 4.0f, 1e-7) << i;
    // The chain rule through the sigmoid gives the same: dL/dz = dL/da * a (1 - a).
    EXPECT_NEAR(dz[i], da[i] * a[i] * (1 - a[i]), 1e-6) << i;
  }
  for (auto other : {ActivationKind::Identity, ActivationKind::Tanh, ActivationKind::ReLU, ActivationKind::Step})
    EXPECT_FALSE(CrossEntropyCost().fused_gradient(other, a, y, dz)) << activation_name(other);
}

TEST(CrossEntropyCost, SaturatedOutputsGiveFiniteCostAndGradient) {
  const Tensor a = Tensor::from({1, 4}, {0, 1, 0, 1});
  const Tensor wrong = Tensor::from({1, 4}, {1, 0, 1, 0});
  const Tensor right = Tensor::from({1, 4}, {0, 1, 0, 1});
  const double bad = CrossEntropyCost().value(a, wrong);
  EXPECT_TRUE(std::isfinite(bad));
  EXPECT_GT(bad, 40.0);  // four confidently wrong outputs cost a lot
  EXPECT_NEAR(CrossEntropyCost().value(a, right), 0.0, 1e-9);
  Tensor da;
  CrossEntropyCost().gradient(a, wrong, da);
  for (float v : da.span()) EXPECT_FALSE(std::isnan(v));
  Tensor dz;
  CrossEntropyCost().fused_gradient(ActivationKind::Sigmoid, a, wrong, dz);
  expect_values(dz, {1, 4}, {-1, 1, -1, 1});
}

TEST(Cost, ShapeMismatchNamesBothShapes) {
  const Tensor y({2, 3});
  Tensor out;
  for (const char* name : {"quadratic", "cross-entropy"}) {
    const std::unique_ptr<Cost> cost = make_cost(name);
    std::string msg = error_of([&] { (void)cost->value(kA, y); });
    EXPECT_NE(msg.find("(2, 2)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(2, 3)"), std::string::npos) << msg;
    EXPECT_NE(msg.find(cost->name()), std::string::npos) << msg;
    msg = error_of([&] { cost->gradient(kA, y, out); });
    EXPECT_NE(msg.find("(2, 3)"), std::string::npos) << msg;
  }
  const std::string msg = error_of([&] { CrossEntropyCost().fused_gradient(ActivationKind::Sigmoid, kA, y, out); });
  EXPECT_NE(msg.find("(2, 3)"), std::string::npos) << msg;
}

TEST(Cost, Factory) {
  EXPECT_EQ(make_cost("quadratic")->name(), "quadratic");
  EXPECT_EQ(make_cost("cross-entropy")->name(), "cross-entropy");
  const std::string msg = error_of([] { (void)make_cost("hinge"); });
  EXPECT_NE(msg.find("'hinge'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace neurite
