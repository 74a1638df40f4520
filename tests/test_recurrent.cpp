// Recurrent layers: seed 002's RecurrentLayer gradient check, gradient checks of every cell and
// wrapper over several steps and batch sizes, truncated against full BPTT, and round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "neurite/cost.h"
#include "neurite/gradcheck.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/recurrent.h"
#include "neurite/network.h"
#include "neurite/ops/gemm.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::random_tensor;

// ---- Seed 002's check ------------------------------------------------------------------

// The seed's RecurrentLayer(3 inputs, 2 state units, identity) reads x1 = [1, 2, 3] and
// x2 = [2, 3, 4]; the error is the sum of the last state's outputs. Every weight is nudged by
// +-1e-3 and the central difference compared with BPTT's gradient, as the seed does for W (here
// for U and the biases too).
TEST(RecurrentSeedCheck, IdentityLayerOverTwoStepsMatchesCentralDifferences) {
  Recurrent rnn({.cell = CellKind::Rnn, .in = 3, .hidden = 2, .activation = ActivationKind::Identity,
                 .sequences = false});
  Rng rng(1, 0);
  rnn.initialize({}, rng);
  // The seed starts from U(-1e-4, 1e-4); larger weights make the check more demanding.
  for (Parameter& p : rnn.parameters())
    for (float& v : p.value->span()) v = static_cast<float>(rng.uniform(-0.5, 0.5));
  const Tensor x = Tensor::from({1, 2, 3}, {1, 2, 3, 2, 3, 4});
  auto error_of = [&] {
    Tensor y;
    rnn.forward(x, y);
    double sum = 0;
    for (float v : y.span()) sum += v;
    return sum;
  };
  Tensor y;
  rnn.forward(x, y);
  for (Parameter& p : rnn.parameters()) p.grad->fill(0.0f);
  rnn.backward(x, y, Tensor({1, 2}, 1.0f), nullptr);  // dE/dy = 1 for a sum
  const double eps = 1e-3;
  for (Parameter& p : rnn.parameters())
    for (int64_t i = 0; i < p.value->size(); ++i) {
      float& w = (*p.value)[i];
      const float saved = w;
      w = static_cast<float>(saved + eps);
      const double plus = error_of();
      w = static_cast<float>(saved - eps);
      const double minus = error_of();
      w = saved;
      const double expected = (plus - minus) / (2 * eps);
      EXPECT_NEAR((*p.grad)[i], expected, 2e-3 * std::max(1.0, std::abs(expected))) << p.name << "[" << i << "]";
    }
}

// ---- Gradient checks through whole networks ------------------------------------------

struct RecurrentCase {
  const char* name;
  std::vector<RecurrentOptions> layers;  // stacked in order; `in` is filled in
  bool bidirectional_first = false;
  int64_t batch = 3, steps = 5, features = 4, classes = 3;
};

// x (N, T, F) -> recurrent layers -> dense(classes) on every step (or on the last) -> softmax,
// with log-likelihood against random one-hot targets.
Network build(const RecurrentCase& c, uint64_t seed) {
  Network net({c.steps, c.features});
  int64_t in = c.features;
  bool sequence_out = true;
  for (std::size_t i = 0; i < c.layers.size(); ++i) {
    RecurrentOptions options = c.layers[i];
    options.in = in;
    if (i == 0 && c.bidirectional_first) {
      net.add(std::make_unique<Bidirectional>(options));
      in = 2 * options.hidden;
    } else {
      net.add(std::make_unique<Recurrent>(options));
      in = options.hidden;
    }
    sequence_out = options.sequences;
  }
  net.add(std::make_unique<Dense>(DenseOptions{.in = in, .out = c.classes}));
  net.add(std::make_unique<Activation>(ActivationKind::Softmax));
  Rng rng(seed, 2);
  net.initialize({.kind = Initializer::Kind::Xavier}, rng);
  // Bigger recurrent weights than the default make later steps depend strongly on earlier ones.
  for (Parameter& p : net.parameters())
    if (p.name.find("weight_hh") != std::string::npos)
      for (float& v : p.value->span()) v *= 2.0f;
  (void)sequence_out;
  return net;
}

Tensor one_hot_targets(const Shape& shape, uint64_t seed) {
  Tensor y(shape, 0.0f);
  const int64_t classes = shape.back(), rows = y.size() / classes;
  Rng rng(seed, 5);
  for (int64_t r = 0; r < rows; ++r) y[r * classes + static_cast<int64_t>(rng.below(static_cast<uint64_t>(classes)))] = 1.0f;
  return y;
}

class RecurrentGradCheck : public ::testing::TestWithParam<RecurrentCase> {};

TEST_P(RecurrentGradCheck, BackpropagationThroughTimeMatchesCentralDifferences) {
  const RecurrentCase& c = GetParam();
  Network net = build(c, 7);
  const Tensor x = random_tensor({c.batch, c.steps, c.features}, 11);
  Shape out = net.output_shape();
  out.insert(out.begin(), c.batch);
  const Tensor y = one_hot_targets(out, 13);
  const auto cost = make_cost("log-likelihood");
  const GradCheckReport report = gradient_check(net, *cost, x, y);
  EXPECT_TRUE(report.passed) << c.name << "\n" << report.describe();
}

RecurrentOptions rnn(int64_t hidden, ActivationKind f = ActivationKind::Tanh, bool sequences = true) {
  return {.cell = CellKind::Rnn, .hidden = hidden, .activation = f, .sequences = sequences};
}
RecurrentOptions lstm(int64_t hidden, bool sequences = true) {
  return {.cell = CellKind::Lstm, .hidden = hidden, .sequences = sequences, .forget_bias = 0.5f};
}
RecurrentOptions gru(int64_t hidden, bool sequences = true) {
  return {.cell = CellKind::Gru, .hidden = hidden, .sequences = sequences};
}

INSTANTIATE_TEST_SUITE_P(
    Layers, RecurrentGradCheck,
    ::testing::Values(RecurrentCase{"rnn_tanh", {rnn(4)}},
                      RecurrentCase{"rnn_relu_last_step", {rnn(5, ActivationKind::ReLU, false)}, false, 2, 6},
                      RecurrentCase{"lstm", {lstm(4)}},
                      RecurrentCase{"lstm_last_step_batch1", {lstm(3, false)}, false, 1, 7},
                      RecurrentCase{"gru", {gru(4)}},
                      RecurrentCase{"gru_last_step", {gru(5, false)}, false, 4, 4},
                      RecurrentCase{"bidirectional_lstm", {lstm(3)}, true},
                      RecurrentCase{"bidirectional_gru_last_step", {gru(3, false)}, true, 2, 5},
                      RecurrentCase{"stacked_gru_lstm", {gru(4), lstm(3)}},
                      RecurrentCase{"stacked_bidirectional_rnn_lstm", {rnn(3), lstm(4, false)}, true, 2, 6}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// The check must catch a wrong recurrent gradient: an LSTM whose backward loses 5% of the
// recurrent weight gradient fails, with the blame on weight_hh.
class BrokenLstm : public Recurrent {
 public:
  using Recurrent::Recurrent;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override {
    Tensor before = *parameters()[1].grad;
    Recurrent::backward(x, y, dy, dx);
    Tensor& dw = *parameters()[1].grad;
    for (int64_t i = 0; i < dw.size(); ++i) dw[i] = before[i] + 0.95f * (dw[i] - before[i]);
  }
};

TEST(RecurrentGradCheck, CatchesAWrongRecurrentWeightGradient) {
  Network net({5, 4});
  RecurrentOptions options = lstm(4);
  options.in = 4;
  net.add(std::make_unique<BrokenLstm>(options));
  net.add(std::make_unique<Dense>(DenseOptions{.in = 4, .out = 3}));
  net.add(std::make_unique<Activation>(ActivationKind::Softmax));
  Rng rng(3, 2);
  net.initialize({.kind = Initializer::Kind::Xavier}, rng);
  for (float& v : net.parameters()[1].value->span()) v *= 2.0f;
  const Tensor x = random_tensor({3, 5, 4}, 11);
  const auto cost = make_cost("log-likelihood");
  const GradCheckReport report = gradient_check(net, *cost, x, one_hot_targets({3, 5, 3}, 13));
  EXPECT_FALSE(report.passed) << report.describe();
  bool blamed = false;
  for (const GradCheckEntry& e : report.entries)
    if (e.name == "0.weight_hh") blamed = e.max_error > 1e-2;
  EXPECT_TRUE(blamed) << report.describe();
}

// ---- Truncated BPTT --------------------------------------------------------------------

// Gradients of all parameters after one backward with dL/dy given.
std::vector<Tensor> gradients_of(Recurrent& layer, const Tensor& x, const Tensor& dy) {
  for (Parameter& p : layer.parameters()) p.grad->fill(0.0f);
  Tensor y;
  layer.forward(x, y);
  layer.backward(x, y, dy, nullptr);
  std::vector<Tensor> grads;
  for (Parameter& p : layer.parameters()) grads.push_back(*p.grad);
  return grads;
}

void copy_weights(Recurrent& from, Recurrent& to) {
  auto a = from.parameters(), b = to.parameters();
  for (std::size_t i = 0; i < a.size(); ++i) *b[i].value = *a[i].value;
}

// A window at least as long as the sequence is full BPTT.
TEST(TruncatedBptt, AWindowAsLongAsTheSequenceIsFullBptt) {
  for (CellKind cell : {CellKind::Rnn, CellKind::Lstm, CellKind::Gru}) {
    Recurrent full({.cell = cell, .in = 3, .hidden = 4});
    Recurrent truncated({.cell = cell, .in = 3, .hidden = 4, .bptt = 6});
    Rng rng(5, 1);
    full.initialize({}, rng);
    copy_weights(full, truncated);
    const Tensor x = random_tensor({2, 6, 3}, 3), dy = random_tensor({2, 6, 4}, 4);
    const auto a = gradients_of(full, x, dy), b = gradients_of(truncated, x, dy);
    for (std::size_t i = 0; i < a.size(); ++i)
      for (int64_t k = 0; k < a[i].size(); ++k) ASSERT_EQ(a[i][k], b[i][k]) << cell_name(cell);
  }
}

// Windows of k steps over 2k: the same gradients as two separate passes over the windows, the
// second starting from the state the first ended in, each with its own full BPTT.
TEST(TruncatedBptt, EqualsSeparateWindowsWithTheStateCarriedOver) {
  for (CellKind cell : {CellKind::Rnn, CellKind::Lstm, CellKind::Gru}) {
    const int64_t n = 2, k = 4, f = 3, h = 5;
    Recurrent truncated({.cell = cell, .in = f, .hidden = h, .bptt = k});
    Recurrent windows({.cell = cell, .in = f, .hidden = h});
    Rng rng(9, 1);
    truncated.initialize({}, rng);
    copy_weights(truncated, windows);
    const Tensor x = random_tensor({n, 2 * k, f}, 3), dy = random_tensor({n, 2 * k, h}, 4);
    const auto whole = gradients_of(truncated, x, dy);
    // The two halves of x and dy along time.
    auto half = [&](const Tensor& t, int64_t part, int64_t width) {
      Tensor out({n, k, width});
      for (int64_t i = 0; i < n; ++i)
        for (int64_t s = 0; s < k; ++s)
          for (int64_t j = 0; j < width; ++j) out[(i * k + s) * width + j] = t[(i * 2 * k + part * k + s) * width + j];
      return out;
    };
    windows.keep_state(true);
    const auto first = gradients_of(windows, half(x, 0, f), half(dy, 0, h));
    const auto second = gradients_of(windows, half(x, 1, f), half(dy, 1, h));
    for (std::size_t i = 0; i < whole.size(); ++i)
      for (int64_t j = 0; j < whole[i].size(); ++j)
        ASSERT_NEAR(whole[i][j], first[i][j] + second[i][j], 1e-5f * (1.0f + std::abs(whole[i][j])))
            << cell_name(cell) << " parameter " << i << " entry " << j;
  }
}

// ---- Threads, configs ------------------------------------------------------------------

// Bit identity across thread counts holds in GCC and clang Release builds; in the sanitizer build
// the two agree to a relative 1e-5 (NEURITE_TEST_SANITIZED in test_support.h).
TEST(Recurrent, SameBitsOnOneAndTwoThreads) {
  for (CellKind cell : {CellKind::Rnn, CellKind::Lstm, CellKind::Gru}) {
    std::vector<Tensor> results[2];
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      Recurrent layer({.cell = cell, .in = 40, .hidden = 96});
      Rng rng(2, 1);
      layer.initialize({}, rng);
      const Tensor x = random_tensor({32, 9, 40}, 3), dy = random_tensor({32, 9, 96}, 4);
      results[threads - 1] = gradients_of(layer, x, dy);
    }
    set_num_threads(2);
    for (std::size_t i = 0; i < results[0].size(); ++i)
      for (int64_t j = 0; j < results[0][i].size(); ++j)
#if defined(NEURITE_TEST_SANITIZED)
        ASSERT_NEAR(results[0][i][j], results[1][i][j], 1e-5f * (1.0f + std::abs(results[0][i][j]))) << cell_name(cell);
#else
        ASSERT_EQ(results[0][i][j], results[1][i][j]) << cell_name(cell);
#endif
  }
}

// A one-hot input (a character model's) takes no input-side products (Recurrent::find_hot_inputs):
// the same samples in a batch with one more that is not one-hot take them, and that sample's
// zero gradient adds only zeros to every sum. Outputs and gradients must agree bit for bit.
TEST(Recurrent, OneHotInputsGiveTheBitsOfTheProducts) {
  const int64_t n = 5, t_len = 6, f = 11, h = 20;
  for (CellKind cell : {CellKind::Rnn, CellKind::Lstm, CellKind::Gru})
    for (bool reverse : {false, true}) {
      Recurrent layer({.cell = cell, .in = f, .hidden = h, .reverse = reverse});
      Rng rng(3, 1);
      layer.initialize({}, rng);
      Tensor hot({n, t_len, f}), mixed({n + 1, t_len, f}), dy_mixed({n + 1, t_len, h});
      for (int64_t r = 0; r < n * t_len; ++r)  // every seventh row all zeros, as padding would be
        if (r % 7 != 3) hot[r * f + static_cast<int64_t>(rng.uniform(0.0, 1.0) * f) % f] = 1.0f;
      const Tensor extra = random_tensor({1, t_len, f}, 5), dy = random_tensor({n, t_len, h}, 6);
      std::copy_n(hot.data(), hot.size(), mixed.data());
      std::copy_n(extra.data(), extra.size(), mixed.data() + hot.size());
      std::copy_n(dy.data(), dy.size(), dy_mixed.data());  // the extra sample's gradient stays 0
      const std::vector<Tensor> by_rows = gradients_of(layer, hot, dy);
      Tensor y_hot, y_mixed;
      layer.forward(hot, y_hot);
      const std::vector<Tensor> by_products = gradients_of(layer, mixed, dy_mixed);
      layer.forward(mixed, y_mixed);
      const std::string what = cell_name(cell) + (reverse ? " reversed" : "");
      // The sanitizer build (clang) rounds a sample's cell differently with the batch around it,
      // as it does across thread counts (SameBitsOnOneAndTwoThreads): there the two agree to 1e-5.
      const auto same = [](float a, float b) {
#if defined(NEURITE_TEST_SANITIZED)
        return std::abs(a - b) <= 1e-5f * (1.0f + std::abs(a));
#else
        return a == b;
#endif
      };
      for (int64_t j = 0; j < y_hot.size(); ++j)
        ASSERT_TRUE(same(y_hot[j], y_mixed[j])) << what << " output " << j << ": " << y_hot[j] << " vs " << y_mixed[j];
      for (std::size_t i = 0; i < by_rows.size(); ++i)
        for (int64_t j = 0; j < by_rows[i].size(); ++j)
          ASSERT_TRUE(same(by_rows[i][j], by_products[i][j]))
              << what << " parameter " << i << " entry " << j << ": " << by_rows[i][j] << " vs " << by_products[i][j];
    }
}

TEST(Recurrent, ConfigRebuildsTheSameLayer) {
  for (bool bidirectional : {false, true}) {
    RecurrentOptions options{.cell = CellKind::Gru, .in = 3, .hidden = 4, .sequences = false, .bptt = 3};
    LayerPtr layer = bidirectional ? LayerPtr(std::make_unique<Bidirectional>(options))
                                   : LayerPtr(std::make_unique<Recurrent>(options));
    Rng rng(4, 1);
    layer->initialize({}, rng);
    LayerPtr copy = make_layer(layer->config());
    EXPECT_EQ(copy->config(), layer->config());
    auto a = layer->parameters(), b = copy->parameters();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].name, b[i].name);
      *b[i].value = *a[i].value;
    }
    const Tensor x = random_tensor({2, 5, 3}, 1);
    Tensor ya, yb;
    layer->forward(x, ya);
    copy->forward(x, yb);
    ASSERT_EQ(ya.shape(), yb.shape());
    for (int64_t i = 0; i < ya.size(); ++i) EXPECT_EQ(ya[i], yb[i]);
  }
}

TEST(Recurrent, BadOptionsAndShapesGetOneClearLine) {
  auto error_of = [](auto make) {
    try {
      make();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of([] { Recurrent({.cell = CellKind::Lstm, .in = 3, .hidden = 0}); }).find("positive sizes"),
            std::string::npos);
  EXPECT_NE(error_of([] { Recurrent({.cell = CellKind::Rnn, .in = 3, .hidden = 2, .activation = ActivationKind::Softmax}); })
                .find("tanh, relu or identity"),
            std::string::npos);
  EXPECT_NE(error_of([] { Recurrent({.cell = CellKind::Gru, .in = 3, .hidden = 2, .bptt = -1}); }).find("bptt"),
            std::string::npos);
  Recurrent layer({.cell = CellKind::Lstm, .in = 3, .hidden = 2});
  Tensor y;
  EXPECT_NE(error_of([&] { layer.forward(Tensor({2, 4, 5}), y); }).find("(N, T, 3)"), std::string::npos);
  EXPECT_NE(error_of([&] { layer.output_shape({4, 5}); }).find("(steps, 3)"), std::string::npos);
}

}  // namespace
}  // namespace neurite
