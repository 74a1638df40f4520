#include <cmath>

#include "neurite/error.h"
#include "neurite/optim/optimizer.h"

namespace neurite {

Sgd::Sgd(double rate) : rate_(rate) {
  require(std::isfinite(rate) && rate > 0, "learning rate must be positive, got " + std::to_string(rate));
}

void Sgd::step(std::span<Parameter> parameters) {
  const float rate = static_cast<float>(rate_);
  for (Parameter& p : parameters) {
    float* __restrict w = p.value->data();
    float* __restrict g = p.grad->data();
    const int64_t n = p.value->size();
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      w[i] -= rate * g[i];
      g[i] = 0.0f;
    }
  }
}

}  // namespace neurite
