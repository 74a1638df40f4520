#include "neurite/layers/pool2d.h"

#include <algorithm>

#include "neurite/error.h"
#include "neurite/ops/gemm.h"
#include "ops/kernels.h"
#include "ops/pieces.h"

namespace neurite {

namespace {
// Below this many input values a second thread costs more to wake than it saves.
constexpr int64_t kMinParallelElements = int64_t{1} << 16;

int threads_for(const Tensor& x) { return x.size() >= kMinParallelElements ? num_threads() : 1; }
}  // namespace

// ---- Shared window geometry ------------------------------------------------------------

Pool2d::Pool2d(Pool2dOptions options) : options_(options) {
  if (options_.stride.h == 0) options_.stride.h = options_.kernel.h;
  if (options_.stride.w == 0) options_.stride.w = options_.kernel.w;
  require(options_.kernel.h > 0 && options_.kernel.w > 0 && options_.stride.h > 0 && options_.stride.w > 0,
          "pooling needs a positive kernel and stride, got kernel " + std::to_string(options_.kernel.h) + "x" +
              std::to_string(options_.kernel.w) + ", stride " + std::to_string(options_.stride.h) + "x" +
              std::to_string(options_.stride.w));
}

nlohmann::json Pool2d::config() const {
  return {{"type", type()}, {"kernel", to_json_value(options_.kernel)}, {"stride", to_json_value(options_.stride)}};
}

std::string Pool2d::summary() const {
  std::string s = type() + "(" + std::to_string(options_.kernel.h) + "x" + std::to_string(options_.kernel.w);
  if (options_.stride != options_.kernel)
    s += ", stride " + std::to_string(options_.stride.h) + "x" + std::to_string(options_.stride.w);
  return s + ")";
}

Shape Pool2d::output_shape(const Shape& in) const {
  require(in.size() == 3 && in[1] >= options_.kernel.h && in[2] >= options_.kernel.w,
          type() + " with kernel " + std::to_string(options_.kernel.h) + "x" + std::to_string(options_.kernel.w) +
              " cannot take input " + to_string(in) + ": it needs (channels, height, width) at least as big as the kernel");
  return {in[0], out_h(in[1]), out_w(in[2])};
}

void Pool2d::resize_output(const Tensor& x, Tensor& y, const char* what) const {
  require(x.rank() == 4, std::string(what) + " input must be (N, C, H, W), got " + to_string(x.shape()));
  const Shape out = output_shape({x.dim(1), x.dim(2), x.dim(3)});
  y.resize({x.dim(0), out[0], out[1], out[2]});
}

// ---- Max pooling -----------------------------------------------------------------------

namespace {

// One row of outputs: the first largest value of each window in scan order, and where it was.
// Selects rather than branches, which would mispredict on every other window.
void max_row(const float* in, int64_t w, Size2 k, Size2 s, int64_t oy, int64_t ow, float* out, int32_t* arg) {
  for (int64_t ox = 0; ox < ow; ++ox) {
    int64_t best = oy * s.h * w + ox * s.w;
    float best_value = in[best];
    for (int64_t i = 0; i < k.h; ++i)
      for (int64_t j = 0; j < k.w; ++j) {
        const int64_t at = (oy * s.h + i) * w + ox * s.w + j;
        const bool better = in[at] > best_value;
        best = better ? at : best;
        best_value = better ? in[at] : best_value;
      }
    out[ox] = best_value;
    arg[ox] = static_cast<int32_t>(best);
  }
}

}  // namespace

void MaxPool2d::forward(const Tensor& x, Tensor& y) { pool(x, y, /*relu_after=*/false); }
void MaxPool2d::forward_after_relu(const Tensor& z, Tensor& y) { pool(z, y, /*relu_after=*/true); }

void MaxPool2d::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  route(x, y, dy, dx, /*relu_mask=*/false);
}
void MaxPool2d::backward_through_relu(const Tensor& z, const Tensor& y, const Tensor& dy, Tensor* dz) {
  route(z, y, dy, dz, /*relu_mask=*/true);
}

void MaxPool2d::pool(const Tensor& x, Tensor& y, bool relu_after) {
  // x (N, C, H, W) -> y (N, C, OH, OW): the largest value of each window, and where it was.
  resize_output(x, y, "maxpool2d");
  const int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3), oh = y.dim(2), ow = y.dim(3);
  const Size2 k = options_.kernel, s = options_.stride;
  argmax_.resize(static_cast<std::size_t>(y.size()));
  // 2x2 windows with stride 2 (nearly every CNN's pooling) in vector lanes, where the kernel
  // family has masked loads (ops/pool_kernel.cpp).
  const auto max_row_2x2 = kernels::chosen().max_row_2x2;
  const bool two_by_two = max_row_2x2 && k.h == 2 && k.w == 2 && s.h == 2 && s.w == 2;
#pragma omp parallel for num_threads(threads_for(x)) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = x.data() + p * h * w;
    float* out = y.data() + p * oh * ow;
    int32_t* arg = argmax_.data() + p * oh * ow;
    if (two_by_two) {
      for (int64_t oy = 0; oy < oh; ++oy) max_row_2x2(in, w, oy, ow, relu_after, out + oy * ow, arg + oy * ow);
      continue;
    }
    for (int64_t oy = 0; oy < oh; ++oy) max_row(in, w, k, s, oy, ow, out + oy * ow, arg + oy * ow);
    if (relu_after)  // ReLU's formula (activation.cpp), on the winners only
      for (int64_t o = 0; o < oh * ow; ++o) out[o] = out[o] > 0.0f ? out[o] : 0.0f;
  }
}

void MaxPool2d::route(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx, bool relu_mask) {
  // Only the winner of each window affected the output, so only it receives the gradient.
  require_shape(dy, y.shape(), "maxpool2d backward gradient");
  if (!dx) return;
  dx->resize(x.shape());
  const int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3), oh = y.dim(2), ow = y.dim(3);
  const int64_t plane_in = h * w, plane_out = oh * ow;
  // Non-overlapping 2x2 windows in vector lanes, writing each input once (ops/pool_kernel.cpp).
  const auto route_row_2x2 = kernels::chosen().route_row_2x2;
  const Size2 k = options_.kernel, s = options_.stride;
  const bool two_by_two = route_row_2x2 && k.h == 2 && k.w == 2 && s.h == 2 && s.w == 2;
#pragma omp parallel for num_threads(threads_for(x)) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    float* d = dx->data() + p * plane_in;
    const float* in = x.data() + p * plane_in;
    const int32_t* arg = argmax_.data() + p * plane_out;
    const float* grad = dy.data() + p * plane_out;
    if (two_by_two) {
      for (int64_t oy = 0; oy < oh; ++oy) {
        route_row_2x2(in, arg + oy * ow, grad + oy * ow, w, oy, ow, relu_mask, d);
        if (w > 2 * ow) d[2 * oy * w + w - 1] = d[(2 * oy + 1) * w + w - 1] = 0.0f;  // an odd column no window has
      }
      std::fill(d + 2 * oh * w, d + plane_in, 0.0f);  // an odd row no window has
      continue;
    }
    std::fill(d, d + plane_in, 0.0f);
    for (int64_t o = 0; o < plane_out; ++o) {
      const int32_t at = arg[o];
      // ReLU's backward (activation.cpp) passes the gradient where its input is positive.
      d[at] += !relu_mask || in[at] > 0.0f ? grad[o] : 0.0f;
    }
  }
}

// ---- Average pooling -------------------------------------------------------------------

void AvgPool2d::forward(const Tensor& x, Tensor& y) {
  // x (N, C, H, W) -> y (N, C, OH, OW): the mean of each window.
  resize_output(x, y, "avgpool2d");
  const int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3), oh = y.dim(2), ow = y.dim(3);
  const Size2 k = options_.kernel, s = options_.stride;
  const float scale = 1.0f / static_cast<float>(k.h * k.w);
#pragma omp parallel for num_threads(threads_for(x)) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = x.data() + p * h * w;
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        float sum = 0.0f;
        for (int64_t i = 0; i < k.h; ++i)
          for (int64_t j = 0; j < k.w; ++j) sum += in[(oy * s.h + i) * w + ox * s.w + j];
        y[(p * oh + oy) * ow + ox] = sum * scale;
      }
  }
}

void AvgPool2d::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  // Every input of a window contributed 1/(KH*KW) of its output.
  require_shape(dy, y.shape(), "avgpool2d backward gradient");
  if (!dx) return;
  dx->resize(x.shape());
  const int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3), oh = y.dim(2), ow = y.dim(3);
  const Size2 k = options_.kernel, s = options_.stride;
  const float scale = 1.0f / static_cast<float>(k.h * k.w);
#pragma omp parallel for num_threads(threads_for(x)) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    float* d = dx->data() + p * h * w;
    std::fill(d, d + h * w, 0.0f);
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        const float share = dy[(p * oh + oy) * ow + ox] * scale;
        for (int64_t i = 0; i < k.h; ++i)
          for (int64_t j = 0; j < k.w; ++j) d[(oy * s.h + i) * w + ox * s.w + j] += share;
      }
  }
}

// ---- Flatten ---------------------------------------------------------------------------

Shape Flatten::output_shape(const Shape& in) const {
  require(!in.empty(), "flatten needs an input shape, got ()");
  return {element_count(in)};
}

namespace {
// A copy of n floats, split between threads when long enough (a speed-run batch: 102,400).
void copy_values(const float* from, int64_t n, float* to) {
  for_each_piece(n, kMinParallelElements / 2, [=](int64_t begin, int64_t end) { std::copy(from + begin, from + end, to + begin); });
}
}  // namespace

void Flatten::forward(const Tensor& x, Tensor& y) {
  y.resize({x.dim(0), x.dim(0) == 0 ? 0 : x.size() / x.dim(0)});
  copy_values(x.data(), x.size(), y.data());
}

void Flatten::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  require_shape(dy, y.shape(), "flatten backward gradient");
  if (!dx) return;
  dx->resize(x.shape());
  copy_values(dy.data(), dy.size(), dx->data());
}

namespace {
Pool2dOptions pool2d_options(const nlohmann::json& c) {
  return {.kernel = size2_from_json(c.at("kernel"), "kernel"),
          .stride = c.contains("stride") ? size2_from_json(c["stride"], "stride") : Size2{0, 0}};
}
LayerPtr maxpool2d_from_config(const nlohmann::json& c, const Shape&) {
  return std::make_unique<MaxPool2d>(pool2d_options(c));
}
LayerPtr avgpool2d_from_config(const nlohmann::json& c, const Shape&) {
  return std::make_unique<AvgPool2d>(pool2d_options(c));
}
LayerPtr flatten_from_config(const nlohmann::json&, const Shape&) { return std::make_unique<Flatten>(); }
const bool registered = register_layer("maxpool2d", &maxpool2d_from_config) &&
                        register_layer("avgpool2d", &avgpool2d_from_config) &&
                        register_layer("flatten", &flatten_from_config);
}  // namespace

}  // namespace neurite
