// Backquery on Rashid's 3-3-3 worked-example network (fixed weights, no biases): the library's
// answer against a plain double-precision transcription of the seed's steps, the same with biases,
// and the errors for layers that cannot be run backwards or targets without a finite logit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "neurite/classic/backquery.h"
#include "neurite/error.h"
#include "neurite/layers/dense.h"
#include "test_support.h"

namespace neurite {
namespace {

using Matrix = std::vector<std::vector<double>>;  // (out, in), like Dense::weight

// The two weight matrices of Rashid's worked example.
const Matrix kInputHidden = {{0.9, 0.3, 0.4}, {0.2, 0.8, 0.2}, {0.1, 0.5, 0.6}};
const Matrix kHiddenOutput = {{0.3, 0.7, 0.5}, {0.6, 0.5, 0.2}, {0.8, 0.1, 0.9}};

void set_dense(Network& net, std::size_t layer, const Matrix& w, const std::vector<double>& b = {}) {
  auto& dense = dynamic_cast<Dense&>(net.layer(layer));
  for (std::size_t o = 0; o < w.size(); ++o)
    for (std::size_t i = 0; i < w[o].size(); ++i)
      dense.weight()[static_cast<int64_t>(o * w[o].size() + i)] = static_cast<float>(w[o][i]);
  for (std::size_t o = 0; o < b.size(); ++o) dense.bias()[static_cast<int64_t>(o)] = static_cast<float>(b[o]);
}

Network rashid_net() {
  Network net = make_mlp({3, 3, 3}, ActivationKind::Sigmoid, /*bias=*/false);
  set_dense(net, 0, kInputHidden);
  set_dense(net, 2, kHiddenOutput);
  return net;
}

// The seed's backquery, step by step, in double precision.
std::vector<double> logit_all(std::vector<double> v) {
  for (double& x : v) x = std::log(x / (1.0 - x));
  return v;
}

std::vector<double> transpose_times(const Matrix& w, const std::vector<double>& y, const std::vector<double>& b) {
  std::vector<double> x(w[0].size(), 0.0);
  for (std::size_t o = 0; o < w.size(); ++o)
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += w[o][i] * (y[o] - (b.empty() ? 0.0 : b[o]));
  return x;
}

std::vector<double> rescale(std::vector<double> v) {
  const double lo = *std::min_element(v.begin(), v.end());
  for (double& x : v) x -= lo;
  const double hi = *std::max_element(v.begin(), v.end());
  for (double& x : v) x = x / hi * 0.98 + 0.01;
  return v;
}

std::vector<double> reference_backquery(const std::vector<double>& target, const std::vector<double>& b_ih = {},
                                        const std::vector<double>& b_ho = {}) {
  const std::vector<double> hidden = rescale(transpose_times(kHiddenOutput, logit_all(target), b_ho));
  return rescale(transpose_times(kInputHidden, logit_all(hidden), b_ih));
}

void expect_matches(const Tensor& got, const std::vector<double>& expected) {
  ASSERT_EQ(got.size(), static_cast<int64_t>(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(got[static_cast<int64_t>(i)], expected[i], 1e-5) << "input " << i;
}

void expect_error(const std::function<void()>& action, const std::string& part) {
  try {
    action();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(Backquery, MatchesTheSeedsStepsOnRashidsNetwork) {
  Network net = rashid_net();
  for (int label = 0; label < 3; ++label) {
    std::vector<double> target(3, 0.01);
    target[static_cast<std::size_t>(label)] = 0.99;
    const Tensor got = backquery(net, one_hot_target(3, label, {0.01f, 0.99f}));
    EXPECT_EQ(got.shape(), Shape{3});
    expect_matches(got, reference_backquery(target));
  }
}

TEST(Backquery, ResultSpansExactlyTheRescaledRange) {
  Network net = rashid_net();
  const Tensor got = backquery(net, Tensor::from({3}, {0.2f, 0.7f, 0.4f}));
  const auto [lo, hi] = std::minmax_element(got.span().begin(), got.span().end());
  EXPECT_NEAR(*lo, 0.01, 1e-6);
  EXPECT_NEAR(*hi, 0.99, 1e-6);
  expect_matches(got, reference_backquery({0.2, 0.7, 0.4}));
}

TEST(Backquery, SubtractsBiasesBeforeTheTranspose) {
  Network net = make_mlp({3, 3, 3}, ActivationKind::Sigmoid, /*bias=*/true);
  const std::vector<double> b_ih = {0.1, -0.2, 0.3}, b_ho = {-0.5, 0.25, 0.05};
  set_dense(net, 0, kInputHidden, b_ih);
  set_dense(net, 2, kHiddenOutput, b_ho);
  expect_matches(backquery(net, Tensor::from({3}, {0.01f, 0.01f, 0.99f})),
                 reference_backquery({0.01, 0.01, 0.99}, b_ih, b_ho));
}

TEST(Backquery, RefusesLayersOtherThanDenseAndSigmoid) {
  Network relu = make_mlp({3, 3, 3}, ActivationKind::ReLU);
  expect_error([&] { backquery(relu, Tensor({3}, 0.5f)); }, "layer 3 (relu)");
  Network tanh_net = make_mlp({3, 4}, ActivationKind::Tanh);
  expect_error([&] { backquery(tanh_net, Tensor({4}, 0.5f)); }, "layer 1 (tanh)");
}

TEST(Backquery, RefusesTargetsWithoutAFiniteLogit) {
  Network net = rashid_net();
  expect_error([&] { backquery(net, one_hot_target(3, 1, {0.0f, 1.0f})); }, "strictly between 0 and 1");
  expect_error([&] { backquery(net, Tensor({4}, 0.5f)); }, "4 values");
}

TEST(Backquery, OneHotTargetChecksTheLabel) {
  const Tensor t = one_hot_target(4, 2, {0.1f, 0.9f});
  EXPECT_EQ(t.shape(), Shape{4});
  EXPECT_FLOAT_EQ(t[0], 0.1f);
  EXPECT_FLOAT_EQ(t[2], 0.9f);
  expect_error([] { one_hot_target(10, 10, {}); }, "label 10");
}

TEST(Backquery, ImageDrawsLargeValuesAsDarkInk) {
  const GrayImage image = backquery_image(Tensor::from({4}, {0.01f, 0.99f, 0.75f, 0.01f}), 2, 2);
  EXPECT_EQ(image.width, 2);
  EXPECT_EQ(image.height, 2);
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{255, 0, 62, 255}));
  expect_error([] { backquery_image(Tensor({5}), 2, 2); }, "5 values");
}

}  // namespace
}  // namespace neurite
