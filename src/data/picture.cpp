#include "neurite/data/picture.h"

// jpeglib.h needs FILE and size_t declared before it.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "neurite/data/image.h"
#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/io/file.h"

namespace neurite {

namespace {

bool starts_with(std::span<const uint8_t> bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin(),
                                                    [](char m, uint8_t b) { return static_cast<uint8_t>(m) == b; });
}

void require_channels(int channels, const std::string& name) {
  require(channels == 0 || channels == 1 || channels == 3,
          name + ": channels must be 0 (as the file is), 1 (grey) or 3 (RGB), got " + std::to_string(channels));
}

void require_sane_size(int64_t width, int64_t height, int64_t channels, const std::string& name) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  require(width > 0 && height > 0, name + ": picture has no pixels (" + size + ")");
  require(width <= kMaxPictureSamples / height / channels,
          name + ": picture of " + size + " pixels, " + std::to_string(channels) +
              " channels is too large (over 2^28 samples, kMaxPictureSamples)");
}

void require_consistent(const Picture& picture, const std::string& name) {
  require(picture.channels == 1 || picture.channels == 3,
          name + ": picture has " + std::to_string(picture.channels) + " channels (1 or 3 expected)");
  require_sane_size(picture.width, picture.height, picture.channels, name);
  require(picture.pixels.size() == static_cast<std::size_t>(picture.width * picture.height * picture.channels),
          name + ": " + std::to_string(picture.pixels.size()) + " samples for a " + std::to_string(picture.width) +
              "x" + std::to_string(picture.height) + "x" + std::to_string(picture.channels) + " picture");
}

Picture grey_to_rgb(const Picture& grey) {
  Picture rgb{grey.width, grey.height, 3, {}};
  rgb.pixels.reserve(grey.pixels.size() * 3);
  for (uint8_t v : grey.pixels) rgb.pixels.insert(rgb.pixels.end(), 3, v);
  return rgb;
}

// ---- PNG, through libpng's simplified API ----------------------------------------------------
// png_image_* run every libpng call under libpng's own setjmp and report failure through the
// return value and image.message, so no longjmp ever crosses a C++ frame with destructors.

// Frees libpng's state on every path out, a throw included (png_image_free may be called twice).
struct PngReadImage {
  png_image image;
  PngReadImage() {
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
  }
  ~PngReadImage() { png_image_free(&image); }
};

Error png_error(const std::string& name, const std::string& problem) {
  // libpng's words for running out of bytes; a cut-off download is the usual cause.
  const bool truncated = problem.find("end of data") != std::string::npos ||
                         problem.find("Not enough image data") != std::string::npos;
  return Error(name + (truncated ? ": truncated PNG" : ": corrupt PNG") + " (libpng: " + problem + ")");
}

Picture decode_png(std::span<const uint8_t> bytes, const std::string& name, int channels) {
  PngReadImage png;
  png_image& image = png.image;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) throw png_error(name, image.message);
  const bool colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;  // a palette counts as colour
  Picture picture{image.width, image.height, channels != 0 ? channels : (colour ? 3 : 1), {}};
  require_sane_size(picture.width, picture.height, picture.channels, name);
  image.format = picture.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;  // grey by sRGB luminance
  // A 16-bit file without gamma information is taken as ordinary sRGB-encoded samples.
  image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  picture.pixels.resize(PNG_IMAGE_SIZE(image));
  const png_color white{255, 255, 255};  // transparency is composited onto white paper
  if (!png_image_finish_read(&image, &white, picture.pixels.data(), 0, nullptr)) throw png_error(name, image.message);
  return picture;
}

// ---- JPEG, through libjpeg-turbo -------------------------------------------------------------
// libjpeg reports an error by calling error_exit, which must not return (the default one calls
// exit()). Ours longjmps back to the setjmp of the JpegDecoder / JpegEncoder step that called
// libjpeg; those steps hold no C++ objects, so nothing is skipped that needed destroying. A
// warning jumps too: libjpeg only warns about a truncated file and pads it with grey, but a
// damaged picture in a dataset is an error here, not a silent grey patch.

struct JpegErrors {
  jpeg_error_mgr manager;  // first: libjpeg's pointer to it is a pointer to the whole
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = "";
};

void jpeg_fail(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  info->err->format_message(info, errors->message);
  std::longjmp(errors->jump, 1);
}

void jpeg_warn(j_common_ptr info, int level) {
  if (level < 0) jpeg_fail(info);  // -1 is a warning; 0 and up are trace messages, ignored
}

jpeg_error_mgr* install_errors(JpegErrors& errors) {
  jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jpeg_fail;
  errors.manager.emit_message = jpeg_warn;
  return &errors.manager;
}

class JpegDecoder {
 public:
  JpegDecoder() { info_.err = install_errors(errors_); }
  ~JpegDecoder() { jpeg_destroy_decompress(&info_); }  // a no-op when never created
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  bool read_header(const uint8_t* data, std::size_t size) {
    if (setjmp(errors_.jump)) return false;
    jpeg_create_decompress(&info_);
    jpeg_mem_src(&info_, data, static_cast<unsigned long>(size));
    jpeg_read_header(&info_, TRUE);
    return true;
  }

  // Decodes into rows of width * components bytes, components fixed by info().out_color_space.
  bool read_pixels(uint8_t* pixels, std::size_t row_bytes) {
    if (setjmp(errors_.jump)) return false;
    jpeg_start_decompress(&info_);
    while (info_.output_scanline < info_.output_height) {
      JSAMPROW row = pixels + info_.output_scanline * row_bytes;
      jpeg_read_scanlines(&info_, &row, 1);
    }
    jpeg_finish_decompress(&info_);
    return true;
  }

  jpeg_decompress_struct& info() { return info_; }
  const char* message() const { return errors_.message; }

 private:
  JpegErrors errors_;
  jpeg_decompress_struct info_{};
};

// CMYK (and YCCK, which libjpeg turns into CMYK) to RGB. Adobe's files, nearly all of them,
// store the inks inverted (255 = no ink); libjpeg notes the Adobe marker that says so.
std::vector<uint8_t> cmyk_to_rgb(const std::vector<uint8_t>& cmyk, bool inverted) {
  std::vector<uint8_t> rgb(cmyk.size() / 4 * 3);
  for (std::size_t i = 0, o = 0; i < cmyk.size(); i += 4, o += 3) {
    const int k = inverted ? cmyk[i + 3] : 255 - cmyk[i + 3];
    for (int c = 0; c < 3; ++c) {
      const int ink = inverted ? cmyk[i + c] : 255 - cmyk[i + c];
      rgb[o + c] = static_cast<uint8_t>((ink * k + 127) / 255);
    }
  }
  return rgb;
}

// Grey by the luminance libjpeg itself uses (ITU-R BT.601), for the CMYK files it cannot convert.
Picture rgb_to_grey(const Picture& rgb) {
  Picture grey{rgb.width, rgb.height, 1, std::vector<uint8_t>(rgb.pixels.size() / 3)};
  for (std::size_t i = 0; i < grey.pixels.size(); ++i) {
    const uint8_t* p = &rgb.pixels[i * 3];
    grey.pixels[i] = static_cast<uint8_t>((19595 * p[0] + 38470 * p[1] + 7471 * p[2] + 32768) >> 16);
  }
  return grey;
}

Error jpeg_error(const std::string& name, const JpegDecoder& decoder) {
  return Error(name + ": corrupt JPEG (" + decoder.message() + ")");
}

Picture decode_jpeg(std::span<const uint8_t> bytes, const std::string& name, int channels) {
  JpegDecoder decoder;
  if (!decoder.read_header(bytes.data(), bytes.size())) throw jpeg_error(name, decoder);
  jpeg_decompress_struct& info = decoder.info();
  const J_COLOR_SPACE space = info.jpeg_color_space;
  const bool cmyk = space == JCS_CMYK || space == JCS_YCCK;
  require(cmyk || space == JCS_GRAYSCALE || space == JCS_YCbCr || space == JCS_RGB,
          name + ": JPEG in an unsupported colour space (" + std::to_string(info.num_components) + " components)");
  if (channels == 0) channels = space == JCS_GRAYSCALE ? 1 : 3;
  // libjpeg converts everything but CMYK itself: grey from colour is its luminance, Y.
  info.out_color_space = cmyk ? JCS_CMYK : channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  const int components = cmyk ? 4 : channels;
  Picture picture{info.image_width, info.image_height, channels, {}};
  require_sane_size(picture.width, picture.height, components, name);
  std::vector<uint8_t> samples(static_cast<std::size_t>(picture.width * picture.height * components));
  if (!decoder.read_pixels(samples.data(), static_cast<std::size_t>(picture.width * components)))
    throw jpeg_error(name, decoder);
  if (!cmyk) {
    picture.pixels = std::move(samples);
    return picture;
  }
  picture.channels = 3;
  picture.pixels = cmyk_to_rgb(samples, info.saw_Adobe_marker != 0);
  return channels == 1 ? rgb_to_grey(picture) : picture;
}

class JpegEncoder {
 public:
  JpegEncoder() { info_.err = install_errors(errors_); }
  ~JpegEncoder() {
    jpeg_destroy_compress(&info_);
    std::free(buffer_);  // jpeg_mem_dest's buffer is malloc'ed and ours to free
  }
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  bool encode(const Picture& picture, int quality) {
    if (setjmp(errors_.jump)) return false;
    jpeg_create_compress(&info_);
    jpeg_mem_dest(&info_, &buffer_, &size_);
    info_.image_width = static_cast<JDIMENSION>(picture.width);
    info_.image_height = static_cast<JDIMENSION>(picture.height);
    info_.input_components = static_cast<int>(picture.channels);
    info_.in_color_space = picture.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info_);
    jpeg_set_quality(&info_, quality, TRUE);
    jpeg_start_compress(&info_, TRUE);
    const std::size_t row_bytes = static_cast<std::size_t>(picture.width * picture.channels);
    while (info_.next_scanline < info_.image_height) {
      JSAMPROW row = const_cast<uint8_t*>(picture.pixels.data()) + info_.next_scanline * row_bytes;
      jpeg_write_scanlines(&info_, &row, 1);
    }
    jpeg_finish_compress(&info_);
    return true;
  }

  std::vector<uint8_t> bytes() const { return {buffer_, buffer_ + size_}; }
  const char* message() const { return errors_.message; }

 private:
  JpegErrors errors_;
  jpeg_compress_struct info_{};
  unsigned char* buffer_ = nullptr;
  unsigned long size_ = 0;
};

// ---- resizing --------------------------------------------------------------------------------

// The source samples one output sample reads along an axis, from `first` on, and their weights
// (summing to 1).
struct Taps {
  int64_t first = 0;
  std::vector<double> weights;
};

// Shrinking: the output sample covers source interval [i, i + 1) * from / to; each source sample
// weighs by how much of it lies inside. Keeps every source pixel's share, so no detail aliases.
Taps area_taps(int64_t i, int64_t from, int64_t to) {
  const double scale = static_cast<double>(from) / static_cast<double>(to);
  const double lo = static_cast<double>(i * from) / static_cast<double>(to);
  const double hi = static_cast<double>((i + 1) * from) / static_cast<double>(to);
  Taps taps{static_cast<int64_t>(std::floor(lo)), {}};
  for (int64_t j = taps.first; j < from && static_cast<double>(j) < hi; ++j)
    taps.weights.push_back((std::min(hi, j + 1.0) - std::max(lo, static_cast<double>(j))) / scale);
  return taps;
}

// Enlarging: linear between the two source pixel centres around the output pixel's centre
// (centres at half-integers, as PIL and PyTorch's align_corners=False place them).
Taps bilinear_taps(int64_t i, int64_t from, int64_t to) {
  const double x = (static_cast<double>(i) + 0.5) * static_cast<double>(from) / static_cast<double>(to) - 0.5;
  const double clamped = std::clamp(x, 0.0, static_cast<double>(from - 1));
  Taps taps{static_cast<int64_t>(std::floor(clamped)), {}};
  const double t = clamped - static_cast<double>(taps.first);
  taps.weights = taps.first + 1 < from ? std::vector<double>{1.0 - t, t} : std::vector<double>{1.0};
  return taps;
}

std::vector<Taps> axis_taps(int64_t from, int64_t to) {
  std::vector<Taps> taps;
  taps.reserve(static_cast<std::size_t>(to));
  for (int64_t i = 0; i < to; ++i) taps.push_back(to <= from ? area_taps(i, from, to) : bilinear_taps(i, from, to));
  return taps;
}

uint8_t to_byte(double value) { return static_cast<uint8_t>(std::clamp(std::floor(value + 0.5), 0.0, 255.0)); }

// Each row of `picture` resized to `width`: (picture.height, width, channels), unrounded.
std::vector<float> resize_rows(const Picture& picture, int64_t width) {
  const std::vector<Taps> columns = axis_taps(picture.width, width);
  const std::size_t c = static_cast<std::size_t>(picture.channels);
  const std::size_t in_row = static_cast<std::size_t>(picture.width) * c;
  const std::size_t out_row = static_cast<std::size_t>(width) * c;
  std::vector<float> across(static_cast<std::size_t>(picture.height) * out_row);
  for (std::size_t y = 0; y < static_cast<std::size_t>(picture.height); ++y)
    for (std::size_t x = 0; x < columns.size(); ++x) {
      const Taps& taps = columns[x];
      const uint8_t* source = &picture.pixels[y * in_row + static_cast<std::size_t>(taps.first) * c];
      for (std::size_t k = 0; k < c; ++k) {
        double sum = 0;
        for (std::size_t t = 0; t < taps.weights.size(); ++t) sum += taps.weights[t] * source[t * c + k];
        across[y * out_row + x * c + k] = static_cast<float>(sum);
      }
    }
  return across;
}

// The columns of `across` (from_height rows of width x channels) resized to `height`, rounded.
Picture resize_columns(const std::vector<float>& across, int64_t from_height, int64_t width, int64_t height,
                       int64_t channels) {
  const std::vector<Taps> rows = axis_taps(from_height, height);
  const std::size_t row = static_cast<std::size_t>(width * channels);
  Picture out{width, height, channels, std::vector<uint8_t>(static_cast<std::size_t>(height) * row)};
  std::vector<double> sum(row);
  for (std::size_t y = 0; y < rows.size(); ++y) {
    std::fill(sum.begin(), sum.end(), 0.0);
    for (std::size_t t = 0; t < rows[y].weights.size(); ++t) {
      const float* source = &across[(static_cast<std::size_t>(rows[y].first) + t) * row];
      for (std::size_t i = 0; i < row; ++i) sum[i] += rows[y].weights[t] * source[i];
    }
    for (std::size_t i = 0; i < row; ++i) out.pixels[y * row + i] = to_byte(sum[i]);
  }
  return out;
}

}  // namespace

Picture decode_picture(std::span<const uint8_t> bytes, const std::string& name, int channels) {
  require_channels(channels, name);
  require(!bytes.empty(), name + ": empty file, not a picture");
  if (starts_with(bytes, "\x89PNG\r\n\x1a\n")) return decode_png(bytes, name, channels);
  if (starts_with(bytes, "\xff\xd8\xff")) return decode_jpeg(bytes, name, channels);
  if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '6') {
    const GrayImage grey = decode_gray_image({bytes.begin(), bytes.end()}, name);
    Picture picture{grey.width, grey.height, 1, grey.pixels};
    return channels == 3 ? grey_to_rgb(picture) : picture;
  }
  throw Error(name + ": not a picture (neither PNG, JPEG nor PGM by its first bytes)");
}

Picture read_picture(const std::string& path, int channels) {
  require_channels(channels, path);
  return decode_picture(read_file_bytes(path), path, channels);
}

Picture resize_picture(const Picture& picture, int64_t width, int64_t height) {
  require_consistent(picture, "resize_picture");
  require_sane_size(width, height, picture.channels,
                    "resize_picture to " + std::to_string(width) + "x" + std::to_string(height));
  if (width == picture.width && height == picture.height) return picture;
  // Separable: along the rows first (unrounded), then down the columns.
  const std::vector<float> across = resize_rows(picture, width);
  return resize_columns(across, picture.height, width, height, picture.channels);
}

std::vector<uint8_t> picture_to_planar(const Picture& picture) {
  require_consistent(picture, "picture_to_planar");
  const std::size_t plane = static_cast<std::size_t>(picture.width * picture.height);
  const std::size_t c = static_cast<std::size_t>(picture.channels);
  std::vector<uint8_t> planar(picture.pixels.size());
  for (std::size_t i = 0; i < plane; ++i)
    for (std::size_t k = 0; k < c; ++k) planar[k * plane + i] = picture.pixels[i * c + k];
  return planar;
}

std::vector<uint8_t> encode_png(const Picture& picture) {
  require_consistent(picture, "PNG to write");
  png_image header;
  std::memset(&header, 0, sizeof header);
  header.version = PNG_IMAGE_VERSION;
  header.width = static_cast<png_uint_32>(picture.width);
  header.height = static_cast<png_uint_32>(picture.height);
  header.format = picture.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  // First pass measures, second writes: the simplified API has no growing buffer.
  require(png_image_write_get_memory_size(header, size, 0, picture.pixels.data(), 0, nullptr) != 0,
          std::string("PNG encoding failed (libpng: ") + header.message + ")");
  std::vector<uint8_t> bytes(size);
  require(png_image_write_to_memory(&header, bytes.data(), &size, 0, picture.pixels.data(), 0, nullptr) != 0,
          std::string("PNG encoding failed (libpng: ") + header.message + ")");
  bytes.resize(size);
  return bytes;
}

void write_png(const std::string& path, const Picture& picture) {
  std::vector<uint8_t> bytes;
  try {
    bytes = encode_png(picture);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  write_file_atomically(path, bytes);
}

std::vector<uint8_t> encode_jpeg(const Picture& picture, int quality) {
  require_consistent(picture, "JPEG to write");
  require(quality >= 1 && quality <= 100, "JPEG to write: quality must be 1..100, got " + std::to_string(quality));
  JpegEncoder encoder;
  require(encoder.encode(picture, quality), std::string("JPEG encoding failed (") + encoder.message() + ")");
  return encoder.bytes();
}

}  // namespace neurite
