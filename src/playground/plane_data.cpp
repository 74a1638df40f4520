#include "neurite/playground/plane_data.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "neurite/data/table.h"
#include "neurite/error.h"
#include "neurite/rng.h"

namespace neurite::playground {

namespace {

struct SetName {
  PlaneSet set;
  const char* name;
};
constexpr SetName kSetNames[] = {{PlaneSet::Circle, "circle"}, {PlaneSet::Xor, "xor"},     {PlaneSet::Gauss, "gauss"},
                                 {PlaneSet::Spiral, "spiral"}, {PlaneSet::Plane, "plane"}, {PlaneSet::Bumps, "bumps"},
                                 {PlaneSet::Csv, "csv"}};

constexpr double kTwoPi = 2 * std::numbers::pi;

// Each generator appends `count` points (train flags set later). `noise` is the option, 0..0.5.
using Generator = void (*)(int64_t count, double noise, Rng& rng, std::vector<PlanePoint>& out);

// Two rings: class 1 within radius 2.5, class 0 from 3.5 to 5; noise moves points off their ring.
void circle(int64_t count, double noise, Rng& rng, std::vector<PlanePoint>& out) {
  constexpr double kRadius = 5;
  for (int64_t i = 0; i < count; ++i) {
    const bool inside = i < count / 2;
    const double r = inside ? rng.uniform(0, 0.5 * kRadius) : rng.uniform(0.7 * kRadius, kRadius);
    const double angle = rng.uniform(0, kTwoPi);
    const double dx = rng.uniform(-kRadius, kRadius) * noise, dy = rng.uniform(-kRadius, kRadius) * noise;
    out.push_back({static_cast<float>(r * std::sin(angle) + dx), static_cast<float>(r * std::cos(angle) + dy),
                   inside ? 1.0f : 0.0f});
  }
}

// The four quadrants, kept a little off the axes: class 1 where x1 and x2 have the same sign.
void exclusive_or(int64_t count, double noise, Rng& rng, std::vector<PlanePoint>& out) {
  constexpr double kPadding = 0.3;
  for (int64_t i = 0; i < count; ++i) {
    double x = rng.uniform(-5, 5), y = rng.uniform(-5, 5);
    x += x > 0 ? kPadding : -kPadding;
    y += y > 0 ? kPadding : -kPadding;
    const float label = x * y >= 0 ? 1.0f : 0.0f;
    out.push_back({static_cast<float>(x + rng.uniform(-5, 5) * noise), static_cast<float>(y + rng.uniform(-5, 5) * noise),
                   label});
  }
}

// Two normal clouds around (2, 2) (class 1) and (-2, -2) (class 0), wider as the noise grows.
void gauss(int64_t count, double noise, Rng& rng, std::vector<PlanePoint>& out) {
  const double spread = 0.5 + 7 * noise;  // 0.5 at no noise, 4 at the most
  for (int64_t i = 0; i < count; ++i) {
    const bool first = i < count / 2;
    const double centre = first ? 2 : -2;
    out.push_back({static_cast<float>(centre + spread * rng.normal()), static_cast<float>(centre + spread * rng.normal()),
                   first ? 1.0f : 0.0f});
  }
}

// Two arms winding out from the centre, a half turn apart, one per class.
void spiral(int64_t count, double noise, Rng& rng, std::vector<PlanePoint>& out) {
  const int64_t per_arm = count / 2;
  for (int arm = 0; arm < 2; ++arm) {
    const int64_t n = arm == 0 ? per_arm : count - per_arm;
    for (int64_t i = 0; i < n; ++i) {
      const double along = static_cast<double>(i) / static_cast<double>(n);
      const double r = 5 * along, turn = 1.75 * kTwoPi * along + (arm == 0 ? 0 : std::numbers::pi);
      out.push_back({static_cast<float>(r * std::sin(turn) + rng.uniform(-1, 1) * noise),
                     static_cast<float>(r * std::cos(turn) + rng.uniform(-1, 1) * noise), arm == 0 ? 1.0f : 0.0f});
    }
  }
}

// A tilted plane: label (x1 + x2) / 12, from -1 to 1 across the square; noise moves the points.
void tilted_plane(int64_t count, double noise, Rng& rng, std::vector<PlanePoint>& out) {
  for (int64_t i = 0; i < count; ++i) {
    const double x = rng.uniform(-kPlaneHalfWidth, kPlaneHalfWidth), y = rng.uniform(-kPlaneHalfWidth, kPlaneHalfWidth);
    const float label = static_cast<float>((x + y) / (2 * kPlaneHalfWidth));
    out.push_back({static_cast<float>(x + rng.uniform(-6, 6) * noise), static_cast<float>(y + rng.uniform(-6, 6) * noise),
                   label});
  }
}

// Six bumps of alternating sign on a 3 x 2 grid; the label is their sum, held to [-1, 1].
void bumps(int64_t count, double noise, Rng& rng, std::vector<PlanePoint>& out) {
  struct Bump {
    double x, y, sign;
  };
  constexpr Bump kBumps[] = {{-4, 2.5, 1}, {0, 2.5, -1}, {4, 2.5, 1}, {-4, -2.5, -1}, {0, -2.5, 1}, {4, -2.5, -1}};
  constexpr double kWidth = 1.6;
  for (int64_t i = 0; i < count; ++i) {
    const double x = rng.uniform(-kPlaneHalfWidth, kPlaneHalfWidth), y = rng.uniform(-kPlaneHalfWidth, kPlaneHalfWidth);
    double sum = 0;
    for (const Bump& b : kBumps)
      sum += b.sign * std::exp(-((x - b.x) * (x - b.x) + (y - b.y) * (y - b.y)) / (2 * kWidth * kWidth));
    out.push_back({static_cast<float>(x + rng.uniform(-6, 6) * noise), static_cast<float>(y + rng.uniform(-6, 6) * noise),
                   static_cast<float>(std::clamp(sum, -1.0, 1.0))});
  }
}

Generator generator_of(PlaneSet set) {
  switch (set) {
    case PlaneSet::Circle: return circle;
    case PlaneSet::Xor: return exclusive_or;
    case PlaneSet::Gauss: return gauss;
    case PlaneSet::Spiral: return spiral;
    case PlaneSet::Plane: return tilted_plane;
    case PlaneSet::Bumps: return bumps;
    case PlaneSet::Csv: break;
  }
  throw Error("the csv set is read, not drawn");
}

// Shuffles the points (so each split holds every part of the shape) and marks the first share
// of them as training points.
void split(std::vector<PlanePoint>& points, double train_ratio, uint64_t seed) {
  Rng rng(seed, 1);
  rng.shuffle(std::span<PlanePoint>(points));
  const auto train = static_cast<std::size_t>(std::lround(train_ratio * static_cast<double>(points.size())));
  for (std::size_t i = 0; i < points.size(); ++i) points[i].train = i < std::max<std::size_t>(train, 1);
}

}  // namespace

std::string plane_set_name(PlaneSet set) {
  for (const SetName& s : kSetNames)
    if (s.set == set) return s.name;
  return "?";
}

PlaneSet parse_plane_set(const std::string& name) {
  for (const SetName& s : kSetNames)
    if (name == s.name) return s.set;
  throw Error("unknown data set '" + name + "' (expected circle, xor, gauss, spiral, plane, bumps or csv)");
}

bool is_regression(PlaneSet set) { return set == PlaneSet::Plane || set == PlaneSet::Bumps; }

int64_t PlaneData::train_count() const {
  return std::count_if(points.begin(), points.end(), [](const PlanePoint& p) { return p.train; });
}

void validate(const PlaneDataOptions& o) {
  require(o.count >= 10 && o.count <= kMaxPlanePoints,
          "points must be from 10 to " + std::to_string(kMaxPlanePoints) + ", got " + std::to_string(o.count));
  require(std::isfinite(o.noise) && o.noise >= 0 && o.noise <= 0.5, "noise must be from 0 to 0.5, got " + number_text(o.noise));
  require(std::isfinite(o.train_ratio) && o.train_ratio >= 0.1 && o.train_ratio <= 0.9,
          "train_ratio must be from 0.1 to 0.9, got " + number_text(o.train_ratio));
}

PlaneData make_plane_data(const PlaneDataOptions& options) {
  validate(options);
  PlaneData data{.points = {}, .regression = is_regression(options.set)};
  data.points.reserve(static_cast<std::size_t>(options.count));
  Rng rng(options.seed, 0);
  generator_of(options.set)(options.count, options.noise, rng, data.points);
  split(data.points, options.train_ratio, options.seed);
  return data;
}

namespace {
// The values of a column mapped linearly from [lo, hi] onto [-6, 6] (a constant column: 0).
void onto_plane(std::vector<float*> values) {
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end(), [](float* a, float* b) { return *a < *b; });
  const double low = **lo, range = **hi - low;
  for (float* v : values)
    *v = range > 0 ? static_cast<float>(-kPlaneHalfWidth + 2 * kPlaneHalfWidth * (*v - low) / range) : 0.0f;
}
}  // namespace

PlaneData read_plane_csv(const std::string& path, const std::string& name, const PlaneDataOptions& split_options) {
  Table table = read_csv(path);
  table.source = name;
  const auto fail = [&](const std::string& why) { return Error(name + ": " + why); };
  if (table.column_count() != 3)
    throw fail("needs three columns, x1, x2 and the label; it has " + std::to_string(table.column_count()));
  for (const Column& c : table.columns)
    if (c.type != ColumnType::Numeric) throw fail("column '" + c.name + "' is not numeric");
  if (table.rows < 10 || table.rows > kMaxPlanePoints)
    throw fail("needs 10 to " + std::to_string(kMaxPlanePoints) + " rows, has " + std::to_string(table.rows));
  PlaneData data;
  bool zero_one = true, plus_minus = true;
  for (int64_t r = 0; r < table.rows; ++r) {
    for (int64_t c = 0; c < 3; ++c)
      if (!std::isfinite(table.at(r, c)))
        throw fail("row " + std::to_string(r + 1) + ", column '" + table.columns[static_cast<std::size_t>(c)].name +
                   "' is missing or not finite");
    const float label = table.at(r, 2);
    zero_one = zero_one && (label == 0 || label == 1);
    plus_minus = plus_minus && (label == -1 || label == 1);
    data.points.push_back({table.at(r, 0), table.at(r, 1), label});
  }
  data.regression = !zero_one && !plus_minus;
  std::vector<float*> x1, x2, labels;
  for (PlanePoint& p : data.points) {
    x1.push_back(&p.x1), x2.push_back(&p.x2), labels.push_back(&p.label);
    if (plus_minus && !zero_one) p.label = p.label > 0 ? 1.0f : 0.0f;
  }
  onto_plane(x1);
  onto_plane(x2);
  if (data.regression) {
    onto_plane(labels);  // onto [-6, 6], then to [-1, 1]
    for (float* l : labels) *l = static_cast<float>(*l / kPlaneHalfWidth);
  }
  PlaneDataOptions o = split_options;
  o.count = table.rows;
  validate(o);
  split(data.points, o.train_ratio, o.seed);
  return data;
}

// ---- features

namespace {
struct FeatureName {
  Feature feature;
  const char* key;
  const char* label;
};
constexpr FeatureName kFeatureNames[kFeatureCount] = {
    {Feature::X1, "x1", "x1"},          {Feature::X2, "x2", "x2"},           {Feature::X1Squared, "x1sq", "x1^2"},
    {Feature::X2Squared, "x2sq", "x2^2"}, {Feature::X1TimesX2, "x1x2", "x1*x2"}, {Feature::SinX1, "sinx1", "sin(x1)"},
    {Feature::SinX2, "sinx2", "sin(x2)"}};
}  // namespace

std::string feature_key(Feature f) { return kFeatureNames[static_cast<int>(f)].key; }
std::string feature_label(Feature f) { return kFeatureNames[static_cast<int>(f)].label; }

Feature parse_feature(const std::string& key) {
  for (const FeatureName& f : kFeatureNames)
    if (key == f.key) return f.feature;
  throw Error("unknown feature '" + key + "' (expected x1, x2, x1sq, x2sq, x1x2, sinx1 or sinx2)");
}

float feature_value(Feature f, float x1, float x2) {
  switch (f) {
    case Feature::X1: return x1;
    case Feature::X2: return x2;
    case Feature::X1Squared: return x1 * x1;
    case Feature::X2Squared: return x2 * x2;
    case Feature::X1TimesX2: return x1 * x2;
    case Feature::SinX1: return std::sin(x1);
    case Feature::SinX2: return std::sin(x2);
  }
  return 0;
}

Tensor feature_matrix(const std::vector<Feature>& features, const std::vector<PlanePoint>& points) {
  Tensor m({static_cast<int64_t>(points.size()), static_cast<int64_t>(features.size())});
  int64_t at = 0;
  for (const PlanePoint& p : points)
    for (const Feature f : features) m[at++] = feature_value(f, p.x1, p.x2);
  return m;
}

}  // namespace neurite::playground
