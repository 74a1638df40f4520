#include "neurite/layers/dropout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "neurite/error.h"

namespace neurite {

Dropout::Dropout(DropoutOptions options) : options_(options) {
  require(std::isfinite(options.p) && options.p >= 0 && options.p < 1,
          "dropout probability must be in [0, 1), got " + std::to_string(options.p));
}

void Dropout::forward(const Tensor& x, Tensor& y) {
  y.resize(x.shape());
  const int64_t n = x.size();
  if (!training_ || options_.p == 0) {
    std::copy_n(x.data(), n, y.data());
    return;
  }
  mask_.resize(x.shape());
  const auto keep_scale = static_cast<float>(1.0 / (1.0 - options_.p));
  // Keep when a uniform 53-bit draw is at or above p: exact for any p, one draw per unit.
  const auto threshold = static_cast<uint64_t>(std::ldexp(options_.p, 53));
  float* m = mask_.data();
  for (int64_t i = 0; i < n; ++i) m[i] = (rng_.next_u64() >> 11) >= threshold ? keep_scale : 0.0f;
  const float* in = x.data();
  float* out = y.data();
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) out[i] = in[i] * m[i];
}

void Dropout::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  if (dy.shape() != y.shape()) require_shape(dy, y.shape(), "dropout backward gradient");
  dx->resize(x.shape());
  const int64_t n = x.size();
  if (!training_ || options_.p == 0) {
    std::copy_n(dy.data(), n, dx->data());
    return;
  }
  const float* g = dy.data();
  const float* m = mask_.data();
  float* d = dx->data();
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) d[i] = g[i] * m[i];
}

std::string Dropout::summary() const {
  char text[48];
  std::snprintf(text, sizeof text, "dropout(%g)", options_.p);
  return text;
}

namespace {
LayerPtr dropout_from_config(const nlohmann::json& c, const Shape&) {
  return std::make_unique<Dropout>(DropoutOptions{.p = c.at("p").get<double>()});
}
const bool registered = register_layer("dropout", &dropout_from_config);
}  // namespace

}  // namespace neurite
