#include "neurite/layers/activation.h"

#include <algorithm>
#include <cmath>

#include "neurite/error.h"
#include "neurite/ops/gemm.h"
#include "ops/family_dispatch.h"
#include "ops/fast_math.h"
#include "ops/pieces.h"

namespace neurite {

std::string activation_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::Step: return "step";
    case ActivationKind::Identity: return "identity";
    case ActivationKind::Sigmoid: return "sigmoid";
    case ActivationKind::Tanh: return "tanh";
    case ActivationKind::ReLU: return "relu";
    case ActivationKind::Softmax: return "softmax";
  }
  return "?";
}

ActivationKind parse_activation(const std::string& name) {
  for (auto kind : {ActivationKind::Step, ActivationKind::Identity, ActivationKind::Sigmoid,
                    ActivationKind::Tanh, ActivationKind::ReLU, ActivationKind::Softmax})
    if (activation_name(kind) == name) return kind;
  throw Error("unknown activation '" + name + "' (expected step, identity, sigmoid, tanh, relu or softmax)");
}

bool is_activation(const std::string& name) {
  for (auto kind : {ActivationKind::Step, ActivationKind::Identity, ActivationKind::Sigmoid,
                    ActivationKind::Tanh, ActivationKind::ReLU, ActivationKind::Softmax})
    if (activation_name(kind) == name) return true;
  return false;
}

float sigmoid(float z) { return 1.0f / (1.0f + std::exp(-z)); }
float logit(float a) { return std::log(a / (1.0f - a)); }

namespace {

// Feature maps are split between threads from this many values (a conv layer's maps: 627,000
// values per batch of seed 001's CNN, 102,400 for the speed run's second layer); smaller work is
// not worth waking a thread for.
constexpr int64_t kMinParallel = int64_t{1} << 15;

// The element-wise formulas over [begin, end). Plain functions with restrict pointers, so the
// compiler knows the arrays do not overlap and turns every case into vector code without
// branches (a branch per ReLU element mispredicts on half of them); inlined into each kernel
// family's variant (ops/family_dispatch.h).
NEURITE_INLINE inline void forward_range(ActivationKind kind, const float* __restrict in, float* __restrict out, int64_t begin,
                   int64_t end) {
  switch (kind) {
    case ActivationKind::Step:  // the perceptron's: 1 when z > 0
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] = in[i] > 0.0f ? 1.0f : 0.0f;
      break;
    case ActivationKind::Identity:
      std::copy(in + begin, in + end, out + begin);
      break;
    case ActivationKind::Sigmoid:
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] = fast::sigmoid(in[i]);  // in vector lanes: std::exp is a call
      break;
    case ActivationKind::Tanh:
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] = std::tanh(in[i]);
      break;
    case ActivationKind::ReLU:
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
      break;
    case ActivationKind::Softmax:
      break;  // not element-wise: handled by the callers
  }
}

NEURITE_INLINE inline void backward_range(ActivationKind kind, const float* __restrict in, const float* __restrict out,
                    const float* __restrict g, float* __restrict d, int64_t begin, int64_t end) {
  switch (kind) {
    case ActivationKind::Step:  // flat almost everywhere: no gradient flows
      std::fill(d + begin, d + end, 0.0f);
      break;
    case ActivationKind::Identity:
      std::copy(g + begin, g + end, d + begin);
      break;
    case ActivationKind::Sigmoid:  // sigma' = y (1 - y)
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) d[i] = g[i] * out[i] * (1.0f - out[i]);
      break;
    case ActivationKind::Tanh:  // tanh' = 1 - y^2
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) d[i] = g[i] * (1.0f - out[i] * out[i]);
      break;
    case ActivationKind::ReLU:
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) d[i] = in[i] > 0.0f ? g[i] : 0.0f;
      break;
    case ActivationKind::Softmax:
      break;  // not element-wise: handled by the callers
  }
}

// y_k = exp(z_k - max z) / sum_j exp(z_j - max z) over the last axis (each sample, or each step
// of a sequence): subtracting the row's maximum changes nothing mathematically and keeps exp
// from overflowing, so large logits give 1, never NaN.
void softmax_forward(const Tensor& x, Tensor& y) {
  y.resize(x.shape());
  const int64_t cols = x.rank() ? x.dim(x.rank() - 1) : 0, rows = cols ? x.size() / cols : 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* z = x.data() + r * cols;
    float* a = y.data() + r * cols;
    const float top = *std::max_element(z, z + cols);
    float sum = 0.0f;
    for (int64_t k = 0; k < cols; ++k) sum += a[k] = std::exp(z[k] - top);
    const float inverse = 1.0f / sum;
    for (int64_t k = 0; k < cols; ++k) a[k] *= inverse;
  }
}

// dz_k = y_k (dy_k - sum_j dy_j y_j), the Jacobian of softmax applied row by row.
void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  const int64_t cols = y.rank() ? y.dim(y.rank() - 1) : 0, rows = cols ? y.size() / cols : 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* a = y.data() + r * cols;
    const float* g = dy.data() + r * cols;
    float* d = dx.data() + r * cols;
    float dot = 0.0f;
    for (int64_t k = 0; k < cols; ++k) dot += g[k] * a[k];
    for (int64_t k = 0; k < cols; ++k) d[k] = a[k] * (g[k] - dot);
  }
}

}  // namespace

void activate(ActivationKind kind, const Tensor& x, Tensor& y) {
  if (kind == ActivationKind::Softmax) return softmax_forward(x, y);
  y.resize(x.shape());
  const float* in = x.data();
  float* out = y.data();
  for_each_piece(x.size(), kMinParallel, [=](int64_t begin, int64_t end) {
    kernels::in_kernel_family([&]() NEURITE_INLINE { forward_range(kind, in, out, begin, end); });
  });
}

void Activation::forward(const Tensor& x, Tensor& y) { activate(kind_, x, y); }

void Activation::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  if (dy.shape() != y.shape()) require_shape(dy, y.shape(), (type() + " backward gradient").c_str());
  dx->resize(x.shape());
  if (kind_ == ActivationKind::Softmax) return softmax_backward(y, dy, *dx);
  const float* in = x.data();
  const float* out = y.data();
  const float* g = dy.data();
  float* d = dx->data();
  const ActivationKind kind = kind_;
  for_each_piece(x.size(), kMinParallel, [=](int64_t begin, int64_t end) {
    kernels::in_kernel_family([&]() NEURITE_INLINE { backward_range(kind, in, out, g, d, begin, end); });
  });
}

namespace {
LayerPtr activation_from_config(const nlohmann::json& c, const Shape&) {
  return std::make_unique<Activation>(parse_activation(c.at("type").get<std::string>()));
}
bool register_activations() {
  for (auto kind : {ActivationKind::Step, ActivationKind::Identity, ActivationKind::Sigmoid, ActivationKind::Tanh,
                    ActivationKind::ReLU, ActivationKind::Softmax})
    register_layer(activation_name(kind), &activation_from_config);
  return true;
}
const bool registered = register_activations();
}  // namespace

}  // namespace neurite
