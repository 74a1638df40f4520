#include <cmath>

#include "checks.h"
#include "neurite/optim/optimizer.h"
#include "ops/family_dispatch.h"
#include "ops/pieces.h"

namespace neurite {

namespace {

// Everything one step needs per element, already in float.
struct AdamStep {
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float step_size;                   // rate / (1 - beta1^t): m^ without a division per element
  float inverse_root_correction2;    // 1 / sqrt(1 - beta2^t): sqrt(v^) = sqrt(v) * this
  float eps;
  float keep;                        // AdamW's 1 - rate * weight_decay, 1 when not decaying
};

// Tensors from this size are updated by all threads (a dense layer's weights: 156,800 in seed
// 001's CNN); an update of fewer is over before a second thread would wake.
constexpr int64_t kMinParallel = int64_t{1} << 15;

NEURITE_INLINE inline void adam_update_range(const AdamStep& c, int64_t begin, int64_t end, float* __restrict w, const float* __restrict g,
                       float* __restrict m, float* __restrict v) {
#pragma omp simd
  for (int64_t i = begin; i < end; ++i) {
    const float grad = g[i];
    m[i] = c.beta1 * m[i] + c.one_minus_beta1 * grad;
    v[i] = c.beta2 * v[i] + c.one_minus_beta2 * grad * grad;
    const float decayed = w[i] * c.keep;
    w[i] = decayed - c.step_size * m[i] / (std::sqrt(v[i]) * c.inverse_root_correction2 + c.eps);
  }
}

}  // namespace

Adam::Adam(double rate, double beta1, double beta2, double eps) : Adam(rate, beta1, beta2, eps, 0.0) {}

Adam::Adam(double rate, double beta1, double beta2, double eps, double weight_decay)
    : StatefulOptimizer(rate, {"m", "v"}), beta1_(beta1), beta2_(beta2), eps_(eps), weight_decay_(weight_decay) {
  detail::require_fraction(beta1, "beta1");
  detail::require_fraction(beta2, "beta2");
  detail::require_positive(eps, "eps");
  detail::require_non_negative(weight_decay, "weight_decay");
}

void Adam::step(std::span<Parameter> parameters) {
  begin_step(parameters);
  // The bias corrections in double: beta2^t stays close to 1 for thousands of steps.
  const auto t = static_cast<double>(steps_);
  const double correction1 = 1 - std::pow(beta1_, t);
  const double correction2 = 1 - std::pow(beta2_, t);
  AdamStep c{};
  c.beta1 = static_cast<float>(beta1_);
  c.one_minus_beta1 = static_cast<float>(1 - beta1_);
  c.beta2 = static_cast<float>(beta2_);
  c.one_minus_beta2 = static_cast<float>(1 - beta2_);
  c.step_size = static_cast<float>(rate_ / correction1);
  c.inverse_root_correction2 = static_cast<float>(1 / std::sqrt(correction2));
  c.eps = static_cast<float>(eps_);
  const auto decay_keep = static_cast<float>(1 - rate_ * weight_decay_);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    Parameter& p = parameters[i];
    c.keep = p.decay ? decay_keep : 1.0f;
    float *w = p.value->data(), *g = p.grad->data(), *m = slots_.at(i, 0).data(), *v = slots_.at(i, 1).data();
    for_each_piece(p.value->size(), kMinParallel,
                   [&](int64_t begin, int64_t end) {
                     kernels::in_kernel_family([&]() NEURITE_INLINE { adam_update_range(c, begin, end, w, g, m, v); });
                   });
  }
}

AdamW::AdamW(double rate, double weight_decay, double beta1, double beta2, double eps)
    : Adam(rate, beta1, beta2, eps, weight_decay) {}

}  // namespace neurite
