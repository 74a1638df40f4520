// Colour and grey pictures: PNG of every colour type (grey, RGB, RGBA, palette) and JPEG (grey
// and colour) read back with the right values, resizing on small pictures worked out by hand,
// and every kind of bad file reported in one line naming it.
#include <gtest/gtest.h>
#include <png.h>
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <functional>

#include "neurite/data/image.h"
#include "neurite/data/picture.h"
#include "neurite/error.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::expect_error;

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

// A PNG made with libpng directly, in any of its simplified formats (a colormap for a palette).
std::vector<uint8_t> libpng_file(png_uint_32 format, int width, int height, const std::vector<uint8_t>& pixels,
                                 const std::vector<uint8_t>& colormap = {}) {
  png_image header;
  std::memset(&header, 0, sizeof header);
  header.version = PNG_IMAGE_VERSION;
  header.width = static_cast<png_uint_32>(width);
  header.height = static_cast<png_uint_32>(height);
  header.format = format;
  header.colormap_entries = static_cast<png_uint_32>(colormap.size() / 3);
  std::vector<uint8_t> bytes(4096);
  png_alloc_size_t size = bytes.size();
  EXPECT_NE(png_image_write_to_memory(&header, bytes.data(), &size, 0, pixels.data(), 0,
                                      colormap.empty() ? nullptr : colormap.data()),
            0)
      << header.message;
  bytes.resize(size);
  return bytes;
}

Picture pattern(int64_t width, int64_t height, int64_t channels) {
  Picture picture{width, height, channels, {}};
  for (int64_t i = 0; i < width * height * channels; ++i)
    picture.pixels.push_back(static_cast<uint8_t>((i * 37 + 11) % 256));
  return picture;
}

// Four flat 16x16 quadrants: red, green / blue, white. Flat 16x16 areas survive JPEG's 2x2 colour
// subsampling and 8x8 blocks almost unchanged.
Picture quadrants() {
  const uint8_t colours[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
  Picture picture{32, 32, 3, {}};
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) {
      const uint8_t* c = colours[(y / 16) * 2 + x / 16];
      picture.pixels.insert(picture.pixels.end(), c, c + 3);
    }
  return picture;
}

void expect_near_everywhere(const Picture& picture, int64_t x0, int64_t y0, int64_t size,
                            const std::vector<int>& expected, int tolerance) {
  for (int64_t y = y0; y < y0 + size; ++y)
    for (int64_t x = x0; x < x0 + size; ++x)
      for (int64_t c = 0; c < picture.channels; ++c)
        ASSERT_NEAR(picture.pixels[static_cast<std::size_t>((y * picture.width + x) * picture.channels + c)],
                    expected[static_cast<std::size_t>(c)], tolerance)
            << "at " << x << "," << y << " channel " << c;
}

TEST(Picture, RgbPngRoundTripIsBitExact) {
  const std::string path = testing::temp_dir() + "/colour.png";
  const Picture written = pattern(13, 7, 3);
  write_png(path, written);
  const Picture read = read_picture(path, 0);
  EXPECT_EQ(read.width, 13);
  EXPECT_EQ(read.height, 7);
  EXPECT_EQ(read.channels, 3);
  EXPECT_EQ(read.pixels, written.pixels);
}

TEST(Picture, GreyPngStaysGreyOrRepeatsIntoRgb) {
  const Picture grey = pattern(5, 4, 1);
  const std::vector<uint8_t> bytes = encode_png(grey);
  const Picture as_is = decode_picture(bytes, "grey.png", 0);
  EXPECT_EQ(as_is.channels, 1);
  EXPECT_EQ(as_is.pixels, grey.pixels);
  const Picture rgb = decode_picture(bytes, "grey.png", 3);
  ASSERT_EQ(rgb.channels, 3);
  for (std::size_t i = 0; i < grey.pixels.size(); ++i)
    for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(rgb.pixels[i * 3 + c], grey.pixels[i]);
}

// Grey from colour is libpng's, the same as read_gray_image gives: neutral colours keep their
// value, pure green is far brighter than pure blue.
TEST(Picture, RgbPngBecomesGreyByLuminance) {
  const std::string path = testing::temp_dir() + "/colours.png";
  write_png(path, Picture{5, 1, 3, {0, 0, 0, 255, 255, 255, 128, 128, 128, 0, 255, 0, 0, 0, 255}});
  const Picture grey = read_picture(path, 1);
  ASSERT_EQ(grey.channels, 1);
  EXPECT_EQ(grey.pixels, read_gray_image(path).pixels);
  EXPECT_EQ(grey.pixels[0], 0);
  EXPECT_EQ(grey.pixels[1], 255);
  EXPECT_NEAR(grey.pixels[2], 128, 1);
  EXPECT_GT(grey.pixels[3], 200);
  EXPECT_LT(grey.pixels[4], 100);
}

// Opaque red, fully transparent black (white paper shows through), half-transparent black.
TEST(Picture, RgbaPngIsCompositedOntoWhite) {
  const std::vector<uint8_t> bytes = libpng_file(PNG_FORMAT_RGBA, 3, 1, {255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 128});
  const Picture rgb = decode_picture(bytes, "rgba.png", 0);
  ASSERT_EQ(rgb.channels, 3);
  EXPECT_EQ(std::vector<uint8_t>(rgb.pixels.begin(), rgb.pixels.begin() + 6),
            (std::vector<uint8_t>{255, 0, 0, 255, 255, 255}));
  EXPECT_GT(rgb.pixels[6], 60);
  EXPECT_LT(rgb.pixels[6], 220);
  EXPECT_EQ(rgb.pixels[6], rgb.pixels[8]);
  const Picture grey_alpha = decode_picture(libpng_file(PNG_FORMAT_GA, 2, 1, {10, 255, 10, 0}), "ga.png", 0);
  EXPECT_EQ(grey_alpha.channels, 1);
  EXPECT_EQ(grey_alpha.pixels, (std::vector<uint8_t>{10, 255}));
}

TEST(Picture, PalettePngReadsItsColours) {
  const std::vector<uint8_t> colormap = {255, 0, 0, 0, 128, 255, 7, 7, 7};
  const std::vector<uint8_t> bytes = libpng_file(PNG_FORMAT_RGB_COLORMAP, 4, 1, {0, 1, 2, 1}, colormap);
  const Picture picture = decode_picture(bytes, "palette.png", 0);
  ASSERT_EQ(picture.channels, 3);
  EXPECT_EQ(picture.pixels, (std::vector<uint8_t>{255, 0, 0, 0, 128, 255, 7, 7, 7, 0, 128, 255}));
}

TEST(Picture, ColourJpegReadsItsColours) {
  const std::string path = testing::temp_dir() + "/photo.jpg";
  write_bytes(path, encode_jpeg(quadrants(), 95));
  const Picture rgb = read_picture(path, 0);
  ASSERT_EQ(rgb.channels, 3);
  ASSERT_EQ(rgb.width, 32);
  ASSERT_EQ(rgb.height, 32);
  // Away from the edges between quadrants, where subsampled colour bleeds.
  expect_near_everywhere(rgb, 2, 2, 12, {255, 0, 0}, 6);
  expect_near_everywhere(rgb, 18, 2, 12, {0, 255, 0}, 6);
  expect_near_everywhere(rgb, 2, 18, 12, {0, 0, 255}, 6);
  expect_near_everywhere(rgb, 18, 18, 12, {255, 255, 255}, 6);
  // Grey is libjpeg's luminance Y = 0.299 R + 0.587 G + 0.114 B.
  const Picture grey = read_picture(path, 1);
  ASSERT_EQ(grey.channels, 1);
  expect_near_everywhere(grey, 2, 2, 12, {76}, 4);
  expect_near_everywhere(grey, 18, 2, 12, {150}, 4);
  expect_near_everywhere(grey, 2, 18, 12, {29}, 4);
  expect_near_everywhere(grey, 18, 18, 12, {255}, 4);
}

TEST(Picture, GreyJpegStaysGrey) {
  Picture ramp{16, 8, 1, {}};
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 16; ++x) ramp.pixels.push_back(static_cast<uint8_t>(x * 16));
  const std::vector<uint8_t> bytes = encode_jpeg(ramp, 95);
  const Picture grey = decode_picture(bytes, "ramp.jpg", 0);
  ASSERT_EQ(grey.channels, 1);
  for (std::size_t i = 0; i < ramp.pixels.size(); ++i) EXPECT_NEAR(grey.pixels[i], ramp.pixels[i], 6) << i;
  const Picture rgb = decode_picture(bytes, "ramp.jpg", 3);
  ASSERT_EQ(rgb.channels, 3);
  for (std::size_t i = 0; i < grey.pixels.size(); ++i)
    for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(rgb.pixels[i * 3 + c], grey.pixels[i]);
}

TEST(Picture, FormatComesFromContentNotExtension) {
  const std::string dir = testing::temp_dir();
  write_bytes(dir + "/really-png.jpg", encode_png(pattern(3, 2, 3)));
  EXPECT_EQ(read_picture(dir + "/really-png.jpg", 0).pixels, pattern(3, 2, 3).pixels);
  write_bytes(dir + "/really-jpeg.png", encode_jpeg(quadrants()));
  EXPECT_EQ(read_picture(dir + "/really-jpeg.png", 0).width, 32);
  write_bytes(dir + "/grey.pgm", {'P', '2', ' ', '2', ' ', '1', ' ', '2', '5', '5', ' ', '4', ' ', '9'});
  const Picture pgm = read_picture(dir + "/grey.pgm", 3);
  EXPECT_EQ(pgm.pixels, (std::vector<uint8_t>{4, 4, 4, 9, 9, 9}));
}

TEST(Picture, TruncatedOrCorruptPngNamesIt) {
  const std::string path = testing::temp_dir() + "/cut.png";
  std::vector<uint8_t> bytes = encode_png(pattern(40, 40, 3));
  write_bytes(path, {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2)});
  expect_error([&] { read_picture(path, 0); }, {path, "truncated PNG"});
  bytes[bytes.size() / 2] ^= 0xff;  // inside the pixel data: its checksum no longer matches
  write_bytes(path, bytes);
  expect_error([&] { read_picture(path, 0); }, {path, "corrupt PNG"});
}

TEST(Picture, TruncatedOrCorruptJpegNamesIt) {
  const std::string path = testing::temp_dir() + "/photo.jpg";
  std::vector<uint8_t> bytes = encode_jpeg(quadrants());
  write_bytes(path, {bytes.begin(), bytes.end() - 40});
  expect_error([&] { read_picture(path, 0); }, {path + ": corrupt JPEG (Premature end of JPEG file)"});
  write_bytes(path, {bytes.begin(), bytes.begin() + 3});
  expect_error([&] { read_picture(path, 0); }, {path, "corrupt JPEG"});
  for (std::size_t i = 3; i < 40; ++i) bytes[i] = 0x5a;  // the header's markers overwritten
  write_bytes(path, bytes);
  expect_error([&] { read_picture(path, 0); }, {path, "corrupt JPEG"});
}

// A PNG chunk: length, type, data, CRC of type and data.
void append_chunk(std::vector<uint8_t>& png, const std::string& type, const std::vector<uint8_t>& data) {
  const uint32_t length = static_cast<uint32_t>(data.size());
  for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<uint8_t>(length >> shift));
  const std::size_t start = png.size();
  png.insert(png.end(), type.begin(), type.end());
  png.insert(png.end(), data.begin(), data.end());
  const uLong crc = crc32(0, png.data() + start, static_cast<uInt>(png.size() - start));
  for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<uint8_t>(crc >> shift));
}

// Headers that ask for 600,000 x 600,000 (PNG) and 65,000 x 65,000 (JPEG) pixels are refused
// before anything that size is allocated.
TEST(Picture, HugeHeadersAreRefusedBeforeAllocating) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  append_chunk(png, "IHDR", {0, 9, 0x27, 0xc0, 0, 9, 0x27, 0xc0, 8, 2, 0, 0, 0});
  append_chunk(png, "IDAT", {});
  expect_error([&] { decode_picture(png, "huge.png", 0); }, {"huge.png", "too large"});
  std::vector<uint8_t> jpeg = encode_jpeg(Picture{8, 8, 3, std::vector<uint8_t>(192, 50)});
  for (std::size_t i = 0; i + 8 < jpeg.size(); ++i)
    if (jpeg[i] == 0xff && jpeg[i + 1] == 0xc0) {  // start of frame: height and width at +5, +7
      jpeg[i + 5] = jpeg[i + 7] = 0xfd;
      jpeg[i + 6] = jpeg[i + 8] = 0xe8;
      break;
    }
  expect_error([&] { decode_picture(jpeg, "huge.jpg", 0); }, {"huge.jpg", "too large"});
}

TEST(Picture, OtherBadInputsNameTheFile) {
  const std::string dir = testing::temp_dir();
  expect_error([&] { read_picture(dir + "/nowhere.png", 0); }, {dir + "/nowhere.png", "cannot open"});
  write_bytes(dir + "/empty.png", {});
  expect_error([&] { read_picture(dir + "/empty.png", 0); }, {dir + "/empty.png", "empty"});
  write_bytes(dir + "/anim.gif", {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0});
  expect_error([&] { read_picture(dir + "/anim.gif", 0); }, {dir + "/anim.gif", "not a picture"});
  expect_error([&] { read_picture(dir + "/anim.gif", 2); }, {dir + "/anim.gif", "channels", "got 2"});
  expect_error([&] { write_png(dir + "/bad.png", Picture{3, 3, 3, std::vector<uint8_t>(26)}); }, {dir + "/bad.png"});
  EXPECT_FALSE(std::ifstream(dir + "/bad.png").good());
  expect_error([&] { encode_png(Picture{1, 1, 2, {0, 0}}); }, {"2 channels"});
}

TEST(Picture, ShrinkingAveragesAreas) {
  const Picture grey{4, 4, 1, {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 62}};
  const Picture half = resize_picture(grey, 2, 2);
  EXPECT_EQ(half.width, 2);
  EXPECT_EQ(half.height, 2);
  EXPECT_EQ(half.channels, 1);
  // Each 2x2 block's mean; the last is (40 + 44 + 56 + 62) / 4 = 50.5, rounded half up.
  EXPECT_EQ(half.pixels, (std::vector<uint8_t>{10, 18, 42, 51}));
  // Three columns into two: each output takes one whole source pixel and half of the middle one.
  EXPECT_EQ(resize_picture(Picture{3, 1, 1, {0, 30, 90}}, 2, 1).pixels, (std::vector<uint8_t>{10, 70}));
  // Channels are averaged apart.
  EXPECT_EQ(resize_picture(Picture{2, 1, 3, {10, 20, 30, 50, 60, 70}}, 1, 1).pixels,
            (std::vector<uint8_t>{30, 40, 50}));
}

TEST(Picture, EnlargingIsBilinearBetweenPixelCentres) {
  EXPECT_EQ(resize_picture(Picture{2, 1, 1, {0, 100}}, 4, 1).pixels, (std::vector<uint8_t>{0, 25, 75, 100}));
  EXPECT_EQ(resize_picture(Picture{1, 2, 1, {0, 100}}, 1, 4).pixels, (std::vector<uint8_t>{0, 25, 75, 100}));
  // Wider and shorter at once: bilinear across, area down.
  const Picture mixed = resize_picture(Picture{2, 2, 1, {0, 100, 100, 200}}, 4, 1);
  EXPECT_EQ(mixed.pixels, (std::vector<uint8_t>{50, 75, 125, 150}));
}

TEST(Picture, ResizingKeepsFlatPicturesFlatAndSameSizeUnchanged) {
  const Picture flat{7, 5, 3, std::vector<uint8_t>(7 * 5 * 3, 77)};
  for (const auto& [w, h] : std::vector<std::pair<int64_t, int64_t>>{{3, 11}, {1, 1}, {20, 2}, {6, 4}}) {
    const Picture resized = resize_picture(flat, w, h);
    EXPECT_EQ(resized.pixels, std::vector<uint8_t>(static_cast<std::size_t>(w * h * 3), 77)) << w << "x" << h;
  }
  const Picture odd = pattern(9, 7, 3);
  EXPECT_EQ(resize_picture(odd, 9, 7).pixels, odd.pixels);
  EXPECT_EQ(resize_picture(odd, 5, 4).pixels, resize_picture(odd, 5, 4).pixels);
  expect_error([&] { resize_picture(odd, 0, 3); }, {"resize_picture", "0x3"});
  expect_error([&] { resize_picture(Picture{2, 2, 1, {1, 2, 3}}, 1, 1); }, {"resize_picture", "3 samples"});
}

TEST(Picture, PlanarLayoutIsChannelFirst) {
  EXPECT_EQ(picture_to_planar(Picture{2, 1, 3, {1, 2, 3, 4, 5, 6}}), (std::vector<uint8_t>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(picture_to_planar(Picture{2, 1, 1, {1, 2}}), (std::vector<uint8_t>{1, 2}));
}

}  // namespace
}  // namespace neurite
