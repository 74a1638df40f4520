// Grayscale image I/O: PNG written and read back bit for bit, colour and transparency turned to
// gray, hand-written PGM files (binary, ASCII, 16-bit), every kind of bad file reported in one
// line naming it, and the grid that tile_images lays out.
#include <gtest/gtest.h>
#include <png.h>

#include <cstring>
#include <fstream>
#include <functional>

#include "neurite/data/image.h"
#include "neurite/error.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::expect_error;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string as_string(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

GrayImage gradient_image(int64_t width, int64_t height) {
  GrayImage image{width, height, {}};
  for (int64_t i = 0; i < width * height; ++i) image.pixels.push_back(static_cast<uint8_t>((i * 37 + 11) % 256));
  return image;
}

TEST(Image, PngRoundTripIsBitExact) {
  const std::string path = testing::temp_dir() + "/gradient.png";
  const GrayImage written = gradient_image(13, 7);
  write_png_gray(path, written);
  const GrayImage read = read_gray_image(path);
  EXPECT_EQ(read.width, 13);
  EXPECT_EQ(read.height, 7);
  EXPECT_EQ(read.pixels, written.pixels);
}

TEST(Image, EveryByteValueSurvivesPng) {
  GrayImage all{256, 1, {}};
  for (int v = 0; v < 256; ++v) all.pixels.push_back(static_cast<uint8_t>(v));
  EXPECT_EQ(decode_gray_image(encode_png_gray(all), "memory").pixels, all.pixels);
}

// An RGBA file made with libpng directly: opaque white, opaque black, and a fully transparent
// black pixel, which must read as the white paper it is composited onto.
TEST(Image, RgbaPngBecomesGrayOnWhite) {
  const uint8_t rgba[] = {255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0};
  png_image header;
  std::memset(&header, 0, sizeof header);
  header.version = PNG_IMAGE_VERSION;
  header.width = 3;
  header.height = 1;
  header.format = PNG_FORMAT_RGBA;
  std::vector<uint8_t> bytes(1024);
  png_alloc_size_t size = bytes.size();
  ASSERT_NE(png_image_write_to_memory(&header, bytes.data(), &size, 0, rgba, 0, nullptr), 0) << header.message;
  bytes.resize(size);
  const GrayImage gray = decode_gray_image(bytes, "rgba.png");
  EXPECT_EQ(gray.pixels, (std::vector<uint8_t>{255, 0, 255}));
}

TEST(Image, BinaryPgmWithComment) {
  const std::string path = testing::temp_dir() + "/small.pgm";
  write_bytes(path, std::string("P5\n# drawn by hand\n3 2\n255\n") + std::string("\x00\x10\x20\x80\xfe\xff", 6));
  const GrayImage image = read_gray_image(path);
  EXPECT_EQ(image.width, 3);
  EXPECT_EQ(image.height, 2);
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{0x00, 0x10, 0x20, 0x80, 0xfe, 0xff}));
  EXPECT_EQ(image.at(2, 1), 0xff);
}

TEST(Image, AsciiPgmIsScaledToEightBits) {
  const std::string path = testing::temp_dir() + "/small-ascii.pgm";
  write_bytes(path, "P2 2 2 15 # maxval 15\n0 15\n  5\t10\n");
  const GrayImage image = read_gray_image(path);
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{0, 255, 85, 170}));
}

TEST(Image, SixteenBitPgmIsScaledDown) {
  const std::string path = testing::temp_dir() + "/deep.pgm";
  write_bytes(path, std::string("P5 2 1 65535\n") + std::string("\xff\xff\x80\x00", 4));
  EXPECT_EQ(read_gray_image(path).pixels, (std::vector<uint8_t>{255, 128}));
}

TEST(Image, FormatComesFromContentNotExtension) {
  const std::string path = testing::temp_dir() + "/actually-a-pgm.png";
  write_bytes(path, "P2 1 1 255 42\n");
  EXPECT_EQ(read_gray_image(path).pixels, (std::vector<uint8_t>{42}));
}

TEST(Image, MissingFileNamesIt) {
  const std::string path = testing::temp_dir() + "/nowhere.png";
  expect_error([&] { read_gray_image(path); }, {path, "cannot open"});
}

TEST(Image, TruncatedPngNamesIt) {
  const std::string path = testing::temp_dir() + "/cut.png";
  const std::vector<uint8_t> bytes = encode_png_gray(gradient_image(40, 40));
  write_bytes(path, as_string(bytes).substr(0, bytes.size() / 2));
  expect_error([&] { read_gray_image(path); }, {path, "truncated PNG"});
  write_bytes(path, as_string(bytes).substr(0, 6));  // not even the whole signature
  expect_error([&] { read_gray_image(path); }, {path});
}

TEST(Image, TruncatedPgmNamesIt) {
  const std::string path = testing::temp_dir() + "/cut.pgm";
  write_bytes(path, std::string("P5 3 2 255\n") + std::string("\x01\x02\x03", 3));
  expect_error([&] { read_gray_image(path); }, {path, "truncated"});
  write_bytes(path, "P2 2 2 255 1 2 3");
  expect_error([&] { read_gray_image(path); }, {path, "truncated"});
  write_bytes(path, "P5 3");
  expect_error([&] { read_gray_image(path); }, {path, "truncated"});
}

TEST(Image, WrongMagicOrUnsupportedFormat) {
  const std::string dir = testing::temp_dir();
  write_bytes(dir + "/gif.png", "GIF89a\x01\x00\x01\x00");
  expect_error([&] { read_gray_image(dir + "/gif.png"); }, {dir + "/gif.png", "not an image"});
  write_bytes(dir + "/colour.ppm", "P6 1 1 255\n\x01\x02\x03");
  expect_error([&] { read_gray_image(dir + "/colour.ppm"); }, {dir + "/colour.ppm", "unsupported"});
  write_bytes(dir + "/empty.pgm", "");
  expect_error([&] { read_gray_image(dir + "/empty.pgm"); }, {dir + "/empty.pgm", "empty"});
  write_bytes(dir + "/over.pgm", "P2 1 1 10 11");
  expect_error([&] { read_gray_image(dir + "/over.pgm"); }, {dir + "/over.pgm", "exceeds maxval"});
}

TEST(Image, WritingIsAtomicAndChecksTheSize) {
  const std::string path = testing::temp_dir() + "/out.png";
  expect_error([&] { write_png_gray(path, GrayImage{3, 3, std::vector<uint8_t>(8)}); }, {path});
  EXPECT_FALSE(std::ifstream(path).good());
  expect_error([&] { write_png_gray(testing::temp_dir() + "/no/such/folder.png", gradient_image(2, 2)); },
               {"no/such/folder.png"});
}

GrayImage filled(int64_t width, int64_t height, uint8_t value) {
  return {width, height, std::vector<uint8_t>(static_cast<std::size_t>(width * height), value)};
}

TEST(Image, TileLaysOutRowsWithGaps) {
  // Three 2x2 tiles, two per row, one pixel gap: a 5x5 grid, the last cell left as fill.
  const GrayImage grid = tile_images({filled(2, 2, 10), filled(2, 2, 20), filled(2, 2, 30)}, 2, 1, 99);
  ASSERT_EQ(grid.width, 5);
  ASSERT_EQ(grid.height, 5);
  const std::vector<uint8_t> expected = {10, 10, 99, 20, 20,  //
                                         10, 10, 99, 20, 20,  //
                                         99, 99, 99, 99, 99,  //
                                         30, 30, 99, 99, 99,  //
                                         30, 30, 99, 99, 99};
  EXPECT_EQ(grid.pixels, expected);
}

TEST(Image, TileCentresSmallerImagesAndUsesFewerColumnsWhenShort) {
  const GrayImage grid = tile_images({filled(3, 3, 1), filled(1, 1, 2)}, 10, 0);
  ASSERT_EQ(grid.width, 6);
  ASSERT_EQ(grid.height, 3);
  EXPECT_EQ(grid.at(4, 1), 2);
  EXPECT_EQ(grid.at(3, 0), 255);
  EXPECT_EQ(grid.at(2, 2), 1);
}

TEST(Image, TileRejectsBadArguments) {
  expect_error([] { tile_images({}, 2, 0); }, {"no images"});
  expect_error([] { tile_images({filled(1, 1, 0)}, 0, 0); }, {"columns"});
  expect_error([] { tile_images({filled(1, 1, 0)}, 1, -1); }, {"gap"});
}

}  // namespace
}  // namespace neurite
