// Rashid's worked 3-3-3 example (seed 003): the network built from the book's weights gives the
// book's numbers, and the one digit where the book differs is explained by its rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "neurite/classic/rashid.h"
#include "neurite/error.h"
#include "neurite/layers/dense.h"

namespace neurite {
namespace {

std::vector<double> rounded3(std::vector<double> values) {
  for (double& v : values) v = std::round(v * 1000.0) / 1000.0;
  return values;
}

void expect_near(const std::vector<double>& got, const std::vector<double>& want, double tolerance) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tolerance) << "at " << i;
}

TEST(RashidExample, NetworkHasTheBooksShapeAndWeights) {
  Network net = make_rashid_network();
  ASSERT_EQ(net.layer_count(), 4u);  // dense, sigmoid, dense, sigmoid
  auto* first = dynamic_cast<Dense*>(&net.layer(0));
  ASSERT_NE(first, nullptr);
  EXPECT_FALSE(first->options().bias);
  EXPECT_FLOAT_EQ(first->weight()[0], 0.9f);  // row 0 = hidden neuron 0, column = input
  EXPECT_FLOAT_EQ(first->weight()[1], 0.3f);
  EXPECT_FLOAT_EQ(first->weight()[3], 0.2f);
  EXPECT_EQ(net.layer(1).type(), "sigmoid");
  EXPECT_TRUE(net.parameters().size() == 2u);  // two weight matrices, no biases
}

TEST(RashidExample, HiddenLayer) {
  const RashidExample e = run_rashid_example();
  expect_near(e.hidden_input, {1.16, 0.42, 0.62}, 1e-6);
  expect_near(e.hidden, {0.761, 0.603, 0.650}, 5e-4);
}

TEST(RashidExample, OutputLayer) {
  const RashidExample e = run_rashid_example();
  expect_near(e.output, {0.726, 0.709, 0.778}, 5e-4);
  EXPECT_NEAR(e.output[1], 0.7086, 1e-4);  // exact; the book prints 0.708
}

TEST(RashidExample, BooksRoundingExplainsItsNumbers) {
  // The book rounds O_hidden to three decimals before going on; doing the same reproduces its
  // X_output (0.975, 0.888, 1.254) and its 0.708.
  Network net = make_rashid_network();
  const std::vector<double> hidden = rounded3(run_rashid_example().hidden);
  expect_near(run_layers(net, 2, 3, hidden), {0.975, 0.888, 1.254}, 5e-4);
  const std::vector<double> output = run_layers(net, 2, 4, hidden);
  EXPECT_EQ(rounded3(output)[1], 0.708);
  EXPECT_NEAR(output[1], 0.7085, 1e-4);
}

TEST(RashidExample, WholeForwardMatchesLayerByLayer) {
  Network net = make_rashid_network();
  const RashidExample e = run_rashid_example();
  expect_near(run_layers(net, 0, 4, e.input), e.output, 1e-7);
}

// His train(), written out in double precision on the book's network: W_ho += lr (e o(1-o)) h^T
// and W_ih += lr ((W_ho^T e) h(1-h)) x^T, e = t - o.
TEST(RashidTrainStep, IsHisUpdateRule) {
  Network net = make_rashid_network();
  const double x[3] = {0.9, 0.1, 0.8}, t[3] = {0.01, 0.99, 0.01}, lr = 0.3;
  Tensor& w_ih = dynamic_cast<Dense&>(net.layer(0)).weight();
  Tensor& w_ho = dynamic_cast<Dense&>(net.layer(2)).weight();
  double ih[3][3], ho[3][3], h[3], o[3], e[3], eh[3] = {0, 0, 0};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) ih[r][c] = w_ih[r * 3 + c], ho[r][c] = w_ho[r * 3 + c];
  for (int r = 0; r < 3; ++r) h[r] = 1 / (1 + std::exp(-(ih[r][0] * x[0] + ih[r][1] * x[1] + ih[r][2] * x[2])));
  for (int r = 0; r < 3; ++r) o[r] = 1 / (1 + std::exp(-(ho[r][0] * h[0] + ho[r][1] * h[1] + ho[r][2] * h[2])));
  for (int k = 0; k < 3; ++k) e[k] = t[k] - o[k];
  for (int k = 0; k < 3; ++k)
    for (int j = 0; j < 3; ++j) eh[j] += ho[k][j] * e[k];
  const float xf[3] = {0.9f, 0.1f, 0.8f}, tf[3] = {0.01f, 0.99f, 0.01f};
  rashid_train_step(net, xf, tf, lr);
  double largest_change = 0;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      const double new_ho = ho[r][c] + lr * e[r] * o[r] * (1 - o[r]) * h[c];
      const double new_ih = ih[r][c] + lr * eh[r] * h[r] * (1 - h[r]) * x[c];
      EXPECT_NEAR(w_ho[r * 3 + c], new_ho, 1e-6) << "who " << r << "," << c;
      EXPECT_NEAR(w_ih[r * 3 + c], new_ih, 1e-6) << "wih " << r << "," << c;
      largest_change = std::max(largest_change, std::abs(new_ih - ih[r][c]));
    }
  EXPECT_GT(largest_change, 1e-3);
}

// His hidden update is not the exact gradient: backpropagation's step (SGD on 1/2 sum (t - o)^2)
// moves the output weights the same way and the hidden weights differently.
TEST(RashidTrainStep, DiffersFromBackpropagationOnlyInTheHiddenLayer) {
  Network his = make_rashid_network(), exact = make_rashid_network();
  const float x[3] = {0.9f, 0.1f, 0.8f}, t[3] = {0.01f, 0.99f, 0.01f};
  rashid_train_step(his, x, t, 0.3);
  exact.zero_grad();
  const Tensor input = Tensor::from({1, 3}, {x[0], x[1], x[2]});  // forward keeps a reference until backward
  const Tensor& out = exact.forward(input);
  exact.backward(Tensor::from({1, 3}, {out[0] - t[0], out[1] - t[1], out[2] - t[2]}));
  for (Parameter& p : exact.parameters())
    for (int64_t i = 0; i < p.value->size(); ++i) (*p.value)[i] -= 0.3f * (*p.grad)[i];
  const Tensor& his_ho = dynamic_cast<Dense&>(his.layer(2)).weight();
  const Tensor& exact_ho = dynamic_cast<Dense&>(exact.layer(2)).weight();
  const Tensor& his_ih = dynamic_cast<Dense&>(his.layer(0)).weight();
  const Tensor& exact_ih = dynamic_cast<Dense&>(exact.layer(0)).weight();
  double hidden_difference = 0;
  for (int64_t i = 0; i < 9; ++i) {
    EXPECT_NEAR(his_ho[i], exact_ho[i], 1e-6);
    hidden_difference = std::max(hidden_difference, static_cast<double>(std::abs(his_ih[i] - exact_ih[i])));
  }
  EXPECT_GT(hidden_difference, 1e-4);
}

TEST(RashidTrainStep, RefusesAnotherNetwork) {
  Network net = make_mlp({3, 3, 3}, ActivationKind::Sigmoid, /*bias=*/true);
  const float x[3] = {0, 0, 0};
  EXPECT_THROW(rashid_train_step(net, x, x, 0.1), Error);
}

}  // namespace
}  // namespace neurite
