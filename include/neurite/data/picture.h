// Colour and greyscale pictures: PNG through libpng, JPEG through libjpeg-turbo, PGM through
// read_gray_image. The format is told by the file's first bytes, never by its extension. Used by
// the image-folder reader (image_folder.h) and for classifying one picture.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace neurite {

// The most samples (width x height x channels) a picture's header may claim: 2^28, a 16384 x
// 16384 colour photograph. Checked before a single pixel is decoded; the grey reader (image.h)
// holds PGM files to it too.
constexpr int64_t kMaxPictureSamples = int64_t{1} << 28;

// 8-bit samples, interleaved (height x width x channels), top row first. channels is 1 (grey,
// 0 black, 255 white) or 3 (red, green, blue).
struct Picture {
  int64_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

// Reads a PNG (any colour type and bit depth), a JPEG (baseline or progressive; CMYK too) or a
// P5 / P2 PGM. `channels` 1 gives grey (colour by its luminance), 3 gives RGB (grey repeated),
// 0 keeps the file's kind: grey stays 1, anything with colour (a palette too) becomes 3.
// Transparency is composited onto white. Throws an Error naming the file when it is missing,
// truncated, corrupt, not a picture, or larger than 2^28 samples.
Picture read_picture(const std::string& path, int channels);
// The same from bytes in memory; `name` is what errors call them.
Picture decode_picture(std::span<const uint8_t> bytes, const std::string& name, int channels);

// Scales to width x height: each output pixel averages the source area it covers when
// shrinking, bilinear between the nearest pixel centres when enlarging (chosen per axis), as
// PIL's BOX and BILINEAR filters do. Rounds to the nearest byte, halves up; deterministic.
Picture resize_picture(const Picture& picture, int64_t width, int64_t height);

// Interleaved (H, W, C) to planar (C, H, W), the layout a convolutional network takes.
std::vector<uint8_t> picture_to_planar(const Picture& picture);

// 8-bit grey or RGB PNG in memory, and written atomically (a temporary file renamed into place).
std::vector<uint8_t> encode_png(const Picture& picture);
void write_png(const std::string& path, const Picture& picture);
// Baseline JPEG in memory at `quality` 1..100 (libjpeg's scale), for tests and tools.
std::vector<uint8_t> encode_jpeg(const Picture& picture, int quality = 90);

}  // namespace neurite
