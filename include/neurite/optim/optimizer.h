// Optimisers walk the flat list of (value, grad) pairs. step() applies the update and then
// clears each gradient in the same pass over memory, ready for the next batch's backward.
#pragma once
#include <span>
#include <string>

#include "neurite/layers/layer.h"

namespace neurite {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  virtual void step(std::span<Parameter> parameters) = 0;
};

// Plain stochastic gradient descent: w -= rate * grad. With the cost's mean over the batch this
// is Nielsen's w -= eta/m * sum of the m per-sample gradients.
class Sgd : public Optimizer {
 public:
  explicit Sgd(double rate);
  std::string name() const override { return "sgd"; }
  void step(std::span<Parameter> parameters) override;
  double rate() const { return rate_; }

 private:
  double rate_;
};

}  // namespace neurite
