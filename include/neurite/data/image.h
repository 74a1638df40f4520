// Grayscale pictures: reading the digits people draw for `neurite predict` and writing the
// pictures `neurite backquery` makes. PNG goes through libpng; PGM (P5 binary, P2 ASCII) is read
// by hand because it is what many image tools export most simply. The format is told by the
// file's first bytes, never by its extension.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

// 8-bit gray, row-major, top row first: 0 is black, 255 is white.
struct GrayImage {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> pixels;  // width * height

  uint8_t at(int64_t x, int64_t y) const { return pixels[static_cast<std::size_t>(y * width + x)]; }
};

// Reads a PNG of any colour type and bit depth or a P5 / P2 PGM of any maxval (scaled to 0..255).
// Colour becomes gray by libpng's sRGB luminance; transparency is composited onto white, so a
// dark digit drawn on a transparent canvas reads as a dark digit on white paper.
// Throws an Error naming the file when it is missing, truncated, not an image, or unsupported.
GrayImage read_gray_image(const std::string& path);

// PNG encoding in memory, shared by write_png_gray and the tests.
std::vector<uint8_t> encode_png_gray(const GrayImage& image);
GrayImage decode_gray_image(const std::vector<uint8_t>& bytes, const std::string& name);

// Writes an 8-bit grayscale PNG atomically (a temporary file renamed into place).
void write_png_gray(const std::string& path, const GrayImage& image);

// Puts the images in a grid, left to right then top to bottom, `columns` per row, with `gap`
// pixels of `fill` between neighbours (none around the border). Every cell is as large as the
// largest image; smaller images are centred in their cell.
GrayImage tile_images(const std::vector<GrayImage>& images, int columns, int gap, uint8_t fill = 255);

}  // namespace neurite
