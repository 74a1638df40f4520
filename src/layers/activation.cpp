#include "neurite/layers/activation.h"

#include <cmath>

#include "neurite/error.h"

namespace neurite {

std::string activation_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::Step: return "step";
    case ActivationKind::Identity: return "identity";
    case ActivationKind::Sigmoid: return "sigmoid";
    case ActivationKind::Tanh: return "tanh";
    case ActivationKind::ReLU: return "relu";
  }
  return "?";
}

ActivationKind parse_activation(const std::string& name) {
  for (auto kind : {ActivationKind::Step, ActivationKind::Identity, ActivationKind::Sigmoid,
                    ActivationKind::Tanh, ActivationKind::ReLU})
    if (activation_name(kind) == name) return kind;
  throw Error("unknown activation '" + name + "' (expected step, identity, sigmoid, tanh or relu)");
}

float sigmoid(float z) { return 1.0f / (1.0f + std::exp(-z)); }
float logit(float a) { return std::log(a / (1.0f - a)); }

void Activation::forward(const Tensor& x, Tensor& y) {
  y.resize(x.shape());
  const float* in = x.data();
  float* out = y.data();
  const int64_t n = x.size();
  switch (kind_) {
    case ActivationKind::Step:  // the perceptron's: 1 when z > 0
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? 1.0f : 0.0f;
      break;
    case ActivationKind::Identity:
      std::copy(in, in + n, out);
      break;
    case ActivationKind::Sigmoid:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) out[i] = 1.0f / (1.0f + std::exp(-in[i]));
      break;
    case ActivationKind::Tanh:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
      break;
    case ActivationKind::ReLU:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
      break;
  }
}

void Activation::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  if (dy.shape() != y.shape()) require_shape(dy, y.shape(), (type() + " backward gradient").c_str());
  dx->resize(x.shape());
  const float* in = x.data();
  const float* out = y.data();
  const float* g = dy.data();
  float* d = dx->data();
  const int64_t n = x.size();
  switch (kind_) {
    case ActivationKind::Step:  // flat almost everywhere: no gradient flows
      dx->fill(0.0f);
      break;
    case ActivationKind::Identity:
      std::copy(g, g + n, d);
      break;
    case ActivationKind::Sigmoid:  // sigma' = y (1 - y)
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] * out[i] * (1.0f - out[i]);
      break;
    case ActivationKind::Tanh:  // tanh' = 1 - y^2
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (1.0f - out[i] * out[i]);
      break;
    case ActivationKind::ReLU:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) d[i] = in[i] > 0.0f ? g[i] : 0.0f;
      break;
  }
}

}  // namespace neurite
