// Pooling over (N, C, H, W): each channel's windows shrink to one value. Nothing to learn, so
// backward only routes the gradient: max pooling to the input it picked (cached in forward),
// average pooling evenly over the window. Flatten bridges conv layers to dense ones.
#pragma once
#include <vector>

#include "neurite/layers/conv2d.h"

namespace neurite {

struct Pool2dOptions {
  Size2 kernel{2, 2};
  Size2 stride{0, 0};  // 0: the kernel size (non-overlapping windows, the usual choice)
};

// What both poolings share: options, shapes and the window geometry.
class Pool2d : public Layer {
 public:
  explicit Pool2d(Pool2dOptions options);
  nlohmann::json config() const override;
  std::string summary() const override;
  Shape output_shape(const Shape& sample_input) const override;  // (C, H, W) -> (C, OH, OW)
  Size2 kernel() const { return options_.kernel; }
  Size2 stride() const { return options_.stride; }

 protected:
  // Windows of (h, w) planes: output size, rounded down like PyTorch (ceil_mode off).
  int64_t out_h(int64_t in_h) const { return (in_h - options_.kernel.h) / options_.stride.h + 1; }
  int64_t out_w(int64_t in_w) const { return (in_w - options_.kernel.w) / options_.stride.w + 1; }
  void resize_output(const Tensor& x, Tensor& y, const char* what) const;

  Pool2dOptions options_;
};

class MaxPool2d : public Pool2d {
 public:
  using Pool2d::Pool2d;
  std::string type() const override { return "maxpool2d"; }
  void forward(const Tensor& x, Tensor& y) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

  // The pooling of relu(z), computed from z: ReLU keeps the order of values, so each window's
  // winner is the same and relu(max z) = max relu(z), bit for bit. The network runs a ReLU
  // followed by max pooling this way while training (network.h): one pass over the feature maps
  // instead of three forward and two instead of four backward.
  void forward_after_relu(const Tensor& z, Tensor& y);
  // From dy, dL/dz through both: the winner of each window gets dy if z > 0 there, as ReLU's
  // backward would pass it. z and y are the last forward_after_relu's input and output.
  void backward_through_relu(const Tensor& z, const Tensor& y, const Tensor& dy, Tensor* dz);

 private:
  void pool(const Tensor& x, Tensor& y, bool relu_after);
  void route(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx, bool relu_mask);

  // For each output, the index within its (H, W) plane of the input that won; ties go to the
  // first in row-major order, as in PyTorch.
  std::vector<int32_t> argmax_;
};

class AvgPool2d : public Pool2d {
 public:
  using Pool2d::Pool2d;
  std::string type() const override { return "avgpool2d"; }
  void forward(const Tensor& x, Tensor& y) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
};

class Flatten : public Layer {
 public:
  std::string type() const override { return "flatten"; }
  nlohmann::json config() const override { return {{"type", type()}}; }
  Shape output_shape(const Shape& sample_input) const override;  // (C, H, W) -> (C*H*W)
  void forward(const Tensor& x, Tensor& y) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
};

}  // namespace neurite
