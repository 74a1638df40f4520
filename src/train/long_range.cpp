#include "neurite/train/long_range.h"

#include <cmath>

#include "neurite/cost.h"
#include "neurite/error.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/recurrent.h"
#include "neurite/optim/optimizer.h"

namespace neurite {

void make_adding_batch(int64_t batch, int64_t steps, Rng& rng, Tensor& x, Tensor& y) {
  require(steps >= 2, "the adding problem needs at least 2 steps, got " + std::to_string(steps));
  x.resize({batch, steps, 2});
  y.resize({batch, 1});
  x.fill(0.0f);
  const auto half = static_cast<uint64_t>(steps / 2);
  for (int64_t n = 0; n < batch; ++n) {
    float* seq = x.data() + n * steps * 2;
    for (int64_t t = 0; t < steps; ++t) seq[2 * t] = static_cast<float>(rng.uniform());
    const auto first = static_cast<int64_t>(rng.below(half));
    const auto second = static_cast<int64_t>(half + rng.below(static_cast<uint64_t>(steps) - half));
    seq[2 * first + 1] = 1.0f;
    seq[2 * second + 1] = 1.0f;
    y[n] = seq[2 * first] + seq[2 * second];
  }
}

Network build_long_range_network(const LongRangeOptions& o) {
  require(o.cell == "rnn" || o.cell == "lstm" || o.cell == "gru", "cell must be rnn, lstm or gru, got '" + o.cell + "'");
  require(o.hidden > 0 && o.batch > 0 && o.iterations > 0, "hidden size, batch and iterations must be positive");
  Network net({o.steps, 2}, {.init = {.kind = Initializer::Kind::PyTorch}, .seed = o.seed});
  net.add({{"type", o.cell}, {"hidden", o.hidden}, {"sequences", false}});
  net.add({{"type", "dense"}, {"out", 1}});
  return net;
}

namespace {

// Mean over the batch of |dL/dh_t| per input step t, from the recurrent layer's last backward.
std::vector<double> state_gradient_norms(const Recurrent& layer) {
  const Tensor& g = layer.state_gradients();  // (T, N, H), processing order = input order here
  const int64_t steps = g.dim(0), batch = g.dim(1), hidden = g.dim(2);
  std::vector<double> norms(static_cast<std::size_t>(steps), 0.0);
  for (int64_t t = 0; t < steps; ++t) {
    for (int64_t n = 0; n < batch; ++n) {
      double sum = 0;
      for (int64_t j = 0; j < hidden; ++j) sum += std::pow(g[(t * batch + n) * hidden + j], 2);
      norms[static_cast<std::size_t>(t)] += std::sqrt(sum) / static_cast<double>(batch);
    }
  }
  return norms;
}

}  // namespace

LongRangeResult train_long_range(const LongRangeOptions& o) {
  Network net = build_long_range_network(o);
  Rng data(o.seed, 9);
  const auto cost = make_cost("quadratic");
  const auto optimizer = make_optimizer({.rate = o.rate, .kind = AdamOptions{}});
  std::vector<Parameter> params = net.parameters();
  const auto& recurrent = dynamic_cast<const Recurrent&>(net.layer(0));
  LongRangeResult result;
  Tensor x, y;
  net.set_training(true);
  for (int64_t i = 0; i < o.iterations; ++i) {
    make_adding_batch(o.batch, o.steps, data, x, y);
    net.zero_grad();
    const Tensor& output = net.forward(x);
    const double loss = cost->value(output, y);
    cost->gradient(output, y, net.output_grad());
    net.backward();
    require(std::isfinite(loss), "training diverged at batch " + std::to_string(i) + ": loss " + std::to_string(loss));
    if (i == 0) result.first_gradient_norms = state_gradient_norms(recurrent);
    if (i == o.iterations - 1) result.last_gradient_norms = state_gradient_norms(recurrent);
    clip_gradients(params, o.clipping);
    optimizer->step(params);
  }
  net.set_training(false);
  Rng test(o.seed + 1000, 9);
  make_adding_batch(2000, o.steps, test, x, y);
  const Tensor& out = net.forward(x);
  double sum = 0;
  for (int64_t n = 0; n < 2000; ++n) sum += std::pow(out[n] - y[n], 2);
  result.test_mse = sum / 2000.0;
  return result;
}

}  // namespace neurite
