// Rashid's worked 3-3-3 example (seed 003): the network built from the book's weights gives the
// book's numbers, and the one digit where the book differs is explained by its rounding.
#include <gtest/gtest.h>

#include <cmath>

#include "neurite/classic/rashid.h"
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

}  // namespace
}  // namespace neurite
