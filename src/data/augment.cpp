#include "neurite/data/augment.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <numbers>
#include <string_view>
#include <utility>

#include "neurite/error.h"

namespace neurite {

namespace {

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

template <class Number>
Number parse_number(std::string_view key, std::string_view value) {
  Number number{};
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  const bool whole_number = std::is_integral_v<Number>;
  require(ec == std::errc{} && end == value.data() + value.size() && !value.empty(),
          "augment: '" + std::string(key) + "' needs " +
              (whole_number ? "a whole number" : "a number") + ", got '" + std::string(value) + "'");
  return number;
}

void set_option(AugmentOptions& options, std::string_view key, std::string_view value) {
  if (key == "rotate") {
    options.rotate_degrees = parse_number<double>(key, value);
  } else if (key == "shift") {
    options.shift_pixels = parse_number<int>(key, value);
  } else if (key == "scale") {
    options.scale = parse_number<double>(key, value);
  } else if (key == "shear") {
    options.shear = parse_number<double>(key, value);
  } else if (key == "p" || key == "probability") {
    options.probability = parse_number<double>(key, value);
  } else {
    throw Error("augment: unknown key '" + std::string(key) +
                "' (known: rotate, shift, scale, shear, p)");
  }
}

// cos and sin of an angle in degrees, exact at multiples of 90 (as scipy's cosdg / sindg are),
// so that quarter turns move whole pixels without rounding.
std::pair<double, double> cos_sin_degrees(double degrees) {
  double turned = std::fmod(degrees, 360.0);
  if (turned < 0) turned += 360.0;
  if (turned == 0) return {1, 0};
  if (turned == 90) return {0, 1};
  if (turned == 180) return {-1, 0};
  if (turned == 270) return {0, -1};
  const double radians = turned * (std::numbers::pi / 180.0);
  return {std::cos(radians), std::sin(radians)};
}

// Uniform integer in [-limit, limit].
double random_offset(int limit, Rng& rng) {
  const uint64_t choices = 2 * static_cast<uint64_t>(limit) + 1;
  return static_cast<double>(rng.below(choices)) - limit;
}

// Whole-pixel translation (the source is out + (dx, dy)): row copies, no interpolation.
void translate_image(const float* in, float* out, int64_t height, int64_t width, int64_t dx,
                     int64_t dy, float background) {
  const int64_t first = std::clamp<int64_t>(-dx, 0, width);  // first column with a source
  const int64_t last = std::clamp<int64_t>(width - dx, 0, width);
  for (int64_t y = 0; y < height; ++y) {
    float* row = out + y * width;
    const int64_t source_row = y + dy;
    if (source_row < 0 || source_row >= height || first >= last) {
      std::fill_n(row, width, background);
      continue;
    }
    std::fill(row, row + first, background);
    std::copy(in + source_row * width + first + dx, in + source_row * width + last + dx, row + first);
    std::fill(row + last, row + width, background);
  }
}

struct RowSpan {
  int64_t begin;  // first output column whose source lies inside the image
  int64_t end;    // one past the last; begin == end when none does
};

// The source positions of an image's output rows: source = M * out + offset, with the centre
// folded into the offset once per image. Every position is computed from scratch (not
// accumulated along the row), so the test for "inside" and the interpolation see the same
// value and nothing drifts across a row.
class SourceRows {
 public:
  SourceRows(const AffineTransform& m, int64_t height, int64_t width)
      : m_(m), height_(height), width_(width),
        max_x_(static_cast<double>(width - 1)), max_y_(static_cast<double>(height - 1)) {
    const double cx = 0.5 * max_x_, cy = 0.5 * max_y_;
    offset_x_ = cx + m.tx - (m.a * cx + m.b * cy);
    offset_y_ = cy + m.ty - (m.c * cx + m.d * cy);
  }

  // Along a row the source moves on a straight line, so the columns reading inside the image
  // form one run: found by walking in from both ends (a few steps for small distortions).
  RowSpan inside_span(int64_t y) const {
    int64_t begin = 0, end = width_;
    while (begin < end && !inside(y, begin)) ++begin;
    while (end > begin && !inside(y, end - 1)) --end;
    return {begin, end};
  }

  // Bilinear values of columns [span.begin, span.end), in chunks on the stack: one pass finds
  // each source pixel and its weights (plain arithmetic, which the compiler vectorises), the
  // next blends the four neighbours.
  void interpolate(const float* in, int64_t y, RowSpan span, float* out_row) const {
    constexpr int64_t kChunk = 32;
    int32_t offsets[kChunk];
    float fx[kChunk], fy[kChunk];
    for (int64_t start = span.begin; start < span.end; start += kChunk) {
      const int64_t count = std::min(kChunk, span.end - start);
      locate(y, start, count, offsets, fx, fy);
      blend(in, count, offsets, fx, fy, out_row + start);
    }
  }

 private:
  // Positions are inside [0, w - 1] x [0, h - 1], where truncation is the floor. The top-left
  // neighbour stops one short of the last column (row), so that the other three are always in
  // the image: at the edge its weight becomes 0 and a whole position still reads its pixel
  // exactly.
  void locate(int64_t y, int64_t start, int64_t count, int32_t* offsets, float* fx, float* fy) const {
    const double row_x = source_row_x(y), row_y = source_row_y(y);
    for (int32_t i = 0; i < static_cast<int32_t>(count); ++i) {
      const double x = static_cast<double>(start) + i;
      const double sx = m_.a * x + row_x;
      const double sy = m_.c * x + row_y;
      const int32_t x0 = std::min(static_cast<int32_t>(sx), last_x0_);
      const int32_t y0 = std::min(static_cast<int32_t>(sy), last_y0_);
      fx[i] = static_cast<float>(sx - static_cast<double>(x0));
      fy[i] = static_cast<float>(sy - static_cast<double>(y0));
      offsets[i] = y0 * stride_ + x0;
    }
  }

  // The weighted-sum form returns a pixel exactly when its weight is 1.
  void blend(const float* in, int64_t count, const int32_t* offsets, const float* fx,
             const float* fy, float* out) const {
    for (int64_t i = 0; i < count; ++i) {
      const float* p = in + offsets[i];
      const float top = (1 - fx[i]) * p[0] + fx[i] * p[1];
      const float bottom = (1 - fx[i]) * p[width_] + fx[i] * p[width_ + 1];
      out[i] = (1 - fy[i]) * top + fy[i] * bottom;
    }
  }

  double source_row_x(int64_t y) const { return m_.b * static_cast<double>(y) + offset_x_; }
  double source_row_y(int64_t y) const { return m_.d * static_cast<double>(y) + offset_y_; }

  bool inside(int64_t y, int64_t x) const {
    const double sx = m_.a * static_cast<double>(x) + source_row_x(y);
    const double sy = m_.c * static_cast<double>(x) + source_row_y(y);
    return sx >= 0 && sx <= max_x_ && sy >= 0 && sy <= max_y_;
  }

  AffineTransform m_;
  int64_t height_, width_;
  // 32-bit copies for the position pass: its conversions then vectorise (images are small).
  int32_t stride_ = static_cast<int32_t>(width_);
  int32_t last_x0_ = static_cast<int32_t>(width_ - 2);
  int32_t last_y0_ = static_cast<int32_t>(height_ - 2);
  double max_x_, max_y_;
  double offset_x_ = 0, offset_y_ = 0;
};

// Bilinear sampling needs a 2 x 2 neighbourhood; pixel offsets are 32-bit.
bool is_supported_size(int64_t height, int64_t width) {
  return height >= 2 && width >= 2 && height <= INT32_MAX / width;
}

std::string image_size_message(int64_t height, int64_t width) {
  return "augment: images must be at least 2 x 2 and under 2^31 pixels, got " +
         std::to_string(height) + " x " + std::to_string(width);
}

bool is_whole(double value) { return value == std::nearbyint(value); }

bool is_whole_translation(const AffineTransform& m) {
  return m.a == 1 && m.b == 0 && m.c == 0 && m.d == 1 && is_whole(m.tx) && is_whole(m.ty);
}

}  // namespace

bool AugmentOptions::enabled() const {
  const bool any = rotate_degrees > 0 || shift_pixels > 0 || scale > 0 || shear > 0;
  return any && probability > 0;
}

void validate(const AugmentOptions& o) {
  require(o.rotate_degrees >= 0 && o.rotate_degrees <= 180,
          "augment: rotation must be in [0, 180] degrees, got " + number_text(o.rotate_degrees));
  require(o.shift_pixels >= 0,
          "augment: shift must be >= 0 pixels, got " + std::to_string(o.shift_pixels));
  require(o.scale >= 0 && o.scale < 1, "augment: scale must be in [0, 1), got " + number_text(o.scale));
  require(o.shear >= 0 && o.shear < 1, "augment: shear must be in [0, 1), got " + number_text(o.shear));
  require(o.probability >= 0 && o.probability <= 1,
          "augment: probability must be in [0, 1], got " + number_text(o.probability));
}

AugmentOptions augment_options_from_text(const std::string& text) {
  AugmentOptions options;
  const std::string_view all = trimmed(text);
  if (all.empty() || all == "none") return options;
  std::string_view rest = all;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = trimmed(rest.substr(0, comma));
    const auto equals = item.find('=');
    require(equals != std::string_view::npos,
            "augment: expected key=value, got '" + std::string(item) + "' in '" + text + "'");
    set_option(options, trimmed(item.substr(0, equals)), trimmed(item.substr(equals + 1)));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  validate(options);
  return options;
}

std::string to_text(const AugmentOptions& options) {
  const AugmentOptions defaults;
  std::string text;
  const auto add = [&text](const char* key, const std::string& value) {
    text += (text.empty() ? "" : ",") + std::string(key) + "=" + value;
  };
  if (options.rotate_degrees != defaults.rotate_degrees) add("rotate", number_text(options.rotate_degrees));
  if (options.shift_pixels != defaults.shift_pixels) add("shift", std::to_string(options.shift_pixels));
  if (options.scale != defaults.scale) add("scale", number_text(options.scale));
  if (options.shear != defaults.shear) add("shear", number_text(options.shear));
  if (options.probability != defaults.probability) add("p", number_text(options.probability));
  return text.empty() ? "none" : text;
}

bool Distortion::is_identity() const {
  return degrees == 0 && zoom == 1 && shear == 0 && dx == 0 && dy == 0;
}

// The content moves by F = rotation * shear * zoom about the centre, then by D = (dx, dy):
//   out = F (source - centre) + centre + D,  so  source = M (out - centre) + centre - M D
// with M = F^-1 = zoom^-1 * shear^-1 * rotation^-1. With y pointing down, turning the picture
// counter-clockwise by theta reads the source at [[cos, -sin], [sin, cos]] (out - centre).
AffineTransform inverse_map(const Distortion& distortion) {
  const auto [cos, sin] = cos_sin_degrees(distortion.degrees);
  const double k = distortion.shear;
  const double inverse_zoom = 1.0 / distortion.zoom;
  AffineTransform m;
  m.a = inverse_zoom * (cos - k * sin);
  m.b = inverse_zoom * (-sin - k * cos);
  m.c = inverse_zoom * sin;
  m.d = inverse_zoom * cos;
  m.tx = -(m.a * distortion.dx + m.b * distortion.dy);
  m.ty = -(m.c * distortion.dx + m.d * distortion.dy);
  return m;
}

AffineTransform rotation(double degrees) { return inverse_map({.degrees = degrees}); }

AffineTransform shift(double dx, double dy) { return inverse_map({.dx = dx, .dy = dy}); }

Distortion random_distortion(const AugmentOptions& options, Rng& rng) {
  Distortion distortion;
  if (options.probability < 1 && !(rng.uniform() < options.probability)) return distortion;
  const double r = options.rotate_degrees;
  if (r > 0) distortion.degrees = rng.uniform(-r, r);
  if (options.scale > 0) distortion.zoom = rng.uniform(1 - options.scale, 1 + options.scale);
  if (options.shear > 0) distortion.shear = rng.uniform(-options.shear, options.shear);
  if (options.shift_pixels > 0) {
    distortion.dx = random_offset(options.shift_pixels, rng);
    distortion.dy = random_offset(options.shift_pixels, rng);
  }
  return distortion;
}

AffineTransform random_transform(const AugmentOptions& options, Rng& rng) {
  return inverse_map(random_distortion(options, rng));
}

void warp_image(const float* in, float* out, int64_t height, int64_t width,
                const AffineTransform& inverse, float background) {
  // Checked on every image, so the message is built only on failure.
  if (!is_supported_size(height, width)) throw Error(image_size_message(height, width));
  if (is_whole_translation(inverse)) {
    // Clamped first: a shift past the border is all background, and the cast stays defined.
    const auto w = static_cast<double>(width), h = static_cast<double>(height);
    translate_image(in, out, height, width, static_cast<int64_t>(std::clamp(inverse.tx, -w, w)),
                    static_cast<int64_t>(std::clamp(inverse.ty, -h, h)), background);
    return;
  }
  const SourceRows rows(inverse, height, width);
  for (int64_t y = 0; y < height; ++y) {
    float* out_row = out + y * width;
    const RowSpan span = rows.inside_span(y);
    std::fill(out_row, out_row + span.begin, background);
    rows.interpolate(in, y, span, out_row);
    std::fill(out_row + span.end, out_row + width, background);
  }
}

void rotate_image(const float* in, float* out, int64_t height, int64_t width, double degrees,
                  float background) {
  warp_image(in, out, height, width, rotation(degrees), background);
}

Augmenter::Augmenter(AugmentOptions options, int64_t height, int64_t width, float background)
    : options_(options), height_(height), width_(width), background_(background) {
  validate(options_);
  if (!is_supported_size(height, width)) throw Error(image_size_message(height, width));
  scratch_.resize(static_cast<std::size_t>(height * width));
}

void Augmenter::require_batch_shape(const Tensor& batch) const {
  const Shape& s = batch.shape();
  const bool flat = s.size() == 2 && s[1] == height_ * width_;
  const bool image = s.size() == 4 && s[1] == 1 && s[2] == height_ && s[3] == width_;
  if (flat || image) return;
  throw Error("augment: batch of shape " + to_string(s) + " is neither (N, " +
              std::to_string(height_ * width_) + ") nor (N, 1, " + std::to_string(height_) + ", " +
              std::to_string(width_) + ")");
}

void Augmenter::apply(Tensor& batch, Rng& rng) {
  require_batch_shape(batch);
  if (!options_.enabled()) return;
  const int64_t pixels = height_ * width_;
  for (int64_t i = 0; i < batch.dim(0); ++i) {
    const Distortion distortion = random_distortion(options_, rng);
    if (distortion.is_identity()) continue;  // e.g. a shift of (0, 0), or a skipped image
    float* image = batch.data() + i * pixels;
    std::copy_n(image, pixels, scratch_.data());
    warp_image(scratch_.data(), image, height_, width_, inverse_map(distortion), background_);
  }
}

}  // namespace neurite
