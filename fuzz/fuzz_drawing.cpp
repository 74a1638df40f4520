// Drawings from the page's canvas (any size from 8 to 1024 pixels a side, as the server accepts):
// turned into an MNIST digit (cropped, scaled to 20x20, centred by mass in 28x28). The first four
// bytes give the width and height, the rest the pixels (repeated to fill the canvas).
#include <vector>

#include "support.h"
#include "neurite/data/drawing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  if (size < 5) return 0;
  const int64_t width = 8 + (data[0] | data[1] << 8) % 1017, height = 8 + (data[2] | data[3] << 8) % 1017;
  std::vector<uint8_t> pixels(static_cast<std::size_t>(width * height));
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = data[4 + i % (size - 4)];
  fuzz::read_or_refuse([&] { mnist_digit_from_drawing({width, height, std::move(pixels)}); });
  return 0;
}
