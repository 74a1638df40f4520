#include "common.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "neurite/error.h"

namespace neurite::cli {


Initializer::Kind parse_init(const std::string& text) {
  try {
    return parse_initializer(text);
  } catch (const Error& e) {
    throw Error(std::string("--init: ") + e.what());
  }
}

TargetValues backquery_targets(const ModelInfo& info) {
  const TargetValues rashid{0.01f, 0.99f};
  return info.targets.off > 0.0f && info.targets.on < 1.0f ? info.targets : rashid;
}

namespace {

bool should_invert(const std::string& path, const GrayImage& image, Invert invert) {
  if (invert != Invert::Auto) return invert == Invert::Always;
  double sum = 0;
  for (uint8_t p : image.pixels) sum += p;
  const double mean = sum / static_cast<double>(image.pixels.size());
  if (mean <= 127.5) return false;
  std::printf("%s: mean pixel %.0f is light, so reading it as dark ink on light paper and inverting "
              "(--no-invert keeps it as it is)\n", path.c_str(), mean);
  return true;
}

}  // namespace

GrayImage read_digit_picture(const std::string& path, Invert invert) {
  GrayImage image = read_gray_image(path);
  require(image.width == kMnistSide && image.height == kMnistSide,
          path + ": image is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
              ", the model needs 28x28 like MNIST");
  if (should_invert(path, image, invert))
    for (uint8_t& p : image.pixels) p = static_cast<uint8_t>(255 - p);
  return image;
}

}  // namespace neurite::cli

namespace neurite::cli {

CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(text, &used);
          if (used == text.size() && std::isfinite(v) && v > 0) return {};
        } catch (const std::exception&) {
        }
        return "must be a positive number, got " + text;
      },
      "POSITIVE");
}

}  // namespace neurite::cli
