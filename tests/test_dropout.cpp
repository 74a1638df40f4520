// Dropout: identity at evaluation, inverted scaling while training, the backward pass uses the
// forward's mask, the masks are reproducible under a seed, and gradient checks pass with a
// fixed mask.
#include <gtest/gtest.h>

#include "neurite/gradcheck.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/dropout.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

TEST(Dropout, EvaluationPassesThrough) {
  Dropout d({.p = 0.5});
  const Tensor x = testing::random_tensor({4, 6}, 1);
  Tensor y, dx;
  d.forward(x, y);
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], x[i]);
  d.backward(x, y, x, &dx);
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_EQ(dx[i], x[i]);
}

TEST(Dropout, TrainingDropsAboutPAndScalesTheRest) {
  Dropout d({.p = 0.3});
  d.set_training(true);
  *d.generator() = Rng(5, 0);
  const Tensor x({200, 100}, 1.0f);
  Tensor y;
  d.forward(x, y);
  int64_t dropped = 0;
  for (const float v : y.span()) {
    if (v == 0.0f) ++dropped;
    else EXPECT_FLOAT_EQ(v, 1.0f / 0.7f);
  }
  EXPECT_NEAR(static_cast<double>(dropped) / 20000.0, 0.3, 0.015);
}

TEST(Dropout, BackwardUsesTheForwardMask) {
  Dropout d({.p = 0.5});
  d.set_training(true);
  const Tensor x = testing::random_tensor({3, 8}, 2, 0.5f, 1.0f);  // no zeros of its own
  Tensor y, dx;
  d.forward(x, y);
  const Tensor dy({3, 8}, 1.0f);
  d.backward(x, y, dy, &dx);
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_FLOAT_EQ(dx[i], y[i] / x[i]) << i;  // the mask itself
}

TEST(Dropout, SameSeedSameMasks) {
  auto masks = [](uint64_t seed) {
    Dropout d({.p = 0.5});
    d.set_training(true);
    *d.generator() = Rng(seed, 100);
    Tensor y;
    d.forward(Tensor({2, 50}, 1.0f), y);
    return std::vector<float>(y.span().begin(), y.span().end());
  };
  EXPECT_EQ(masks(1), masks(1));
  EXPECT_NE(masks(1), masks(2));
}

TEST(Dropout, RejectsImpossibleProbabilities) {
  for (double p : {-0.1, 1.0, 1.5}) EXPECT_NE(error_of([&] { Dropout d({.p = p}); }).find("[0, 1)"), std::string::npos) << p;
  EXPECT_NE(error_of([] { make_layer({{"type", "dropout"}, {"p", 1.0}}); }).find("dropout probability"), std::string::npos);
}

TEST(Dropout, ConfigRoundTripAndSummary) {
  Network net = make_mlp(MlpOptions{.sizes = {4, 3, 2}, .hidden = ActivationKind::ReLU,
                                    .output = ActivationKind::Softmax, .dropout = 0.5, .input_dropout = 0.2});
  EXPECT_EQ(net.summary(), "(4) -> dropout(0.2) -> dense(3) -> relu -> dropout(0.5) -> dense(2) -> softmax");
  const Network copy = Network::from_architecture(net.architecture());
  EXPECT_EQ(copy.architecture(), net.architecture());
  EXPECT_EQ(net.generator_states().size(), 2u);
}

TEST(Dropout, NetworkGeneratorsAreSeededPerLayerAndRestorable) {
  Network net = make_mlp(MlpOptions{.sizes = {4, 3, 2}, .dropout = 0.5, .input_dropout = 0.5});
  net.seed_generators(7);
  const auto states = net.generator_states();
  EXPECT_NE(states[0], states[1]);  // separate streams
  net.set_training(true);
  const Tensor x({5, 4}, 1.0f);
  const Tensor first = net.forward(x);
  net.set_generator_states(states);
  const Tensor again = net.forward(x);
  for (int64_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i], again[i]);
  EXPECT_NE(error_of([&] { net.set_generator_states({states[0]}); }).find("too few"), std::string::npos);
}

TEST(Dropout, GradientCheckInTrainingMode) {
  Network net({5});
  net.add(std::make_unique<Dropout>(DropoutOptions{.p = 0.3}));
  net.add(std::make_unique<Dense>(DenseOptions{.in = 5, .out = 6}));
  net.add(std::make_unique<Activation>(ActivationKind::Tanh));
  net.add(std::make_unique<Dropout>(DropoutOptions{.p = 0.5}));
  net.add(std::make_unique<Dense>(DenseOptions{.in = 6, .out = 3}));  // logits: the cost applies softmax
  Rng rng(3, 0);
  net.initialize({.kind = Initializer::Kind::Xavier}, rng);
  net.seed_generators(11);
  net.set_training(true);
  const Tensor x = testing::random_tensor({4, 5}, 9);
  const Tensor y = Tensor::from({4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0});
  const GradCheckReport report = gradient_check(net, SoftmaxLogLikelihoodCost(), x, y);
  EXPECT_TRUE(report.passed) << report.describe();
  // The masks were really in play: the training-mode output differs from evaluation's.
  const Tensor trained = net.forward(x);
  net.set_training(false);
  const Tensor evaluated = net.forward(x);
  bool differs = false;
  for (int64_t i = 0; i < trained.size(); ++i) differs |= trained[i] != evaluated[i];
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace neurite
