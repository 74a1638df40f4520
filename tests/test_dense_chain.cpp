// The fused training step of small dense networks (src/train/dense_chain.h) against the general
// path it stands in for (forward, cost, backward, L2 penalty, SGD), step by step: the same
// weights within float rounding after several steps, for every layer shape it accepts (outputs
// that are not whole vectors, more outputs than one block, no bias, every activation, softmax
// with its cost, L2, a short batch, mostly-zero inputs); and the settings it must refuse.
#include <gtest/gtest.h>

#include <cmath>

#include "neurite/cost.h"
#include "neurite/data/dataset.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/dropout.h"
#include "neurite/optim/optimizer.h"
#include "neurite/rng.h"
#include "neurite/train/regularization.h"
#include "train/dense_chain.h"

namespace neurite {
namespace {

struct Case {
  std::string name;
  std::vector<int64_t> sizes;
  ActivationKind hidden = ActivationKind::Sigmoid;
  ActivationKind output = ActivationKind::Sigmoid;  // Identity: no output activation layer
  bool bias = true;
  double l2 = 0;
  int64_t batch = 10;
  double zero_share = 0.8;  // of the inputs, as MNIST's blank paper
};

Network build(const Case& c) {
  Network net({c.sizes.front()}, InitOptions{.seed = 11});
  for (std::size_t i = 1; i < c.sizes.size(); ++i) {
    net.add(std::make_unique<Dense>(DenseOptions{.in = c.sizes[i - 1], .out = c.sizes[i], .bias = c.bias}));
    const bool last = i + 1 == c.sizes.size();
    if (!last) net.add(std::make_unique<Activation>(c.hidden));
    else if (c.output != ActivationKind::Identity) net.add(std::make_unique<Activation>(c.output));
  }
  return net;
}

// A batch of inputs in [0, 1) with a share of exact zeros, and one-hot targets.
std::pair<Tensor, Tensor> batch(const Case& c, Rng& rng) {
  const int64_t in = c.sizes.front(), out = c.sizes.back();
  Tensor x({c.batch, in}), y({c.batch, out}, 0.0f);
  for (float& v : x.span()) v = rng.uniform() < c.zero_share ? 0.0f : static_cast<float>(rng.uniform());
  for (int64_t r = 0; r < c.batch; ++r) y[r * out + static_cast<int64_t>(rng.below(static_cast<uint64_t>(out)))] = 1.0f;
  return {std::move(x), std::move(y)};
}

std::unique_ptr<Cost> cost_for(const Case& c) {
  if (c.output == ActivationKind::Softmax) return std::make_unique<SoftmaxLogLikelihoodCost>();
  return std::make_unique<QuadraticCost>();
}

// Trains two copies of the case's network for `steps` batches, one each way, and compares
// every weight and the costs.
void expect_same_training(const Case& c, int steps = 6) {
  SCOPED_TRACE(c.name);
  Network general = build(c), fused = build(c);
  // The softmax cost applies softmax itself: the networks end without it.
  const std::unique_ptr<Cost> cost = cost_for(c);
  const float rate = 0.5f;
  const int64_t training_size = 1000;  // what L2's lambda is divided by
  Sgd sgd(rate);
  TrainOptions options{.batch = c.batch, .regularization = {.l2 = c.l2}};
  ASSERT_TRUE(DenseChain::fits(fused, sgd, options));
  Rng rng(5, 0);
  std::vector<Parameter> params = general.parameters();
  {
    const auto chain = DenseChain::create(fused);
    for (int s = 0; s < steps; ++s) {
      auto [x, y] = batch(c, rng);
      general.zero_grad();
      const Tensor& output = general.forward(x);
      const double general_cost = cost->value(output, y);
      cost->gradient(output, y, general.output_grad());
      general.backward();
      add_penalty_gradient(params, {.l2 = c.l2}, training_size);
      sgd.step(params);

      const double fused_cost = chain->forward(x, y, *cost);
      EXPECT_NEAR(fused_cost, general_cost, 1e-5 * (1 + std::abs(general_cost))) << "step " << s;
      chain->update(rate, static_cast<float>(c.l2 / training_size));
    }
  }  // the chain writes the weights back into `fused`
  const std::vector<Parameter> fused_params = fused.parameters();
  ASSERT_EQ(fused_params.size(), params.size());
  for (std::size_t p = 0; p < params.size(); ++p) {
    const Tensor& want = *params[p].value;
    const Tensor& got = *fused_params[p].value;
    ASSERT_EQ(got.shape(), want.shape()) << params[p].name;
    double worst = 0;
    for (int64_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(double{got[i]} - want[i]));
    EXPECT_LT(worst, 2e-5) << params[p].name;
  }
}

TEST(DenseChain, NielsensNetworkTrainsAsTheGeneralPath) { expect_same_training({.name = "784-30-10", .sizes = {784, 30, 10}}); }

TEST(DenseChain, EveryHiddenActivation) {
  for (ActivationKind kind : {ActivationKind::Tanh, ActivationKind::ReLU, ActivationKind::Identity})
    expect_same_training({.name = activation_name(kind), .sizes = {50, 20, 7}, .hidden = kind, .zero_share = 0.3});
}

TEST(DenseChain, WideLayersSpanSeveralBlocksOfVectors) {
  // 100 and 70 outputs: more than one block of four vectors, and neither whole vectors.
  expect_same_training({.name = "wide", .sizes = {90, 100, 70, 3}, .zero_share = 0.5});
  // ReLU's kinks turn rounding differences into different gradients within a few steps at this
  // rate: one step is compared.
  expect_same_training({.name = "wide relu", .sizes = {90, 100, 70, 3}, .hidden = ActivationKind::ReLU, .zero_share = 0.5},
                       1);
}

TEST(DenseChain, SoftmaxOutputWithItsCostL2AndNoBias) {
  expect_same_training({.name = "softmax", .sizes = {40, 17, 5}, .output = ActivationKind::Identity, .bias = false,
                        .l2 = 5.0});
  expect_same_training({.name = "l2", .sizes = {40, 17, 5}, .l2 = 5.0, .batch = 3});
}

TEST(DenseChain, OneLayerAndAShortBatch) {
  expect_same_training({.name = "single", .sizes = {33, 1}, .batch = 1, .zero_share = 0.0});
}

// train() takes the fused step for plain SGD, and the general path for the same batches cut in
// one shard: the two land within rounding of each other after two epochs, but not on the same
// bits (the sums run in another order), which shows the fused step was taken.
TEST(DenseChain, TrainerTakesItAndLandsWhereTheGeneralPathDoes) {
  const Case c{.name = "trainer", .sizes = {30, 12, 4}, .zero_share = 0.5};
  Rng rng(9, 0);
  Dataset data;
  data.inputs = Tensor({200, 30});
  data.targets = Tensor({200, 4}, 0.0f);
  for (float& v : data.inputs.span()) v = rng.uniform() < c.zero_share ? 0.0f : static_cast<float>(rng.uniform());
  for (int64_t r = 0; r < 200; ++r) {
    data.labels.push_back(static_cast<int32_t>(rng.below(4)));
    data.targets[r * 4 + data.labels.back()] = 1.0f;
  }
  const auto trained = [&](int shards) {
    Network net = build(c);
    Sgd sgd(1.0);
    train(net, QuadraticCost(), sgd, data, nullptr, {.epochs = 2, .batch = 10, .shards = shards});
    std::vector<float> all;
    for (const Parameter& p : net.parameters()) all.insert(all.end(), p.value->span().begin(), p.value->span().end());
    return all;
  };
  const std::vector<float> fused = trained(0), general = trained(1);
  ASSERT_EQ(fused.size(), general.size());
  double worst = 0;
  bool same_bits = true;
  for (std::size_t i = 0; i < fused.size(); ++i) {
    worst = std::max(worst, std::abs(double{fused[i]} - general[i]));
    same_bits = same_bits && fused[i] == general[i];
  }
  EXPECT_LT(worst, 1e-4);
  EXPECT_FALSE(same_bits);
}

TEST(DenseChain, RefusesWhatItDoesNotDo) {
  const Network mlp = build({.name = "mlp", .sizes = {784, 30, 10}});
  const Sgd plain(0.1);
  EXPECT_TRUE(DenseChain::fits(mlp, plain, {}));
  EXPECT_FALSE(DenseChain::fits(mlp, Sgd(0.1, 0.9), {}));
  EXPECT_FALSE(DenseChain::fits(mlp, Adam(0.01), {}));
  EXPECT_FALSE(DenseChain::fits(mlp, plain, {.batch = DenseChain::kMaxBatch + 1}));
  EXPECT_FALSE(DenseChain::fits(mlp, plain, {.regularization = {.l1 = 1.0}}));
  EXPECT_FALSE(DenseChain::fits(mlp, plain, {.regularization = {.max_norm = 3.0}}));
  EXPECT_FALSE(DenseChain::fits(mlp, plain, {.gradient_norms = true}));
  EXPECT_FALSE(DenseChain::fits(mlp, plain, {.average_decay = 0.99}));
  EXPECT_FALSE(DenseChain::fits(mlp, plain, {.shards = 2}));
  Network dropout({784});
  dropout.add(std::make_unique<Dense>(DenseOptions{.in = 784, .out = 30}));
  dropout.add(std::make_unique<Activation>(ActivationKind::Sigmoid));
  dropout.add(std::make_unique<Dropout>(DropoutOptions{.p = 0.5}));
  dropout.add(std::make_unique<Dense>(DenseOptions{.in = 30, .out = 10}));
  EXPECT_FALSE(DenseChain::fits(dropout, plain, {}));
  const Network hidden_softmax = build({.name = "hidden softmax", .sizes = {20, 8, 4}, .hidden = ActivationKind::Softmax});
  EXPECT_FALSE(DenseChain::fits(hidden_softmax, plain, {}));
}

}  // namespace
}  // namespace neurite
