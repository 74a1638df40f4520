// The training loop: it learns a separable problem, is bit-for-bit reproducible (same seed, and
// 1 thread against 2 threads through both GEMM paths), reports divergence, stops early when
// asked, and rejects bad options.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "neurite/layers/dense.h"
#include "neurite/ops/gemm.h"
#include "neurite/train/trainer.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Points in the unit square, class 1 above the diagonal, with a margin of 0.1 around it.
Dataset separable(int64_t n, uint64_t seed, bool flip_labels = false) {
  Rng rng(seed, 5);
  Dataset d{Tensor({n, 2}), Tensor({n, 2}), {}};
  for (int64_t i = 0; i < n;) {
    const double a = rng.uniform(), b = rng.uniform();
    if (std::abs(a - b) < 0.1) continue;
    const int label = (b > a) != flip_labels;
    d.inputs[i * 2] = static_cast<float>(a);
    d.inputs[i * 2 + 1] = static_cast<float>(b);
    d.targets[i * 2 + label] = 1.0f;
    d.labels.push_back(static_cast<uint8_t>(label));
    ++i;
  }
  return d;
}

Network fresh(const std::vector<int64_t>& sizes, uint64_t seed, ActivationKind act = ActivationKind::Sigmoid) {
  return make_mlp(sizes, act, true, {.seed = seed});
}

// The same network ending at the logits, for the cross-entropy cost that applies the sigmoid.
Network fresh_logits(const std::vector<int64_t>& sizes, uint64_t seed) {
  Network net = fresh(sizes, seed);
  return trained_network(net, SigmoidCrossEntropyCost());
}

// Every parameter's bits, in order.
std::vector<uint32_t> bits_of(Network& net) {
  std::vector<uint32_t> bits;
  for (const Parameter& p : net.parameters())
    for (float v : p.value->span()) {
      uint32_t b;
      std::memcpy(&b, &v, 4);
      bits.push_back(b);
    }
  return bits;
}

// Finds the first differing parameter, for a readable failure.
void expect_same_bits(Network& a, Network& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i)
    for (int64_t k = 0; k < pa[i].value->size(); ++k)
      ASSERT_EQ(std::memcmp(&(*pa[i].value)[k], &(*pb[i].value)[k], 4), 0)
          << pa[i].name << "[" << k << "]: " << (*pa[i].value)[k] << " vs " << (*pb[i].value)[k];
}

TEST(Trainer, LearnsASeparableProblemCompletely) {
  const Dataset train_set = separable(400, 1), test_set = separable(200, 2);
  Network net = fresh_logits({2, 8, 2}, 1);
  SigmoidCrossEntropyCost cost;
  Sgd sgd(3.0);
  std::vector<int> seen_epochs;
  int64_t batches_seen = 0, last_done = 0;
  double epoch_cost_sum = 0;  // the batches' costs reported so far this epoch
  int64_t epoch_batches = 0;
  TrainCallbacks callbacks;
  callbacks.on_epoch = [&](const EpochResult& r) {
    seen_epochs.push_back(r.epoch);
    // The epoch's cost is the mean of the costs each batch reported.
    EXPECT_NEAR(r.train_cost, epoch_cost_sum / static_cast<double>(epoch_batches), 1e-12);
    epoch_cost_sum = 0;
    epoch_batches = 0;
  };
  callbacks.on_batch = [&](const BatchProgress& p) {
    EXPECT_EQ(p.total, 400);
    EXPECT_EQ(p.epoch, static_cast<int>(seen_epochs.size()));
    ++batches_seen;
    last_done = p.done;
    epoch_cost_sum += p.cost;
    ++epoch_batches;
  };
  const TrainResult result = train(net, cost, sgd, train_set, &test_set, {.epochs = 40, .batch = 16}, callbacks);
  ASSERT_EQ(result.epochs.size(), 40u);
  EXPECT_EQ(seen_epochs.front(), 0);
  EXPECT_EQ(seen_epochs.back(), 39);
  EXPECT_EQ(batches_seen, 40 * 25);
  EXPECT_EQ(last_done, 400);
  const EpochResult& last = result.epochs.back();
  EXPECT_TRUE(last.evaluated);
  EXPECT_EQ(last.total, 200);
  EXPECT_EQ(last.correct, 200);
  EXPECT_EQ(count_correct(net, train_set), 400);
  EXPECT_EQ(result.best_correct, 200);
  EXPECT_LT(last.train_cost, result.epochs.front().train_cost);
  EXPECT_FALSE(result.stopped_early);
}

TEST(Trainer, UnevenLastBatchAndNoEvaluationSet) {
  const Dataset train_set = separable(205, 3);
  Network net = fresh({2, 4, 2}, 2);
  Sgd sgd(1.0);
  int64_t batches = 0;
  TrainCallbacks callbacks;
  callbacks.on_batch = [&](const BatchProgress&) { ++batches; };
  const TrainResult result = train(net, QuadraticCost(), sgd, train_set, nullptr, {.epochs = 2, .batch = 10}, callbacks);
  EXPECT_EQ(batches, 2 * 21);
  ASSERT_EQ(result.epochs.size(), 2u);
  EXPECT_FALSE(result.epochs[1].evaluated);
  EXPECT_EQ(result.best_epoch, -1);
}

TEST(Trainer, EvaluatesEveryKthEpochAndAfterTheLast) {
  const Dataset data = separable(50, 4);
  Network net = fresh({2, 4, 2}, 2);
  Sgd sgd(1.0);
  const TrainResult result = train(net, QuadraticCost(), sgd, data, &data, {.epochs = 7, .batch = 10, .eval_every = 3});
  std::vector<int> evaluated;
  for (const auto& r : result.epochs)
    if (r.evaluated) evaluated.push_back(r.epoch);
  EXPECT_EQ(evaluated, (std::vector<int>{2, 5, 6}));
}

TEST(Trainer, SameSeedSameBitsOtherSeedOtherBits) {
  const Dataset data = separable(300, 5);
  auto run = [&](uint64_t seed) {
    Network net = fresh({2, 6, 2}, 9);
    Sgd sgd(2.0);
    train(net, QuadraticCost(), sgd, data, &data, {.epochs = 3, .batch = 7, .seed = seed});
    return net;
  };
  Network a = run(1), b = run(1), c = run(2);
  expect_same_bits(a, b);
  EXPECT_NE(bits_of(a), bits_of(c)) << "the seed must change the shuffles";
}

// Trains from the same start with 1 and with 2 threads; every weight and every evaluation output
// must be bit-identical.
void check_threads_bit_identical(const std::vector<int64_t>& sizes, int64_t samples, GemmBackend backend) {
  const Dataset data = testing::random_dataset(samples, sizes.front(), 1);
  const Dataset eval_set = testing::random_dataset(2500, sizes.front(), 2);  // batches of 1000 go through BLAS
  set_gemm_backend(backend);
  std::vector<Network> nets;
  std::vector<std::vector<int>> predictions;
  std::vector<Tensor> outputs;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Network net = fresh(sizes, 3);
    Sgd sgd(3.0);
    const TrainResult r = train(net, QuadraticCost(), sgd, data, &eval_set, {.epochs = 1, .batch = 10});
    predictions.push_back(predict_classes(net, eval_set.inputs));
    outputs.push_back(net.forward(eval_set.inputs));  // one 2500-row product
    EXPECT_EQ(r.epochs[0].correct, count_correct(net, eval_set));
    nets.push_back(std::move(net));
  }
  set_num_threads(2);
  set_gemm_backend(GemmBackend::Auto);
  expect_same_bits(nets[0], nets[1]);
  EXPECT_EQ(predictions[0], predictions[1]);
  ASSERT_EQ(outputs[0].size(), outputs[1].size());
  EXPECT_EQ(std::memcmp(outputs[0].data(), outputs[1].data(), static_cast<std::size_t>(outputs[0].size()) * 4), 0);
  Network untrained = fresh(sizes, 3);
  EXPECT_NE(bits_of(nets[0]), bits_of(untrained)) << "training changed nothing";
}

TEST(Trainer, OneAndTwoThreadsGiveTheSameBits_784_30_10) {
  check_threads_bit_identical({784, 30, 10}, 3000, GemmBackend::Auto);  // 300 batches, kernel path
}

TEST(Trainer, OneAndTwoThreadsGiveTheSameBits_784_300_10) {
  check_threads_bit_identical({784, 300, 10}, 1200, GemmBackend::Auto);  // 120 batches, BLAS path
}

TEST(Trainer, OneAndTwoThreadsGiveTheSameBits_ForcedPaths) {
  check_threads_bit_identical({784, 30, 10}, 300, GemmBackend::Blas);
  check_threads_bit_identical({784, 100, 10}, 300, GemmBackend::Kernel);
}

TEST(Trainer, NaNInputIsReportedWithEpochAndBatch) {
  Dataset data = separable(100, 6);
  data.inputs[37 * 2] = std::nanf("");
  Network net = fresh({2, 4, 2}, 1);
  Sgd sgd(1.0);
  const std::string msg = error_of([&] { train(net, QuadraticCost(), sgd, data, nullptr, {.epochs = 2}); });
  EXPECT_TRUE(contains(msg, "epoch 0")) << msg;
  EXPECT_TRUE(contains(msg, "batch ")) << msg;
  EXPECT_TRUE(contains(msg, "nan")) << msg;
}

TEST(Trainer, HugeLearningRateDivergesWithAnError) {
  const Dataset data = testing::random_dataset(200, 20, 7);
  Network net = fresh({20, 10, 10}, 1, ActivationKind::Identity);
  Sgd sgd(1e30);
  const std::string msg = error_of([&] { train(net, QuadraticCost(), sgd, data, nullptr, {.epochs = 5}); });
  EXPECT_TRUE(contains(msg, "diverged")) << msg;
  EXPECT_TRUE(contains(msg, "epoch ")) << msg;
  EXPECT_TRUE(contains(msg, "batch ")) << msg;
}

TEST(Trainer, StopWhenWorseStopsAtTheFirstWorseEvaluation) {
  // Evaluating on the same points with every label flipped: as training improves, the
  // evaluation gets worse.
  const Dataset data = separable(200, 8), flipped = separable(200, 8, /*flip_labels=*/true);
  auto run = [&](bool stop) {
    Network net = fresh_logits({2, 6, 2}, 4);
    Sgd sgd(0.5);
    TrainOptions o{.epochs = 30, .batch = 10};
    if (stop) o.early_stopping = {.patience = 1, .versus_previous = true};  // seed 002's rule
    return train(net, SigmoidCrossEntropyCost(), sgd, data, &flipped, o);
  };
  const TrainResult stopped = run(true), full = run(false);
  EXPECT_EQ(full.epochs.size(), 30u);
  EXPECT_FALSE(full.stopped_early);
  ASSERT_TRUE(stopped.stopped_early);
  ASSERT_GE(stopped.epochs.size(), 2u);
  ASSERT_LT(stopped.epochs.size(), 30u);
  const auto n = stopped.epochs.size();
  EXPECT_LT(stopped.epochs[n - 1].correct, stopped.epochs[n - 2].correct);
  for (std::size_t i = 1; i + 1 < n; ++i)
    EXPECT_GE(stopped.epochs[i].correct, stopped.epochs[i - 1].correct) << "should have stopped after epoch " << i;
  // up to the stop both runs are the same run
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(stopped.epochs[i].correct, full.epochs[i].correct);
}

TEST(Trainer, RejectsBadOptionsAndData) {
  const Dataset data = separable(20, 9);
  Network net = fresh({2, 3, 2}, 1);
  Sgd sgd(1.0);
  QuadraticCost cost;
  std::string msg = error_of([&] { train(net, cost, sgd, data, nullptr, {.epochs = 1, .batch = 0}); });
  EXPECT_TRUE(contains(msg, "batch size must be positive, got 0")) << msg;
  msg = error_of([&] { train(net, cost, sgd, data, nullptr, {.epochs = 0}); });
  EXPECT_TRUE(contains(msg, "epochs must be positive, got 0")) << msg;
  msg = error_of([&] { train(net, cost, sgd, data, nullptr, {.epochs = 1, .batch = -5}); });
  EXPECT_TRUE(contains(msg, "-5")) << msg;
  msg = error_of([&] { train(net, cost, sgd, data, nullptr, {.epochs = 1, .eval_every = 0}); });
  EXPECT_TRUE(contains(msg, "evaluation interval")) << msg;
  msg = error_of([&] { train(net, cost, sgd, data.slice(0, 0), nullptr, {.epochs = 1}); });
  EXPECT_TRUE(contains(msg, "empty")) << msg;

  Network wide = fresh({3, 3, 2}, 1);
  msg = error_of([&] { train(wide, cost, sgd, data, nullptr, {.epochs = 1}); });
  EXPECT_TRUE(contains(msg, "(2)")) << msg;
  EXPECT_TRUE(contains(msg, "(3)")) << msg;
  Network three_out = fresh({2, 3, 3}, 1);
  msg = error_of([&] { train(three_out, cost, sgd, data, nullptr, {.epochs = 1}); });
  EXPECT_TRUE(contains(msg, "targets")) << msg;
  // Augmentation distorts pictures: 2 features are not one.
  TrainOptions augmented{.epochs = 1};
  augmented.augment = augment_options_from_text("rotate=10");
  msg = error_of([&] { train(net, cost, sgd, data, nullptr, augmented); });
  EXPECT_TRUE(contains(msg, "augmentation needs one-channel pictures")) << msg;
  EXPECT_TRUE(contains(msg, "(2)")) << msg;
  // A cost that takes logits refuses a network that already applies its activation.
  Network ends_in_sigmoid = fresh({2, 3, 2}, 1);
  msg = error_of([&] { train(ends_in_sigmoid, SigmoidCrossEntropyCost(), sgd, data, nullptr, {.epochs = 1}); });
  EXPECT_TRUE(contains(msg, "already ends in sigmoid")) << msg;
}

TEST(Trainer, PredictAndConfusionMatrix) {
  Network net({2});
  net.add(std::make_unique<Dense>(DenseOptions{.in = 2, .out = 2, .bias = false}));
  // output = (x0, x1): the predicted class is the larger coordinate
  net.layer(0).parameters()[0].value->fill(0.0f);
  net.layer(0).parameters()[0].value->span()[0] = 1;
  net.layer(0).parameters()[0].value->span()[3] = 1;
  const Dataset data = separable(150, 10);
  EXPECT_EQ(count_correct(net, data), 150);
  const std::vector<int> classes = predict_classes(net, data.inputs, /*batch=*/7);
  ASSERT_EQ(classes.size(), 150u);
  for (std::size_t i = 0; i < 150; ++i) EXPECT_EQ(classes[i], data.labels[i]);
  const auto m = confusion_matrix(net, data);
  int64_t total = 0;
  for (const auto& row : m)
    for (int64_t v : row) total += v;
  EXPECT_EQ(total, 150);
  EXPECT_EQ(m[0][1] + m[1][0], 0);
  // flipped labels: everything lands off the diagonal
  const auto wrong = confusion_matrix(net, separable(150, 10, true));
  EXPECT_EQ(wrong[0][0] + wrong[1][1], 0);
  EXPECT_EQ(wrong[0][1] + wrong[1][0], 150);
}

}  // namespace
}  // namespace neurite
