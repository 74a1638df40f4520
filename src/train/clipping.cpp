#include "neurite/train/clipping.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "neurite/error.h"

namespace neurite {

void validate(const Clipping& clipping) {
  require(std::isfinite(clipping.norm) && clipping.norm >= 0,
          "clip norm must be a positive number (or 0 for off), got " + std::to_string(clipping.norm));
  require(std::isfinite(clipping.value) && clipping.value >= 0,
          "clip value must be a positive number (or 0 for off), got " + std::to_string(clipping.value));
}

double global_gradient_norm(std::span<const Parameter> parameters) {
  double sum = 0;  // in double: hundreds of thousands of squares
  for (const Parameter& p : parameters)
    for (float g : p.grad->span()) sum += static_cast<double>(g) * g;
  return std::sqrt(sum);
}

double clip_gradients(std::span<Parameter> parameters, const Clipping& clipping) {
  const double norm = global_gradient_norm(parameters);
  if (clipping.norm > 0 && norm > clipping.norm) {
    const auto scale = static_cast<float>(clipping.norm / norm);
    for (Parameter& p : parameters)
      for (float& g : p.grad->span()) g *= scale;
  }
  if (clipping.value > 0) {
    const auto limit = static_cast<float>(clipping.value);
    for (Parameter& p : parameters)
      for (float& g : p.grad->span()) g = std::clamp(g, -limit, limit);
  }
  return norm;
}

}  // namespace neurite
