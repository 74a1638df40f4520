// The seed subcommands print the seeds' numbers: perceptron, linear-unit, rashid-example, and
// the csv export / check pair.
#include <gtest/gtest.h>

#include <fstream>

#include "neurite/data/csv.h"
#include "neurite/data/idx.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::run_cli;

void expect_contains(const std::string& output, const std::string& text) {
  EXPECT_NE(output.find(text), std::string::npos) << "missing \"" << text << "\" in:\n" << output;
}

TEST(CliSeeds, Perceptron) {
  const auto r = run_cli("perceptron");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* text : {"weights: [0.1, 0.2]", "bias: -0.2", "1 and 1 = 1", "0 and 0 = 0", "1 and 0 = 0",
                           "0 and 1 = 0"})
    expect_contains(r.output, text);
}

TEST(CliSeeds, PerceptronWithoutTrainingLearnsNothing) {
  const auto r = run_cli("perceptron --iterations 0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_contains(r.output, "weights: [0.0, 0.0]");
  expect_contains(r.output, "1 and 1 = 0");
}

TEST(CliSeeds, LinearUnit) {
  const auto r = run_cli("linear-unit");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* text : {"weights: [1124.0635]", "bias: 85.4853", "Work 3.4 years, monthly salary = 3907.30",
                           "Work 15 years, monthly salary = 16946.44", "Work 1.5 years, monthly salary = 1771.58",
                           "Work 6.3 years, monthly salary = 7167.09"})
    expect_contains(r.output, text);
}

TEST(CliSeeds, RashidExample) {
  const auto r = run_cli("rashid-example");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_contains(r.output, "O_hidden = [0.761, 0.603, 0.650]");
  expect_contains(r.output, "O_output = [0.726, 0.709, 0.778]");
  expect_contains(r.output, "0.7086");
  expect_contains(r.output, "O_output = [0.726, 0.708, 0.778]");  // the book's rounding
}

// The Backprop stepper in text: Mazur's numbers to the digits he prints, Rashid's forward pass.
TEST(CliSeeds, BackpropWorksMazursAndRashidsExamples) {
  const auto mazur = run_cli("backprop");
  ASSERT_EQ(mazur.exit_code, 0) << mazur.output;
  for (const char* text : {"z = w1 a1 + w2 a2 + b = 0.0075 + 0.02 + 0.35 = 0.3775, a = 0.593269992", "total: 0.298371109",
                           "w5       0.4 -> 0.35891648", "w1       0.15 -> 0.149780716", "w8       0.55 -> 0.561370121",
                           "(the biases are left as they are)", "BP1", "BP2", "BP3, BP4"})
    expect_contains(mazur.output, text);
  const auto rashid = run_cli("backprop rashid");
  ASSERT_EQ(rashid.exit_code, 0) << rashid.output;
  for (const char* text : {"a = 0.726303345", "a = 0.708598072", "a = 0.77809706", "outputs 0.726, 0.708, 0.778"})
    expect_contains(rashid.output, text);
  const auto json = run_cli("backprop mazur --json");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  expect_contains(json.output, "\"total_error\": 0.2983711");
  const std::string path = testing::temp_dir() + "/example.json";
  std::ofstream(path) << R"({"inputs": [1], "targets": [0.5, 0.2], "weights": [[[1]]], "rate": 1})";
  testing::expect_one_line_error("backprop " + path, "example.json: \"targets\" must hold one number per output, 1, not 2");
  std::ofstream(path) << R"({"inputs": [1], "targets": [0.5], "weights": [[[1]]], "rate": 1})";
  const auto own = run_cli("backprop " + path);
  ASSERT_EQ(own.exit_code, 0) << own.output;
  expect_contains(own.output, "z = w[1]11 a1 = 1 = 1, a = 0.731058579");
}

TEST(CliSeeds, HelpForEachCommand) {
  for (const char* command : {"perceptron", "linear-unit", "rashid-example", "backprop", "csv", "csv export", "csv check"}) {
    const auto r = run_cli(std::string(command) + " --help");
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.output;
    expect_contains(r.output, "Usage");
  }
}

TEST(CliSeeds, BadOptionIsAnError) {
  const auto r = run_cli("perceptron --iterations -3");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  expect_contains(r.output, "--iterations");
}

// A tiny MNIST folder (test set of three 28x28 images) so export runs without the real data.
std::string tiny_mnist(const std::string& dir) {
  IdxArray images{{3, 28, 28}, std::vector<uint8_t>(3 * 784)};
  for (std::size_t i = 0; i < images.data.size(); ++i) images.data[i] = static_cast<uint8_t>(i % 256);
  write_idx(dir + "/t10k-images-idx3-ubyte", images);
  write_idx(dir + "/t10k-labels-idx1-ubyte", {{3}, {7, 2, 7}});
  return dir;
}

TEST(CliSeeds, CsvExportThenCheck) {
  const std::string dir = tiny_mnist(testing::temp_dir());
  const std::string csv = dir + "/test.csv";
  auto r = run_cli("csv export --data " + dir + " --set test --out " + csv);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_contains(r.output, "wrote 3 test images");
  const CsvDigits digits = read_mnist_csv(csv);
  EXPECT_EQ(digits.labels, (std::vector<uint8_t>{7, 2, 7}));
  EXPECT_EQ(digits.pixels[300], 300 % 256);

  r = run_cli("csv check " + csv);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_contains(r.output, "3 images of 784 pixels");
  expect_contains(r.output, "2: 1");
  expect_contains(r.output, "7: 2");
  expect_contains(r.output, "0: 0");
}

TEST(CliSeeds, CsvExportLimit) {
  const std::string dir = tiny_mnist(testing::temp_dir());
  const auto r = run_cli("csv export --data " + dir + " --out " + dir + "/two.csv --limit 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_mnist_csv(dir + "/two.csv").size(), 2);
}

TEST(CliSeeds, CsvCheckReportsTheBadLine) {
  const std::string path = testing::temp_dir() + "/bad.csv";
  std::ofstream(path) << "5,1,2,3\n";
  const auto r = run_cli("csv check " + path);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  expect_contains(r.output, path + ", line 1: expected 785 fields");
}

TEST(CliSeeds, CsvOnRealMnist) {
  const std::string mnist = testing::mnist_dir();
  if (mnist.empty()) GTEST_SKIP() << "MNIST not found";
  const std::string csv = testing::temp_dir() + "/test.csv";
  ASSERT_EQ(run_cli("csv export --data " + mnist + " --out " + csv).exit_code, 0);
  const auto r = run_cli("csv check " + csv);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_contains(r.output, "10000 images");
  expect_contains(r.output, "0: 980  1: 1135");  // the test set's well-known counts
}

}  // namespace
}  // namespace neurite
