#include "neurite/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "neurite/error.h"

namespace neurite {

namespace {

void validate(const Network& net, const Dataset& training, const TrainOptions& o) {
  require(o.epochs > 0, "epochs must be positive, got " + std::to_string(o.epochs));
  require(o.batch > 0, "batch size must be positive, got " + std::to_string(o.batch));
  require(o.eval_every > 0, "evaluation interval must be positive, got " + std::to_string(o.eval_every));
  require(training.size() > 0, "the training set is empty");
  Shape sample(training.inputs.shape().begin() + 1, training.inputs.shape().end());
  require(sample == net.input_shape(), "training inputs " + to_string(sample) +
                                           " do not match the network input " + to_string(net.input_shape()));
  Shape target(training.targets.shape().begin() + 1, training.targets.shape().end());
  require(target == net.output_shape(), "training targets " + to_string(target) +
                                            " do not match the network output " + to_string(net.output_shape()));
}

// Runs one epoch of mini-batches in the order given; returns the mean batch cost.
double run_epoch(Network& net, const Cost& cost, Optimizer& optimizer, const Dataset& training,
                 std::span<const int64_t> order, const TrainOptions& options, int epoch,
                 const TrainCallbacks& callbacks) {
  std::vector<Parameter> params = net.parameters();
  Tensor x, y;
  double cost_sum = 0;
  int64_t batches = 0;
  const auto n = static_cast<int64_t>(order.size());
  for (int64_t start = 0; start < n; start += options.batch) {
    const int64_t count = std::min(options.batch, n - start);
    training.gather(order.subspan(static_cast<std::size_t>(start), static_cast<std::size_t>(count)), x, y);
    const double c = net.compute_gradients(x, y, cost);
    if (!std::isfinite(c))
      throw Error("training diverged: cost is " + std::to_string(c) + " at epoch " +
                  std::to_string(epoch) + ", batch " + std::to_string(batches) +
                  " (try a smaller learning rate)");
    optimizer.step(params);
    cost_sum += c;
    ++batches;
    if (callbacks.on_batch) callbacks.on_batch(start + count, n);
  }
  return cost_sum / static_cast<double>(batches);
}

}  // namespace

TrainResult train(Network& net, const Cost& cost, Optimizer& optimizer, const Dataset& training,
                  const Dataset* evaluation, const TrainOptions& options,
                  const TrainCallbacks& callbacks) {
  validate(net, training, options);
  Rng shuffle_rng(options.seed, /*stream=*/1);
  std::vector<int64_t> order(static_cast<std::size_t>(training.size()));
  std::iota(order.begin(), order.end(), 0);
  net.zero_grad();

  TrainResult result;
  int64_t last_correct = -1;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    shuffle_rng.shuffle(std::span<int64_t>(order));
    EpochResult r;
    r.epoch = epoch;
    const auto start = std::chrono::steady_clock::now();
    r.train_cost = run_epoch(net, cost, optimizer, training, order, options, epoch, callbacks);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool due = (epoch + 1) % options.eval_every == 0 || epoch + 1 == options.epochs;
    if (evaluation && due) {
      r.evaluated = true;
      r.correct = count_correct(net, *evaluation);
      r.total = evaluation->size();
      if (r.correct > result.best_correct || result.best_epoch < 0) {
        result.best_correct = r.correct;
        result.best_epoch = epoch;
      }
    }
    result.epochs.push_back(r);
    if (callbacks.on_epoch) callbacks.on_epoch(r);
    if (r.evaluated) {
      if (options.stop_when_worse && last_correct >= 0 && r.correct < last_correct) {
        result.stopped_early = true;
        break;
      }
      last_correct = r.correct;
    }
  }
  return result;
}

std::vector<int> predict_classes(Network& net, const Tensor& inputs, int64_t batch) {
  const int64_t n = inputs.dim(0);
  const int64_t row = inputs.size() / std::max<int64_t>(n, 1);
  std::vector<int> classes(static_cast<std::size_t>(n));
  Tensor x;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t count = std::min(batch, n - start);
    Shape shape = inputs.shape();
    shape.front() = count;
    x.resize(shape);
    std::copy_n(inputs.data() + start * row, count * row, x.data());
    const Tensor& out = net.forward(x);
    const int64_t k = out.size() / count;
    for (int64_t i = 0; i < count; ++i) {
      const float* o = out.data() + i * k;
      classes[static_cast<std::size_t>(start + i)] = static_cast<int>(std::max_element(o, o + k) - o);
    }
  }
  return classes;
}

int64_t count_correct(Network& net, const Dataset& data) {
  const std::vector<int> predicted = predict_classes(net, data.inputs);
  int64_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == data.labels[i];
  return correct;
}

std::array<std::array<int64_t, 10>, 10> confusion_matrix(Network& net, const Dataset& data) {
  std::array<std::array<int64_t, 10>, 10> m{};
  const std::vector<int> predicted = predict_classes(net, data.inputs);
  for (std::size_t i = 0; i < predicted.size(); ++i)
    if (data.labels[i] < 10 && predicted[i] < 10) ++m[data.labels[i]][static_cast<std::size_t>(predicted[i])];
  return m;
}

}  // namespace neurite
