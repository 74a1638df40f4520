// Recurrent layers against PyTorch (tests/fixtures/make_torch_rnn.py, run once with Debian's
// python3-torch): torch.nn.GRU, a bidirectional LSTM and a tanh RNN's weights load under
// neurite's names in the same layouts, and neurite reproduces PyTorch's softmax outputs, loss,
// input gradient and every parameter gradient to 1e-5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "neurite/cost.h"
#include "neurite/io/safetensors.h"
#include "neurite/network.h"
#include "test_support.h"

namespace neurite {
namespace {

constexpr double kTolerance = 1e-5;  // absolute for |PyTorch| <= 1, relative above

const SafetensorsFile& fixture() {
  static const SafetensorsFile file =
      read_safetensors(testing::source_dir() + "/tests/fixtures/torch_rnn.safetensors");
  return file;
}

void expect_matches(const Tensor& actual, const std::string& name) {
  testing::expect_matches_reference(actual, fixture().at(name), name, kTolerance);
}

// Builds network `which` ("last" or "steps") from the fixture, loads PyTorch's weights, runs
// forward, loss and backward, and compares everything.
void expect_matches_pytorch(const std::string& which) {
  const std::string prefix = which + ".";
  // The fixture's network ends in softmax; the log-likelihood cost takes the logits before it.
  const auto cost = make_cost("log-likelihood");
  Network net = Network::from_architecture(
      trained_architecture(nlohmann::json::parse(fixture().metadata.at("architecture." + which)), *cost));
  for (Parameter& p : net.parameters()) {
    const Tensor& t = fixture().at(prefix + p.name);
    ASSERT_EQ(t.shape(), p.value->shape()) << p.name;
    std::copy(t.data(), t.data() + t.size(), p.value->data());
  }
  net.zero_grad();
  const double loss = testing::compute_gradients(net, fixture().at(prefix + "input"), fixture().at(prefix + "target"),
                                                 *cost, /*want_input_grad=*/true);
  Tensor probabilities;
  cost->predict(net.output(), probabilities);
  expect_matches(probabilities, prefix + "output");
  const double torch_loss = fixture().at(prefix + "loss")[0];
  EXPECT_NEAR(loss, torch_loss, kTolerance * std::max(1.0, std::abs(torch_loss)));
  expect_matches(net.input_grad(), prefix + "grad.input");
  for (const Parameter& p : net.parameters()) expect_matches(*p.grad, prefix + "grad." + p.name);
}

TEST(TorchRecurrent, GruThenBidirectionalLstmLastStepReproducesPyTorch) { expect_matches_pytorch("last"); }

TEST(TorchRecurrent, TanhRnnWithADenseOnEveryStepReproducesPyTorch) { expect_matches_pytorch("steps"); }

}  // namespace
}  // namespace neurite
