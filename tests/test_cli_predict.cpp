// The predict and backquery commands end to end on an untrained 784-30-10 sigmoid model: a 28x28
// picture gives the same digit the library computes, light pictures are inverted, wrong sizes and
// labels give one error line, and backquery writes eleven readable PNGs. --index needs MNIST.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "neurite/data/dataset.h"
#include "neurite/data/image.h"
#include "neurite/data/numpy.h"
#include "neurite/io/model_file.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::run_cli;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Lines "k: value", one per network output.
int output_lines(const std::string& text) {
  int n = 0;
  for (const std::string& line : lines_of(text))
    if (line.size() > 3 && std::isdigit(static_cast<unsigned char>(line[0])) && line[1] == ':') ++n;
  return n;
}

std::string save_small_model(const std::string& dir, ActivationKind activation = ActivationKind::Sigmoid) {
  Network net = make_mlp({784, 30, 10}, activation);
  Rng rng(5);
  net.initialize(Initializer{}, rng);
  const std::string path = dir + "/model.safetensors";
  save_model(path, net, ModelInfo{.scale = InputScale::Rashid, .targets = {0.01f, 0.99f}});
  return path;
}

// A white vertical stroke on black, MNIST's way round.
GrayImage stroke(int64_t width = 28, int64_t height = 28) {
  GrayImage image{width, height, std::vector<uint8_t>(static_cast<std::size_t>(width * height), 0)};
  for (int64_t y = 5; y < 23; ++y)
    for (int64_t x = 12; x < 16 && x < width; ++x) image.pixels[static_cast<std::size_t>(y * width + x)] = 255;
  return image;
}

GrayImage inverted(GrayImage image) {
  for (uint8_t& p : image.pixels) p = static_cast<uint8_t>(255 - p);
  return image;
}

// The digit the library itself predicts for the picture, scaled as the model file says.
int64_t expected_digit(const std::string& model_path, const GrayImage& image) {
  Model model = load_model(model_path);
  Tensor x({1, 784});
  for (int64_t i = 0; i < 784; ++i) x[i] = scale_pixel(image.pixels[static_cast<std::size_t>(i)], InputScale::Rashid);
  const Tensor& out = model.network.forward(x);
  int64_t best = 0;
  for (int64_t k = 1; k < out.size(); ++k)
    if (out[k] > out[best]) best = k;
  return best;
}

TEST(CliPredict, ImagePrintsDigitAndTenOutputs) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_small_model(dir);
  write_png_gray(dir + "/digit.png", stroke());
  const auto r = run_cli("predict " + model + " --image " + dir + "/digit.png");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(output_lines(r.output), 10) << r.output;
  EXPECT_NE(r.output.find("predicted: " + std::to_string(expected_digit(model, stroke()))), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("invert"), std::string::npos) << r.output;
}

TEST(CliPredict, LightPicturesAreInvertedUnlessToldOtherwise) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_small_model(dir);
  write_png_gray(dir + "/dark.png", stroke());
  write_png_gray(dir + "/paper.png", inverted(stroke()));
  const auto dark = run_cli("predict " + model + " --image " + dir + "/dark.png");
  const auto automatic = run_cli("predict " + model + " --image " + dir + "/paper.png");
  const auto forced = run_cli("predict " + model + " --image " + dir + "/paper.png --invert");
  const auto kept = run_cli("predict " + model + " --image " + dir + "/paper.png --no-invert");
  ASSERT_EQ(automatic.exit_code, 0) << automatic.output;
  EXPECT_NE(automatic.output.find("invert"), std::string::npos) << automatic.output;
  // Same outputs as the picture drawn the MNIST way: the last eleven lines are identical.
  const auto tail = [](const std::string& text) {
    auto lines = lines_of(text);
    return std::vector<std::string>(lines.end() - 11, lines.end());
  };
  EXPECT_EQ(tail(automatic.output), tail(dark.output));
  EXPECT_EQ(tail(forced.output), tail(dark.output));
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_EQ(kept.output.find("invert"), std::string::npos) << kept.output;
}

TEST(CliPredict, PgmWorksToo) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_small_model(dir);
  const GrayImage image = stroke();
  std::ofstream(dir + "/digit.pgm", std::ios::binary)
      << "P5 28 28 255\n" << std::string(image.pixels.begin(), image.pixels.end());
  const auto r = run_cli("predict " + model + " --image " + dir + "/digit.pgm");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(output_lines(r.output), 10) << r.output;
}

TEST(CliPredict, WrongSizeIsOneLineNamingTheFile) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_small_model(dir);
  write_png_gray(dir + "/narrow.png", stroke(27, 28));
  const auto r = run_cli("predict " + model + " --image " + dir + "/narrow.png");
  EXPECT_NE(r.exit_code, 0);
  ASSERT_EQ(lines_of(r.output).size(), 1u) << r.output;
  EXPECT_NE(r.output.find(dir + "/narrow.png"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("27x28"), std::string::npos) << r.output;
}

TEST(CliPredict, NeedsExactlyOneSource) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_small_model(dir);
  EXPECT_NE(run_cli("predict " + model).exit_code, 0);
  EXPECT_NE(run_cli("predict " + model + " --image x.png --index 3").exit_code, 0);
  const auto missing = run_cli("predict " + model + " --image " + dir + "/absent.png");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("absent.png"), std::string::npos) << missing.output;
}

TEST(CliPredict, IndexUsesTheTestSet) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "MNIST not found";
  const std::string dir = testing::temp_dir();
  const std::string model = save_small_model(dir);
  const auto r = run_cli("predict " + model + " --index 0 --data " + testing::mnist_dir());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("true label: 7"), std::string::npos) << r.output;  // the first test image is a 7
  EXPECT_EQ(output_lines(r.output), 10) << r.output;
  const auto out_of_range = run_cli("predict " + model + " --index 10000 --data " + testing::mnist_dir());
  EXPECT_NE(out_of_range.exit_code, 0);
  EXPECT_NE(out_of_range.output.find("--index 10000"), std::string::npos) << out_of_range.output;
}

TEST(CliBackquery, WritesElevenPictures) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_small_model(dir);
  const auto r = run_cli("backquery " + model + " --out " + dir + "/pictures");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (int d = 0; d < 10; ++d) {
    const GrayImage image = read_gray_image(dir + "/pictures/backquery-" + std::to_string(d) + ".png");
    EXPECT_EQ(image.width, 28);
    EXPECT_EQ(image.height, 28);
  }
  const GrayImage grid = read_gray_image(dir + "/pictures/backquery-all.png");
  EXPECT_EQ(grid.width, 5 * 28 + 4 * 2);
  EXPECT_EQ(grid.height, 2 * 28 + 2);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir + "/pictures"), {}), 11);
}

TEST(CliBackquery, OneLabelToOneFile) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_small_model(dir);
  const auto r = run_cli("backquery " + model + " --label 3 --out " + dir + "/three.png");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_gray_image(dir + "/three.png").width, 28);
  const auto bad = run_cli("backquery " + model + " --label 12 --out " + dir + "/x.png");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--label 12"), std::string::npos) << bad.output;
}

TEST(CliBackquery, RefusesNonSigmoidModels) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_small_model(dir, ActivationKind::ReLU);
  const auto r = run_cli("backquery " + model + " --out " + dir + "/pictures");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("relu"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace neurite

namespace neurite {
namespace {

// Many digits at once from an array of raw pixels, outputs written as an .npy array: the same
// numbers as the library's forward pass, and a value that is no pixel refused by name.
TEST(CliPredict, ArrayOfPixelsInAndOutputsAsNpy) {
  const std::string dir = testing::temp_dir(), model = save_small_model(dir);
  const GrayImage one = stroke(), two = inverted(stroke());
  std::vector<float> pixels(one.pixels.begin(), one.pixels.end());
  pixels.insert(pixels.end(), two.pixels.begin(), two.pixels.end());
  write_npy(dir + "/digits.npy", {2, 28, 28}, pixels);
  const auto r = run_cli("predict " + model + " --input " + dir + "/digits.npy --out " + dir + "/out.npy");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const NdArray out = read_npy(dir + "/out.npy");
  ASSERT_EQ(out.shape, (Shape{2, 10}));
  Model loaded = load_model(model);
  Tensor x({2, 784});
  for (int64_t i = 0; i < x.size(); ++i) x[i] = scale_pixel(static_cast<uint8_t>(pixels[static_cast<std::size_t>(i)]), InputScale::Rashid);
  const Tensor& expected = loaded.network.forward(x);
  for (int64_t k = 0; k < expected.size(); ++k) EXPECT_EQ(out.values[static_cast<std::size_t>(k)], expected[k]) << k;

  pixels[100] = 300;
  write_npy(dir + "/bad.npy", {2, 784}, pixels);
  const auto bad = run_cli("predict " + model + " --input " + dir + "/bad.npy");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("bad.npy: value 100 is 300, not a pixel value"), std::string::npos) << bad.output;
  write_npy(dir + "/short.npy", {1, 700}, std::vector<float>(700, 0.0f));
  const auto wrong = run_cli("predict " + model + " --input " + dir + "/short.npy");
  EXPECT_NE(wrong.output.find("are not samples of the model's 784 pixels"), std::string::npos) << wrong.output;
}

}  // namespace
}  // namespace neurite
