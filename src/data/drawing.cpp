#include "neurite/data/drawing.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "neurite/error.h"

namespace neurite {

namespace {

struct Box {
  int64_t x0, y0, x1, y1;  // [x0, x1) x [y0, y1)
  int64_t width() const { return x1 - x0; }
  int64_t height() const { return y1 - y0; }
};

// The smallest box holding every ink pixel; empty (x0 == x1) when there is none.
Box ink_box(const GrayImage& d) {
  Box b{d.width, d.height, 0, 0};
  for (int64_t y = 0; y < d.height; ++y)
    for (int64_t x = 0; x < d.width; ++x)
      if (d.at(x, y) > kInkThreshold) {
        b.x0 = std::min(b.x0, x), b.y0 = std::min(b.y0, y);
        b.x1 = std::max(b.x1, x + 1), b.y1 = std::max(b.y1, y + 1);
      }
  if (b.x1 == 0) return {0, 0, 0, 0};
  return b;
}

// Resamples n source values onto m output cells of width n / m source units each: cell k is the
// average of the source over [k n / m, (k + 1) n / m), each source value weighted by how much of
// it the cell covers. Returns, for each cell, its (source index, weight) pairs.
struct Share {
  int64_t source;
  double weight;
};
std::vector<std::vector<Share>> area_shares(int64_t n, int64_t m) {
  std::vector<std::vector<Share>> cells(static_cast<std::size_t>(m));
  const double width = static_cast<double>(n) / static_cast<double>(m);
  for (int64_t k = 0; k < m; ++k) {
    const double lo = static_cast<double>(k) * width, hi = lo + width;
    for (auto s = static_cast<int64_t>(std::floor(lo)); s < n && static_cast<double>(s) < hi; ++s) {
      const double covered = std::min(hi, static_cast<double>(s + 1)) - std::max(lo, static_cast<double>(s));
      if (covered > 0) cells[static_cast<std::size_t>(k)].push_back({s, covered / width});
    }
  }
  return cells;
}

// The box of the drawing, scaled to out_w x out_h by area averaging (separable: rows, then columns).
std::vector<double> scale_box(const GrayImage& d, const Box& b, int64_t out_w, int64_t out_h) {
  const auto columns = area_shares(b.width(), out_w), rows = area_shares(b.height(), out_h);
  std::vector<double> across(static_cast<std::size_t>(b.height() * out_w), 0.0);
  for (int64_t y = 0; y < b.height(); ++y)
    for (int64_t x = 0; x < out_w; ++x)
      for (const Share& s : columns[static_cast<std::size_t>(x)])
        across[static_cast<std::size_t>(y * out_w + x)] += s.weight * d.at(b.x0 + s.source, b.y0 + y);
  std::vector<double> out(static_cast<std::size_t>(out_h * out_w), 0.0);
  for (int64_t y = 0; y < out_h; ++y)
    for (const Share& s : rows[static_cast<std::size_t>(y)])
      for (int64_t x = 0; x < out_w; ++x)
        out[static_cast<std::size_t>(y * out_w + x)] += s.weight * across[static_cast<std::size_t>(s.source * out_w + x)];
  return out;
}

// Where the scaled box's top-left corner goes so its centre of mass lands on pixel 14, in whole
// pixels, keeping the box inside the field. Positions are pixel indices, as in MNIST, whose test
// digits have their centre of mass at 14.0 +- 0.3 on both axes.
int64_t placement(double centre_of_mass, int64_t size) {
  const auto offset = static_cast<int64_t>(std::lround(static_cast<double>(kMnistSide / 2) - centre_of_mass));
  return std::clamp<int64_t>(offset, 0, kMnistSide - size);
}

}  // namespace

MnistDigit mnist_digit_from_drawing(const GrayImage& drawing) {
  require(drawing.width > 0 && drawing.height > 0 &&
              static_cast<int64_t>(drawing.pixels.size()) == drawing.width * drawing.height,
          "a drawing needs width x height pixels, got " + std::to_string(drawing.pixels.size()) + " for " +
              std::to_string(drawing.width) + "x" + std::to_string(drawing.height));
  MnistDigit digit{{kMnistSide, kMnistSide, std::vector<uint8_t>(kMnistSide * kMnistSide, 0)}, false};
  const Box box = ink_box(drawing);
  if (box.width() == 0) {
    digit.empty = true;
    return digit;
  }
  // The longer side becomes 20 pixels; the shorter keeps the aspect ratio (at least 1 pixel).
  const double scale = static_cast<double>(kMnistBox) / static_cast<double>(std::max(box.width(), box.height()));
  const int64_t out_w = std::clamp<int64_t>(std::lround(static_cast<double>(box.width()) * scale), 1, kMnistBox);
  const int64_t out_h = std::clamp<int64_t>(std::lround(static_cast<double>(box.height()) * scale), 1, kMnistBox);
  const std::vector<double> scaled = scale_box(drawing, box, out_w, out_h);

  double mass = 0, mx = 0, my = 0;
  for (int64_t y = 0; y < out_h; ++y)
    for (int64_t x = 0; x < out_w; ++x) {
      const double v = scaled[static_cast<std::size_t>(y * out_w + x)];
      mass += v, mx += v * static_cast<double>(x), my += v * static_cast<double>(y);
    }
  const int64_t left = placement(mx / mass, out_w), top = placement(my / mass, out_h);
  for (int64_t y = 0; y < out_h; ++y)
    for (int64_t x = 0; x < out_w; ++x) {
      const double v = std::round(scaled[static_cast<std::size_t>(y * out_w + x)]);
      digit.image.pixels[static_cast<std::size_t>((top + y) * kMnistSide + left + x)] =
          static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
    }
  return digit;
}

}  // namespace neurite
