#include <cmath>

#include "checks.h"
#include "neurite/optim/optimizer.h"

namespace neurite {

namespace {

void rmsprop_update(float rate, float alpha, float one_minus_alpha, float eps, int64_t n, float* __restrict w,
                    const float* __restrict g, float* __restrict v) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float grad = g[i];
    v[i] = alpha * v[i] + one_minus_alpha * grad * grad;
    w[i] -= rate * grad / (std::sqrt(v[i]) + eps);
  }
}

}  // namespace

RmsProp::RmsProp(double rate, double alpha, double eps)
    : StatefulOptimizer(rate, {"square_avg"}), alpha_(alpha), eps_(eps) {
  detail::require_fraction(alpha, "alpha");
  detail::require_positive(eps, "eps");
}

void RmsProp::step(std::span<Parameter> parameters) {
  begin_step(parameters);
  const auto rate = static_cast<float>(rate_);
  const auto alpha = static_cast<float>(alpha_);
  const auto one_minus_alpha = static_cast<float>(1 - alpha_);
  const auto eps = static_cast<float>(eps_);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    Parameter& p = parameters[i];
    rmsprop_update(rate, alpha, one_minus_alpha, eps, p.value->size(), p.value->data(), p.grad->data(),
                   slots_.at(i, 0).data());
  }
}

}  // namespace neurite
