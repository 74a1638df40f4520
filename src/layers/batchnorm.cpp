#include "neurite/layers/batchnorm.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "neurite/error.h"
#include "neurite/ops/gemm.h"

namespace neurite {

namespace {

// 2^24 features (four tensors of 64 MiB) is far beyond any network here: a bigger request is a
// corrupt file.
constexpr int64_t kMaxFeatures = int64_t{1} << 24;
// Below this many values a second thread costs more to wake than it saves.
constexpr int64_t kMinParallelElements = int64_t{1} << 16;

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// x seen as (N, C, S): S = 1 for features (N, F), S = H * W for images (N, C, H, W). Channel c
// of sample i is the S contiguous values from at(i, c); its statistics are over M = N * S values.
struct Layout {
  int64_t n = 0, c = 0, s = 1;
  int64_t per_channel() const { return n * s; }
  int64_t at(int64_t sample, int64_t channel) const { return (sample * c + channel) * s; }
  int threads() const { return n * c * s >= kMinParallelElements ? num_threads() : 1; }
};

Layout layout_of(const Tensor& x, int64_t features, const char* what) {
  if ((x.rank() != 2 && x.rank() != 4) || x.dim(1) != features)
    throw Error(std::string(what) + ": expected (N, " + std::to_string(features) + ") or (N, " +
                std::to_string(features) + ", H, W), got " + to_string(x.shape()));
  return {x.dim(0), features, x.rank() == 4 ? x.dim(2) * x.dim(3) : 1};
}

// sums[c] = the sum over channel c's values of term(c, i), i the flat index, added in double.
template <class Term>
void sum_per_channel(const Layout& l, std::vector<double>& sums, Term term) {
  double* out = sums.data();
  if (l.s == 1) {  // (N, F): each row holds one value of every feature, so go along the rows
    std::fill_n(out, l.c, 0.0);
    for (int64_t i = 0; i < l.n; ++i)
#pragma omp simd
      for (int64_t c = 0; c < l.c; ++c) out[c] += term(c, i * l.c + c);
    return;
  }
  // (N, C, H, W): each channel's sum belongs to one thread and is added in one order, so it does
  // not depend on the thread count. (A plain loop here, not `omp simd`: GCC 12 vectorises the
  // inlined term through gathers that way, several times slower.)
#pragma omp parallel for num_threads(l.threads()) schedule(static)
  for (int64_t c = 0; c < l.c; ++c) {
    // Eight running sums side by side, which the compiler keeps in one vector register.
    double part[8] = {};
    for (int64_t i = 0; i < l.n; ++i) {
      const int64_t begin = l.at(i, c), end = begin + l.s;
      int64_t k = begin;
      for (; k + 8 <= end; k += 8)
        for (int j = 0; j < 8; ++j) part[j] += term(c, k + j);
      for (; k < end; ++k) part[0] += term(c, k);
    }
    double sum = 0;
    for (double p : part) sum += p;
    out[c] = sum;
  }
}

// out[i] = value(c, i) for every flat index i, c its channel; element by element, so the
// thread count does not change any value.
template <class Value>
void map_per_channel(const Layout& l, float* out, Value value) {
  if (l.s == 1) {
    for (int64_t i = 0; i < l.n; ++i)
#pragma omp simd
      for (int64_t c = 0; c < l.c; ++c) out[i * l.c + c] = static_cast<float>(value(c, i * l.c + c));
    return;
  }
#pragma omp parallel for collapse(2) num_threads(l.threads()) schedule(static)
  for (int64_t i = 0; i < l.n; ++i)
    for (int64_t c = 0; c < l.c; ++c) {
      const int64_t begin = l.at(i, c), end = begin + l.s;
      for (int64_t k = begin; k < end; ++k) out[k] = static_cast<float>(value(c, k));
    }
}

}  // namespace

BatchNorm::BatchNorm(BatchNormOptions options) : options_(options) {
  require(options.features > 0, "batchnorm needs a positive feature count, got features=" +
                                    std::to_string(options.features));
  require(options.features <= kMaxFeatures,
          "batchnorm over " + std::to_string(options.features) + " features is implausibly large (over 2^24, kMaxFeatures)");
  require(std::isfinite(options.momentum) && options.momentum >= 0 && options.momentum <= 1,
          "batchnorm momentum must be in [0, 1], got " + number(options.momentum));
  require(std::isfinite(options.eps) && options.eps > 0, "batchnorm eps must be positive, got " + number(options.eps));
  const Shape shape{options.features};
  if (options.affine) {
    weight_ = Tensor(shape, 1.0f);
    weight_grad_ = Tensor(shape);
    bias_ = Tensor(shape);
    bias_grad_ = Tensor(shape);
  }
  running_mean_ = Tensor(shape, 0.0f);
  running_var_ = Tensor(shape, 1.0f);
  num_batches_tracked_ = Tensor(Shape{}, 0.0f);  // one value, shape (): PyTorch's
  const auto f = static_cast<std::size_t>(options.features);
  mean_.resize(f);
  inv_std_.resize(f);
  scale_.resize(f);
  sums_a_.resize(f);
  sums_b_.resize(f);
}

nlohmann::json BatchNorm::config() const {
  return {{"type", type()},
          {"features", options_.features},
          {"momentum", options_.momentum},
          {"eps", options_.eps},
          {"affine", options_.affine}};
}

Shape BatchNorm::output_shape(const Shape& in) const {
  if ((in.size() == 1 || in.size() == 3) && in[0] == options_.features) return in;
  const std::string f = std::to_string(options_.features);
  throw Error("batchnorm(" + f + ") expects input (" + f + ") or (" + f + ", height, width), got " + to_string(in));
}

// ---- Forward and backward --------------------------------------------------------------
// Per feature / channel c, over its M values:
//   forward   xhat = (x - mean) / sqrt(var + eps),   y = gamma * xhat + beta
//   backward  dbeta = sum(dy),   dgamma = sum(dy * xhat),
//             dx = gamma / sqrt(var + eps) * (dy - mean(dy) - xhat * mean(dy * xhat))   (training)
//             dx = gamma / sqrt(var + eps) * dy                                          (evaluation)
// In training the batch's mean and variance depend on every x, which gives dx its two mean
// terms; in evaluation the running statistics are constants. xhat is recomputed in backward
// from x and the statistics forward kept (two numbers per channel), not stored.

void BatchNorm::forward(const Tensor& x, Tensor& y) {
  // x (N, F) or (N, C, H, W) -> y of the same shape
  const Layout l = layout_of(x, options_.features, "batchnorm forward input");
  const float* in = x.data();
  double* mean = mean_.data();
  double* inv_std = inv_std_.data();
  if (training_) {
    const int64_t m = l.per_channel();
    require(m > 1, "batchnorm needs more than one value per feature to take batch statistics, got input " +
                       to_string(x.shape()));
    std::vector<double>& sum_x = sums_a_;
    std::vector<double>& sum_squares = sums_b_;  // of x - mean: two passes, no cancellation
    sum_per_channel(l, sum_x, [=](int64_t, int64_t i) { return static_cast<double>(in[i]); });
    for (int64_t c = 0; c < l.c; ++c) mean[c] = sum_x[c] / static_cast<double>(m);
    sum_per_channel(l, sum_squares, [=](int64_t c, int64_t i) {
      const double d = in[i] - mean[c];
      return d * d;
    });
    const double momentum = options_.momentum;
    for (int64_t c = 0; c < l.c; ++c) {
      const double var = sum_squares[c] / static_cast<double>(m);  // biased: normalises this batch
      inv_std[c] = 1.0 / std::sqrt(var + options_.eps);
      if (!updates_buffers_) continue;
      const double unbiased = var * static_cast<double>(m) / static_cast<double>(m - 1);
      running_mean_[c] = static_cast<float>((1 - momentum) * running_mean_[c] + momentum * mean[c]);
      running_var_[c] = static_cast<float>((1 - momentum) * running_var_[c] + momentum * unbiased);
    }
    if (updates_buffers_) num_batches_tracked_[0] += 1.0f;
  } else {
    for (int64_t c = 0; c < l.c; ++c) {
      mean[c] = running_mean_[c];
      inv_std[c] = 1.0 / std::sqrt(static_cast<double>(running_var_[c]) + options_.eps);
    }
  }
  used_batch_stats_ = training_;

  // y = (x - mean) * scale + beta, scale = gamma / sqrt(var + eps)
  double* scale = scale_.data();
  for (int64_t c = 0; c < l.c; ++c) scale[c] = options_.affine ? weight_[c] * inv_std[c] : inv_std[c];
  y.resize(x.shape());
  const float* beta = options_.affine ? bias_.data() : nullptr;
  if (beta)
    map_per_channel(l, y.data(), [=](int64_t c, int64_t i) { return (in[i] - mean[c]) * scale[c] + beta[c]; });
  else
    map_per_channel(l, y.data(), [=](int64_t c, int64_t i) { return (in[i] - mean[c]) * scale[c]; });
}

void BatchNorm::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  require_shape(dy, y.shape(), "batchnorm backward gradient");
  const Layout l = layout_of(x, options_.features, "batchnorm backward input");
  const float* in = x.data();
  const float* g = dy.data();
  const double* mean = mean_.data();
  const double* inv_std = inv_std_.data();
  double* sum_dy = sums_a_.data();
  double* sum_dy_xhat = sums_b_.data();
  sum_per_channel(l, sums_a_, [=](int64_t, int64_t i) { return static_cast<double>(g[i]); });
  sum_per_channel(l, sums_b_, [=](int64_t c, int64_t i) { return g[i] * ((in[i] - mean[c]) * inv_std[c]); });
  if (options_.affine)
    for (int64_t c = 0; c < l.c; ++c) {
      weight_grad_[c] += static_cast<float>(sum_dy_xhat[c]);  // dgamma
      bias_grad_[c] += static_cast<float>(sum_dy[c]);         // dbeta
    }
  if (!dx) return;

  dx->resize(x.shape());
  double* scale = scale_.data();
  for (int64_t c = 0; c < l.c; ++c) scale[c] = options_.affine ? weight_[c] * inv_std[c] : inv_std[c];
  if (!used_batch_stats_) {
    map_per_channel(l, dx->data(), [=](int64_t c, int64_t i) { return scale[c] * g[i]; });
    return;
  }
  // The sums become the means mean(dy) and mean(dy * xhat), in place.
  double* mean_dy = sum_dy;
  double* mean_dy_xhat = sum_dy_xhat;
  const auto m = static_cast<double>(l.per_channel());
  for (int64_t c = 0; c < l.c; ++c) {
    mean_dy[c] = sum_dy[c] / m;
    mean_dy_xhat[c] = sum_dy_xhat[c] / m;
  }
  map_per_channel(l, dx->data(), [=](int64_t c, int64_t i) {
    const double xhat = (in[i] - mean[c]) * inv_std[c];
    return scale[c] * (g[i] - mean_dy[c] - xhat * mean_dy_xhat[c]);
  });
}

std::vector<Parameter> BatchNorm::parameters() {
  if (!options_.affine) return {};
  // gamma decays like any weight (PyTorch's weight_decay reaches it too); beta, a bias, does not.
  return {{"weight", &weight_, &weight_grad_}, {"bias", &bias_, &bias_grad_, /*decay=*/false}};
}

std::vector<Buffer> BatchNorm::buffers() {
  return {{"running_mean", &running_mean_},
          {"running_var", &running_var_},
          {"num_batches_tracked", &num_batches_tracked_}};
}

void BatchNorm::initialize(const Initializer&, Rng&) {
  weight_.fill(1.0f);
  bias_.fill(0.0f);
  running_mean_.fill(0.0f);
  running_var_.fill(1.0f);
  num_batches_tracked_.fill(0.0f);
}

namespace {
// "features" may be left out: the features of a flat (F) input, the channels of (C, H, W).
LayerPtr batchnorm_from_config(const nlohmann::json& c, const Shape& input) {
  int64_t features = 0;
  if (c.contains("features")) features = c["features"].get<int64_t>();
  else if (input.size() == 1 || input.size() == 3) features = input[0];
  else throw Error("normalises features (F) or channels (C, H, W), but the layers before it give " + to_string(input));
  return std::make_unique<BatchNorm>(BatchNormOptions{.features = features,
                                                      .momentum = c.value("momentum", 0.1),
                                                      .eps = c.value("eps", 1e-5),
                                                      .affine = c.value("affine", true)});
}
const bool registered = register_layer("batchnorm", &batchnorm_from_config);
}  // namespace

}  // namespace neurite
