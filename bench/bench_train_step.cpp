// Nielsen's 784-30-10 sigmoid network with the quadratic cost and a batch of 10, two ways:
//   train_step/...: one generic step, layer by layer (zero_grad, forward, cost, backward,
//     Sgd::step) with each gemm backend, on synthetic inputs in [0, 1] and one-hot targets,
//     rotated through 64 batches so the step does not always see the same cache lines
//     (no shuffling or gathering included);
//   train_epoch/...: a whole epoch of the real MNIST files through train(), which takes the
//     fused step of small dense networks (src/train/dense_chain.h).
// Both report the time of an epoch of 50,000 samples.
//
//   build/bench/bench_train_step --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "neurite/cost.h"
#include "neurite/data/mnist.h"
#include "neurite/network.h"
#include "neurite/ops/gemm.h"
#include "neurite/optim/optimizer.h"
#include "neurite/rng.h"
#include "neurite/train/trainer.h"

namespace {

constexpr int64_t kBatch = 10;
constexpr int kPool = 64;
constexpr double kEpochSamples = 50000;

void bm_train_step(benchmark::State& state, neurite::GemmBackend backend, int threads) {
  neurite::set_num_threads(threads);
  neurite::set_gemm_backend(backend);

  neurite::Network net = neurite::make_mlp({784, 30, 10}, neurite::ActivationKind::Sigmoid);
  neurite::Rng rng(1, 0);
  net.initialize(neurite::Initializer{}, rng);
  std::vector<neurite::Parameter> params = net.parameters();
  const neurite::QuadraticCost cost;
  neurite::Sgd sgd(3.0);

  std::vector<neurite::Tensor> xs, ys;
  for (int b = 0; b < kPool; ++b) {
    neurite::Tensor x({kBatch, 784}), y({kBatch, 10}, 0.0f);
    for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(rng.uniform());
    for (int64_t i = 0; i < kBatch; ++i) y[i * 10 + static_cast<int64_t>(rng.below(10))] = 1.0f;
    xs.push_back(std::move(x));
    ys.push_back(std::move(y));
  }

  std::size_t b = 0;
  double cost_sum = 0;
  for (auto _ : state) {
    net.zero_grad();
    const neurite::Tensor& output = net.forward(xs[b]);
    cost_sum += cost.value(output, ys[b]);
    cost.gradient(output, ys[b], net.output_grad());
    net.backward();
    sgd.step(params);
    b = (b + 1) % kPool;
  }
  benchmark::DoNotOptimize(cost_sum);

  const auto steps = static_cast<double>(state.iterations());
  state.counters["samples/s"] = benchmark::Counter(steps * kBatch, benchmark::Counter::kIsRate);
  // Seconds per 50,000-sample epoch: the inverse of the epochs-per-second rate.
  state.counters["s/epoch"] = benchmark::Counter(steps * kBatch / kEpochSamples,
                                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  // Multiply-adds of the three products per step: forward (both layers), weight gradients (both
  // layers), input gradient of layer 2 (layer 1's is skipped).
  const double flops = 2.0 * kBatch * (2.0 * (784 * 30 + 30 * 10) + 30 * 10);
  state.counters["GFLOP/s"] = benchmark::Counter(steps * flops / 1e9, benchmark::Counter::kIsRate);
  neurite::set_gemm_backend(neurite::GemmBackend::Auto);
}

// One whole epoch of Nielsen's run through train(), as `neurite train --layers 784,30,10 --batch 10
// --rate 3.0 --cost quadratic` runs it: real MNIST (from $NEURITE_MNIST, else data/mnist),
// shuffled, gathered and prefetched, with the fused step of small dense networks
// (src/train/dense_chain.h) where the generic step benchmark above runs layer by layer. The
// GFLOP/s count the dense products' multiply-adds (4.79 GFLOP an epoch), though the fused step
// skips the zero pixels' share of them.
void bm_train_epoch(benchmark::State& state) {
  const char* folder = std::getenv("NEURITE_MNIST");
  neurite::Mnist mnist;
  try {
    mnist = neurite::load_mnist(folder ? folder : "data/mnist");
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  neurite::set_num_threads(1);
  neurite::Network net = neurite::make_mlp({784, 30, 10}, neurite::ActivationKind::Sigmoid);
  const neurite::QuadraticCost cost;
  neurite::Sgd sgd(3.0);
  uint64_t seed = 1;
  for (auto _ : state) neurite::train(net, cost, sgd, mnist.training, nullptr, {.epochs = 1, .batch = 10, .seed = seed++});
  const auto epochs = static_cast<double>(state.iterations());
  state.counters["s/epoch"] = benchmark::Counter(epochs, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  const double flops = kEpochSamples / kBatch * 2.0 * kBatch * (2.0 * (784 * 30 + 30 * 10) + 30 * 10);
  state.counters["GFLOP/s"] = benchmark::Counter(epochs * flops / 1e9, benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("train_epoch/784-30-10/batch:10/mnist/threads:1", bm_train_epoch)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  const std::pair<const char*, neurite::GemmBackend> backends[] = {
      {"auto", neurite::GemmBackend::Auto},
      {"kernel", neurite::GemmBackend::Kernel},
      {"blas", neurite::GemmBackend::Blas}};
  for (const auto& [label, backend] : backends)
    for (int threads : {1, 2}) {
      const std::string name = std::string("train_step/784-30-10/batch:10/") + label +
                               "/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(name.c_str(), bm_train_step, backend, threads)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
