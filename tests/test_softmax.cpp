// Softmax outputs and the log-likelihood cost on logits: values by hand, stability for saturated
// logits, the gradient against the chain rule through a softmax layer, and numerical gradient checks.
#include <gtest/gtest.h>

#include <cmath>

#include "neurite/cost.h"
#include "neurite/gradcheck.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;
using testing::expect_values;

TEST(Softmax, ForwardByHandRowsSumToOne) {
  Activation softmax(ActivationKind::Softmax);
  const Tensor z = Tensor::from({2, 3}, {0, 1, 2, 5, 5, 5});
  Tensor a;
  softmax.forward(z, a);
  const double e = std::exp(1.0), s = 1 + e + e * e;
  expect_values(a, {2, 3}, {static_cast<float>(1 / s), static_cast<float>(e / s), static_cast<float>(e * e / s),
                            1.0f / 3, 1.0f / 3, 1.0f / 3});
}

TEST(Softmax, HugeLogitsGiveOneHotNotNaN) {
  Activation softmax(ActivationKind::Softmax);
  const Tensor z = Tensor::from({1, 3}, {1000, -1000, 0});
  Tensor a;
  softmax.forward(z, a);
  expect_values(a, {1, 3}, {1, 0, 0});
}

TEST(Softmax, BackwardIsTheJacobianProduct) {
  Activation softmax(ActivationKind::Softmax);
  const Tensor z = Tensor::from({1, 3}, {0.5f, -0.2f, 0.1f});
  const Tensor dy = Tensor::from({1, 3}, {1, 0, 0});
  Tensor a, dz;
  softmax.forward(z, a);
  softmax.backward(z, a, dy, &dz);
  // d a_0 / d z_k = a_0 (delta_0k - a_k)
  expect_values(dz, {1, 3}, {a[0] * (1 - a[0]), -a[0] * a[1], -a[0] * a[2]});
}

TEST(SoftmaxLogLikelihoodCost, ValueByHandFromLogits) {
  // Row 0: logits (0, ln 3) give softmax (0.25, 0.75); row 1: (ln 9, 0) give (0.9, 0.1).
  const Tensor z = Tensor::from({2, 2}, {0.0f, std::log(3.0f), std::log(9.0f), 0.0f});
  const Tensor y = Tensor::from({2, 2}, {0, 1, 1, 0});
  EXPECT_NEAR(SoftmaxLogLikelihoodCost().value(z, y), (-std::log(0.75) - std::log(0.9)) / 2, 1e-7);
}

// -sum y ln a on probabilities, with its own gradient -y / a: the cost before it was fused with
// softmax. Through an explicit softmax layer it must give the same gradients as the logit cost.
class ProbabilityLogLikelihood : public Cost {
 public:
  std::string name() const override { return "probability log-likelihood"; }
  double value(const Tensor& a, const Tensor& y) const override {
    double sum = 0;
    for (int64_t i = 0; i < a.size(); ++i) sum -= y[i] * std::log(static_cast<double>(a[i]));
    return sum / static_cast<double>(a.dim(0));
  }
  void gradient(const Tensor& a, const Tensor& y, Tensor& da) const override {
    da.resize(a.shape());
    for (int64_t i = 0; i < a.size(); ++i) da[i] = -y[i] / a[i] / static_cast<float>(a.dim(0));
  }
};

TEST(SoftmaxLogLikelihoodCost, GradientIsSoftmaxMinusTargetAndMatchesTheChainRule) {
  const Tensor z = testing::random_tensor({4, 5}, 3, -3, 3);
  Tensor a;
  Activation(ActivationKind::Softmax).forward(z, a);
  Tensor y({4, 5}, 0.0f);
  for (int64_t r = 0; r < 4; ++r) y[r * 5 + r] = 1.0f;
  Tensor dz, da, chained;
  SoftmaxLogLikelihoodCost().gradient(z, y, dz);
  ProbabilityLogLikelihood().gradient(a, y, da);
  Activation(ActivationKind::Softmax).backward(z, a, da, &chained);
  for (int64_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(dz[i], (a[i] - y[i]) / 4, 1e-7) << i;
    EXPECT_NEAR(dz[i], chained[i], 1e-6) << i;  // the chain rule through softmax agrees
  }
  EXPECT_NEAR(SoftmaxLogLikelihoodCost().value(z, y), ProbabilityLogLikelihood().value(a, y), 1e-6);
}

TEST(SoftmaxLogLikelihoodCost, ValueFromLogitsIsExactWhenSaturated) {
  // z = (100, 0): softmax rounds to (1, 0) in float, so ln a_1 is -inf; from the logits the
  // cost of the wrong class is exactly 100 (+ ln(1 + e^-100)).
  const Tensor z = Tensor::from({1, 2}, {100, 0});
  const Tensor y = Tensor::from({1, 2}, {0, 1});
  EXPECT_NEAR(SoftmaxLogLikelihoodCost().value(z, y), 100.0, 1e-9);
  Tensor a;
  SoftmaxLogLikelihoodCost().predict(z, a);
  expect_values(a, {1, 2}, {1, 0});
}

TEST(SigmoidCrossEntropyCost, ValueFromLogitsIsExactWhenSaturated) {
  // sigmoid(40) rounds to 1 in float; the cost of target 0 is softplus(40) = 40 + ln(1 + e^-40).
  const Tensor z = Tensor::from({1, 2}, {40, -3});
  const Tensor y = Tensor::from({1, 2}, {0, 0});
  const double expected = 40.0 + std::log1p(std::exp(-40.0)) + std::log1p(std::exp(-3.0));
  EXPECT_NEAR(SigmoidCrossEntropyCost().value(z, y), expected, 1e-9);
}

TEST(SoftmaxLogLikelihoodCost, NetworkEndingAtTheLogits) {
  Network net({2});
  net.add(std::make_unique<Dense>(DenseOptions{.in = 2, .out = 2}));
  auto& dense = dynamic_cast<Dense&>(net.layer(0));
  dense.weight().fill(0.0f);
  dense.bias().fill(0.0f);
  dense.bias()[0] = 200.0f;  // logits (200, 0) whatever the input
  const Tensor x = Tensor::from({1, 2}, {0.3f, 0.4f});
  const Tensor y = Tensor::from({1, 2}, {0, 1});
  EXPECT_NEAR(SoftmaxLogLikelihoodCost().value(net.forward(x), y), 200.0, 1e-6);
  net.zero_grad();
  EXPECT_NEAR(testing::compute_gradients(net, x, y, SoftmaxLogLikelihoodCost()), 200.0, 1e-6);
  EXPECT_NEAR(dense.bias().span()[0], 200.0f, 0.0f);
  EXPECT_NEAR((*net.parameters()[1].grad)[0], 1.0f, 1e-6);  // dC/db_0 = a_0 - y_0 = 1
}

TEST(SoftmaxLogLikelihoodCost, ArchitecturesAsTrainedAndAsPredicting) {
  const nlohmann::json predicting = {{"input", {4}},
                                     {"layers", {{{"type", "dense"}, {"in", 4}, {"out", 3}}, {{"type", "softmax"}}}}};
  const nlohmann::json trained = trained_architecture(predicting, SoftmaxLogLikelihoodCost());
  EXPECT_EQ(trained["layers"].size(), 1u);
  EXPECT_EQ(predicting_architecture(trained, SoftmaxLogLikelihoodCost()), predicting);
  EXPECT_EQ(trained_architecture(trained, SoftmaxLogLikelihoodCost()), trained);  // at the logits already
  EXPECT_EQ(trained_architecture(predicting, QuadraticCost()), predicting);
  EXPECT_NE(error_of([&] { predicting_architecture(predicting, SoftmaxLogLikelihoodCost()); }).find("already ends in softmax"),
            std::string::npos);
  nlohmann::json sigmoid_end = predicting;
  sigmoid_end["layers"][1]["type"] = "sigmoid";
  EXPECT_NE(error_of([&] { trained_architecture(sigmoid_end, SoftmaxLogLikelihoodCost()); }).find("ends in sigmoid"),
            std::string::npos);
  EXPECT_NE(error_of([&] { trained_architecture(predicting, SigmoidCrossEntropyCost()); }).find("log-likelihood"),
            std::string::npos);
  EXPECT_EQ(make_cost("log-likelihood")->name(), "log-likelihood");
  EXPECT_NE(error_of([] { make_cost("hinge"); }).find("log-likelihood"), std::string::npos);
}

// A gradient that forgets the target sum (a - y with 0.1 / 0.9 targets is wrong).
class NaiveLogLikelihood : public SoftmaxLogLikelihoodCost {
 public:
  void gradient(const Tensor& z, const Tensor& y, Tensor& dz) const override {
    activate(ActivationKind::Softmax, z, dz);
    for (int64_t i = 0; i < z.size(); ++i) dz[i] = (dz[i] - y[i]) / static_cast<float>(z.dim(0));
  }
};

Network softmax_net(uint64_t seed, bool with_softmax) {
  Network net({4});
  net.add(std::make_unique<Dense>(DenseOptions{.in = 4, .out = 5}));
  net.add(std::make_unique<Activation>(ActivationKind::Tanh));
  net.add(std::make_unique<Dense>(DenseOptions{.in = 5, .out = 3}));
  if (with_softmax) net.add(std::make_unique<Activation>(ActivationKind::Softmax));
  Rng rng(seed, 3);
  net.initialize({.kind = Initializer::Kind::Xavier}, rng);
  return net;
}

TEST(SoftmaxLogLikelihoodCost, GradientChecksOnLogitsAndThroughASoftmaxLayer) {
  Network logits = softmax_net(1, false), probabilities = softmax_net(1, true);
  const Tensor x = testing::random_tensor({3, 4}, 8);
  const Tensor one_hot = Tensor::from({3, 3}, {1, 0, 0, 0, 0, 1, 0, 1, 0});
  const Tensor soft = Tensor::from({3, 3}, {0.9f, 0.1f, 0.1f, 0.1f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f});
  for (const Tensor* y : {&one_hot, &soft}) {
    GradCheckReport fused = gradient_check(logits, SoftmaxLogLikelihoodCost(), x, *y);
    EXPECT_TRUE(fused.passed) << fused.describe();
    GradCheckReport unfused = gradient_check(probabilities, ProbabilityLogLikelihood(), x, *y);
    EXPECT_TRUE(unfused.passed) << unfused.describe();
    // Both routes give the same parameter gradients.
    logits.zero_grad();
    probabilities.zero_grad();
    testing::compute_gradients(logits, x, *y, SoftmaxLogLikelihoodCost());
    testing::compute_gradients(probabilities, x, *y, ProbabilityLogLikelihood());
    const std::vector<Parameter> a = logits.parameters(), b = probabilities.parameters();
    for (std::size_t p = 0; p < a.size(); ++p)
      for (int64_t i = 0; i < a[p].grad->size(); ++i) EXPECT_NEAR((*a[p].grad)[i], (*b[p].grad)[i], 1e-6) << a[p].name;
  }
  // The check must catch the naive a - y on targets that do not sum to one.
  GradCheckReport naive = gradient_check(logits, NaiveLogLikelihood(), x, soft);
  EXPECT_FALSE(naive.passed) << naive.describe();
}

}  // namespace
}  // namespace neurite
