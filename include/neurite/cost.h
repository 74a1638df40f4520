// Costs. Each works on a batch: a (N, K) outputs, y (N, K) targets. The value is the mean over
// the batch of the per-sample cost, so the gradient carries the 1/N once, here, and an optimiser
// step w -= eta * grad is exactly Nielsen's w -= eta/m * sum of per-sample gradients.
#pragma once
#include <memory>
#include <string>

#include "neurite/layers/activation.h"
#include "neurite/tensor.h"

namespace neurite {

class Cost {
 public:
  virtual ~Cost() = default;
  virtual std::string name() const = 0;
  virtual double value(const Tensor& a, const Tensor& y) const = 0;
  // da = dL/da for L = value(a, y).
  virtual void gradient(const Tensor& a, const Tensor& y, Tensor& da) const = 0;
  // When the output layer is `activation` and this cost's derivative through it simplifies
  // (sigmoid + cross-entropy gives a - y), writes dz = dL/dz and returns true. The network then
  // skips the activation's backward, which would divide by a(1 - a) and lose precision.
  virtual bool fused_gradient(ActivationKind, const Tensor&, const Tensor&, Tensor&) const {
    return false;
  }
};

// C = 1/2 ||a - y||^2 (seed 000, Nielsen ch. 1-2)
class QuadraticCost : public Cost {
 public:
  std::string name() const override { return "quadratic"; }
  double value(const Tensor& a, const Tensor& y) const override;
  void gradient(const Tensor& a, const Tensor& y, Tensor& da) const override;
};

// C = -sum [y ln a + (1 - y) ln(1 - a)] for sigmoid outputs (Nielsen ch. 3)
class CrossEntropyCost : public Cost {
 public:
  std::string name() const override { return "cross-entropy"; }
  double value(const Tensor& a, const Tensor& y) const override;
  void gradient(const Tensor& a, const Tensor& y, Tensor& da) const override;
  bool fused_gradient(ActivationKind activation, const Tensor& a, const Tensor& y,
                      Tensor& dz) const override;
};

std::unique_ptr<Cost> make_cost(const std::string& name);  // "quadratic", "cross-entropy"

}  // namespace neurite
