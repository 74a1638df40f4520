#include "neurite/classic/perceptron.h"

#include <string>

#include "neurite/error.h"

namespace neurite {

Perceptron::Perceptron(std::size_t inputs, Activation activation)
    : activation_(std::move(activation)), weights_(inputs, 0.0) {
  require(inputs > 0, "perceptron needs at least one input");
}

double Perceptron::predict(std::span<const double> input) const {
  require(input.size() == weights_.size(), "perceptron expects " + std::to_string(weights_.size()) +
                                               " inputs, got " + std::to_string(input.size()));
  // Summed left to right from 0.0, then the bias added, exactly as the seed's reduce does.
  double sum = 0.0;
  for (std::size_t i = 0; i < input.size(); ++i) sum += input[i] * weights_[i];
  return activation_(sum + bias_);
}

void Perceptron::train(const std::vector<std::vector<double>>& inputs, std::span<const double> labels,
                       int iterations, double rate) {
  require(inputs.size() == labels.size(), "perceptron training: " + std::to_string(inputs.size()) +
                                              " inputs but " + std::to_string(labels.size()) + " labels");
  require(iterations >= 0, "perceptron training: iterations must not be negative");
  for (int it = 0; it < iterations; ++it)
    for (std::size_t s = 0; s < inputs.size(); ++s) update(inputs[s], labels[s], rate);
}

void Perceptron::update(std::span<const double> input, double label, double rate) {
  const double delta = label - predict(input);
  for (std::size_t i = 0; i < weights_.size(); ++i) weights_[i] += rate * delta * input[i];
  bias_ += rate * delta;
}

double step(double x) { return x > 0.0 ? 1.0 : 0.0; }

Perceptron make_linear_unit(std::size_t inputs) {
  return Perceptron(inputs, [](double x) { return x; });
}

Perceptron train_and_perceptron(int iterations, double rate) {
  Perceptron p(2, step);
  const std::vector<std::vector<double>> inputs{{1, 1}, {0, 0}, {1, 0}, {0, 1}};
  const double labels[] = {1, 0, 0, 0};
  p.train(inputs, labels, iterations, rate);
  return p;
}

Perceptron train_salary_linear_unit(int iterations, double rate) {
  // Years of work and monthly salary of five (made-up) people.
  Perceptron unit = make_linear_unit(1);
  const std::vector<std::vector<double>> years{{5}, {3}, {8}, {1.4}, {10.1}};
  const double salary[] = {5500, 2300, 7600, 1800, 11400};
  unit.train(years, salary, iterations, rate);
  return unit;
}

}  // namespace neurite
