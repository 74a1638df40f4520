// The Playground's data: points in the plane [-6, 6]^2 (TensorFlow Playground's square), each with
// a label, drawn from one of six generators or read from a user's CSV file, and the input features
// a network may be given for a point (x1, x2, x1^2, x2^2, x1 x2, sin x1, sin x2).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/tensor.h"

namespace neurite::playground {

constexpr double kPlaneHalfWidth = 6.0;  // the plane shown is [-6, 6] x [-6, 6]

// circle, xor, gauss and spiral are two classes (label 0 or 1); plane and bumps are regression
// surfaces (label in [-1, 1]); csv is the user's own points.
enum class PlaneSet { Circle, Xor, Gauss, Spiral, Plane, Bumps, Csv };
std::string plane_set_name(PlaneSet set);
PlaneSet parse_plane_set(const std::string& name);  // throws naming the known sets
bool is_regression(PlaneSet set);

struct PlanePoint {
  float x1 = 0, x2 = 0;
  float label = 0;  // 0 / 1 for the classes, [-1, 1] for a surface
  bool train = true;  // in the training split (else the test split)
};

struct PlaneData {
  std::vector<PlanePoint> points;
  bool regression = false;
  int64_t train_count() const;
};

struct PlaneDataOptions {
  PlaneSet set = PlaneSet::Circle;
  int64_t count = 500;       // points drawn (10 to kMaxPlanePoints)
  double noise = 0;          // 0 to 0.5: how far points stray from their shape
  double train_ratio = 0.5;  // 0.1 to 0.9: the share that trains; the rest tests
  uint64_t seed = 1;         // the same seed draws the same points and the same split
};
constexpr int64_t kMaxPlanePoints = 2000;

// Throws a one-line Error naming the option out of range.
void validate(const PlaneDataOptions& options);
// Draws the points of a generated set (not Csv) and splits them.
PlaneData make_plane_data(const PlaneDataOptions& options);

// The user's own points: a CSV of three numeric columns x1, x2, label (a header line optional).
// Labels that are all 0 / 1 or all -1 / 1 make two classes; other labels a surface, scaled into
// [-1, 1]. Each coordinate is mapped linearly onto [-6, 6]. `path` is read with read_csv; `name`
// is what errors call the file.
PlaneData read_plane_csv(const std::string& path, const std::string& name, const PlaneDataOptions& split);

// ---- features

enum class Feature { X1, X2, X1Squared, X2Squared, X1TimesX2, SinX1, SinX2 };
constexpr int kFeatureCount = 7;
std::string feature_key(Feature f);    // "x1", "x1sq", "sinx2": the URL's and the API's names
std::string feature_label(Feature f);  // "x1", "x1^2", "sin(x2)": column names of exported data
Feature parse_feature(const std::string& key);  // throws naming the known keys
float feature_value(Feature f, float x1, float x2);

// The features of points (N, features.size()), in the order given.
Tensor feature_matrix(const std::vector<Feature>& features, const std::vector<PlanePoint>& points);

}  // namespace neurite::playground
