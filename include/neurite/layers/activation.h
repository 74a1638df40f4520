// Activation layers: element-wise step, identity, sigmoid, tanh, ReLU, and softmax, which
// normalises each sample's row (N, K) into probabilities.
#pragma once
#include "neurite/layers/layer.h"

namespace neurite {

enum class ActivationKind { Step, Identity, Sigmoid, Tanh, ReLU, Softmax };

std::string activation_name(ActivationKind kind);              // "sigmoid"
ActivationKind parse_activation(const std::string& name);     // throws on an unknown name
bool is_activation(const std::string& name);

class Activation : public Layer {
 public:
  explicit Activation(ActivationKind kind) : kind_(kind) {}

  std::string type() const override { return activation_name(kind_); }
  nlohmann::json config() const override { return {{"type", type()}}; }
  Shape output_shape(const Shape& sample_input) const override { return sample_input; }
  void forward(const Tensor& x, Tensor& y) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

  ActivationKind kind() const { return kind_; }

 private:
  ActivationKind kind_;
};

// y = f(x) element by element (softmax: row by row over the last axis), exactly as the layer
// computes it: the costs that take logits apply their output activation with it.
void activate(ActivationKind kind, const Tensor& x, Tensor& y);

// The scalar functions, shared with the seeds' small models.
float sigmoid(float z);
float logit(float a);  // sigmoid's inverse, used by backquery

}  // namespace neurite
