#include <cmath>

#include "checks.h"
#include "neurite/error.h"
#include "neurite/optim/optimizer.h"

namespace neurite {

Optimizer::Optimizer(double rate) : rate_(0) { set_rate(rate); }

void Optimizer::set_rate(double rate) {
  detail::require_positive(rate, "learning rate");
  rate_ = rate;
}

std::vector<std::pair<std::string, const Tensor*>> Optimizer::state_tensors(std::span<const Parameter>) const {
  return {};
}

void Optimizer::load_state(const nlohmann::json&, const std::function<const Tensor*(const std::string&)>&,
                           std::span<const Parameter>) {}

namespace {

void plain_step(float rate, int64_t n, float* __restrict w, const float* __restrict g) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    w[i] -= rate * g[i];
  }
}

// A template rather than a flag, so each variant compiles to a branch-free vector loop.
template <bool nesterov>
void momentum_step(float rate, float momentum, int64_t n, float* __restrict w, const float* __restrict g,
                   float* __restrict v) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    v[i] = momentum * v[i] + g[i];
    if constexpr (nesterov)
      w[i] -= rate * (g[i] + momentum * v[i]);
    else
      w[i] -= rate * v[i];
  }
}

}  // namespace

Sgd::Sgd(double rate) : Sgd(rate, 0.0) {}

// Plain SGD keeps no slots, so its checkpoints hold only the step count.
Sgd::Sgd(double rate, double momentum, bool nesterov)
    : StatefulOptimizer(rate, momentum > 0 ? std::vector<std::string>{"velocity"} : std::vector<std::string>{}),
      momentum_(momentum),
      nesterov_(nesterov) {
  detail::require_fraction(momentum, "momentum");
  require(!nesterov || momentum > 0, "nesterov needs momentum > 0");
}

void Sgd::step(std::span<Parameter> parameters) {
  begin_step(parameters);
  const auto rate = static_cast<float>(rate_);
  const auto momentum = static_cast<float>(momentum_);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    Parameter& p = parameters[i];
    if (momentum_ == 0)
      plain_step(rate, p.value->size(), p.value->data(), p.grad->data());
    else if (nesterov_)
      momentum_step<true>(rate, momentum, p.value->size(), p.value->data(), p.grad->data(), slots_.at(i, 0).data());
    else
      momentum_step<false>(rate, momentum, p.value->size(), p.value->data(), p.grad->data(), slots_.at(i, 0).data());
  }
}

}  // namespace neurite
