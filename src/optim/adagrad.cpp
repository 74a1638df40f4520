#include <cmath>

#include "checks.h"
#include "neurite/optim/optimizer.h"

namespace neurite {

namespace {

void adagrad_update(float rate, float eps, int64_t n, float* __restrict w, const float* __restrict g,
                    float* __restrict sum) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float grad = g[i];
    sum[i] += grad * grad;
    w[i] -= rate * grad / (std::sqrt(sum[i]) + eps);
  }
}

}  // namespace

Adagrad::Adagrad(double rate, double eps) : StatefulOptimizer(rate, {"sum"}), eps_(eps) {
  detail::require_positive(eps, "eps");
}

void Adagrad::step(std::span<Parameter> parameters) {
  begin_step(parameters);
  const auto rate = static_cast<float>(rate_);
  const auto eps = static_cast<float>(eps_);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    Parameter& p = parameters[i];
    adagrad_update(rate, eps, p.value->size(), p.value->data(), p.grad->data(), slots_.at(i, 0).data());
  }
}

}  // namespace neurite
