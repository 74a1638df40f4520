// Backprop against central differences for every layer and cost combination, and proof that
// the check catches a wrong gradient: a dense layer, an activation and a cost that each get
// their derivative slightly wrong must fail, with the blame on the right tensors.
#include <gtest/gtest.h>

#include <memory>

#include "neurite/gradcheck.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"

namespace neurite {
namespace {

// Rashid weights and small random biases keep every unit away from saturation and from ReLU's
// kink, where float central differences stop being trustworthy (as `neurite gradcheck` does).
void initialize(Network& net, uint64_t seed) {
  Rng rng(seed, 3);
  net.initialize({.kind = Initializer::Kind::Rashid}, rng);
  for (Parameter& p : net.parameters())
    if (p.name.ends_with(".bias"))
      for (float& b : p.value->span()) b = static_cast<float>(rng.uniform(-0.5, 0.5));
}

// 5 -> 4 -> 3 -> 2 with `hidden` after the first two dense layers and `output` at the end, unless
// `output` is the activation `cost` applies to the logits itself.
Network make_net(ActivationKind hidden, ActivationKind output, bool bias, uint64_t seed,
                 const Cost& cost = QuadraticCost()) {
  Network net({5});
  net.add(std::make_unique<Dense>(DenseOptions{.in = 5, .out = 4, .bias = bias}));
  net.add(std::make_unique<Activation>(hidden));
  net.add(std::make_unique<Dense>(DenseOptions{.in = 4, .out = 3, .bias = bias}));
  net.add(std::make_unique<Activation>(hidden));
  net.add(std::make_unique<Dense>(DenseOptions{.in = 3, .out = 2, .bias = bias}));
  if (output != cost.output_activation()) net.add(std::make_unique<Activation>(output));
  initialize(net, seed);
  return net;
}

struct Batch {
  Tensor x, y;
};
Batch make_batch(const Network& net, int64_t n, uint64_t seed) {
  Rng rng(seed, 4);
  Batch b{Tensor({n, net.input_shape()[0]}), Tensor({n, net.output_shape()[0]})};
  for (float& v : b.x.span()) v = static_cast<float>(rng.uniform());
  for (float& v : b.y.span()) v = static_cast<float>(rng.uniform(0.05, 0.95));
  return b;
}

const GradCheckEntry& worst_entry(const GradCheckReport& report) {
  const GradCheckEntry* worst = &report.entries.front();
  for (const auto& e : report.entries)
    if (e.max_error > worst->max_error) worst = &e;
  return *worst;
}

const GradCheckEntry& entry(const GradCheckReport& report, const std::string& name) {
  for (const auto& e : report.entries)
    if (e.name == name) return e;
  throw std::runtime_error("no gradcheck entry " + name);
}

struct Combo {
  ActivationKind hidden, output;
  const char* cost;
  bool bias;
};

class GradCheckAll : public ::testing::TestWithParam<Combo> {};

TEST_P(GradCheckAll, BackpropMatchesNumericalGradient) {
  const Combo c = GetParam();
  for (uint64_t seed : {1u, 2u}) {
    const auto cost = make_cost(c.cost);
    Network net = make_net(c.hidden, c.output, c.bias, seed, *cost);
    const Batch b = make_batch(net, 3, seed);
    const GradCheckReport report = gradient_check(net, *cost, b.x, b.y);
    EXPECT_TRUE(report.passed) << "seed " << seed << "\n" << report.describe();
    EXPECT_LT(report.max_error, 1e-2);
    // every parameter tensor and the input, every entry
    ASSERT_EQ(report.entries.size(), c.bias ? 7u : 4u);
    EXPECT_EQ(report.entries.front().name, "0.weight");
    EXPECT_EQ(report.entries.front().layer, "dense");
    EXPECT_EQ(report.entries.front().checked, 20);
    EXPECT_EQ(report.entries.back().name, "input");
    EXPECT_EQ(report.entries.back().checked, 15);
  }
}

std::string combo_name(const ::testing::TestParamInfo<Combo>& info) {
  std::string cost = info.param.cost;
  for (char& ch : cost)
    if (ch == '-') ch = '_';
  return activation_name(info.param.hidden) + "_" + activation_name(info.param.output) + "_" + cost +
         (info.param.bias ? "_bias" : "_nobias");
}

using AK = ActivationKind;
INSTANTIATE_TEST_SUITE_P(
    Layers, GradCheckAll,
    ::testing::Values(Combo{AK::Sigmoid, AK::Sigmoid, "quadratic", true}, Combo{AK::Sigmoid, AK::Sigmoid, "quadratic", false},
                      Combo{AK::Tanh, AK::Tanh, "quadratic", true}, Combo{AK::Tanh, AK::Tanh, "quadratic", false},
                      Combo{AK::ReLU, AK::Identity, "quadratic", true}, Combo{AK::ReLU, AK::ReLU, "quadratic", true},
                      Combo{AK::ReLU, AK::Sigmoid, "quadratic", false}, Combo{AK::Identity, AK::Identity, "quadratic", true},
                      Combo{AK::Identity, AK::Identity, "quadratic", false},
                      Combo{AK::Sigmoid, AK::Sigmoid, "cross-entropy", true}, Combo{AK::Sigmoid, AK::Sigmoid, "cross-entropy", false},
                      Combo{AK::Tanh, AK::Sigmoid, "cross-entropy", true}, Combo{AK::ReLU, AK::Sigmoid, "cross-entropy", true},
                      Combo{AK::Identity, AK::Sigmoid, "cross-entropy", true},
                      Combo{AK::Sigmoid, AK::Softmax, "log-likelihood", true},
                      Combo{AK::ReLU, AK::Softmax, "log-likelihood", true},
                      Combo{AK::Tanh, AK::Softmax, "log-likelihood", false},
                      Combo{AK::Sigmoid, AK::Softmax, "quadratic", true}),
    combo_name);

// Cross-entropy on probabilities, -[y ln a + (1-y) ln(1-a)] with its own gradient
// (a - y) / (a (1 - a)): through a sigmoid layer's backward instead of the logit form's a - y.
class ProbabilityCrossEntropy : public Cost {
 public:
  std::string name() const override { return "probability cross-entropy"; }
  double value(const Tensor& a, const Tensor& y) const override {
    double sum = 0;
    for (int64_t i = 0; i < a.size(); ++i) sum -= y[i] * std::log(a[i]) + (1.0 - y[i]) * std::log(1.0 - a[i]);
    return sum / static_cast<double>(a.dim(0));
  }
  void gradient(const Tensor& a, const Tensor& y, Tensor& da) const override {
    da.resize(a.shape());
    for (int64_t i = 0; i < a.size(); ++i)
      da[i] = static_cast<float>((a[i] - y[i]) / (a[i] * (1.0 - a[i])) / static_cast<double>(a.dim(0)));
  }
};

TEST(GradCheck, CrossEntropyOnProbabilitiesThroughSigmoidBackward) {
  Network net = make_net(AK::Sigmoid, AK::Sigmoid, true, 3);
  const Batch b = make_batch(net, 4, 3);
  const GradCheckReport report = gradient_check(net, ProbabilityCrossEntropy(), b.x, b.y);
  EXPECT_TRUE(report.passed) << report.describe();
}

TEST(GradCheck, SingleDenseLayerAndLargerBatch) {
  Network net({6});
  net.add(std::make_unique<Dense>(DenseOptions{.in = 6, .out = 3}));
  initialize(net, 5);
  const Batch b = make_batch(net, 10, 5);
  const GradCheckReport report = gradient_check(net, QuadraticCost(), b.x, b.y);
  EXPECT_TRUE(report.passed) << report.describe();
}

TEST(GradCheck, LeavesTheNetworkAsItFoundIt) {
  Network net = make_net(AK::Sigmoid, AK::Sigmoid, true, 1);
  const Batch b = make_batch(net, 3, 1);
  std::vector<Tensor> before;
  for (Parameter& p : net.parameters()) before.push_back(*p.value);
  (void)gradient_check(net, QuadraticCost(), b.x, b.y);
  std::size_t i = 0;
  for (Parameter& p : net.parameters()) {
    for (int64_t k = 0; k < p.value->size(); ++k) ASSERT_EQ((*p.value)[k], before[i][k]) << p.name;
    for (float g : p.grad->span()) ASSERT_EQ(g, 0.0f) << p.name;
    ++i;
  }
}

TEST(GradCheck, MaxPerTensorLimitsTheEntriesChecked) {
  Network net = make_net(AK::Tanh, AK::Tanh, true, 1);
  const Batch b = make_batch(net, 3, 1);
  const GradCheckReport report = gradient_check(net, QuadraticCost(), b.x, b.y, {.max_per_tensor = 5});
  for (const auto& e : report.entries) EXPECT_LE(e.checked, 5) << e.name;
  EXPECT_EQ(entry(report, "0.weight").checked, 5);
  EXPECT_EQ(entry(report, "4.bias").checked, 2);
  const std::string table = report.describe();
  for (const char* name : {"0.weight", "0.bias", "2.weight", "4.bias", "input", "dense"})
    EXPECT_NE(table.find(name), std::string::npos) << name << "\n" << table;
}

// ---- a wrong gradient must be caught ----

// A dense layer whose weight gradient comes out 10% too large.
class OverscaledDense : public Dense {
 public:
  using Dense::Dense;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override {
    Tensor& grad = *parameters()[0].grad;
    const Tensor before = grad;
    Dense::backward(x, y, dy, dx);
    for (int64_t i = 0; i < grad.size(); ++i) grad[i] = before[i] + 1.1f * (grad[i] - before[i]);
  }
};

TEST(GradCheck, CatchesAWrongWeightGradient) {
  Network net({5});
  net.add(std::make_unique<Dense>(DenseOptions{.in = 5, .out = 4}));
  net.add(std::make_unique<Activation>(AK::Sigmoid));
  net.add(std::make_unique<OverscaledDense>(DenseOptions{.in = 4, .out = 3}));
  net.add(std::make_unique<Activation>(AK::Sigmoid));
  initialize(net, 1);
  const Batch b = make_batch(net, 3, 1);
  const GradCheckReport report = gradient_check(net, QuadraticCost(), b.x, b.y);
  EXPECT_FALSE(report.passed) << report.describe();
  EXPECT_EQ(worst_entry(report).name, "2.weight") << report.describe();
  EXPECT_GT(entry(report, "2.weight").max_error, 0.05);
  for (const char* fine : {"0.weight", "0.bias", "2.bias", "input"})
    EXPECT_LT(entry(report, fine).max_error, 1e-2) << fine << "\n" << report.describe();
}

// A sigmoid whose backward forgets the (1 - y) factor.
class WrongSigmoid : public Activation {
 public:
  WrongSigmoid() : Activation(AK::Sigmoid) {}
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override {
    if (!dx) return;
    dx->resize(x.shape());
    for (int64_t i = 0; i < x.size(); ++i) (*dx)[i] = dy[i] * y[i];
  }
};

TEST(GradCheck, CatchesAWrongActivationDerivative) {
  Network net({5});
  net.add(std::make_unique<Dense>(DenseOptions{.in = 5, .out = 4}));
  net.add(std::make_unique<WrongSigmoid>());
  net.add(std::make_unique<Dense>(DenseOptions{.in = 4, .out = 3}));
  net.add(std::make_unique<Activation>(AK::Sigmoid));
  initialize(net, 2);
  const Batch b = make_batch(net, 3, 2);
  const GradCheckReport report = gradient_check(net, QuadraticCost(), b.x, b.y);
  EXPECT_FALSE(report.passed) << report.describe();
  // Everything before the wrong activation is wrong; the layer after it is still right.
  for (const char* wrong : {"0.weight", "0.bias", "input"})
    EXPECT_GT(entry(report, wrong).max_error, 0.1) << wrong << "\n" << report.describe();
  for (const char* fine : {"2.weight", "2.bias"})
    EXPECT_LT(entry(report, fine).max_error, 1e-2) << fine << "\n" << report.describe();
}

// A quadratic cost whose gradient forgets the 1/N.
class WrongQuadratic : public QuadraticCost {
 public:
  void gradient(const Tensor& a, const Tensor& y, Tensor& da) const override {
    QuadraticCost::gradient(a, y, da);
    for (float& v : da.span()) v *= static_cast<float>(a.dim(0));
  }
};

// Cross-entropy whose gradient drops the target: dz = a / N.
class WrongCrossEntropy : public SigmoidCrossEntropyCost {
 public:
  void gradient(const Tensor& z, const Tensor& y, Tensor& dz) const override {
    SigmoidCrossEntropyCost::gradient(z, y, dz);
    for (int64_t i = 0; i < dz.size(); ++i) dz[i] += y[i] / static_cast<float>(z.dim(0));
  }
};

TEST(GradCheck, CatchesAWrongCostGradient) {
  for (int which = 0; which < 2; ++which) {
    const std::unique_ptr<Cost> cost = which == 0 ? std::unique_ptr<Cost>(new WrongQuadratic)
                                                  : std::unique_ptr<Cost>(new WrongCrossEntropy);
    Network net = make_net(AK::Sigmoid, AK::Sigmoid, true, 4, *cost);
    const Batch b = make_batch(net, 3, 4);
    const GradCheckReport report = gradient_check(net, *cost, b.x, b.y);
    EXPECT_FALSE(report.passed) << cost->name() << "\n" << report.describe();
    EXPECT_GT(entry(report, "4.weight").max_error, 0.1) << report.describe();
    EXPECT_GT(entry(report, "input").max_error, 0.1) << report.describe();
  }
}

TEST(GradCheck, ToleranceDecidesPass) {
  Network net = make_net(AK::Sigmoid, AK::Sigmoid, true, 1);
  const Batch b = make_batch(net, 3, 1);
  const GradCheckReport strict = gradient_check(net, QuadraticCost(), b.x, b.y, {.tolerance = 0.0});
  EXPECT_FALSE(strict.passed) << "float differences are never exact";
  EXPECT_GT(strict.max_error, 0.0);
}

}  // namespace
}  // namespace neurite
