// Dropout (inverted): while training, each input is kept with probability 1 - p and scaled by
// 1 / (1 - p), else zeroed; at evaluation the layer passes its input through unchanged, so the
// expected activation is the same in both modes and no rescaling is needed afterwards.
#pragma once
#include "neurite/layers/layer.h"

namespace neurite {

struct DropoutOptions {
  double p = 0.5;  // probability of dropping each input, in [0, 1)
};

class Dropout : public Layer {
 public:
  explicit Dropout(DropoutOptions options);

  std::string type() const override { return "dropout"; }
  nlohmann::json config() const override { return {{"type", type()}, {"p", options_.p}}; }
  std::string summary() const override;
  Shape output_shape(const Shape& sample_input) const override { return sample_input; }
  // x (N, ...) -> y (N, ...) = x * mask while training, x otherwise
  void forward(const Tensor& x, Tensor& y) override;
  // dx = dy * mask: the dropped units pass no gradient back
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

  void set_training(bool training) override { training_ = training; }
  Rng* generator() override { return &rng_; }
  const DropoutOptions& options() const { return options_; }

 private:
  DropoutOptions options_;
  bool training_ = false;
  Rng rng_;
  Tensor mask_;  // (N, ...): 0 or 1 / (1 - p), drawn by the last training forward
};

}  // namespace neurite
