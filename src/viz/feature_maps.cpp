// Filter and feature-map sheets: tensors cut into planes, each plane a gray tile on a shared
// scale, the tiles enlarged and laid out by tile_images.
#include "neurite/viz/feature_maps.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>
#include <vector>

#include "neurite/error.h"

namespace neurite {

namespace {

constexpr double kTileTarget = 60;  // pixels across a tile on screen

int64_t square_side(int64_t pixels) {
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(pixels))));
  return side > 0 && side * side == pixels ? side : 0;
}

// The smallest and largest finite value; (0, 0) when there is none.
std::pair<float, float> finite_range(std::span<const float> values) {
  float lo = INFINITY, hi = -INFINITY;
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return lo <= hi ? std::pair{lo, hi} : std::pair{0.0f, 0.0f};
}

GrayImage framed(const GrayImage& tile) {
  GrayImage picture{tile.width + 2 * kTileFrame, tile.height + 2 * kTileFrame, {}};
  picture.pixels.assign(static_cast<std::size_t>(picture.width * picture.height), 0);
  for (int64_t y = 0; y < tile.height; ++y)
    std::copy_n(tile.pixels.begin() + y * tile.width, tile.width,
                picture.pixels.begin() + (y + kTileFrame) * picture.width + kTileFrame);
  return picture;
}

// `count` planes of width x height stored one after another in `values`, as enlarged, framed
// tiles on the sheet's scale, laid out `columns` per row.
TileSheet sheet_of(std::span<const float> values, int64_t count, int64_t width, int64_t height, TileSheet sheet) {
  sheet.tile_width = width;
  sheet.tile_height = height;
  sheet.zoom = tile_zoom(std::max(width, height));
  sheet.columns = static_cast<int>(std::min<int64_t>(sheet.columns, count));
  const int64_t plane = width * height;
  std::vector<GrayImage> tiles;
  tiles.reserve(static_cast<std::size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const auto values_of_tile = values.subspan(static_cast<std::size_t>(i * plane), static_cast<std::size_t>(plane));
    tiles.push_back(framed(enlarge(ramp_picture(values_of_tile, width, height, sheet.black, sheet.white), sheet.zoom)));
  }
  sheet.image = tile_images(tiles, sheet.columns, kTileGap, 255);
  return sheet;
}

}  // namespace

GrayImage enlarge(const GrayImage& image, int zoom) {
  require(zoom >= 1 && zoom <= 64, "enlarge: zoom must be 1..64, got " + std::to_string(zoom));
  require(image.width > 0 && image.height > 0 &&
              image.pixels.size() == static_cast<std::size_t>(image.width * image.height),
          "enlarge: the picture has a bad size");
  GrayImage big{image.width * zoom, image.height * zoom, {}};
  big.pixels.reserve(static_cast<std::size_t>(big.width * big.height));
  for (int64_t y = 0; y < big.height; ++y)
    for (int64_t x = 0; x < big.width; ++x) big.pixels.push_back(image.at(x / zoom, y / zoom));
  return big;
}

int tile_zoom(int64_t side) {
  if (side <= 0) return 1;
  return static_cast<int>(std::clamp<double>(std::ceil(kTileTarget / static_cast<double>(side)), 1, 16));
}

GrayImage ramp_picture(std::span<const float> values, int64_t width, int64_t height, float black, float white) {
  require(width > 0 && height > 0 && values.size() == static_cast<std::size_t>(width * height),
          "picture: " + std::to_string(values.size()) + " values do not make " + std::to_string(width) + "x" +
              std::to_string(height));
  GrayImage picture{width, height, {}};
  picture.pixels.reserve(values.size());
  const double span = static_cast<double>(white) - black;
  for (float v : values) {
    const bool drawn = span > 0 && std::isfinite(v);
    const double level = drawn ? std::clamp((v - black) / span, 0.0, 1.0) * 255 : 128;
    picture.pixels.push_back(static_cast<uint8_t>(std::lround(level)));
  }
  return picture;
}

TileSheet filter_sheet(const Tensor& weight, int columns) {
  require(columns >= 1, "filter sheet: columns must be at least 1");
  TileSheet sheet;
  const auto [lo, hi] = finite_range(weight.span());
  sheet.white = std::max(std::abs(lo), std::abs(hi));  // symmetric: 0 lands on mid-gray
  sheet.black = -sheet.white;
  if (weight.rank() == 4 && weight.size() > 0) {
    const int64_t filters = weight.dim(0), channels = weight.dim(1);
    sheet.columns = channels == 1 ? columns : static_cast<int>(channels);  // a row per filter
    return sheet_of(weight.span(), filters * channels, weight.dim(3), weight.dim(2), sheet);
  }
  const int64_t side = weight.rank() == 2 ? square_side(weight.dim(1)) : 0;
  require(side > 0 && weight.dim(0) > 0,
          "filter sheet: weights of shape " + to_string(weight.shape()) +
              " are neither conv filters (O, C, KH, KW) nor dense units over a square picture");
  sheet.columns = columns;
  return sheet_of(weight.span(), weight.dim(0), side, side, sheet);
}

TileSheet feature_sheet(const Tensor& maps, int columns) {
  require(columns >= 1, "feature sheet: columns must be at least 1");
  const int first = maps.rank() == 4 ? 1 : 0;
  require((maps.rank() == 3 || (maps.rank() == 4 && maps.dim(0) == 1)) && maps.size() > 0,
          "feature sheet: maps of shape " + to_string(maps.shape()) + " are not one sample's (C, H, W)");
  TileSheet sheet;
  std::tie(sheet.black, sheet.white) = finite_range(maps.span());
  sheet.columns = columns;
  return sheet_of(maps.span(), maps.dim(first), maps.dim(first + 2), maps.dim(first + 1), sheet);
}

}  // namespace neurite
