// A tiny CNN made in PyTorch (tests/fixtures/make_torch_cnn.py, run once with Debian's
// python3-torch): neurite loads its weights under PyTorch's state_dict names and layouts and
// reproduces PyTorch's softmax outputs, loss and gradients, through both conv paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "neurite/cost.h"
#include "neurite/io/safetensors.h"
#include "neurite/layers/conv2d.h"
#include "neurite/network.h"
#include "test_support.h"

namespace neurite {
namespace {

// Per value: absolute for |PyTorch| <= 1, relative above (the loss). The fixture holds float64
// results rounded to float32, so this bounds neurite's own float32 error.
constexpr double kTolerance = 1e-5;

// Fixture tensors that are not parameters or their gradients.
const std::set<std::string> kData = {"input", "target", "output", "loss"};

const SafetensorsFile& fixture() {
  static const SafetensorsFile file =
      read_safetensors(testing::source_dir() + "/tests/fixtures/torch_cnn.safetensors");
  return file;
}

nlohmann::json fixture_architecture() { return nlohmann::json::parse(fixture().metadata.at("architecture")); }

// The fixture's parameter names: everything but the data and the "grad." tensors.
std::set<std::string> fixture_parameter_names() {
  std::set<std::string> names;
  for (const auto& [name, t] : fixture().tensors)
    if (!kData.contains(name) && !name.starts_with("grad.")) names.insert(name);
  return names;
}

// Copies each parameter from the fixture tensor of the same name, which must have its shape.
void load_weights(Network& net) {
  for (Parameter& p : net.parameters()) {
    const Tensor& t = fixture().at(p.name);
    ASSERT_EQ(t.shape(), p.value->shape()) << p.name;
    std::copy(t.data(), t.data() + t.size(), p.value->data());
  }
}

// Compares with the fixture tensor `name`, printing the largest difference for the record.
void expect_matches(const Tensor& actual, const std::string& name) {
  testing::expect_matches_reference(actual, fixture().at(name), name, kTolerance);
}

// Forward, loss and backward on the fixture's batch, everything checked against PyTorch.
void expect_matches_pytorch(bool reference_conv) {
  // The fixture's network ends in softmax; the log-likelihood cost takes the logits before it.
  const auto cost = make_cost("log-likelihood");
  Network net = Network::from_architecture(trained_architecture(fixture_architecture(), *cost));
  int convs = 0;
  for (std::size_t i = 0; i < net.layer_count(); ++i)
    if (auto* conv = dynamic_cast<Conv2d*>(&net.layer(i))) {
      conv->use_reference(reference_conv);
      ++convs;
    }
  ASSERT_EQ(convs, 2);
  load_weights(net);
  net.zero_grad();
  const double loss = testing::compute_gradients(net, fixture().at("input"), fixture().at("target"), *cost,
                                                 /*want_input_grad=*/true);
  Tensor probabilities;
  cost->predict(net.output(), probabilities);
  expect_matches(probabilities, "output");
  const double torch_loss = fixture().at("loss")[0];
  std::printf("  %-14s largest difference %.2e\n", "loss", std::abs(loss - torch_loss));
  EXPECT_NEAR(loss, torch_loss, kTolerance * std::max(1.0, std::abs(torch_loss)));
  expect_matches(net.input_grad(), "grad.input");
  for (const Parameter& p : net.parameters()) expect_matches(*p.grad, "grad." + p.name);
}

TEST(TorchInterop, FixtureDescribesTheSameNetwork) {
  const nlohmann::json architecture = fixture_architecture();
  Network net = Network::from_architecture(architecture);
  EXPECT_EQ(net.architecture(), architecture);  // neurite's own description, key for key
  // nn.Sequential's layers 0-9, then neurite's softmax, which PyTorch folds into its loss.
  ASSERT_EQ(net.layer_count(), 11u);
  EXPECT_EQ(net.layer(10).type(), "softmax");
  std::set<std::string> names;
  for (const Parameter& p : net.parameters()) names.insert(p.name);
  EXPECT_EQ(names, fixture_parameter_names());
}

TEST(TorchInterop, ParameterShapesArePyTorchs) {
  // Conv weights (out_c, in_c, kh, kw) and linear weights (out, in), as in PyTorch's state_dict.
  const std::map<std::string, Shape> expected = {
      {"0.weight", {3, 2, 3, 2}}, {"0.bias", {3}}, {"3.weight", {4, 3, 3, 3}}, {"3.bias", {4}},
      {"7.weight", {5, 8}},       {"7.bias", {5}}, {"9.weight", {3, 5}},       {"9.bias", {3}}};
  Network net = Network::from_architecture(fixture_architecture());
  ASSERT_EQ(net.parameters().size(), expected.size());
  for (const Parameter& p : net.parameters()) {
    ASSERT_TRUE(expected.contains(p.name)) << p.name;
    EXPECT_EQ(p.value->shape(), expected.at(p.name)) << p.name;
    EXPECT_EQ(p.grad->shape(), expected.at(p.name)) << p.name;
    EXPECT_EQ(fixture().at(p.name).shape(), expected.at(p.name)) << p.name;
    EXPECT_EQ(fixture().at("grad." + p.name).shape(), expected.at(p.name)) << p.name;
  }
}

TEST(TorchInterop, FastConvReproducesPyTorch) { expect_matches_pytorch(/*reference_conv=*/false); }

TEST(TorchInterop, ReferenceConvReproducesPyTorch) { expect_matches_pytorch(/*reference_conv=*/true); }

}  // namespace
}  // namespace neurite
