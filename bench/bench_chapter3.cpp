// Training throughput with chapter 3's features switched on one at a time, for Nielsen's
// 784-100-10 (batch 10, SGD) and the best network's 784-800-10 (batch 100, Adam): samples/s of a
// whole step (gather, augmentation, forward with dropout, backward, L2 gradient, optimiser step,
// max-norm), through the real training loop, one epoch of 10,000 synthetic 28x28 images per
// iteration. "plain" is the foundation's path, so the other rows show what each feature costs.
//
//   build-bench/bench/bench_chapter3 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>

#include "neurite/ops/gemm.h"
#include "neurite/train/trainer.h"

namespace {

constexpr int64_t kSamples = 10000;

neurite::Dataset synthetic_images() {
  neurite::Rng rng(3, 0);
  neurite::Dataset d{neurite::Tensor({kSamples, 784}), neurite::Tensor({kSamples, 10}, 0.0f), {}};
  for (float& v : d.inputs.span()) v = static_cast<float>(rng.uniform());
  for (int64_t i = 0; i < kSamples; ++i) {
    const auto label = static_cast<uint8_t>(rng.below(10));
    d.targets[i * 10 + label] = 1.0f;
    d.labels.push_back(label);
  }
  return d;
}

enum Feature { kPlain, kDropout, kAugment, kL2, kAll };

void bm_epoch(benchmark::State& state, int64_t hidden, Feature feature, int threads) {
  neurite::set_num_threads(threads);
  const bool big = hidden > 100;
  const bool dropout = feature == kDropout || feature == kAll;
  neurite::Network net = neurite::make_mlp(neurite::MlpOptions{
      .sizes = {784, hidden, 10}, .hidden = big ? neurite::ActivationKind::ReLU : neurite::ActivationKind::Sigmoid,
      .output = big ? neurite::ActivationKind::Softmax : neurite::ActivationKind::Sigmoid,
      .dropout = dropout ? 0.5 : 0.0, .input_dropout = dropout ? 0.2 : 0.0});
  neurite::Rng rng(1, 0);
  net.initialize({.kind = neurite::Initializer::Kind::He}, rng);
  const neurite::Dataset data = synthetic_images();
  const auto cost = neurite::make_cost(big ? "log-likelihood" : "cross-entropy");
  auto optimizer = big ? neurite::make_optimizer({.rate = 0.001, .kind = neurite::AdamOptions{}}) : neurite::make_optimizer({.rate = 0.5});
  neurite::TrainOptions options{.epochs = 1, .batch = big ? 100 : 10};
  if (feature == kAugment || feature == kAll) options.augment = neurite::augment_options_from_text("rotate=10,shift=2,scale=0.1");
  if (feature == kL2 || feature == kAll) options.regularization = {.l2 = 5, .max_norm = big ? 3.0 : 0.0};
  for (auto _ : state) {
    options.seed += 1;
    neurite::train(net, *cost, *optimizer, data, nullptr, options);
  }
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kSamples), benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  const std::pair<const char*, Feature> features[] = {
      {"plain", kPlain}, {"dropout", kDropout}, {"augment", kAugment}, {"l2+maxnorm", kL2}, {"all", kAll}};
  for (int64_t hidden : {100, 800})
    for (const auto& [label, feature] : features) {
      const std::string name = "epoch/784-" + std::to_string(hidden) + "-10/" + label + "/threads:2";
      benchmark::RegisterBenchmark(name.c_str(), bm_epoch, hidden, feature, 2)->UseRealTime()->Unit(benchmark::kMillisecond);
    }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
