// Quadratic and sigmoid cross-entropy costs: values and gradients by hand (the cross-entropy from
// logits), saturated outputs, shape errors and the cost factory.
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
  EXPECT_EQ(QuadraticCost().output_activation(), ActivationKind::Identity);
}

// The logits whose sigmoids are kA: z = ln(a / (1 - a)).
Tensor logits_of(const Tensor& a) {
  Tensor z(a.shape());
  for (int64_t i = 0; i < a.size(); ++i) z[i] = std::log(a[i] / (1.0f - a[i]));
  return z;
}

TEST(SigmoidCrossEntropyCost, ValueByHandFromLogits) {
  // sample 0: -ln 0.8 - ln 0.8; sample 1: -ln 0.5 - ln 0.9
  const double expected = (-2 * std::log(0.8) - std::log(0.5) - std::log(0.9)) / 2;
  EXPECT_NEAR(SigmoidCrossEntropyCost().value(logits_of(kA), kY), expected, 1e-6);
}

TEST(SigmoidCrossEntropyCost, GradientIsOutputMinusTargetOverN) {
  const Tensor z = testing::random_tensor({4, 3}, 5, -3.0f, 3.0f);
  const Tensor y = testing::random_tensor({4, 3}, 6, 0.0f, 1.0f);
  Tensor dz;
  SigmoidCrossEntropyCost().gradient(z, y, dz);
  ASSERT_EQ(dz.shape(), z.shape());
  for (int64_t i = 0; i < z.size(); ++i) {
    const double a = 1 / (1 + std::exp(-static_cast<double>(z[i])));
    // The chain rule on -[y ln a + (1-y) ln(1-a)] gives (a - y) / (a (1 - a)) * a (1 - a) / N.
    EXPECT_NEAR(dz[i], (a - y[i]) / 4.0, 1e-7) << i;
  }
  Tensor predicted;
  SigmoidCrossEntropyCost().predict(logits_of(kA), predicted);
  for (int64_t i = 0; i < kA.size(); ++i) EXPECT_NEAR(predicted[i], kA[i], 1e-6);
}

TEST(SigmoidCrossEntropyCost, SaturatedLogitsGiveFiniteCostAndGradient) {
  const Tensor z = Tensor::from({1, 4}, {-60, 60, -60, 60});  // sigmoids round to 0, 1, 0, 1
  const Tensor wrong = Tensor::from({1, 4}, {1, 0, 1, 0});
  const Tensor right = Tensor::from({1, 4}, {0, 1, 0, 1});
  const double bad = SigmoidCrossEntropyCost().value(z, wrong);
  EXPECT_NEAR(bad, 240.0, 1e-9);  // four confidently wrong outputs cost 60 each
  EXPECT_NEAR(SigmoidCrossEntropyCost().value(z, right), 0.0, 1e-9);
  Tensor dz;
  SigmoidCrossEntropyCost().gradient(z, wrong, dz);
  expect_values(dz, {1, 4}, {-1, 1, -1, 1});
}

TEST(Cost, ShapeMismatchNamesBothShapes) {
  const Tensor y({2, 3});
  Tensor out;
  for (const char* name : {"quadratic", "cross-entropy", "log-likelihood"}) {
    const std::unique_ptr<Cost> cost = make_cost(name);
    std::string msg = error_of([&] { (void)cost->value(kA, y); });
    EXPECT_NE(msg.find("(2, 2)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(2, 3)"), std::string::npos) << msg;
    EXPECT_NE(msg.find(cost->name()), std::string::npos) << msg;
    msg = error_of([&] { cost->gradient(kA, y, out); });
    EXPECT_NE(msg.find("(2, 3)"), std::string::npos) << msg;
  }
}

TEST(Cost, Factory) {
  EXPECT_EQ(make_cost("quadratic")->name(), "quadratic");
  EXPECT_EQ(make_cost("cross-entropy")->name(), "cross-entropy");
  const std::string msg = error_of([] { (void)make_cost("hinge"); });
  EXPECT_NE(msg.find("'hinge'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace neurite
