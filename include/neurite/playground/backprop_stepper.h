// The Backprop stepper: one training step of a tiny sigmoid network worked out number by number,
// in seed 001's notation, for the page to show a step at a time.
//   forward:  z^l_j = sum_k w^l_jk a^(l-1)_k + b^l_j,  a^l_j = sigma(z^l_j)
//   cost:     C = sum_j 1/2 (y_j - a^L_j)^2
//   BP1:      delta^L_j = (a^L_j - y_j) sigma'(z^L_j)
//   BP2:      delta^l_j = (sum_k w^(l+1)_kj delta^(l+1)_k) sigma'(z^l_j)
//   BP3:      dC/db^l_j = delta^l_j
//   BP4:      dC/dw^l_jk = a^(l-1)_k delta^l_j
//   update:   w -> w - rate dC/dw (biases too, unless the example leaves them, as Mazur does)
// Computed in double precision, so that Mazur's nine printed digits come out; every gradient is
// shown beside a central finite difference, and neurite's own float network (dense and sigmoid
// layers, the quadratic cost) computes the same gradients as a check.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace neurite::playground {

constexpr int kMaxStepperLayerSize = 4;  // neurons per layer, inputs included
constexpr int kMaxStepperLayers = 3;     // weighted layers

struct WorkedExample {
  std::string name;
  std::vector<double> inputs, targets;
  // weights[l][j][k]: from neuron k of layer l to neuron j of layer l + 1 (neurite's (out, in)).
  std::vector<std::vector<std::vector<double>>> weights;
  std::vector<std::vector<double>> biases;  // biases[l][j]; all empty: a network without biases
  double rate = 0.5;
  bool update_biases = true;
  // Optional names of the weights in the example's source, layer by layer, row by row ("w1").
  std::vector<std::string> weight_names = {};
  bool has_biases() const { return !biases.empty(); }
};

// Matt Mazur's "A Step by Step Backpropagation Example": 2-2-2, inputs 0.05, 0.10, targets 0.01,
// 0.99, weights w1..w8 = 0.15 ... 0.55, biases 0.35 and 0.60, rate 0.5, biases left unchanged.
WorkedExample mazur_example();
// Rashid's 3-3-3 example (seed 003): input 0.9, 0.1, 0.8, the book's weights, no biases; the book
// stops at the forward pass, so the targets are his usual 0.01 / 0.99 and the rate his 0.3.
WorkedExample rashid_example();

// Checks sizes (1 to kMaxStepperLayerSize neurons per layer, 1 to kMaxStepperLayers weighted
// layers), shapes and that every number is finite and within 1e3 (rate within (0, 10]); throws
// an Error naming the field.
void validate(const WorkedExample& example);
WorkedExample worked_example_from_json(const nlohmann::json& json);
nlohmann::json to_json(const WorkedExample& example);

struct NeuronStep {
  std::vector<double> products;  // w^l_jk a^(l-1)_k for each k
  double bias = 0, z = 0, a = 0;
};

struct BackpropTrace {
  std::vector<std::vector<NeuronStep>> forward;  // per weighted layer, per neuron
  std::vector<double> errors;                    // 1/2 (y_j - a^L_j)^2
  double total_error = 0;
  // dC/da^l_j: a^L_j - y_j at the output, sum_k w^(l+1)_kj delta^(l+1)_k below it; per weighted layer
  std::vector<std::vector<double>> activation_gradients;
  std::vector<std::vector<double>> slopes;       // sigma'(z^l_j) = a (1 - a)
  std::vector<std::vector<double>> deltas;       // dC/da times sigma'(z): BP1, BP2
  std::vector<std::vector<std::vector<double>>> weight_gradients, weight_estimates;  // BP4, finite differences
  std::vector<std::vector<double>> bias_gradients, bias_estimates;                   // BP3
  std::vector<std::vector<std::vector<double>>> new_weights;
  std::vector<std::vector<double>> new_biases;
  std::vector<double> new_outputs;
  double new_total_error = 0;
  // The outputs when each layer's activations are rounded to 3 decimals before the next layer
  // (how a book works by hand: Rashid's 0.708 where the exact value is 0.7086).
  std::vector<double> outputs_rounded_by_hand;
  // The largest difference between BP3 / BP4 here and neurite's float network's gradients.
  double float_network_difference = 0;
};

BackpropTrace trace_backprop(const WorkedExample& example);
nlohmann::json to_json(const BackpropTrace& trace);

}  // namespace neurite::playground
