// The classic perceptron and linear unit (seed 002), kept deliberately small and in double
// precision so that its results match the seed's printed numbers digit for digit.
//
//   output = f(w . x + b)
//   perceptron rule, one sample at a time:  w += rate * (label - output) * x,  b += rate * (label - output)
//
// With a step activation this is Rosenblatt's perceptron (a classifier); with the identity it is
// a linear unit, and the same rule becomes stochastic gradient descent on 1/2 (label - output)^2.
#pragma once
#include <functional>
#include <span>
#include <vector>

namespace neurite {

class Perceptron {
 public:
  using Activation = std::function<double(double)>;

  Perceptron(std::size_t inputs, Activation activation);

  double predict(std::span<const double> input) const;
  // `iterations` passes over the samples, in order, updating after every sample.
  void train(const std::vector<std::vector<double>>& inputs, std::span<const double> labels,
             int iterations, double rate);

  const std::vector<double>& weights() const { return weights_; }
  double bias() const { return bias_; }

 private:
  void update(std::span<const double> input, double label, double rate);

  Activation activation_;
  std::vector<double> weights_;  // start at zero, as in the seed
  double bias_ = 0.0;
};

// f(x) = 1 if x > 0 else 0
double step(double x);

// A perceptron with the identity activation: the seed's LinearUnit.
Perceptron make_linear_unit(std::size_t inputs);

// The seed's two experiments, shared by the CLI and the tests.
Perceptron train_and_perceptron(int iterations = 10, double rate = 0.1);
Perceptron train_salary_linear_unit(int iterations = 10, double rate = 0.01);

}  // namespace neurite
