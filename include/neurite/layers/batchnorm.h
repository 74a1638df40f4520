// Batch normalisation (Ioffe & Szegedy 2015), PyTorch's nn.BatchNorm1d over the features of
// (N, F) inputs and nn.BatchNorm2d over the channels of (N, C, H, W) inputs:
//   y = (x - mean) / sqrt(var + eps) * weight + bias, per feature / channel.
// Training mode uses the batch's mean and biased variance and moves the running statistics
// towards them (running = (1 - momentum) * running + momentum * batch, with the unbiased
// variance for running_var); evaluation mode uses the running statistics.
// Parameters and buffers carry PyTorch's state_dict names: weight (gamma), bias (beta),
// running_mean, running_var, num_batches_tracked (a float of shape (), PyTorch's is int64).
#pragma once
#include <vector>

#include "neurite/layers/layer.h"

namespace neurite {

struct BatchNormOptions {
  int64_t features = 0;   // F of (N, F), or C of (N, C, H, W)
  double momentum = 0.1;  // in [0, 1]: the weight of each batch's statistics in the running ones
  double eps = 1e-5;      // > 0: added to the variance before its square root
  bool affine = true;     // learn weight and bias; without, y is the normalised x
};

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(BatchNormOptions options);

  std::string type() const override { return "batchnorm"; }
  nlohmann::json config() const override;
  std::string summary() const override { return "batchnorm(" + std::to_string(options_.features) + ")"; }
  // (F) or (C, H, W), with F or C equal to `features`: the shape passes through unchanged.
  Shape output_shape(const Shape& sample_input) const override;
  void forward(const Tensor& x, Tensor& y) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  std::vector<Parameter> parameters() override;
  std::vector<Buffer> buffers() override;
  // As PyTorch's reset_parameters: weight 1, bias 0, running statistics back to 0, 1 and 0 batches.
  void initialize(const Initializer& init, Rng& rng) override;
  void set_training(bool training) override { training_ = training; }
  void set_buffer_updates(bool updates) override { updates_buffers_ = updates; }

  Tensor& weight() { return weight_; }
  Tensor& bias() { return bias_; }
  Tensor& running_mean() { return running_mean_; }
  Tensor& running_var() { return running_var_; }
  Tensor& num_batches_tracked() { return num_batches_tracked_; }
  const BatchNormOptions& options() const { return options_; }
  bool training() const { return training_; }

 private:
  BatchNormOptions options_;
  bool training_ = false;
  bool updates_buffers_ = true;  // a training forward updates the running statistics
  Tensor weight_, weight_grad_;  // (F), empty without affine
  Tensor bias_, bias_grad_;      // (F), empty without affine
  Tensor running_mean_, running_var_;  // (F)
  Tensor num_batches_tracked_;         // (): training forward passes so far
  // What the last forward normalised with, for backward: the batch's statistics (training) or
  // the running ones (evaluation), per feature / channel.
  bool used_batch_stats_ = false;
  std::vector<double> mean_, inv_std_;
  // Per-channel scratch, reused every batch: gamma / sqrt(var + eps), and two sums (of x and of
  // (x - mean)^2 in forward, of dy and of dy * xhat in backward).
  std::vector<double> scale_, sums_a_, sums_b_;
};

}  // namespace neurite
