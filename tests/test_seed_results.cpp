// The seeds' MNIST results, asserted on the real data through the CLI (slow: about three minutes).
//   - Nielsen's 784-30-10 (sigmoid, quadratic, batch 10, eta 3.0, 30 epochs): best test accuracy
//     >= 95.0% with the default seed and >= 94.5% with three other seeds;
//   - Rashid's 784-200-10 (no biases, rate 0.1, per-sample updates, inputs 0.01-1.00, targets
//     0.01 / 0.99, all 60,000 images): >= 97.0% after 5 epochs;
//   - chapter 3 (models/nielsen-ch3.json) >= 98.0% and seed 003 with rotations
//     (models/rashid-rotations.json) >= 97.8% on the test images.
#include <gtest/gtest.h>

#include <regex>

#include "test_support.h"

namespace neurite {
namespace {

// The "best: N / 10000" line that train prints at the end.
long best_correct(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex(R"(best: (\d+) / 10000)"))) return -1;
  return std::stol(m[1]);
}

testing::CommandResult nielsen(int seed) {
  return testing::run_cli("train --layers 784,30,10 --epochs 30 --batch 10 --rate 3.0 --cost quadratic --seed " +
                          std::to_string(seed) + " --data " + testing::mnist_dir());
}

TEST(SeedResults, NielsenDefaultSeedReaches95Percent) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const auto run = testing::run_cli("train --data " + testing::mnist_dir());  // every default
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_GE(best_correct(run.output), 9500) << run.output;
}

TEST(SeedResults, NielsenOtherSeedsReach94Point5Percent) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  for (int seed : {2, 3, 4}) {
    const auto run = nielsen(seed);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_GE(best_correct(run.output), 9450) << "seed " << seed << "\n" << run.output;
  }
}

TEST(SeedResults, RashidReaches97PercentAfterFiveEpochs) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const auto run = testing::run_cli(
      "train --layers 784,200,10 --rate 0.1 --batch 1 --targets 0.01,0.99 --scale rashid --init rashid "
      "--no-bias --train-size 60000 --epochs 5 --data " + testing::mnist_dir());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(run.output, m, std::regex(R"(Epoch 4: (\d+) / 10000)"))) << run.output;
  EXPECT_GE(std::stol(m[1]), 9700) << run.output;
}

}  // namespace
}  // namespace neurite

// Chapter 3's results from the model spec files (about 100 s together).
namespace neurite {
namespace {

// The test accuracy of the last epoch: the last "test  cost ... accuracy N / 10000" line that
// --monitor prints, or the last "Epoch j: N / 10000" line when test is the watched set.
long last_match(const std::string& output, const std::regex& pattern) {
  long last = -1;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), pattern); it != std::sregex_iterator(); ++it)
    last = std::stol((*it)[1]);
  return last;
}

TEST(SeedResults, NielsenChapterThreeSpecReaches98PercentOnTest) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const auto run = testing::run_cli("train --spec " + testing::source_dir() + "/models/nielsen-ch3.json --data " +
                                    testing::mnist_dir());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_GE(last_match(run.output, std::regex(R"(test +cost [0-9.]+ +accuracy (\d+) / 10000)")), 9800) << run.output;
}

TEST(SeedResults, RashidWithRotationsReaches97Point8Percent) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const auto run = testing::run_cli("train --spec " + testing::source_dir() + "/models/rashid-rotations.json --data " +
                                    testing::mnist_dir());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_GE(last_match(run.output, std::regex(R"(Epoch \d+: (\d+) / 10000)")), 9780) << run.output;
}

// Seed 001's CNN, one epoch of its two (about 10 s on 2 cores): 98.85% measured on the AVX-512
// machine (2026-12-04); the floor leaves room for another CPU's rounding. The saved model
// evaluates the same.
TEST(SeedResults, SeedCnnReaches98Point6PercentAfterOneEpoch) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const std::string model = testing::temp_dir() + "/cnn.safetensors";
  const auto run = testing::run_cli("train --model " + testing::source_dir() + "/models/seed001-cnn.json --epochs 1 --data " +
                                    testing::mnist_dir() + " --out " + model);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const long correct = last_match(run.output, std::regex(R"(Epoch 0: (\d+) / 10000)"));
  EXPECT_GE(correct, 9860) << run.output;
  const auto eval = testing::run_cli("eval " + model + " --data " + testing::mnist_dir());
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_EQ(last_match(eval.output, std::regex(R"((\d+) / 10000 correct)")), correct) << eval.output;
}

// The speed run's spec (issue 20): 10 seeds on the AVX-512 machine gave 99.03% to 99.18%, mean
// 99.10% (bench/speedrun.sh). Its one-cycle schedule starts the second epoch, half way through
// the run, at 0.02 (1 + cos(pi 0.3 / 0.8)) / 2 = 0.0138; the test set is evaluated only after it.
TEST(SeedResults, SpeedRunReaches98Point8PercentInTwoEpochs) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const auto run = testing::run_cli("train --model " + testing::source_dir() + "/models/speedrun.json --data " +
                                    testing::mnist_dir());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("Epoch 1: "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(", rate 0.0138)"), std::string::npos) << run.output;
  EXPECT_GE(last_match(run.output, std::regex(R"(Epoch 1: (\d+) / 10000)")), 9880) << run.output;
}

}  // namespace
}  // namespace neurite
