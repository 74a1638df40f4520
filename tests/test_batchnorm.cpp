// Batch normalisation: forward and running statistics worked by hand, evaluation on the running
// statistics, gradient checks over features and over channels in training and evaluation mode
// (and a backward missing a term failing one), model files and checkpoints keeping the
// statistics, PyTorch's BatchNorm1d / BatchNorm2d reproduced (tests/fixtures/make_torch_batchnorm.py),
// and a spec with a batchnorm layer trained and evaluated from the command line.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <regex>

#include "neurite/gradcheck.h"
#include "neurite/io/checkpoint.h"
#include "neurite/io/model_file.h"
#include "neurite/io/safetensors.h"
#include "neurite/layers/batchnorm.h"
#include "neurite/train/trainer.h"
#include "test_support.h"

namespace neurite {
namespace {

using nlohmann::json;
using testing::error_of;

// ---- Forward and running statistics by hand ------------------------------------------------
// Four samples of two features: feature 0 is {1, 3, 1, 3} (mean 2, biased variance 1), feature 1
// is {0, 0, 4, 4} (mean 2, variance 4). gamma {2, 0.5}, beta {1, -1}.

const float kEps = 1e-5f;

void set_affine(BatchNorm& bn) {
  bn.weight() = Tensor::from({2}, {2.0f, 0.5f});
  bn.bias() = Tensor::from({2}, {1.0f, -1.0f});
}

TEST(BatchNorm, ForwardOverFeaturesByHand) {
  BatchNorm bn({.features = 2});
  set_affine(bn);
  bn.set_training(true);
  Tensor y;
  bn.forward(Tensor::from({4, 2}, {1, 0, 3, 0, 1, 4, 3, 4}), y);
  const float a = 2.0f / std::sqrt(1 + kEps), b = 0.5f * 2.0f / std::sqrt(4 + kEps);  // gamma * |xhat|
  testing::expect_values(y, {4, 2}, {1 - a, -1 - b, 1 + a, -1 - b, 1 - a, -1 + b, 1 + a, -1 + b}, 1e-6f);
}

TEST(BatchNorm, ForwardOverChannelsByHand) {
  // The same values as (N, C, H, W) = (2, 2, 1, 2): channel 0 holds {1, 3} in both samples,
  // channel 1 {0, 0} in the first and {4, 4} in the second.
  BatchNorm bn({.features = 2});
  set_affine(bn);
  bn.set_training(true);
  Tensor y;
  bn.forward(Tensor::from({2, 2, 1, 2}, {1, 3, 0, 0, 1, 3, 4, 4}), y);
  const float a = 2.0f / std::sqrt(1 + kEps), b = 0.5f * 2.0f / std::sqrt(4 + kEps);
  testing::expect_values(y, {2, 2, 1, 2}, {1 - a, 1 + a, -1 - b, -1 - b, 1 - a, 1 + a, -1 + b, -1 + b}, 1e-6f);
}

TEST(BatchNorm, RunningStatisticsFollowPyTorchsRule) {
  BatchNorm bn({.features = 2, .momentum = 0.25});
  const Tensor x = Tensor::from({4, 2}, {1, 0, 3, 0, 1, 4, 3, 4});
  Tensor y;
  bn.set_training(true);
  bn.forward(x, y);
  // running = 0.75 * running + 0.25 * batch, from 0 and 1, with the unbiased variances 4/3 and 16/3
  testing::expect_values(bn.running_mean(), {2}, {0.5f, 0.5f});
  testing::expect_values(bn.running_var(), {2}, {0.75f + 1.0f / 3, 0.75f + 4.0f / 3});
  testing::expect_values(bn.num_batches_tracked(), {}, {1.0f});
  bn.forward(x, y);
  testing::expect_values(bn.running_mean(), {2}, {0.875f, 0.875f});
  testing::expect_values(bn.running_var(), {2},
                         {0.75f * (0.75f + 1.0f / 3) + 1.0f / 3, 0.75f * (0.75f + 4.0f / 3) + 4.0f / 3});
  testing::expect_values(bn.num_batches_tracked(), {}, {2.0f});
  bn.set_training(false);  // evaluation reads the statistics, never moves them
  bn.forward(x, y);
  testing::expect_values(bn.running_mean(), {2}, {0.875f, 0.875f});
  testing::expect_values(bn.num_batches_tracked(), {}, {2.0f});
}

TEST(BatchNorm, EvaluationUsesTheRunningStatistics) {
  BatchNorm bn({.features = 2, .eps = 1e-3});
  set_affine(bn);
  bn.running_mean() = Tensor::from({2}, {1.0f, -2.0f});
  bn.running_var() = Tensor::from({2}, {4.0f, 0.25f});
  EXPECT_FALSE(bn.training());  // a new layer evaluates
  Tensor one, batch;
  bn.forward(Tensor::from({1, 2}, {3.0f, -1.0f}), one);  // a single sample is fine here
  testing::expect_values(one, {1, 2}, {1 + 2 * 2 / std::sqrt(4.001f), -1 + 0.5f * 1 / std::sqrt(0.251f)}, 1e-6f);
  bn.forward(Tensor::from({2, 2}, {3.0f, -1.0f, 100.0f, 50.0f}), batch);  // the rest of the batch is irrelevant
  EXPECT_EQ(batch[0], one[0]);
  EXPECT_EQ(batch[1], one[1]);
  // Training needs more than one value per feature for batch statistics, as in PyTorch.
  bn.set_training(true);
  const std::string error = error_of([&] { bn.forward(Tensor::from({1, 2}, {3.0f, -1.0f}), one); });
  EXPECT_NE(error.find("more than one value"), std::string::npos) << error;
  EXPECT_NE(error.find("(1, 2)"), std::string::npos) << error;
}

// ---- Building from a spec, options and errors -------------------------------------------

TEST(BatchNorm, SpecEntryInfersItsSizeAndConfigRebuildsIt) {
  Network net = Network::from_architecture(json::parse(R"({"input": [2, 6, 5], "layers": [
      {"type": "conv2d", "out_channels": 4, "kernel": 3}, {"type": "batchnorm"}, {"type": "flatten"},
      {"type": "dense", "out": 7}, {"type": "batchnorm", "momentum": 0.05, "eps": 0.001, "affine": false}]})"));
  EXPECT_EQ(net.layer(1).config(), json::parse(R"({"type": "batchnorm", "features": 4, "momentum": 0.1,
                                                  "eps": 1e-05, "affine": true})"));
  EXPECT_EQ(net.layer(4).config(), json::parse(R"({"type": "batchnorm", "features": 7, "momentum": 0.05,
                                                  "eps": 0.001, "affine": false})"));
  EXPECT_EQ(net.summary(), "(2, 6, 5) -> conv2d(4, 3x3) -> batchnorm(4) -> flatten -> dense(7) -> batchnorm(7)");
  EXPECT_EQ(Network::from_architecture(net.architecture()).architecture(), net.architecture());
  std::vector<std::string> names;
  for (const Parameter& p : net.parameters()) names.push_back(p.name + (p.decay ? "" : " (no decay)"));
  for (const Buffer& b : net.buffers()) names.push_back(b.name + " " + to_string(b.value->shape()));
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias (no decay)", "1.weight", "1.bias (no decay)",
                                             "3.weight", "3.bias (no decay)", "1.running_mean (4)", "1.running_var (4)",
                                             "1.num_batches_tracked ()", "4.running_mean (7)", "4.running_var (7)",
                                             "4.num_batches_tracked ()"}));
}

TEST(BatchNorm, BadOptionsAndShapesAreOneLineErrorsNamingTheValue) {
  const auto error = [](const std::string& config, const Shape& input) {
    return error_of([&] { Network(input).add(json::parse(config)); });
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type": "batchnorm", "momentum": 1.5})", "momentum must be in [0, 1], got 1.5"},
      {R"({"type": "batchnorm", "momentum": -0.1})", "got -0.1"},
      {R"({"type": "batchnorm", "eps": 0})", "eps must be positive, got 0"},
      {R"({"type": "batchnorm", "eps": -1e-07})", "got -1e-07"},
      {R"({"type": "batchnorm", "momentum": "fast"})", "bad options for layer 'batchnorm'"},
      {R"({"type": "batchnorm", "features": 5})", "batchnorm(5) expects input (5) or (5, height, width), got (4)"},
      {R"({"type": "batchnorm", "features": 0})", "positive feature count, got features=0"},
      // a corrupt file's size is refused before anything is allocated
      {R"({"type": "batchnorm", "features": 1099511627776})", "1099511627776 features is implausibly large"}};
  for (const auto& [config, expected] : cases) {
    const std::string e = error(config, {4});
    EXPECT_NE(e.find(expected), std::string::npos) << config << ": " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  EXPECT_NE(error(R"({"type": "batchnorm"})", {5, 4}).find("layers before it give (5, 4)"), std::string::npos);
  BatchNorm bn({.features = 3});
  Tensor y;
  EXPECT_NE(error_of([&] { bn.forward(Tensor({2, 4}), y); }).find("expected (N, 3) or (N, 3, H, W), got (2, 4)"),
            std::string::npos);
}

// ---- Gradient checks ---------------------------------------------------------------------

// A random gamma and beta, and running statistics away from 0 and 1, in every batchnorm layer.
void randomize_batchnorms(Network& net, uint64_t seed) {
  Rng rng(seed, 11);
  for (std::size_t i = 0; i < net.layer_count(); ++i)
    if (auto* bn = dynamic_cast<BatchNorm*>(&net.layer(i))) {
      for (float& v : bn->weight().span()) v = static_cast<float>(rng.uniform(0.5, 1.5));
      for (float& v : bn->bias().span()) v = static_cast<float>(rng.uniform(-0.5, 0.5));
      for (float& v : bn->running_mean().span()) v = static_cast<float>(rng.uniform(-0.5, 0.5));
      for (float& v : bn->running_var().span()) v = static_cast<float>(rng.uniform(0.5, 2.0));
    }
}

// dense 5 -> 4 -> batchnorm -> relu -> dense 3 (features), or conv2d 2 -> 3 on 4x4 images ->
// batchnorm -> relu -> flatten -> dense 3 (channels); logits for the log-likelihood cost.
Network make_net(bool images, uint64_t seed, json batchnorm = {{"type", "batchnorm"}}, LayerPtr layer = nullptr) {
  Network net(images ? Shape{2, 4, 4} : Shape{5}, {.init = {.kind = Initializer::Kind::He}, .seed = seed});
  net.add(images ? json{{"type", "conv2d"}, {"out_channels", 3}, {"kernel", 3}, {"padding", 1}}
                 : json{{"type", "dense"}, {"out", 4}});
  if (layer) net.add(std::move(layer));
  else net.add(batchnorm);
  net.add({{"type", "relu"}});
  if (images) net.add({{"type", "flatten"}});
  net.add({{"type", "dense"}, {"out", 3}});
  randomize_batchnorms(net, seed);
  return net;
}

struct Batch {
  Tensor x, y;
};
Batch make_batch(const Network& net, int64_t n, uint64_t seed) {
  Shape shape = net.input_shape();
  shape.insert(shape.begin(), n);
  Batch b{testing::random_tensor(shape, seed), Tensor({n, 3})};
  Rng rng(seed, 12);
  for (int64_t i = 0; i < n; ++i) b.y[i * 3 + static_cast<int64_t>(rng.below(3))] = 1.0f;
  return b;
}

double error_of_entry(const GradCheckReport& report, const std::string& name) {
  for (const GradCheckEntry& e : report.entries)
    if (e.name == name) return e.max_error;
  ADD_FAILURE() << "no gradient check entry " << name << "\n" << report.describe();
  return 0;
}

// How close the ReLU's inputs come to its kink on this batch. A central difference whose step
// crosses the kink measures neither side's slope, so draws closer than 1e-3 are not used.
double closest_to_kink(Network& net, const Tensor& x) {
  net.forward(x);
  double closest = 1e9;
  for (std::size_t i = 1; i < net.layer_count(); ++i)
    if (net.layer(i).type() == "relu")
      for (float v : net.layer_output(i - 1).span()) closest = std::min(closest, std::abs(static_cast<double>(v)));
  return closest;
}

TEST(BatchNormGradCheck, OverFeaturesAndChannelsInTrainingAndEvaluation) {
  const auto cost = make_cost("log-likelihood");
  for (bool images : {false, true})
    for (bool training : {true, false})
      for (bool affine : {true, false}) {
        int checked = 0;
        for (uint64_t seed = 1; seed <= 10 && checked < 2; ++seed) {
          SCOPED_TRACE(std::string(images ? "channels" : "features") + (training ? ", training" : ", evaluation") +
                       (affine ? "" : ", no affine") + ", seed " + std::to_string(seed));
          Network net = make_net(images, seed, {{"type", "batchnorm"}, {"affine", affine}});
          net.set_training(training);
          const Batch b = make_batch(net, 4, seed);
          if (closest_to_kink(net, b.x) < 1e-3) continue;
          ++checked;
          const GradCheckReport report = gradient_check(net, *cost, b.x, b.y);
          EXPECT_TRUE(report.passed) << report.describe();
          ASSERT_EQ(report.entries.size(), affine ? 7u : 5u) << report.describe();
          if (affine) {
            EXPECT_EQ(report.entries[2].name, "1.weight");
            EXPECT_EQ(report.entries[2].layer, "batchnorm");
            EXPECT_EQ(report.entries[3].name, "1.bias");
          }
        }
        EXPECT_EQ(checked, 2);
      }
}

// The backward a first attempt often gives: dx without the - xhat * mean(dy * xhat) term, as if
// the batch's variance did not depend on x. It is added back here, feature by feature, in double.
class BatchNormWithoutVarianceTerm : public BatchNorm {
 public:
  using BatchNorm::BatchNorm;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override {
    BatchNorm::backward(x, y, dy, dx);
    if (!dx || !training()) return;
    const int64_t n = x.dim(0), f = x.dim(1);
    for (int64_t j = 0; j < f; ++j) {
      double mean = 0, var = 0, dy_xhat = 0;
      for (int64_t i = 0; i < n; ++i) mean += x[i * f + j] / static_cast<double>(n);
      for (int64_t i = 0; i < n; ++i) var += std::pow(x[i * f + j] - mean, 2) / static_cast<double>(n);
      const double inv_std = 1 / std::sqrt(var + options().eps);
      for (int64_t i = 0; i < n; ++i)
        dy_xhat += dy[i * f + j] * (x[i * f + j] - mean) * inv_std / static_cast<double>(n);
      for (int64_t i = 0; i < n; ++i)
        (*dx)[i * f + j] += static_cast<float>(weight()[j] * inv_std * (x[i * f + j] - mean) * inv_std * dy_xhat);
    }
  }
};

TEST(BatchNormGradCheck, CatchesABackwardWithoutTheVarianceTerm) {
  const auto cost = make_cost("log-likelihood");
  for (bool wrong : {false, true}) {
    SCOPED_TRACE(wrong ? "without the term" : "the real backward");
    LayerPtr layer = wrong ? std::make_unique<BatchNormWithoutVarianceTerm>(BatchNormOptions{.features = 4}) : nullptr;
    Network net = make_net(false, 3, {{"type", "batchnorm"}}, std::move(layer));
    net.set_training(true);
    const Batch b = make_batch(net, 6, 3);
    ASSERT_GT(closest_to_kink(net, b.x), 1e-3);
    const GradCheckReport report = gradient_check(net, *cost, b.x, b.y);
    EXPECT_EQ(report.passed, !wrong) << report.describe();
    // Only what lies before the batchnorm's dx is wrong: its own gamma and beta are right.
    if (wrong) {
      EXPECT_GT(error_of_entry(report, "0.weight"), 0.05) << report.describe();
      EXPECT_GT(error_of_entry(report, "input"), 0.05) << report.describe();
    }
    for (const char* name : {"1.weight", "1.bias", "3.weight", "3.bias"})
      EXPECT_LT(error_of_entry(report, name), 1e-2) << name << "\n" << report.describe();
  }
}

// ---- Model files and checkpoints --------------------------------------------------------

// conv2d -> batchnorm (channels) -> relu -> flatten -> dense -> batchnorm (features) -> relu ->
// dense, after three training-mode batches have moved its running statistics.
Network trained_both_kinds() {
  Network net = Network::from_architecture(json::parse(R"({"input": [2, 4, 4], "layers": [
      {"type": "conv2d", "out_channels": 3, "kernel": 3, "padding": 1}, {"type": "batchnorm", "momentum": 0.3},
      {"type": "relu"}, {"type": "flatten"}, {"type": "dense", "out": 5}, {"type": "batchnorm", "eps": 0.01},
      {"type": "relu"}, {"type": "dense", "out": 3}]})"));
  randomize_batchnorms(net, 4);
  net.set_training(true);
  for (uint64_t k = 0; k < 3; ++k) net.forward(make_batch(net, 5, 10 + k).x);
  net.set_training(false);
  return net;
}

const std::vector<std::string> kSavedNames = {"1.weight",       "1.bias", "1.running_mean", "1.running_var",
                                              "1.num_batches_tracked", "5.weight", "5.bias", "5.running_mean",
                                              "5.running_var", "5.num_batches_tracked"};

// Every tensor of `expected` kSavedNames, bit for bit, in `actual` under the same name.
void expect_same_tensors(Network& expected, Network& actual) {
  const auto find = [](Network& net, const std::string& name) -> const Tensor* {
    for (const Parameter& p : net.parameters())
      if (p.name == name) return p.value;
    for (const Buffer& b : net.buffers())
      if (b.name == name) return b.value;
    return nullptr;
  };
  for (const std::string& name : kSavedNames) {
    const Tensor* e = find(expected, name);
    const Tensor* a = find(actual, name);
    ASSERT_TRUE(e && a) << name;
    ASSERT_EQ(a->shape(), e->shape()) << name;
    EXPECT_EQ(std::memcmp(a->data(), e->data(), static_cast<std::size_t>(e->size()) * 4), 0) << name;
  }
}

TEST(BatchNormFiles, ModelFileKeepsParametersAndStatisticsBitExactlyUnderPyTorchsNames) {
  Network net = trained_both_kinds();
  EXPECT_EQ(dynamic_cast<BatchNorm&>(net.layer(1)).num_batches_tracked()[0], 3.0f);
  const std::string path = testing::temp_dir() + "/bn.safetensors";
  save_model(path, net, ModelInfo{.cost = "log-likelihood"});
  const SafetensorsFile file = read_safetensors(path);
  for (const std::string& name : kSavedNames) EXPECT_NO_THROW((void)file.at(name)) << name;
  EXPECT_EQ(file.at("5.num_batches_tracked").shape(), Shape{});  // PyTorch's shape ()
  EXPECT_EQ(file.at("5.running_var").shape(), Shape{5});
  Model model = load_model(path);
  expect_same_tensors(net, model.network);
  EXPECT_EQ(model.network.layer(5).config(), net.layer(5).config());
  // The loaded model predicts as the saved one: the same logits, bit for bit.
  const Tensor x = make_batch(net, 4, 20).x;
  const Tensor logits = net.forward(x);
  model.network.forward(x);
  const Tensor& loaded_logits = model.network.layer_output(7);
  ASSERT_EQ(loaded_logits.shape(), logits.shape());
  EXPECT_EQ(std::memcmp(loaded_logits.data(), logits.data(), static_cast<std::size_t>(logits.size()) * 4), 0);
}

TEST(BatchNormFiles, CheckpointKeepsTheRunningStatistics) {
  Network net = trained_both_kinds();
  const std::string path = testing::temp_dir() + "/checkpoint.safetensors";
  const auto optimizer = make_optimizer({.rate = 0.1});
  save_checkpoint(path, net, ModelInfo{.cost = "log-likelihood"}, *optimizer, {{"note", "test"}}, TrainState{});
  Checkpoint c = load_checkpoint(path);
  expect_same_tensors(net, c.model.network);
  Network resumed = trained_network(c.model);  // as `neurite train --resume` rebuilds it
  expect_same_tensors(net, resumed);
}

// Weight averaging averages the running statistics too (PyTorch's AveragedModel with
// use_buffers=True), but not the batch counter. Two steps: the average starts at the values
// after step 1 (s1) and then takes d = min(decay, 3/12) = 0.25 of them, 0.75 of step 2's (s2).
const Tensor& buffer_named(Network& net, const std::string& name) {
  for (const Buffer& b : net.buffers())
    if (b.name == name) return *b.value;
  throw std::runtime_error("no buffer " + name);
}

TEST(BatchNormTraining, WeightAveragingAveragesTheRunningStatistics) {
  Dataset data;
  Network averaged = trained_both_kinds(), plain = trained_both_kinds();
  const Batch b = make_batch(averaged, 8, 30);
  data.inputs = b.x;
  data.targets = b.y;
  data.labels.assign(8, 0);
  // The run without averaging trains the same way: its statistics after each step are s1, s2.
  std::vector<Tensor> means, vars;
  TrainCallbacks record;
  record.on_batch = [&](const BatchProgress&) {
    means.push_back(buffer_named(plain, "5.running_mean"));
    vars.push_back(buffer_named(plain, "1.running_var"));
  };
  const TrainOptions options{.epochs = 1, .batch = 4};
  train(plain, SoftmaxLogLikelihoodCost(), *make_optimizer({.rate = 0.1}), data, std::span<const EvaluationSet>{}, options, record);
  ASSERT_EQ(means.size(), 2u);
  TrainOptions averaging = options;
  averaging.average_decay = 0.9;
  TrainState state;
  TrainCallbacks keep_state;
  keep_state.on_state = [&](const TrainState& s, bool) { state = s; };
  train(averaged, SoftmaxLogLikelihoodCost(), *make_optimizer({.rate = 0.1}), data, std::span<const EvaluationSet>{}, averaging, keep_state);
  const Tensor& mean = buffer_named(averaged, "5.running_mean");
  const Tensor& var = buffer_named(averaged, "1.running_var");
  for (int64_t i = 0; i < mean.size(); ++i) EXPECT_NEAR(mean[i], 0.25f * means[0][i] + 0.75f * means[1][i], 1e-6);
  for (int64_t i = 0; i < var.size(); ++i) EXPECT_NEAR(var[i], 0.25f * vars[0][i] + 0.75f * vars[1][i], 1e-6);
  EXPECT_NE(mean[0], means[1][0]);  // the average is not the last step's
  EXPECT_EQ(buffer_named(averaged, "5.num_batches_tracked")[0], buffer_named(plain, "5.num_batches_tracked")[0]);
  // The training copy holds the latest statistics, and a checkpoint keeps both.
  ASSERT_EQ(state.other_weights.size(), 10u + 4u);  // 10 parameters, 2 running means, 2 running variances
  const std::string path = testing::temp_dir() + "/averaged.safetensors";
  save_checkpoint(path, averaged, ModelInfo{.cost = "log-likelihood"}, *make_optimizer({.rate = 0.1}), {{"note", "test"}},
                  state);
  const Checkpoint c = load_checkpoint(path);
  ASSERT_EQ(c.state.other_weights.size(), 14u);
  const Tensor& kept_mean = c.state.other_weights[10 + 2];  // 1.mean, 1.var, 5.mean, ...
  for (int64_t i = 0; i < kept_mean.size(); ++i) EXPECT_EQ(kept_mean[i], means[1][i]);
}

// ---- PyTorch's BatchNorm1d and BatchNorm2d ---------------------------------------------

constexpr double kTolerance = 1e-5;

const SafetensorsFile& fixture() {
  static const SafetensorsFile file =
      read_safetensors(testing::source_dir() + "/tests/fixtures/torch_batchnorm.safetensors");
  return file;
}

void expect_matches(const Tensor& actual, const std::string& name) {
  testing::expect_matches_reference(actual, fixture().at(name), name, kTolerance);
}

// One step on the fixture's batch `prefix`: outputs, loss, every gradient and the running
// statistics afterwards, against PyTorch's.
void expect_step_matches(Network& net, const Cost& cost, const std::string& prefix) {
  net.zero_grad();
  const double loss = testing::compute_gradients(net, fixture().at(prefix + "input"), fixture().at(prefix + "target"),
                                                 cost, /*want_input_grad=*/true);
  Tensor probabilities;
  cost.predict(net.output(), probabilities);
  expect_matches(probabilities, prefix + "output");
  Tensor loss_tensor(Shape{}, static_cast<float>(loss));
  expect_matches(loss_tensor, prefix + "loss");
  expect_matches(net.input_grad(), prefix + "grad.input");
  for (const Parameter& p : net.parameters()) expect_matches(*p.grad, prefix + "grad." + p.name);
  for (const Buffer& b : net.buffers()) expect_matches(*b.value, prefix + b.name);
}

TEST(BatchNormTorch, ReproducesBatchNorm1dAnd2dInTrainingAndEvaluation) {
  const json architecture = json::parse(fixture().metadata.at("architecture"));
  EXPECT_EQ(Network::from_architecture(architecture).architecture(), architecture);  // config() key for key
  const auto cost = make_cost("log-likelihood");
  Network net = Network::from_architecture(trained_architecture(architecture, *cost));
  // The starting weights and statistics under their state_dict names.
  std::vector<Buffer> tensors;
  for (const Parameter& p : net.parameters()) tensors.push_back({p.name, p.value});
  for (const Buffer& b : net.buffers()) tensors.push_back(b);
  ASSERT_EQ(tensors.size(), 16u);  // conv, dense, dense: 6; two batchnorms: 2 parameters and 3 buffers each
  for (const Buffer& t : tensors) {
    ASSERT_EQ(fixture().at(t.name).shape(), t.value->shape()) << t.name;
    *t.value = fixture().at(t.name);
  }
  for (const char* name : {"1.num_batches_tracked", "5.num_batches_tracked"})
    EXPECT_EQ(fixture().at(name).shape(), Shape{}) << name;

  const int steps = std::stoi(fixture().metadata.at("steps"));
  ASSERT_GE(steps, 2);
  net.set_training(true);
  for (int k = 0; k < steps; ++k) {
    SCOPED_TRACE("training step " + std::to_string(k));
    expect_step_matches(net, *cost, "step" + std::to_string(k) + ".");
  }
  net.set_training(false);
  SCOPED_TRACE("evaluation");
  expect_step_matches(net, *cost, "eval.");
}

// ---- From the command line --------------------------------------------------------------

// The first "<correct> / <total>" after `label` in a command's output; -1 when there is none.
int64_t correct_after(const std::string& output, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex(label + R"(\s*(\d+) / 10000)"))) return -1;
  return std::stoll(m[1].str());
}

TEST(BatchNormCli, ASpecWithBatchnormTrainsAndTheSavedModelEvaluatesTheSame) {
  const std::string data = testing::mnist_dir();
  if (data.empty()) GTEST_SKIP() << "MNIST not found (run scripts/fetch-mnist.sh)";
  const std::string dir = testing::temp_dir();
  // A bare {"type": "batchnorm"}: the layer takes its channel count from the convolution before it.
  std::ofstream(dir + "/bn.json") << R"({
    "input": [1, 28, 28],
    "layers": [{"type": "conv2d", "out_channels": 8, "kernel": 5}, {"type": "batchnorm"},
               {"type": "relu"}, {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"}, {"type": "dense", "out": 10},
               {"type": "softmax"}],
    "training": {"cost": "log-likelihood", "optimizer": "adam", "rate": 0.003, "batch": 32, "init": "he"}})";
  const auto train = testing::run_cli("train --model " + dir + "/bn.json --epochs 1 --train-size 2000 --data " + data +
                                      " --out " + dir + "/bn.safetensors");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_NE(train.output.find("batchnorm(8)"), std::string::npos) << train.output;
  const int64_t trained = correct_after(train.output, "Epoch 0:");
  EXPECT_GT(trained, 8000) << train.output;  // of the 10,000 test images; chance is 1,000
  const auto eval = testing::run_cli("eval " + dir + "/bn.safetensors --data " + data);
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_EQ(correct_after(eval.output, "bn.safetensors:"), trained) << train.output << eval.output;
  Model model = load_model(dir + "/bn.safetensors");
  const Buffer batches = model.network.buffers().at(2);
  EXPECT_EQ(batches.name, "1.num_batches_tracked");
  EXPECT_EQ((*batches.value)[0], 63.0f);  // 2000 images in batches of 32, each moving the statistics
}

}  // namespace
}  // namespace neurite
