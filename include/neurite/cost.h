// Costs (losses). Each compares a batch of network outputs (N, K) with targets (N, K) and returns
// the mean over the batch of the per-sample cost, so the gradient carries the 1/N once, here, and
// an optimiser step w -= eta * grad is exactly Nielsen's w -= eta/m * sum of per-sample gradients.
//
// Two costs take logits, as PyTorch's CrossEntropyLoss and BCEWithLogitsLoss do: the network ends
// at its last weighted layer and the cost applies the output activation (softmax, sigmoid) itself.
// Its gradient is then a - y, with no division by a(1 - a) that would lose precision, and its value
// comes from log-sum-exp, finite for saturated outputs. A model file appends that activation as the
// network's last layer (io/model_file.h), so a loaded model predicts probabilities.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "neurite/layers/activation.h"
#include "neurite/tensor.h"

namespace neurite {

class Cost {
 public:
  virtual ~Cost() = default;
  virtual std::string name() const = 0;
  // The activation this cost applies to the network's output: softmax or sigmoid for the costs
  // that take logits, identity for the others.
  virtual ActivationKind output_activation() const { return ActivationKind::Identity; }
  // The mean cost of the batch; `output` is what the network gave (logits for the logit costs).
  virtual double value(const Tensor& output, const Tensor& target) const = 0;
  // grad = dC/d(output), where the network's backward pass starts.
  virtual void gradient(const Tensor& output, const Tensor& target, Tensor& grad) const = 0;
  // What the model predicts for `output`: output_activation() applied (a copy for identity).
  void predict(const Tensor& output, Tensor& prediction) const;
};

// C = 1/2 ||a - y||^2 on the network's output as it is (seed 000, Nielsen ch. 1-2).
class QuadraticCost : public Cost {
 public:
  std::string name() const override { return "quadratic"; }
  double value(const Tensor& a, const Tensor& y) const override;
  void gradient(const Tensor& a, const Tensor& y, Tensor& da) const override;
};

// Sigmoid outputs with the cross-entropy C = -sum [y ln a + (1 - y) ln(1 - a)], a = sigmoid(z),
// taking the logits z (Nielsen ch. 3; PyTorch's BCEWithLogitsLoss). dC/dz = (a - y) / N.
class SigmoidCrossEntropyCost : public Cost {
 public:
  std::string name() const override { return "cross-entropy"; }
  ActivationKind output_activation() const override { return ActivationKind::Sigmoid; }
  double value(const Tensor& z, const Tensor& y) const override;  // softplus(z) - y z per output
  void gradient(const Tensor& z, const Tensor& y, Tensor& dz) const override;
};

// Softmax outputs with the log-likelihood C = -sum y ln a, a = softmax(z), taking the logits z
// (Nielsen ch. 3; PyTorch's CrossEntropyLoss with probability targets). Averaged over the softmax
// rows: the samples, or every step of every sample for sequences (N, T, classes).
class SoftmaxLogLikelihoodCost : public Cost {
 public:
  std::string name() const override { return "log-likelihood"; }
  ActivationKind output_activation() const override { return ActivationKind::Softmax; }
  double value(const Tensor& z, const Tensor& y) const override;  // sum_k y_k (logsumexp(z) - z_k)
  void gradient(const Tensor& z, const Tensor& y, Tensor& dz) const override;
};

// Regression costs on identity outputs, averaged over every output of every sample as PyTorch's
// MSELoss, L1Loss and HuberLoss (delta 1) do, so a network with several targets weighs each alike.
class MeanSquaredCost : public Cost {
 public:
  std::string name() const override { return "mse"; }
  double value(const Tensor& a, const Tensor& y) const override;
  void gradient(const Tensor& a, const Tensor& y, Tensor& da) const override;
};
class MeanAbsoluteCost : public Cost {
 public:
  std::string name() const override { return "mae"; }
  double value(const Tensor& a, const Tensor& y) const override;
  void gradient(const Tensor& a, const Tensor& y, Tensor& da) const override;  // sign(a - y); 0 at a = y
};
// Quadratic within 1 of the target, linear beyond: less swayed by outliers than mse.
class HuberCost : public Cost {
 public:
  std::string name() const override { return "huber"; }
  double value(const Tensor& a, const Tensor& y) const override;
  void gradient(const Tensor& a, const Tensor& y, Tensor& da) const override;
};

// "quadratic", "cross-entropy", "log-likelihood", "mse", "mae", "huber"
std::unique_ptr<Cost> make_cost(const std::string& name);
// Whether the cost named is one of the regression costs (mse, mae, huber).
bool is_regression_cost(const std::string& name);

// A spec (or the flags) describes the network as it predicts, ending in softmax for the
// log-likelihood cost. The network the cost trains is that architecture without the cost's own
// output activation; any other activation at the end is an Error naming both.
nlohmann::json trained_architecture(const nlohmann::json& architecture, const Cost& cost);
// The reverse, for model files: the cost's output activation appended, so the file predicts.
nlohmann::json predicting_architecture(const nlohmann::json& architecture, const Cost& cost);

}  // namespace neurite
