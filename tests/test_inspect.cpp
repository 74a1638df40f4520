// neurite inspect: the filter and feature-map sheets put every tile where it belongs (a single
// bright weight shows up in its filter's tile, at its own pixel), and the command end to end on
// a tiny untrained conv net and a dense one: the PNGs it writes have the sizes the layout gives,
// and bad input is one error line naming the bad thing. --index needs MNIST.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <sstream>

#include "neurite/data/image.h"
#include "neurite/io/model_file.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/conv2d.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/pool2d.h"
#include "neurite/viz/feature_maps.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using testing::expect_one_line_error;
using testing::run_cli;

// ---- the sheets --------------------------------------------------------------------------------

// The gray every pixel of a sheet must have: white paper between the tiles, a black frame around
// each, and inside tile t (counted left to right, then top to bottom) at value pixel (x, y)
// whatever `tile_value` says.
using TileValue = std::function<uint8_t(int64_t tile, int64_t x, int64_t y)>;

uint8_t expected_gray(const TileSheet& sheet, int64_t tiles, int64_t x, int64_t y, const TileValue& tile_value) {
  const int64_t inner_w = sheet.tile_width * sheet.zoom, inner_h = sheet.tile_height * sheet.zoom;
  const int64_t cell_w = inner_w + 2 * kTileFrame, cell_h = inner_h + 2 * kTileFrame;
  const int64_t tile = (y / (cell_h + kTileGap)) * sheet.columns + x / (cell_w + kTileGap);
  const int64_t in_x = x % (cell_w + kTileGap) - kTileFrame, in_y = y % (cell_h + kTileGap) - kTileFrame;
  if (in_x >= inner_w + kTileFrame || in_y >= inner_h + kTileFrame || tile >= tiles) return 255;  // paper
  if (in_x < 0 || in_y < 0 || in_x >= inner_w || in_y >= inner_h) return 0;                        // frame
  return tile_value(tile, in_x / sheet.zoom, in_y / sheet.zoom);
}

void expect_sheet(const TileSheet& sheet, int64_t tiles, const TileValue& tile_value) {
  const int64_t cell_w = sheet.tile_width * sheet.zoom + 2 * kTileFrame;
  const int64_t cell_h = sheet.tile_height * sheet.zoom + 2 * kTileFrame;
  const int64_t rows = (tiles + sheet.columns - 1) / sheet.columns;
  const int64_t used_columns = std::min<int64_t>(sheet.columns, tiles);
  ASSERT_EQ(sheet.image.width, used_columns * cell_w + (used_columns - 1) * kTileGap);
  ASSERT_EQ(sheet.image.height, rows * cell_h + (rows - 1) * kTileGap);
  int64_t wrong = 0;
  for (int64_t y = 0; y < sheet.image.height; ++y) {
    for (int64_t x = 0; x < sheet.image.width; ++x) {
      const uint8_t expected = expected_gray(sheet, tiles, x, y, tile_value);
      if (sheet.image.at(x, y) != expected && ++wrong <= 5)
        ADD_FAILURE() << "pixel (" << x << ", " << y << ") is " << int(sheet.image.at(x, y)) << ", expected "
                      << int(expected);
    }
  }
  EXPECT_EQ(wrong, 0);
}

TEST(FeatureSheets, EnlargeRepeatsEachPixel) {
  const GrayImage big = enlarge({2, 1, {10, 200}}, 3);
  ASSERT_EQ(big.width, 6);
  ASSERT_EQ(big.height, 3);
  for (int64_t y = 0; y < 3; ++y)
    for (int64_t x = 0; x < 6; ++x) EXPECT_EQ(big.at(x, y), x < 3 ? 10 : 200) << x << "," << y;
}

TEST(FeatureSheets, SmallFiltersAreEnlargedToBeSeen) {
  EXPECT_EQ(tile_zoom(3), 16);  // the most: 48 pixels
  EXPECT_EQ(tile_zoom(5), 12);  // 60 pixels
  EXPECT_EQ(tile_zoom(28), 3);
  EXPECT_EQ(tile_zoom(200), 1);
}

// Five one-channel 3x3 filters, two per row: filter 3 (row 1, column 1) has one bright weight at
// x = 1, y = 2, filter 0 one negative weight at its top left; all else is 0, mid-gray.
TEST(FeatureSheets, ConvFilterWithOneBrightWeightLandsInItsTile) {
  Tensor weight({5, 1, 3, 3});
  weight[3 * 9 + 2 * 3 + 1] = 1.0f;
  weight[0] = -0.5f;
  const TileSheet sheet = filter_sheet(weight, 2);
  EXPECT_EQ(sheet.columns, 2);
  EXPECT_EQ(sheet.zoom, 16);
  EXPECT_FLOAT_EQ(sheet.white, 1.0f);   // symmetric: +max|w| .. -max|w|
  EXPECT_FLOAT_EQ(sheet.black, -1.0f);
  expect_sheet(sheet, 5, [](int64_t tile, int64_t x, int64_t y) -> uint8_t {
    if (tile == 3 && x == 1 && y == 2) return 255;
    if (tile == 0 && x == 0 && y == 0) return 64;  // -0.5 is a quarter of the way up
    return 128;
  });
}

// Two filters over three input channels: a row per filter, a column per channel. The bright
// weight of filter 1, channel 2 at x = 0, y = 1 is in row 1, column 2.
TEST(FeatureSheets, SeveralInputChannelsMakeARowPerFilter) {
  Tensor weight({2, 3, 2, 2});
  weight[((1 * 3 + 2) * 2 + 1) * 2 + 0] = 2.0f;
  const TileSheet sheet = filter_sheet(weight, 8);
  EXPECT_EQ(sheet.columns, 3);
  expect_sheet(sheet, 6, [](int64_t tile, int64_t x, int64_t y) -> uint8_t {
    return tile == 1 * 3 + 2 && x == 0 && y == 1 ? 255 : 128;
  });
}

// A dense layer over 2x2 pictures, two per row: unit 2's weight for input 2 is pixel x = 0, y = 1
// of the tile in row 1, column 0.
TEST(FeatureSheets, DenseUnitsAreSquarePictures) {
  Tensor weight({3, 4});
  weight[2 * 4 + 2] = -3.0f;
  const TileSheet sheet = filter_sheet(weight, 2);
  EXPECT_EQ(sheet.tile_width, 2);
  expect_sheet(sheet, 3, [](int64_t tile, int64_t x, int64_t y) -> uint8_t {
    return tile == 2 && x == 0 && y == 1 ? 0 : 128;
  });
  EXPECT_NE(testing::error_of([] { filter_sheet(Tensor({3, 5})); }).find("(3, 5)"), std::string::npos);
}

// Three 5-wide, 4-high maps, two per row, on one scale: channel c is c everywhere, except one
// pixel of channel 2 (row 1, column 0) at x = 4, y = 3, which is the highest value.
TEST(FeatureSheets, FeatureMapsAreInChannelOrderOnOneScale) {
  Tensor maps({1, 3, 4, 5});
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < 20; ++i) maps[c * 20 + i] = static_cast<float>(c);
  maps[2 * 20 + 3 * 5 + 4] = 4.0f;
  const TileSheet sheet = feature_sheet(maps, 2);
  EXPECT_EQ(sheet.tile_width, 5);
  EXPECT_EQ(sheet.tile_height, 4);
  EXPECT_FLOAT_EQ(sheet.black, 0.0f);
  EXPECT_FLOAT_EQ(sheet.white, 4.0f);
  expect_sheet(sheet, 3, [](int64_t tile, int64_t x, int64_t y) -> uint8_t {
    if (tile == 2 && x == 4 && y == 3) return 255;
    return tile == 0 ? 0 : tile == 1 ? 64 : 128;  // 0, 1 and 2 of 0..4
  });
  EXPECT_NE(testing::error_of([] { feature_sheet(Tensor({2, 3, 4, 5})); }).find("(2, 3, 4, 5)"), std::string::npos);
}

// ---- the command --------------------------------------------------------------------------------

// input (1, 28, 28) -> conv 4 3x3 -> relu -> maxpool 2 -> conv 3 3x3 -> flatten -> dense 10 -> softmax
std::string save_tiny_conv_net(const std::string& dir) {
  Network net({1, 28, 28});
  net.add(std::make_unique<Conv2d>(Conv2dOptions{.in_channels = 1, .out_channels = 4, .kernel = {3, 3}}));
  net.add(std::make_unique<Activation>(ActivationKind::ReLU));
  net.add(std::make_unique<MaxPool2d>(Pool2dOptions{.kernel = {2, 2}}));
  net.add(std::make_unique<Conv2d>(Conv2dOptions{.in_channels = 4, .out_channels = 3, .kernel = {3, 3}}));
  net.add(std::make_unique<Flatten>());
  net.add(std::make_unique<Dense>(DenseOptions{.in = 3 * 11 * 11, .out = 10}));
  net.add(std::make_unique<Activation>(ActivationKind::Softmax));
  Rng rng(7);
  net.initialize(Initializer{.kind = Initializer::Kind::PyTorch}, rng);
  const std::string path = dir + "/conv.safetensors";
  save_model(path, net, ModelInfo{.scale = InputScale::Unit});
  return path;
}

// A white stroke on black, MNIST's way round.
std::string write_digit(const std::string& dir, int64_t width = 28, int64_t height = 28) {
  GrayImage image{width, height, std::vector<uint8_t>(static_cast<std::size_t>(width * height), 0)};
  for (int64_t y = 5; y < 23 && y < height; ++y)
    for (int64_t x = 12; x < 16 && x < width; ++x) image.pixels[static_cast<std::size_t>(y * width + x)] = 255;
  const std::string path = dir + "/digit-" + std::to_string(width) + "x" + std::to_string(height) + ".png";
  write_png_gray(path, image);
  return path;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void expect_png(const std::string& path, int64_t width, int64_t height) {
  SCOPED_TRACE(path);
  ASSERT_TRUE(fs::is_regular_file(path));
  const GrayImage image = read_gray_image(path);
  EXPECT_EQ(image.width, width);
  EXPECT_EQ(image.height, height);
}

// Tiles are side * zoom + 2 pixels (the frame) with 4 pixels of paper between them: conv 1 has
// 4 filters of 3x3 at zoom 16 and 4 maps of 26x26 at zoom 3; the pool 4 maps of 13x13 at zoom 5;
// conv 2 3 maps of 11x11 at zoom 6. The ReLU, flatten and dense layers draw nothing.
void expect_conv_net_pictures(const std::string& out, const std::string& output) {
  expect_png(out + "/input.png", 224, 224);
  expect_png(out + "/filters.png", 4 * 50 + 3 * 4, 50);
  expect_png(out + "/features-0-conv2d.png", 4 * 80 + 3 * 4, 80);
  expect_png(out + "/features-2-maxpool2d.png", 4 * 67 + 3 * 4, 67);
  expect_png(out + "/features-3-conv2d.png", 3 * 68 + 2 * 4, 68);
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(out)) ++files;
  EXPECT_EQ(files, 5);
  const auto lines = lines_of(output);
  for (const char* file : {"input.png", "filters.png", "features-0-conv2d.png", "features-2-maxpool2d.png",
                           "features-3-conv2d.png"})
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                            [&](const std::string& line) { return line.rfind("wrote " + out + "/" + file, 0) == 0; }),
              1)
        << file << " in:\n" << output;
}

TEST(CliInspect, ConvNetWritesInputFiltersAndFeatureMaps) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_tiny_conv_net(dir);
  const std::string out = dir + "/pictures";
  const auto r = run_cli("inspect " + model + " --image " + write_digit(dir) + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_conv_net_pictures(out, r.output);
  EXPECT_EQ(lines_of(r.output).size(), 6u) << r.output;
  EXPECT_NE(r.output.find("predicted: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" with probability 0."), std::string::npos) << r.output;
}

// A 784-30-10 sigmoid net: 30 units of 28x28 at zoom 3 (86 pixels framed), eight per row (4 rows); no feature maps,
// and the sigmoid outputs are not called probabilities.
TEST(CliInspect, DenseNetDrawsEachUnitsWeightsAsAPicture) {
  const std::string dir = testing::temp_dir();
  Network net = make_mlp({784, 30, 10}, ActivationKind::Sigmoid);
  Rng rng(5);
  net.initialize(Initializer{}, rng);
  save_model(dir + "/mlp.safetensors", net, ModelInfo{.scale = InputScale::Rashid});
  const auto r = run_cli("inspect " + dir + "/mlp.safetensors --image " + write_digit(dir) + " --out " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_png(dir + "/out/filters.png", 8 * 86 + 7 * 4, 4 * 86 + 3 * 4);
  expect_png(dir + "/out/input.png", 224, 224);
  EXPECT_FALSE(fs::exists(dir + "/out/features-0-dense.png"));
  EXPECT_NE(r.output.find("not softmax"), std::string::npos) << r.output;
}

TEST(CliInspect, IndexDrawsATestDigit) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "MNIST not found";
  const std::string dir = testing::temp_dir();
  const std::string model = save_tiny_conv_net(dir);
  const auto r = run_cli("inspect " + model + " --index 0 --data " + testing::mnist_dir() + " --out " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_conv_net_pictures(dir + "/out", r.output);
  EXPECT_NE(r.output.find("true label 7"), std::string::npos) << r.output;  // the test set's first digit
  expect_one_line_error("inspect " + model + " --index 10000 --data " + testing::mnist_dir() + " --out " + dir,
                        "--index 10000");
}

TEST(CliInspect, HelpNamesTheOptions) {
  const auto r = run_cli("inspect --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* option : {"--image", "--index", "--data", "--out"})
    EXPECT_NE(r.output.find(option), std::string::npos) << option << " in:\n" << r.output;
  EXPECT_NE(run_cli("--help").output.find("inspect"), std::string::npos);
}

TEST(CliInspect, BadInputIsOneLineNamingIt) {
  const std::string dir = testing::temp_dir();
  const std::string model = save_tiny_conv_net(dir);
  const std::string digit = write_digit(dir);
  expect_one_line_error("inspect " + dir + "/absent.safetensors --image " + digit + " --out " + dir + "/o",
                        "absent.safetensors");
  expect_one_line_error("inspect " + model + " --image " + dir + "/absent.png --out " + dir + "/o", "absent.png");
  expect_one_line_error("inspect " + model + " --image " + write_digit(dir, 20, 28) + " --out " + dir + "/o",
                        "digit-20x28.png: image is 20x28");
  expect_one_line_error("inspect " + model + " --index -3 --out " + dir + "/o", "--index -3");
  expect_one_line_error("inspect " + model + " --out " + dir + "/o", "--image");
  // An output folder that cannot be made: a folder inside a file.
  expect_one_line_error("inspect " + model + " --image " + digit + " --out " + digit + "/sub", digit + "/sub");
  EXPECT_FALSE(fs::exists(dir + "/o"));
}

// Pooling then softmax: nothing with weights to draw.
TEST(CliInspect, ModelWithoutConvOrDenseLayerIsNamed) {
  const std::string dir = testing::temp_dir();
  Network net({1, 28, 28});
  net.add(std::make_unique<MaxPool2d>(Pool2dOptions{.kernel = {2, 2}}));
  net.add(std::make_unique<Flatten>());
  net.add(std::make_unique<Activation>(ActivationKind::Softmax));
  const std::string model = dir + "/weightless.safetensors";
  save_model(model, net, ModelInfo{});
  expect_one_line_error("inspect " + model + " --image " + write_digit(dir) + " --out " + dir + "/o",
                        "weightless.safetensors: the model has no layer with weights");
}

}  // namespace
}  // namespace neurite
