// Picture files (PNG, JPEG, PGM/PPM, as `predict --image` and image folders read them): decoded
// as grey and as RGB, then resized and laid out planar as a network takes them.
#include "support.h"
#include "neurite/data/image.h"
#include "neurite/data/picture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  const std::span<const uint8_t> bytes(data, size);
  for (int channels : {1, 3}) {
    fuzz::read_or_refuse([&] {
      const Picture picture = decode_picture(bytes, "input", channels);
      picture_to_planar(resize_picture(picture, 28, 28));
    });
  }
  fuzz::read_or_refuse([&] { decode_gray_image(std::vector<uint8_t>(bytes.begin(), bytes.end()), "input"); });
  return 0;
}
