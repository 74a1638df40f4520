// The neurite command: help for every subcommand, and every bad flag value, missing file or
// corrupt model giving a non-zero exit and exactly one line that names what was wrong. A failed
// training run never touches an existing model file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "neurite/io/model_file.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using testing::expect_one_line_error;
using testing::run_cli;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string good_model(const std::string& dir) {
  Network net = make_mlp({784, 30, 10}, ActivationKind::Sigmoid);
  Rng rng(1);
  net.initialize({}, rng);
  const std::string path = dir + "/good.safetensors";
  save_model(path, net, ModelInfo{.scale = InputScale::Unit});
  return path;
}

TEST(Cli, HelpForEverySubcommand) {
  for (const char* args : {"--help", "train --help", "eval --help", "gradcheck --help"}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << args << "\n" << r.output;
  }
  const auto top = run_cli("--help");
  for (const char* sub : {"train", "eval", "gradcheck"}) EXPECT_NE(top.output.find(sub), std::string::npos) << sub;
  EXPECT_NE(run_cli("train --help").output.find("--layers"), std::string::npos);
  EXPECT_NE(run_cli("eval --help").output.find("--set"), std::string::npos);
  const auto version = run_cli("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("neurite"), std::string::npos);
}

TEST(Cli, UnknownCommandsAndFlags) {
  expect_one_line_error("", "subcommand");
  expect_one_line_error("frobnicate", "frobnicate");
  expect_one_line_error("train --bogus", "--bogus");
  expect_one_line_error("eval", "model");
  expect_one_line_error("train --batch abc", "abc");
  expect_one_line_error("eval --set nowhere x.safetensors", "nowhere");
}

TEST(Cli, BadTrainValuesAreNamedBeforeAnyDataIsRead) {
  // --data points nowhere: each error must come from checking the flag, not from loading MNIST.
  const std::string nowhere = " --data /nonexistent/neurite-mnist";
  expect_one_line_error("train --batch 0" + nowhere, "--batch");
  expect_one_line_error("train --batch -3" + nowhere, "-3");
  expect_one_line_error("train --epochs 0" + nowhere, "--epochs");
  expect_one_line_error("train --rate -1" + nowhere, "-1");
  expect_one_line_error("train --rate 0" + nowhere, "rate");
  expect_one_line_error("train --rate nan" + nowhere, "rate");
  expect_one_line_error("train --layers ''" + nowhere, "--layers");
  expect_one_line_error("train --layers 784,abc,10" + nowhere, "'abc'");
  expect_one_line_error("train --layers 784,0,10" + nowhere, "'0'");
  expect_one_line_error("train --layers 784,2.5,10" + nowhere, "'2.5'");
  expect_one_line_error("train --layers 784" + nowhere, "784");
  expect_one_line_error("train --layers 100,30,10" + nowhere, "100");
  expect_one_line_error("train --layers 784,30,9" + nowhere, "9");
  expect_one_line_error("train --activation foo" + nowhere, "'foo'");
  expect_one_line_error("train --cost foo" + nowhere, "'foo'");
  expect_one_line_error("train --targets 0.9,0.1" + nowhere, "0.9,0.1");
  expect_one_line_error("train --targets 0.1" + nowhere, "0.1");
  expect_one_line_error("train --targets 0.1,x" + nowhere, "'x'");
  expect_one_line_error("train --scale big" + nowhere, "big");
  expect_one_line_error("train --init zeros" + nowhere, "zeros");
  expect_one_line_error("train --eval-on training" + nowhere, "training");
  expect_one_line_error("train --eval-every 0" + nowhere, "--eval-every");
}

TEST(Cli, MissingDataFolderIsNamed) {
  expect_one_line_error("train --data /nonexistent", "/nonexistent/");
  expect_one_line_error("eval --data /nonexistent " + good_model(testing::temp_dir()), "/nonexistent/");
}

TEST(Cli, EvalOnMissingOrCorruptModel) {
  const std::string dir = testing::temp_dir();
  expect_one_line_error("eval " + dir + "/missing.safetensors", dir + "/missing.safetensors");
  const std::string garbage = dir + "/garbage.safetensors";
  std::ofstream(garbage) << "this is not a model";
  expect_one_line_error("eval " + garbage, garbage);
  const std::string empty = dir + "/empty.safetensors";
  std::ofstream{empty};
  expect_one_line_error("eval " + empty, empty);
  const std::string truncated = dir + "/truncated.safetensors";
  const std::string good = read_text(good_model(dir));
  std::ofstream(truncated, std::ios::binary) << good.substr(0, good.size() / 2);
  expect_one_line_error("eval " + truncated, truncated);
  expect_one_line_error("eval " + dir, dir);  // a folder, not a file
  expect_one_line_error("gradcheck --model " + garbage, garbage);
}

TEST(Cli, FailedTrainingLeavesTheExistingModelByteIdentical) {
  const std::string dir = testing::temp_dir();
  const std::string model = good_model(dir);
  const std::string before = read_text(model);
  expect_one_line_error("train --epochs 1 --data " + dir + "/no-mnist-here --out " + model, "no-mnist-here");
  EXPECT_EQ(read_text(model), before);
  expect_one_line_error("train --batch 0 --out " + model, "--batch");
  EXPECT_EQ(read_text(model), before);
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST(Cli, DivergingTrainingLeavesTheExistingModelByteIdentical) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const std::string dir = testing::temp_dir();
  const std::string model = good_model(dir);
  const std::string before = read_text(model);
  const auto r = run_cli("train --data " + testing::mnist_dir() +
                         " --train-size 2000 --epochs 1 --activation identity --rate 1e30 --out " + model);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("diverged"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("epoch 0"), std::string::npos) << r.output;
  EXPECT_EQ(read_text(model), before);
}

TEST(Cli, GradcheckPasses) {
  for (const char* args : {"gradcheck", "gradcheck --activation tanh", "gradcheck --activation relu --seed 2",
                           "gradcheck --cost cross-entropy", "gradcheck --layers 4,3,2 --batch 2",
                           "gradcheck --activation tanh --output softmax --cost log-likelihood",
                           "gradcheck --activation relu --output softmax --cost log-likelihood --dropout 0.3 --seed 4"}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("PASS"), std::string::npos) << args << "\n" << r.output;
    EXPECT_EQ(r.output.find("FAIL"), std::string::npos) << args << "\n" << r.output;
  }
  const auto model = run_cli("gradcheck --max-per-tensor 20 --model " + good_model(testing::temp_dir()));
  EXPECT_EQ(model.exit_code, 0) << model.output;
  EXPECT_NE(model.output.find("PASS"), std::string::npos) << model.output;
}

// Seed 3 puts a ReLU output's input 0.0004 from the kink, inside every default step (>= 1e-3),
// so a correct backprop reads as 9% wrong; a step of 1e-4 agrees to 3e-3.
TEST(Cli, GradcheckReluNearTheKinkIsNotAFalseFailure) {
  const auto r = run_cli("gradcheck --activation relu --seed 3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("PASS"), std::string::npos) << r.output;
}

TEST(Cli, GradcheckFailsWhenTheToleranceCannotBeMet) {
  const auto r = run_cli("gradcheck --tolerance 0");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("FAIL"), std::string::npos) << r.output;
  expect_one_line_error("gradcheck --batch 0", "--batch");
  expect_one_line_error("gradcheck --cost foo", "'foo'");
}

TEST(Cli, QuickTrainSaveAndEval) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const std::string dir = testing::temp_dir();
  const std::string model = dir + "/quick.safetensors";
  const auto train = run_cli("train --data " + testing::mnist_dir() + " --train-size 2000 --epochs 1 --out " + model);
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_NE(train.output.find("Epoch 0: "), std::string::npos) << train.output;
  EXPECT_NE(train.output.find("saved " + model), std::string::npos) << train.output;
  const auto eval = run_cli("eval --data " + testing::mnist_dir() + " " + model);
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("/ 10000 correct"), std::string::npos) << eval.output;
  EXPECT_NE(eval.output.find("confusion matrix"), std::string::npos) << eval.output;
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
}

}  // namespace
}  // namespace neurite
