// Network: shape checks, parameter names, compute_gradients against an independent per-sample
// backprop written out in double loops, architecture round trips, and SGD.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "neurite/layers/dense.h"
#include "neurite/network.h"
#include "neurite/optim/optimizer.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Network tiny_net(bool bias = true, uint64_t seed = 1) {
  Network net = make_mlp({3, 4, 2}, ActivationKind::Sigmoid, bias);
  Rng rng(seed);
  net.initialize({.kind = Initializer::Kind::Nielsen}, rng);
  return net;
}

TEST(Network, ShapesAndLayers) {
  const Network net = tiny_net();
  EXPECT_EQ(net.input_shape(), (Shape{3}));
  EXPECT_EQ(net.output_shape(), (Shape{2}));
  EXPECT_EQ(net.layer_count(), 4u);
  EXPECT_EQ(net.layer(0).type(), "dense");
  EXPECT_EQ(net.layer(1).type(), "sigmoid");
  EXPECT_EQ(net.summary(), "(3) -> dense(4) -> sigmoid -> dense(2) -> sigmoid");
}

TEST(Network, AddRejectsALayerThatDoesNotFit) {
  Network net({3});
  net.add(std::make_unique<Dense>(DenseOptions{.in = 3, .out = 4}));
  net.add(std::make_unique<Activation>(ActivationKind::ReLU));
  const std::string msg = error_of([&] { net.add(std::make_unique<Dense>(DenseOptions{.in = 5, .out = 2})); });
  EXPECT_TRUE(contains(msg, "layer 2")) << msg;
  EXPECT_TRUE(contains(msg, "(5)")) << msg;
  EXPECT_TRUE(contains(msg, "(4)")) << msg;
  EXPECT_EQ(net.layer_count(), 2u) << "the rejected layer must not be added";
  EXPECT_EQ(net.output_shape(), (Shape{4}));
}

TEST(Network, ForwardChecksTheInputShape) {
  Network net = tiny_net();
  std::string msg = error_of([&] { (void)net.forward(Tensor({2, 4})); });
  EXPECT_TRUE(contains(msg, "(2, 3)")) << msg;
  EXPECT_TRUE(contains(msg, "(2, 4)")) << msg;
  msg = error_of([&] { (void)net.forward(Tensor({3})); });
  EXPECT_TRUE(contains(msg, "(3)")) << msg;
  EXPECT_EQ(net.forward(Tensor({5, 3})).shape(), (Shape{5, 2}));

  Network empty({3});
  msg = error_of([&] { (void)empty.forward(Tensor({1, 3})); });
  EXPECT_TRUE(contains(msg, "no layers")) << msg;
  msg = error_of([] { Network bad(Shape{}); });
  EXPECT_TRUE(contains(msg, "()")) << msg;
  msg = error_of([] { Network bad({0}); });
  EXPECT_TRUE(contains(msg, "(0)")) << msg;
}

TEST(Network, BackwardChecksTheGradientShape) {
  Network net = tiny_net();
  net.forward(Tensor({5, 3}));
  const std::string msg = error_of([&] { net.backward(Tensor({5, 3})); });
  EXPECT_TRUE(contains(msg, "(5, 2)")) << msg;
  EXPECT_TRUE(contains(msg, "(5, 3)")) << msg;
}

TEST(Network, ParameterNamesFollowPyTorch) {
  Network net = make_mlp({784, 30, 10}, ActivationKind::Sigmoid);
  std::vector<std::string> names;
  for (const Parameter& p : net.parameters()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  const auto params = net.parameters();
  EXPECT_EQ(params[0].value->shape(), (Shape{30, 784}));
  EXPECT_EQ(params[1].value->shape(), (Shape{30}));
  EXPECT_EQ(params[2].value->shape(), (Shape{10, 30}));
  EXPECT_EQ(params[0].grad->shape(), (Shape{30, 784}));
  EXPECT_EQ(net.parameter_count(), 784 * 30 + 30 + 30 * 10 + 10);

  Network no_bias = make_mlp({784, 100, 10}, ActivationKind::Sigmoid, false);
  names.clear();
  for (const Parameter& p : no_bias.parameters()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "2.weight"}));
  EXPECT_EQ(no_bias.parameter_count(), 784 * 100 + 100 * 10);

  EXPECT_THROW(make_mlp({784}, ActivationKind::Sigmoid), Error);
}

// ---- compute_gradients against an independent backprop ----

double sig(double z) { return 1.0 / (1.0 + std::exp(-z)); }

struct Manual {
  std::vector<double> dw1, db1, dw2, db2, dx;
  double cost = 0;
};

// Nielsen's backprop, one sample at a time, in doubles, for a 3-4-2 sigmoid network.
Manual manual_backprop(Network& net, const Tensor& x, const Tensor& y, bool cross_entropy) {
  const auto params = net.parameters();
  const Tensor &w1 = *params[0].value, &b1 = *params[1].value, &w2 = *params[2].value, &b2 = *params[3].value;
  const int n = static_cast<int>(x.dim(0)), in = 3, hid = 4, out = 2;
  Manual m{std::vector<double>(12), std::vector<double>(4), std::vector<double>(8), std::vector<double>(2),
           std::vector<double>(static_cast<std::size_t>(n * in))};
  for (int s = 0; s < n; ++s) {
    double a1[4], a2[2], d2[2], d1[4];
    for (int j = 0; j < hid; ++j) {
      double z = b1[j];
      for (int k = 0; k < in; ++k) z += w1[j * in + k] * x[s * in + k];
      a1[j] = sig(z);
    }
    for (int j = 0; j < out; ++j) {
      double z = b2[j];
      for (int k = 0; k < hid; ++k) z += w2[j * hid + k] * a1[k];
      a2[j] = sig(z);
      const double t = y[s * out + j];
      if (cross_entropy) {
        m.cost -= t * std::log(a2[j]) + (1 - t) * std::log(1 - a2[j]);
        d2[j] = a2[j] - t;
      } else {
        m.cost += 0.5 * (a2[j] - t) * (a2[j] - t);
        d2[j] = (a2[j] - t) * a2[j] * (1 - a2[j]);
      }
    }
    for (int k = 0; k < hid; ++k) {
      double sum = 0;
      for (int j = 0; j < out; ++j) sum += w2[j * hid + k] * d2[j];
      d1[k] = sum * a1[k] * (1 - a1[k]);
    }
    for (int j = 0; j < out; ++j) {
      m.db2[static_cast<std::size_t>(j)] += d2[j] / n;
      for (int k = 0; k < hid; ++k) m.dw2[static_cast<std::size_t>(j * hid + k)] += d2[j] * a1[k] / n;
    }
    for (int j = 0; j < hid; ++j) {
      m.db1[static_cast<std::size_t>(j)] += d1[j] / n;
      for (int k = 0; k < in; ++k) m.dw1[static_cast<std::size_t>(j * in + k)] += d1[j] * x[s * in + k] / n;
    }
    for (int k = 0; k < in; ++k) {
      double sum = 0;
      for (int j = 0; j < hid; ++j) sum += w1[j * in + k] * d1[j];
      m.dx[static_cast<std::size_t>(s * in + k)] = sum / n;
    }
  }
  m.cost /= n;
  return m;
}

void expect_close(const Tensor& actual, const std::vector<double>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), static_cast<int64_t>(expected.size())) << what;
  for (int64_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[static_cast<std::size_t>(i)], 1e-5 * (1 + std::abs(expected[static_cast<std::size_t>(i)])))
        << what << " [" << i << "]";
}

TEST(Network, ComputeGradientsMatchesManualBackprop) {
  for (bool cross_entropy : {false, true}) {
    Network predicting = tiny_net(true, 7);
    const Tensor x = testing::random_tensor({5, 3}, 11, 0.0f, 1.0f);
    const Tensor y = testing::random_tensor({5, 2}, 12, 0.0f, 1.0f);
    const Manual m = manual_backprop(predicting, x, y, cross_entropy);
    const auto cost = make_cost(cross_entropy ? "cross-entropy" : "quadratic");
    Network net = trained_network(predicting, *cost);  // cross-entropy takes the logits
    net.zero_grad();
    const double c = testing::compute_gradients(net, x, y, *cost, /*want_input_grad=*/true);
    SCOPED_TRACE(cost->name());
    EXPECT_NEAR(c, m.cost, 1e-6 * (1 + m.cost));
    const auto params = net.parameters();
    expect_close(*params[0].grad, m.dw1, "0.weight");
    expect_close(*params[1].grad, m.db1, "0.bias");
    expect_close(*params[2].grad, m.dw2, "2.weight");
    expect_close(*params[3].grad, m.db2, "2.bias");
    expect_close(net.input_grad(), m.dx, "input");
  }
}

// ---- ReLU + max pooling run as one step while training ----

// Training runs a ReLU followed by max pooling as one pass (MaxPool2d::forward_after_relu);
// evaluation runs them one by one. Both must give the same bits: the output, every parameter's
// gradient and the input's, for non-overlapping and overlapping windows.
std::vector<uint32_t> bits(const Tensor& t) {
  std::vector<uint32_t> b(static_cast<std::size_t>(t.size()));
  std::transform(t.data(), t.data() + t.size(), b.begin(), [](float v) { return std::bit_cast<uint32_t>(v); });
  return b;
}

TEST(Network, ReluAndMaxPoolingAsOneStepGiveTheBitsOfTwo) {
  for (const nlohmann::json& pool : {nlohmann::json{{"type", "maxpool2d"}, {"kernel", 2}},
                                     nlohmann::json{{"type", "maxpool2d"}, {"kernel", 3}, {"stride", 2}}}) {
    SCOPED_TRACE(pool.dump());
    auto build = [&] {
      Network net({2, 9, 9}, {.seed = 5});
      net.add({{"type", "conv2d"}, {"out_channels", 3}, {"kernel", 3}, {"padding", 1}});
      net.add({{"type", "relu"}});
      net.add(pool);
      net.add({{"type", "flatten"}});
      net.add({{"type", "dense"}, {"out", 4}});
      return net;
    };
    Network fused = build(), apart = build();
    fused.set_training(true);  // apart stays in evaluation mode: every layer on its own
    const Tensor x = testing::random_tensor({3, 2, 9, 9}, 21);
    const Tensor dy = testing::random_tensor({3, 4}, 22);
    const std::vector<uint32_t> out_fused = bits(fused.forward(x)), out_apart = bits(apart.forward(x));
    EXPECT_EQ(out_fused, out_apart);
    EXPECT_EQ(fused.layer_output(1).size(), 0) << "the fused ReLU's own output is not kept";
    EXPECT_EQ(apart.layer_output(1).size(), 3 * 3 * 9 * 9);
    fused.zero_grad();
    apart.zero_grad();
    fused.backward(dy, /*want_input_grad=*/true);
    apart.backward(dy, /*want_input_grad=*/true);
    EXPECT_EQ(bits(fused.input_grad()), bits(apart.input_grad()));
    const auto a = fused.parameters(), b = apart.parameters();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(bits(*a[i].grad), bits(*b[i].grad)) << a[i].name;
    // Some windows' winners are negative before the ReLU: their gradient must be held back.
    const Tensor& z = fused.layer_output(0);
    EXPECT_GT(std::count_if(z.data(), z.data() + z.size(), [](float v) { return v < 0; }), z.size() / 4);
  }
}

TEST(Network, GradientsAccumulateUntilZeroed) {
  Network net = tiny_net();
  const Tensor x = testing::random_tensor({4, 3}, 1), y = testing::random_tensor({4, 2}, 2, 0, 1);
  QuadraticCost cost;
  net.zero_grad();
  testing::compute_gradients(net, x, y, cost);
  const Tensor once = *net.parameters()[0].grad;
  testing::compute_gradients(net, x, y, cost);
  const Tensor& twice = *net.parameters()[0].grad;
  for (int64_t i = 0; i < once.size(); ++i) EXPECT_FLOAT_EQ(twice[i], 2 * once[i]);
  net.zero_grad();
  for (const Parameter& p : net.parameters())
    for (float g : p.grad->span()) ASSERT_EQ(g, 0.0f) << p.name;
}

TEST(Network, ArchitectureRoundTrip) {
  Network net = make_mlp({784, 100, 10}, ActivationKind::ReLU, false);
  const nlohmann::json arch = net.architecture();
  EXPECT_EQ(arch["input"], nlohmann::json::array({784}));
  EXPECT_EQ(arch["layers"].size(), 4u);
  EXPECT_EQ(arch["layers"][0]["type"], "dense");
  EXPECT_EQ(arch["layers"][0]["bias"], false);
  EXPECT_EQ(arch["layers"][1]["type"], "relu");
  const Network copy = Network::from_architecture(arch);
  EXPECT_EQ(copy.architecture(), arch);
  EXPECT_EQ(copy.summary(), net.summary());

  std::string msg = error_of([] { (void)Network::from_architecture({{"layers", nlohmann::json::array()}}); });
  EXPECT_TRUE(contains(msg, "input")) << msg;
  msg = error_of([] { (void)Network::from_architecture({{"input", "big"}, {"layers", nlohmann::json::array()}}); });
  EXPECT_TRUE(contains(msg, "big")) << msg;
  // layers that do not chain
  nlohmann::json broken = arch;
  broken["layers"][2]["in"] = 99;
  msg = error_of([&] { (void)Network::from_architecture(broken); });
  EXPECT_TRUE(contains(msg, "(99)")) << msg;
  EXPECT_TRUE(contains(msg, "(100)")) << msg;
}

// ---- SGD ----

TEST(Sgd, StepSubtractsRateTimesGradientAndLeavesItForZeroGrad) {
  Network net = tiny_net();
  const Tensor x = testing::random_tensor({4, 3}, 1), y = testing::random_tensor({4, 2}, 2, 0, 1);
  net.zero_grad();
  testing::compute_gradients(net, x, y, QuadraticCost());
  std::vector<Tensor> before, grads;
  for (const Parameter& p : net.parameters()) {
    before.push_back(*p.value);
    grads.push_back(*p.grad);
  }
  Sgd sgd(0.5);
  EXPECT_EQ(sgd.rate(), 0.5);
  EXPECT_EQ(sgd.name(), "sgd");
  auto params = net.parameters();
  sgd.step(params);
  for (std::size_t i = 0; i < params.size(); ++i) {
    bool any_gradient = false;
    for (int64_t k = 0; k < params[i].value->size(); ++k) {
      EXPECT_FLOAT_EQ((*params[i].value)[k], before[i][k] - 0.5f * grads[i][k]) << params[i].name << " " << k;
      EXPECT_EQ((*params[i].grad)[k], grads[i][k]) << params[i].name << " " << k;  // zero_grad clears it
      any_gradient |= grads[i][k] != 0.0f;
    }
    EXPECT_TRUE(any_gradient) << params[i].name;
  }
}

TEST(Sgd, RejectsBadRates) {
  for (double rate : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    const std::string msg = error_of([&] { Sgd bad(rate); });
    EXPECT_TRUE(contains(msg, "learning rate")) << msg;
  }
}

TEST(Sgd, AFewStepsReduceTheCost) {
  for (const char* name : {"quadratic", "cross-entropy"}) {
    Network predicting = tiny_net(true, 3);
    const Tensor x = testing::random_tensor({8, 3}, 21, 0.0f, 1.0f);
    Tensor y({8, 2});
    for (int64_t s = 0; s < 8; ++s) y[s * 2 + (x[s * 3] > 0.5f ? 1 : 0)] = 1.0f;
    const auto cost = make_cost(name);
    Network net = trained_network(predicting, *cost);
    Sgd sgd(1.0);
    auto params = net.parameters();
    net.zero_grad();
    const double first = testing::compute_gradients(net, x, y, *cost);
    sgd.step(params);
    double last = first;
    for (int i = 0; i < 20; ++i) {
      net.zero_grad();
      const double c = testing::compute_gradients(net, x, y, *cost);
      EXPECT_LE(c, last * 1.0001) << name << " step " << i;
      last = c;
      sgd.step(params);
    }
    EXPECT_LT(last, 0.9 * first) << name;
  }
}

}  // namespace
}  // namespace neurite
