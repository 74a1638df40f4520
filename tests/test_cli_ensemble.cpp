// neurite ensemble: models of different kinds (a CNN on standardised pixels, an MLP on [0, 1])
// vote by their mean output; each is read its own way, and bad input fails cleanly.
#include <gtest/gtest.h>

#include <regex>

#include "neurite/io/model_file.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/conv2d.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/pool2d.h"
#include "test_support.h"

namespace neurite {
namespace {

std::string save_mlp(const std::string& dir) {
  Network net = make_mlp(MlpOptions{.sizes = {784, 20, 10}, .hidden = ActivationKind::ReLU,
                                    .output = ActivationKind::Softmax});
  Rng rng(1, 0);
  net.initialize({.kind = Initializer::Kind::He}, rng);
  const std::string path = dir + "/mlp.safetensors";
  save_model(path, net, ModelInfo{.scale = InputScale::Unit});
  return path;
}

std::string save_cnn(const std::string& dir) {
  Network net({1, 28, 28});
  net.add(std::make_unique<Conv2d>(Conv2dOptions{.in_channels = 1, .out_channels = 4, .kernel = {5, 5}}));
  net.add(std::make_unique<Activation>(ActivationKind::ReLU));
  net.add(std::make_unique<MaxPool2d>(Pool2dOptions{.kernel = {4, 4}}));
  net.add(std::make_unique<Flatten>());
  net.add(std::make_unique<Dense>(DenseOptions{.in = 144, .out = 10}));
  net.add(std::make_unique<Activation>(ActivationKind::Softmax));
  Rng rng(2, 0);
  net.initialize({.kind = Initializer::Kind::He}, rng);
  const std::string path = dir + "/cnn.safetensors";
  save_model(path, net, ModelInfo{.scale = InputScale::Standard});
  return path;
}

TEST(CliEnsemble, AveragesModelsOfDifferentKinds) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const std::string dir = testing::temp_dir();
  const std::string mlp = save_mlp(dir), cnn = save_cnn(dir);
  const auto run = testing::run_cli("ensemble " + mlp + " " + cnn + " --data " + testing::mnist_dir());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find(mlp + ": "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(cnn + ": "), std::string::npos) << run.output;
  EXPECT_TRUE(std::regex_search(run.output, std::regex(R"(ensemble of 2 models \(mean output\): \d+ / 10000)")))
      << run.output;
  // Each model's line agrees with eval's count for it.
  const auto eval = testing::run_cli("eval " + cnn + " --data " + testing::mnist_dir());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(eval.output, m, std::regex(R"((\d+) / 10000 correct)"))) << eval.output;
  EXPECT_NE(run.output.find(cnn + ": " + m[1].str() + " / 10000"), std::string::npos) << run.output << eval.output;
}

TEST(CliEnsemble, BadInputNamesTheProblem) {
  const std::string dir = testing::temp_dir();
  const std::string mlp = save_mlp(dir);
  testing::expect_one_line_error("ensemble " + mlp, "at least two models");
  testing::expect_one_line_error("ensemble " + mlp + " " + dir + "/missing.safetensors", dir + "/missing.safetensors");
}

}  // namespace
}  // namespace neurite
