// Dense and activation layers against numbers worked out by hand, their shape errors, weight
// initialisation, and rebuilding layers from their configs.
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.h"
#include "neurite/error.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"

namespace neurite {
namespace {

using testing::error_of;

using testing::expect_values;

// in = 3, out = 2; W = [[1, 2, 3], [4, 5, 6]], b = [0.5, -1]
Dense example_dense(bool bias) {
  Dense d({.in = 3, .out = 2, .bias = bias});
  d.weight() = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  if (bias) d.bias() = Tensor::from({2}, {0.5f, -1.0f});
  return d;
}
const Tensor kX = Tensor::from({2, 3}, {1, 0, -1, 2, 1, 0.5f});

TEST(Dense, ForwardWithBiasByHand) {
  Dense d = example_dense(true);
  Tensor y;
  d.forward(kX, y);
  // row 0: [1 - 3 + 0.5, 4 - 6 - 1]; row 1: [2 + 2 + 1.5 + 0.5, 8 + 5 + 3 - 1]
  expect_values(y, {2, 2}, {-1.5f, -3.0f, 6.0f, 15.0f});
}

TEST(Dense, ForwardWithoutBiasByHand) {
  Dense d = example_dense(false);
  Tensor y({7, 7}, 123.0f);  // stale contents must not leak into the result
  d.forward(kX, y);
  expect_values(y, {2, 2}, {-2.0f, -2.0f, 5.5f, 16.0f});
}

TEST(Dense, BackwardByHandAndAccumulates) {
  Dense d = example_dense(true);
  Tensor y;
  d.forward(kX, y);
  const Tensor dy = Tensor::from({2, 2}, {1, -1, 0.5f, 2});
  Tensor dx;
  d.backward(kX, y, dy, &dx);
  const auto params = d.parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].name, "weight");
  EXPECT_EQ(params[1].name, "bias");
  // dW = dy^T x: [1 * x0 + 0.5 * x1, -1 * x0 + 2 * x1]
  expect_values(*params[0].grad, {2, 3}, {2, 0.5f, -0.75f, 3, 2, 2});
  expect_values(*params[1].grad, {2}, {1.5f, 1.0f});
  // dx = dy W: [W0 - W1, 0.5 W0 + 2 W1]
  expect_values(dx, {2, 3}, {-3, -3, -3, 8.5f, 11, 13.5f});

  // A second backward adds onto the parameter gradients; dx is overwritten.
  d.backward(kX, y, dy, &dx);
  expect_values(*params[0].grad, {2, 3}, {4, 1, -1.5f, 6, 4, 4});
  expect_values(*params[1].grad, {2}, {3.0f, 2.0f});
  expect_values(dx, {2, 3}, {-3, -3, -3, 8.5f, 11, 13.5f});
}

TEST(Dense, BackwardWithoutBiasOrInputGradient) {
  Dense d = example_dense(false);
  Tensor y;
  d.forward(kX, y);
  d.backward(kX, y, Tensor::from({2, 2}, {1, -1, 0.5f, 2}), nullptr);
  const auto params = d.parameters();
  ASSERT_EQ(params.size(), 1u);
  expect_values(*params[0].grad, {2, 3}, {2, 0.5f, -0.75f, 3, 2, 2});
}

TEST(Dense, ShapeErrorsNameBothShapes) {
  Dense d = example_dense(true);
  std::string msg = error_of([&] { (void)d.output_shape({4}); });
  EXPECT_NE(msg.find("(3)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(4)"), std::string::npos) << msg;
  EXPECT_EQ(d.output_shape({3}), (Shape{2}));

  Tensor y;
  msg = error_of([&] { d.forward(Tensor({2, 4}), y); });
  EXPECT_NE(msg.find("(2, 3)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(2, 4)"), std::string::npos) << msg;

  d.forward(kX, y);
  Tensor dx;
  msg = error_of([&] { d.backward(kX, y, Tensor({2, 3}), &dx); });
  EXPECT_NE(msg.find("(2, 2)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(2, 3)"), std::string::npos) << msg;

  msg = error_of([] { Dense bad({.in = 0, .out = 3}); });
  EXPECT_NE(msg.find("in=0"), std::string::npos) << msg;
  msg = error_of([] { Dense bad({.in = 3, .out = -1}); });
  EXPECT_NE(msg.find("out=-1"), std::string::npos) << msg;
}

TEST(Dense, InitializersDrawTheDocumentedDistributions) {
  Dense d({.in = 200, .out = 100});
  auto stats = [](const Tensor& t) {
    double sum = 0, sq = 0;
    for (float v : t.span()) {
      sum += v;
      sq += static_cast<double>(v) * v;
    }
    const double mean = sum / static_cast<double>(t.size());
    return std::pair{mean, std::sqrt(sq / static_cast<double>(t.size()) - mean * mean)};
  };
  Rng rng(1);
  d.initialize({.kind = Initializer::Kind::Nielsen}, rng);
  EXPECT_NEAR(stats(d.weight()).second, 1.0, 0.03);
  EXPECT_NEAR(stats(d.bias()).second, 1.0, 0.25);  // biases are drawn too

  d.initialize({.kind = Initializer::Kind::Rashid}, rng);
  EXPECT_NEAR(stats(d.weight()).first, 0.0, 0.01);
  EXPECT_NEAR(stats(d.weight()).second, 1.0 / std::sqrt(100.0), 0.005);
  for (float b : d.bias().span()) ASSERT_EQ(b, 0.0f);

  d.initialize({.kind = Initializer::Kind::Uniform, .uniform_limit = 0.25}, rng);
  for (float w : d.weight().span()) {
    ASSERT_GE(w, -0.25f);
    ASSERT_LE(w, 0.25f);
  }
  EXPECT_NEAR(stats(d.weight()).second, 0.25 / std::sqrt(3.0), 0.005);
  for (float b : d.bias().span()) ASSERT_EQ(b, 0.0f);

  // Same seed, same weights.
  Dense a({.in = 5, .out = 4}), b({.in = 5, .out = 4});
  Rng ra(3), rb(3);
  a.initialize({}, ra);
  b.initialize({}, rb);
  for (int64_t i = 0; i < a.weight().size(); ++i) ASSERT_EQ(a.weight()[i], b.weight()[i]);
}

// ---- activations ----

const Tensor kZ = Tensor::from({1, 6}, {-3, -0.5f, 0, 0.5f, 2, 10});
const Tensor kDy = Tensor::from({1, 6}, {1, 2, 3, 4, 5, 6});

struct Pass {
  Tensor y, dx;
};
Pass run(ActivationKind kind, const Tensor& z = kZ, const Tensor& dy = kDy) {
  Activation layer(kind);
  Pass p;
  p.dx = Tensor({9}, 77.0f);
  layer.forward(z, p.y);
  layer.backward(z, p.y, dy, &p.dx);
  return p;
}

TEST(Activation, Step) {
  const Pass p = run(ActivationKind::Step);
  expect_values(p.y, {1, 6}, {0, 0, 0, 1, 1, 1});  // 1 only when z > 0
  expect_values(p.dx, {1, 6}, {0, 0, 0, 0, 0, 0});
}

TEST(Activation, Identity) {
  const Pass p = run(ActivationKind::Identity);
  expect_values(p.y, {1, 6}, {-3, -0.5f, 0, 0.5f, 2, 10});
  expect_values(p.dx, {1, 6}, {1, 2, 3, 4, 5, 6});
}

TEST(Activation, Sigmoid) {
  const Pass p = run(ActivationKind::Sigmoid);
  // sigma(z) = 1 / (1 + e^-z); sigma'(z) = sigma (1 - sigma)
  expect_values(p.y, {1, 6}, {0.04742587f, 0.37754067f, 0.5f, 0.62245933f, 0.88079708f, 0.9999546f});
  expect_values(p.dx, {1, 6},
                {1 * 0.04517666f, 2 * 0.23500371f, 3 * 0.25f, 4 * 0.23500371f, 5 * 0.10499359f,
                 6 * 4.5395807e-05f});
  EXPECT_NEAR(sigmoid(0.5f), 0.62245933f, 1e-7);
  EXPECT_NEAR(logit(0.62245933f), 0.5f, 1e-5);
}

TEST(Activation, Tanh) {
  const Pass p = run(ActivationKind::Tanh);
  expect_values(p.y, {1, 6}, {-0.99505475f, -0.46211716f, 0, 0.46211716f, 0.96402758f, 1.0f});
  // tanh' = 1 - tanh^2
  expect_values(p.dx, {1, 6},
                {1 * 0.00986604f, 2 * 0.78644773f, 3 * 1.0f, 4 * 0.78644773f, 5 * 0.07065082f, 0.0f}, 2e-6f);
}

TEST(Activation, ReLU) {
  const Pass p = run(ActivationKind::ReLU);
  expect_values(p.y, {1, 6}, {0, 0, 0, 0.5f, 2, 10});
  expect_values(p.dx, {1, 6}, {0, 0, 0, 4, 5, 6});  // no gradient at or below 0
}

TEST(Activation, SaturatedInputsStayFinite) {
  const Tensor z = Tensor::from({1, 4}, {-1000, -100, 100, 1000});
  const Tensor dy({1, 4}, 1.0f);
  for (auto kind : {ActivationKind::Sigmoid, ActivationKind::Tanh}) {
    const Pass p = run(kind, z, dy);
    for (int64_t i = 0; i < 4; ++i) {
      EXPECT_TRUE(std::isfinite(p.y[i])) << activation_name(kind) << " " << z[i];
      EXPECT_TRUE(std::isfinite(p.dx[i])) << activation_name(kind) << " " << z[i];
    }
  }
  const Pass s = run(ActivationKind::Sigmoid, z, dy);
  // The vectorised exp stops at e^88, so the far left tail ends below float's normal numbers
  // rather than at 0.
  EXPECT_GE(s.y[0], 0.0f);
  EXPECT_LT(s.y[0], 1e-37f);
  EXPECT_EQ(s.y[3], 1.0f);
}

TEST(Activation, WorksOnAnyShape) {
  Activation relu(ActivationKind::ReLU);
  EXPECT_EQ(relu.output_shape({2, 3, 4}), (Shape{2, 3, 4}));
  Tensor y;
  relu.forward(Tensor({2, 3, 4}, -1.0f), y);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 4}));
  EXPECT_TRUE(relu.parameters().empty());
}

TEST(Activation, BackwardShapeMismatch) {
  Activation sigmoid_layer(ActivationKind::Sigmoid);
  Tensor y, dx;
  sigmoid_layer.forward(kZ, y);
  const std::string msg = error_of([&] { sigmoid_layer.backward(kZ, y, Tensor({1, 5}), &dx); });
  EXPECT_NE(msg.find("(1, 6)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(1, 5)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("sigmoid"), std::string::npos) << msg;
}

TEST(Activation, NamesRoundTrip) {
  for (auto kind : {ActivationKind::Step, ActivationKind::Identity, ActivationKind::Sigmoid,
                    ActivationKind::Tanh, ActivationKind::ReLU, ActivationKind::Softmax})
    EXPECT_EQ(parse_activation(activation_name(kind)), kind);
  EXPECT_EQ(activation_name(ActivationKind::ReLU), "relu");
  const std::string msg = error_of([] { (void)parse_activation("swish"); });
  EXPECT_NE(msg.find("'swish'"), std::string::npos) << msg;
}

// ---- registry ----

TEST(Registry, ConfigRoundTrip) {
  const nlohmann::json configs[] = {
      {{"type", "dense"}, {"in", 784}, {"out", 30}, {"bias", true}},
      {{"type", "dense"}, {"in", 3}, {"out", 2}, {"bias", false}},
      {{"type", "step"}}, {{"type", "identity"}}, {{"type", "sigmoid"}}, {{"type", "tanh"}}, {{"type", "relu"}}};
  for (const auto& config : configs) {
    const LayerPtr layer = make_layer(config);
    EXPECT_EQ(layer->config(), config);
    EXPECT_EQ(layer->type(), config["type"]);
  }
  const LayerPtr made = make_layer(configs[1]);
  EXPECT_NE(dynamic_cast<Dense*>(made.get()), nullptr);
  // "bias" is optional and defaults to true
  const LayerPtr defaulted = make_layer({{"type", "dense"}, {"in", 3}, {"out", 2}});
  EXPECT_EQ(defaulted->parameters().size(), 2u);
}

TEST(Registry, BadConfigsThrowNamingTheProblem) {
  std::string msg = error_of([] { (void)make_layer({{"type", "conv9d"}}); });
  EXPECT_NE(msg.find("conv9d"), std::string::npos) << msg;
  msg = error_of([] { (void)make_layer({{"kind", "dense"}}); });
  EXPECT_NE(msg.find("type"), std::string::npos) << msg;
  msg = error_of([] { (void)make_layer(nlohmann::json::array()); });
  EXPECT_NE(msg.find("type"), std::string::npos) << msg;
  msg = error_of([] { (void)make_layer({{"type", "dense"}, {"in", 3}}); });
  EXPECT_NE(msg.find("dense"), std::string::npos) << msg;
  msg = error_of([] { (void)make_layer({{"type", "dense"}, {"in", "three"}, {"out", 2}}); });
  EXPECT_NE(msg.find("three"), std::string::npos) << msg;
  msg = error_of([] { (void)make_layer({{"type", "dense"}, {"in", -3}, {"out", 2}}); });
  EXPECT_NE(msg.find("-3"), std::string::npos) << msg;
}

}  // namespace
}  // namespace neurite
