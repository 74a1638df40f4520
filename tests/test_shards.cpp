// Training in micro-shards (TrainOptions::shards): one shard gives the classic loop's bits; S
// shards give the batch's mean gradient (within rounding of the classic sum) and, above all, the
// same bits whether one process computes every shard or several share them. "Several processes"
// here are threads joined by ThreadWorld, an in-memory Communicator, so that this runs in every
// build (the sanitizers' too); tests/mpi/ does the same across real mpirun processes.
#include <gtest/gtest.h>

#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>

#include "neurite/error.h"
#include "neurite/ops/gemm.h"
#include "neurite/train/trainer.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

// Points in the unit square, class 1 above the diagonal.
Dataset points(int64_t n, uint64_t seed) {
  Rng rng(seed, 5);
  Dataset d{Tensor({n, 2}), Tensor({n, 2}), {}};
  for (int64_t i = 0; i < n; ++i) {
    const double a = rng.uniform(), b = rng.uniform();
    const int label = b > a;
    d.inputs[i * 2] = static_cast<float>(a);
    d.inputs[i * 2 + 1] = static_cast<float>(b);
    d.targets[i * 2 + label] = 1.0f;
    d.labels.push_back(static_cast<uint8_t>(label));
  }
  return d;
}

// 2 -> 16 -> dropout -> 2: dropout checks that every shard draws the same mask wherever it runs.
Network network(double dropout = 0.25) {
  return make_mlp({.sizes = {2, 16, 2}, .hidden = ActivationKind::Tanh, .output = ActivationKind::Sigmoid,
                   .dropout = dropout, .init = {.seed = 7}});
}

std::vector<float> weights_of(Network& net) {
  std::vector<float> all;
  for (const Parameter& p : net.parameters()) all.insert(all.end(), p.value->span().begin(), p.value->span().end());
  return all;
}

void expect_same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(std::memcmp(&a[i], &b[i], 4), 0) << "weight " << i << ": " << a[i] << " vs " << b[i];
}

// N threads standing for N processes. Each collective is a rendezvous: every rank posts its
// buffers, waits for the others, copies what it receives, and waits again before anyone reuses them.
class ThreadWorld {
  struct Post {  // what each rank lends the others during one collective
    std::span<std::byte> bytes = {};
    std::span<const double> values = {};
    std::span<const float> send = {};
    const Layout* send_layout = nullptr;
  };

 public:
  explicit ThreadWorld(int size) : size_(size), sync_(size), posts_(static_cast<std::size_t>(size)) {}

  class Rank final : public Communicator {
   public:
    Rank(ThreadWorld& world, int rank) : w_(world), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return w_.size_; }
    void broadcast(std::span<std::byte> bytes, int root) override {
      post({.bytes = bytes});
      if (rank_ != root) std::copy_n(w_.posts_[static_cast<std::size_t>(root)].bytes.data(), bytes.size(), bytes.data());
      w_.sync_.arrive_and_wait();
    }
    void sum_exactly(std::span<double> values) override {
      std::vector<double> mine(values.begin(), values.end());
      post({.values = mine});
      for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] = 0;
        for (const Post& p : w_.posts_) values[i] += p.values[i];
      }
      w_.sync_.arrive_and_wait();
    }
    std::unique_ptr<Pending> exchange(std::span<const float> send, const Layout& send_layout, std::span<float> receive,
                                      const Layout& receive_layout) override {
      post({.send = send, .send_layout = &send_layout});
      for (int q = 0; q < w_.size_; ++q) {
        const Post& from = w_.posts_[static_cast<std::size_t>(q)];
        const auto count = static_cast<std::size_t>(from.send_layout->counts[static_cast<std::size_t>(rank_)]);
        EXPECT_EQ(count, static_cast<std::size_t>(receive_layout.counts[static_cast<std::size_t>(q)]));
        std::copy_n(from.send.data() + from.send_layout->offsets[static_cast<std::size_t>(rank_)], count,
                    receive.data() + receive_layout.offsets[static_cast<std::size_t>(q)]);  // count may be 0, data null
      }
      w_.sync_.arrive_and_wait();
      return std::make_unique<Done>();
    }
    std::unique_ptr<Pending> gather(std::span<const float> mine, std::span<float> all, const Layout& layout) override {
      post({.send = mine});
      for (int q = 0; q < w_.size_; ++q) {
        const Post& from = w_.posts_[static_cast<std::size_t>(q)];
        std::copy_n(from.send.data(), from.send.size(), all.data() + layout.offsets[static_cast<std::size_t>(q)]);
      }
      w_.sync_.arrive_and_wait();
      return std::make_unique<Done>();
    }

   private:
    struct Done final : Pending {
      bool done() override { return true; }
      void wait() override {}
    };
    void post(const Post& p) {
      w_.posts_[static_cast<std::size_t>(rank_)] = p;
      w_.sync_.arrive_and_wait();
    }
    ThreadWorld& w_;
    int rank_;
  };

 private:
  int size_;
  std::barrier<> sync_;
  std::vector<Post> posts_;
};

struct Outcome {
  std::vector<float> weights, buffers;
  TrainResult result;
};

// Trains the same network on `processes` threads; returns process 0's weights and result, after
// checking that every process ended with the same ones.
Outcome train_on(int processes, const TrainOptions& options, const Dataset& data, const Dataset* test = nullptr,
                 const std::function<Network()>& make = [] { return network(); }) {
  ThreadWorld world(processes);
  std::vector<Outcome> runs(static_cast<std::size_t>(processes));
  std::vector<std::string> errors(static_cast<std::size_t>(processes));
  std::vector<std::thread> threads;
  for (int r = 0; r < processes; ++r)
    threads.emplace_back([&, r] {
      try {
        ThreadWorld::Rank rank(world, r);
        Network net = make();
        Sgd sgd(0.5);
        std::vector<EvaluationSet> sets;
        if (test) sets.push_back({"test", test});
        runs[static_cast<std::size_t>(r)].result = train(net, QuadraticCost(), sgd, data, sets, options, {}, nullptr, &rank);
        runs[static_cast<std::size_t>(r)].weights = weights_of(net);
        for (const Buffer& b : net.buffers())
          runs[static_cast<std::size_t>(r)].buffers.insert(runs[static_cast<std::size_t>(r)].buffers.end(),
                                                           b.value->span().begin(), b.value->span().end());
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(r)] = e.what();
      }
    });
  for (std::thread& t : threads) t.join();
  for (int r = 0; r < processes; ++r) {
    EXPECT_EQ(errors[static_cast<std::size_t>(r)], "") << "process " << r;
    expect_same_bits(runs[static_cast<std::size_t>(r)].weights, runs[0].weights);
    expect_same_bits(runs[static_cast<std::size_t>(r)].buffers, runs[0].buffers);
  }
  return runs[0];
}

class Shards : public ::testing::Test {
 protected:
  void SetUp() override {
    threads_ = num_threads();
    set_num_threads(1);  // the "processes" are threads already
  }
  void TearDown() override { set_num_threads(threads_); }
  int threads_ = 1;
};

TEST_F(Shards, OneShardIsTheClassicLoop) {
  const Dataset data = points(203, 1);
  const TrainOptions classic{.epochs = 2, .batch = 10, .seed = 3};
  TrainOptions one = classic;
  one.shards = 1;
  auto alone = [&](const TrainOptions& o) {
    Network net = network(/*dropout=*/0);  // a shard's dropout masks come from its own generator
    // With momentum: plain SGD would take the fused step of small dense networks
    // (train/dense_chain.h), whose sums run in another order.
    Sgd sgd(0.5, 0.5);
    train(net, QuadraticCost(), sgd, data, nullptr, o);
    return weights_of(net);
  };
  expect_same_bits(alone(one), alone(classic));
}

// Shards of 2, 3, 2 and 3 samples, each weighted by its share: the sum is the batch's mean
// gradient, so one step lands where the classic step does, up to float rounding. A shard weighted
// by 1/S instead of its share misses by far more than the tolerance.
TEST_F(Shards, ShardsSumToTheBatchGradient) {
  const Dataset data = points(10, 2);
  auto one_step = [&](int shards) {
    Network net = network(/*dropout=*/0);
    Sgd sgd(5.0);
    const std::vector<float> before = weights_of(net);
    train(net, QuadraticCost(), sgd, data, nullptr, {.epochs = 1, .batch = 10, .seed = 1, .shards = shards});
    std::vector<float> moved = weights_of(net);
    for (std::size_t i = 0; i < moved.size(); ++i) moved[i] -= before[i];
    return moved;
  };
  const std::vector<float> whole = one_step(0), sharded = one_step(4);
  double largest = 0;
  for (float v : whole) largest = std::max(largest, static_cast<double>(std::abs(v)));
  ASSERT_GT(largest, 1e-3);  // the step moved the weights
  for (std::size_t i = 0; i < whole.size(); ++i) EXPECT_NEAR(sharded[i], whole[i], 1e-5 * largest) << "weight " << i;
}

TEST_F(Shards, SameBitsOnOneTwoAndThreeProcesses) {
  const Dataset data = points(157, 3), test = points(50, 4);  // 157: a short last batch
  const TrainOptions o{.epochs = 3, .batch = 16, .seed = 5, .shards = 6};
  const Outcome one = train_on(1, o, data, &test);
  for (int n : {2, 3, 4}) {
    SCOPED_TRACE(std::to_string(n) + " processes");
    const Outcome many = train_on(n, o, data, &test);
    expect_same_bits(many.weights, one.weights);
    ASSERT_EQ(many.result.epochs.size(), one.result.epochs.size());
    for (std::size_t e = 0; e < one.result.epochs.size(); ++e) {
      EXPECT_EQ(many.result.epochs[e].train_cost, one.result.epochs[e].train_cost);  // exactly
      EXPECT_EQ(many.result.epochs[e].correct, one.result.epochs[e].correct);
    }
  }
}

// More processes than shards, and a last batch (1 sample) with fewer samples than shards: the
// idle processes and the empty shards still take part, and nothing hangs.
TEST_F(Shards, IdleProcessesAndEmptyShards) {
  const Dataset data = points(41, 6);
  const TrainOptions o{.epochs = 2, .batch = 10, .seed = 8, .shards = 3};
  expect_same_bits(train_on(5, o, data).weights, train_on(1, o, data).weights);
}

TEST_F(Shards, OtherShardCountsGiveOtherBitsAndSoDoesNoSharding) {
  const Dataset data = points(100, 7);
  TrainOptions o{.epochs = 2, .batch = 20, .seed = 9, .shards = 2};
  const std::vector<float> two = train_on(1, o, data).weights;
  o.shards = 4;
  EXPECT_NE(train_on(1, o, data).weights, two);
}

// Batchnorm's running statistics follow each batch's first shard, which process 0 computes, and
// every process ends with process 0's: the buffers too are the same at any number of processes.
TEST_F(Shards, BatchnormStatisticsAreTheSameOnAnyNumberOfProcesses) {
  const auto batchnorm_network = [] {
    Network net({2}, {.seed = 3});
    net.add({{"type", "dense"}, {"out", 8}}).add({{"type", "batchnorm"}}).add({{"type", "relu"}});
    net.add({{"type", "dense"}, {"out", 2}}).add({{"type", "sigmoid"}});
    return net;
  };
  const Dataset data = points(90, 9);
  const TrainOptions o{.epochs = 2, .batch = 30, .seed = 4, .shards = 3};
  const Outcome one = train_on(1, o, data, nullptr, batchnorm_network);
  const Outcome three = train_on(3, o, data, nullptr, batchnorm_network);
  expect_same_bits(three.weights, one.weights);
  expect_same_bits(three.buffers, one.buffers);
  // The statistics moved from their start (mean 0, variance 1), once per batch: 3 per epoch.
  ASSERT_EQ(one.buffers.size(), 8u + 8u + 1u);
  EXPECT_NE(one.buffers[0], 0.0f);
  EXPECT_EQ(one.buffers.back(), 6.0f);  // num_batches_tracked
}

TEST_F(Shards, BadShardCountsAreRefused) {
  Network net = network();
  const Dataset data = points(8, 1);
  Sgd sgd(0.1);
  for (int shards : {-1, kMaxShards + 1})
    EXPECT_NE(error_of([&] { train(net, QuadraticCost(), sgd, data, nullptr, {.epochs = 1, .batch = 4, .shards = shards}); })
                  .find("shards must be"),
              std::string::npos);
}

}  // namespace
}  // namespace neurite
