#include "neurite/data/image.h"

#include <png.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

#include "neurite/data/picture.h"
#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/io/file.h"

namespace neurite {

namespace {

bool starts_with(const std::vector<uint8_t>& bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin(),
                                                    [](char m, uint8_t b) { return static_cast<uint8_t>(m) == b; });
}

void require_sane_size(int64_t width, int64_t height, const std::string& name) {
  require(width > 0 && height > 0, name + ": image has no pixels (" + std::to_string(width) + "x" +
                                       std::to_string(height) + ")");
  require(width <= kMaxPictureSamples / height, name + ": image of " + std::to_string(width) + "x" +
                                                    std::to_string(height) +
                                                    " pixels is too large (over 2^28, kMaxPictureSamples)");
}

// ---- PNG, through libpng's simplified API ----------------------------------------------------
// png_image_* run every libpng call under libpng's own setjmp and report failure through the
// return value and image.message, so no longjmp ever crosses a C++ frame with destructors.

// Returns an empty string on success, otherwise libpng's message. `pixels` is sized by the caller
// from the header this function fills in first, hence the callback shape.
std::string decode_png(const std::vector<uint8_t>& bytes, png_image& image, std::vector<uint8_t>& pixels,
                       const std::string& name) {
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) return image.message;
  image.format = PNG_FORMAT_GRAY;
  // A 16-bit file without gamma information is taken as ordinary sRGB-encoded samples, so 65535
  // maps to 255 and the midpoint to about 128 instead of being treated as linear light.
  image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  try {
    require_sane_size(image.width, image.height, name);
  } catch (...) {
    png_image_free(&image);
    throw;
  }
  pixels.resize(PNG_IMAGE_SIZE(image));
  const png_color white{255, 255, 255};  // transparency is composited onto white paper
  if (!png_image_finish_read(&image, &white, pixels.data(), 0, nullptr)) {
    png_image_free(&image);
    return image.message;
  }
  return {};
}

GrayImage decode_png_or_throw(const std::vector<uint8_t>& bytes, const std::string& name) {
  png_image image;
  GrayImage out;
  const std::string problem = decode_png(bytes, image, out.pixels, name);
  if (!problem.empty()) {
    // libpng's words for running out of bytes; a cut-off download is the usual cause.
    const bool truncated = problem.find("end of data") != std::string::npos ||
                           problem.find("Not enough image data") != std::string::npos;
    throw Error(name + (truncated ? ": truncated PNG" : ": not a readable PNG") + " (libpng: " + problem + ")");
  }
  out.width = image.width;
  out.height = image.height;
  return out;
}

// ---- PGM (netpbm gray map) -------------------------------------------------------------------
// Header: magic, width, height, maxval as decimal numbers separated by whitespace, where '#'
// starts a comment running to the end of the line. P5 then has one whitespace byte and the
// samples as bytes (two big-endian bytes each when maxval > 255); P2 has them as decimal numbers.
class PgmReader {
 public:
  PgmReader(const std::vector<uint8_t>& bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  GrayImage read() {
    const bool binary = bytes_[1] == '5';
    pos_ = 2;
    GrayImage image;
    image.width = number("width");
    image.height = number("height");
    const int64_t maxval = number("maxval");
    require(maxval >= 1 && maxval <= 65535,
            name_ + ": PGM maxval " + std::to_string(maxval) + " is outside 1..65535");
    require_sane_size(image.width, image.height, name_);
    image.pixels.resize(static_cast<std::size_t>(image.width * image.height));
    if (binary)
      read_binary_samples(image.pixels, maxval);
    else
      read_ascii_samples(image.pixels, maxval);
    return image;
  }

 private:
  void skip_space_and_comments() {
    while (pos_ < bytes_.size()) {
      if (bytes_[pos_] == '#') {
        while (pos_ < bytes_.size() && bytes_[pos_] != '\n') ++pos_;
      } else if (std::isspace(bytes_[pos_])) {
        ++pos_;
      } else {
        return;
      }
    }
  }

  int64_t number(const char* what) {
    skip_space_and_comments();
    require(pos_ < bytes_.size(), name_ + ": truncated PGM (ends before the " + what + ")");
    require(std::isdigit(bytes_[pos_]) != 0, name_ + ": malformed PGM (" + what + " is not a number)");
    int64_t value = 0;
    while (pos_ < bytes_.size() && std::isdigit(bytes_[pos_])) {
      value = value * 10 + (bytes_[pos_++] - '0');
      require(value <= kMaxPictureSamples, name_ + ": malformed PGM (" + what + " is too large)");
    }
    return value;
  }

  static uint8_t to_byte(int64_t sample, int64_t maxval) {
    return static_cast<uint8_t>((sample * 255 + maxval / 2) / maxval);  // rounded to nearest
  }

  uint8_t checked(int64_t sample, int64_t maxval) const {
    require(sample <= maxval, name_ + ": PGM sample " + std::to_string(sample) + " exceeds maxval " +
                                  std::to_string(maxval));
    return to_byte(sample, maxval);
  }

  void read_binary_samples(std::vector<uint8_t>& pixels, int64_t maxval) {
    ++pos_;  // the single whitespace byte that ends the header
    const std::size_t sample_bytes = maxval > 255 ? 2 : 1;
    const std::size_t needed = pixels.size() * sample_bytes;
    require(pos_ <= bytes_.size() && bytes_.size() - pos_ >= needed,
            name_ + ": truncated PGM (" + std::to_string(needed) + " bytes of pixels expected, " +
                std::to_string(bytes_.size() > pos_ ? bytes_.size() - pos_ : 0) + " present)");
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      const uint8_t* p = &bytes_[pos_ + i * sample_bytes];
      const int64_t sample = sample_bytes == 2 ? (p[0] << 8) | p[1] : p[0];
      pixels[i] = checked(sample, maxval);
    }
  }

  void read_ascii_samples(std::vector<uint8_t>& pixels, int64_t maxval) {
    for (uint8_t& pixel : pixels) pixel = checked(number("pixel values"), maxval);
  }

  const std::vector<uint8_t>& bytes_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

}  // namespace

GrayImage decode_gray_image(const std::vector<uint8_t>& bytes, const std::string& name) {
  require(!bytes.empty(), name + ": empty file, not an image");
  if (starts_with(bytes, "\x89PNG")) return decode_png_or_throw(bytes, name);
  if (starts_with(bytes, "P5") || starts_with(bytes, "P2")) return PgmReader(bytes, name).read();
  if (starts_with(bytes, "P1") || starts_with(bytes, "P3") || starts_with(bytes, "P4") || starts_with(bytes, "P6"))
    throw Error(name + ": unsupported netpbm format (only gray maps, P5 and P2, are read; convert to PNG)");
  throw Error(name + ": not an image (neither PNG nor PGM by its first bytes)");
}

// read_file_bytes refuses what is not a regular file: a folder, a FIFO that would block, or
// /dev/zero, which would be read until memory runs out.
GrayImage read_gray_image(const std::string& path) { return decode_gray_image(read_file_bytes(path), path); }

std::vector<uint8_t> encode_png_gray(const GrayImage& image) {
  require_sane_size(image.width, image.height, "PNG to write");
  require(image.pixels.size() == static_cast<std::size_t>(image.width * image.height),
          "PNG to write: " + std::to_string(image.pixels.size()) + " pixels for a " + std::to_string(image.width) +
              "x" + std::to_string(image.height) + " image");
  return encode_png({image.width, image.height, 1, image.pixels});  // data/picture.h writes any PNG
}

void write_png_gray(const std::string& path, const GrayImage& image) {
  std::vector<uint8_t> bytes;
  try {
    bytes = encode_png_gray(image);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  write_file_atomically(path, bytes);
}

GrayImage tile_images(const std::vector<GrayImage>& images, int columns, int gap, uint8_t fill) {
  require(!images.empty(), "tile_images: no images to tile");
  require(columns >= 1, "tile_images: columns must be at least 1, got " + std::to_string(columns));
  require(gap >= 0, "tile_images: gap must not be negative, got " + std::to_string(gap));
  int64_t cell_width = 0, cell_height = 0;
  for (const GrayImage& image : images) {
    cell_width = std::max(cell_width, image.width);
    cell_height = std::max(cell_height, image.height);
  }
  const int64_t count = static_cast<int64_t>(images.size());
  const int64_t used_columns = std::min<int64_t>(columns, count);
  const int64_t rows = (count + columns - 1) / columns;
  GrayImage grid;
  grid.width = used_columns * cell_width + (used_columns - 1) * gap;
  grid.height = rows * cell_height + (rows - 1) * gap;
  require_sane_size(grid.width, grid.height, "tile_images");
  grid.pixels.assign(static_cast<std::size_t>(grid.width * grid.height), fill);
  for (int64_t i = 0; i < count; ++i) {
    const GrayImage& image = images[static_cast<std::size_t>(i)];
    const int64_t left = (i % columns) * (cell_width + gap) + (cell_width - image.width) / 2;
    const int64_t top = (i / columns) * (cell_height + gap) + (cell_height - image.height) / 2;
    for (int64_t y = 0; y < image.height; ++y)
      std::copy_n(image.pixels.begin() + y * image.width, image.width,
                  grid.pixels.begin() + (top + y) * grid.width + left);
  }
  return grid;
}

}  // namespace neurite
