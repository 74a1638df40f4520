#include "neurite/playground/backprop_stepper.h"

#include <algorithm>
#include <cmath>

#include "neurite/classic/rashid.h"
#include "neurite/cost.h"
#include "neurite/error.h"
#include "neurite/io/json_input.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "neurite/network.h"

namespace neurite::playground {

namespace {

using Matrix = std::vector<std::vector<double>>;

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

// The forward pass alone: the activations of every layer, input first.
std::vector<std::vector<double>> activations(const WorkedExample& e, const std::vector<Matrix>& weights,
                                             const Matrix& biases, bool round_by_hand = false) {
  std::vector<std::vector<double>> a = {e.inputs};
  for (std::size_t l = 0; l < weights.size(); ++l) {
    std::vector<double> next;
    for (std::size_t j = 0; j < weights[l].size(); ++j) {
      double z = biases.empty() ? 0 : biases[l][j];
      for (std::size_t k = 0; k < a.back().size(); ++k) z += weights[l][j][k] * a.back()[k];
      next.push_back(sigmoid(z));
      if (round_by_hand) next.back() = std::round(next.back() * 1000) / 1000;
    }
    a.push_back(std::move(next));
  }
  return a;
}

double total_error(const WorkedExample& e, const std::vector<double>& outputs) {
  double sum = 0;
  for (std::size_t j = 0; j < outputs.size(); ++j) sum += 0.5 * (e.targets[j] - outputs[j]) * (e.targets[j] - outputs[j]);
  return sum;
}

// dC/dp by central differences, moving the one number `p` points at.
double finite_difference(const WorkedExample& e, std::vector<Matrix>& weights, Matrix& biases, double& p) {
  constexpr double kStep = 1e-6;
  const double kept = p;
  p = kept + kStep;
  const double up = total_error(e, activations(e, weights, biases).back());
  p = kept - kStep;
  const double down = total_error(e, activations(e, weights, biases).back());
  p = kept;
  return (up - down) / (2 * kStep);
}

// The same network in neurite's float layers; returns the largest gradient difference.
double float_network_difference(const WorkedExample& e, const BackpropTrace& t) {
  Network net({static_cast<int64_t>(e.inputs.size())});
  for (std::size_t l = 0; l < e.weights.size(); ++l) {
    net.add(std::make_unique<Dense>(DenseOptions{.in = static_cast<int64_t>(e.weights[l][0].size()),
                                                 .out = static_cast<int64_t>(e.weights[l].size()),
                                                 .bias = e.has_biases()}));
    auto& dense = dynamic_cast<Dense&>(net.layer(net.layer_count() - 1));
    for (std::size_t j = 0; j < e.weights[l].size(); ++j) {
      for (std::size_t k = 0; k < e.weights[l][j].size(); ++k)
        dense.weight()[static_cast<int64_t>(j * e.weights[l][j].size() + k)] = static_cast<float>(e.weights[l][j][k]);
      if (e.has_biases()) dense.bias()[static_cast<int64_t>(j)] = static_cast<float>(e.biases[l][j]);
    }
    net.add(std::make_unique<Activation>(ActivationKind::Sigmoid));
  }
  Tensor x({1, static_cast<int64_t>(e.inputs.size())}), y({1, static_cast<int64_t>(e.targets.size())}), grad;
  for (std::size_t i = 0; i < e.inputs.size(); ++i) x[static_cast<int64_t>(i)] = static_cast<float>(e.inputs[i]);
  for (std::size_t i = 0; i < e.targets.size(); ++i) y[static_cast<int64_t>(i)] = static_cast<float>(e.targets[i]);
  const QuadraticCost cost;
  net.zero_grad();
  cost.gradient(net.forward(x), y, grad);
  net.backward(grad);
  double largest = 0;
  std::size_t layer = 0;
  for (const Parameter& p : net.parameters()) {
    const bool bias = p.name.ends_with("bias");
    for (int64_t i = 0; i < p.grad->size(); ++i) {
      const std::size_t cols = t.weight_gradients[layer][0].size();
      const double exact = bias ? t.bias_gradients[layer][static_cast<std::size_t>(i)]
                                : t.weight_gradients[layer][static_cast<std::size_t>(i) / cols][static_cast<std::size_t>(i) % cols];
      largest = std::max(largest, std::abs(exact - (*p.grad)[i]));
    }
    if (bias || !e.has_biases()) ++layer;
  }
  return largest;
}

std::vector<double> numbers(const nlohmann::json& j, const char* key, std::size_t lo, std::size_t hi) {
  require(j.contains(key) && j[key].is_array() && j[key].size() >= lo && j[key].size() <= hi,
          std::string("\"") + key + "\" must be a list of " + std::to_string(lo) + " to " + std::to_string(hi) + " numbers");
  std::vector<double> out;
  for (const nlohmann::json& v : j[key]) {
    require(v.is_number(), std::string("\"") + key + "\" holds " + quoted_prefix(v) + ", not a number");
    out.push_back(v.get<double>());
  }
  return out;
}

void require_moderate(double v, const std::string& what) {
  require(std::isfinite(v) && std::abs(v) <= 1e3, what + " must be finite and within 1e3, got " + std::to_string(v));
}

}  // namespace

WorkedExample mazur_example() {
  return {.name = "mazur",
          .inputs = {0.05, 0.10},
          .targets = {0.01, 0.99},
          .weights = {{{0.15, 0.20}, {0.25, 0.30}}, {{0.40, 0.45}, {0.50, 0.55}}},
          .biases = {{0.35, 0.35}, {0.60, 0.60}},
          .rate = 0.5,
          .update_biases = false,
          .weight_names = {"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"}};
}

WorkedExample rashid_example() {
  Network net = make_rashid_network();
  WorkedExample e{.name = "rashid", .inputs = run_rashid_example().input, .targets = {0.01, 0.99, 0.01},
                  .weights = {}, .biases = {}, .rate = 0.3, .update_biases = false};
  for (const std::size_t layer : {0u, 2u}) {
    const Tensor& w = dynamic_cast<Dense&>(net.layer(layer)).weight();
    Matrix rows(static_cast<std::size_t>(w.dim(0)));
    for (int64_t j = 0; j < w.dim(0); ++j)
      for (int64_t k = 0; k < w.dim(1); ++k)  // the book's one-decimal values, out of their float form
        rows[static_cast<std::size_t>(j)].push_back(std::round(w[j * w.dim(1) + k] * 1e6) / 1e6);
    e.weights.push_back(rows);
  }
  return e;
}

void validate(const WorkedExample& e) {
  const auto size_ok = [](std::size_t n) { return n >= 1 && n <= kMaxStepperLayerSize; };
  require(size_ok(e.inputs.size()), "\"inputs\" must hold 1 to 4 numbers");
  require(!e.weights.empty() && e.weights.size() <= kMaxStepperLayers, "\"weights\" must hold 1 to 3 layers");
  std::size_t width = e.inputs.size();
  for (std::size_t l = 0; l < e.weights.size(); ++l) {
    const std::string where = "weights[" + std::to_string(l) + "]";
    require(size_ok(e.weights[l].size()), where + " must hold 1 to 4 rows, one per neuron");
    for (const std::vector<double>& row : e.weights[l]) {
      require(row.size() == width, where + " rows must hold " + std::to_string(width) + " weights, one per input");
      for (const double w : row) require_moderate(w, where);
    }
    if (e.has_biases()) {
      require(e.biases.size() == e.weights.size() && e.biases[l].size() == e.weights[l].size(),
              "\"biases\" must hold one list per layer, one bias per neuron");
      for (const double b : e.biases[l]) require_moderate(b, "biases[" + std::to_string(l) + "]");
    }
    width = e.weights[l].size();
  }
  require(e.targets.size() == width, "\"targets\" must hold one number per output, " + std::to_string(width) + ", not " +
                                        std::to_string(e.targets.size()));
  for (const double v : e.inputs) require_moderate(v, "inputs");
  for (const double v : e.targets) require_moderate(v, "targets");
  require(std::isfinite(e.rate) && e.rate > 0 && e.rate <= 10, "\"rate\" must be above 0 and at most 10");
}

WorkedExample worked_example_from_json(const nlohmann::json& j) {
  require(j.is_object(), "the example must be an object, got " + quoted_prefix(j));
  WorkedExample e;
  e.name = j.value("name", std::string("custom"));
  e.inputs = numbers(j, "inputs", 1, kMaxStepperLayerSize);
  e.targets = numbers(j, "targets", 1, kMaxStepperLayerSize);
  require(j.contains("weights") && j["weights"].is_array() && !j["weights"].empty() && j["weights"].size() <= kMaxStepperLayers,
          "\"weights\" must hold 1 to 3 layers of rows");
  for (const nlohmann::json& layer : j["weights"]) {
    require(layer.is_array() && layer.size() <= kMaxStepperLayerSize, "\"weights\" holds a layer that is not 1 to 4 rows");
    Matrix rows;
    for (const nlohmann::json& row : layer) rows.push_back(numbers({{"weights", row}}, "weights", 1, kMaxStepperLayerSize));
    e.weights.push_back(rows);
  }
  if (j.contains("biases") && !j["biases"].is_null()) {
    require(j["biases"].is_array() && j["biases"].size() <= kMaxStepperLayers, "\"biases\" must hold one list per layer");
    for (const nlohmann::json& layer : j["biases"]) e.biases.push_back(numbers({{"biases", layer}}, "biases", 1, kMaxStepperLayerSize));
  }
  require(j.contains("rate") && j["rate"].is_number(), "\"rate\" must be a number");
  e.rate = j["rate"].get<double>();
  if (j.contains("update_biases")) {
    require(j["update_biases"].is_boolean(), "\"update_biases\" must be true or false");
    e.update_biases = j["update_biases"].get<bool>();
  }
  if (j.contains("weight_names") && j["weight_names"].is_array() && j["weight_names"].size() <= 64)
    for (const nlohmann::json& n : j["weight_names"])
      if (n.is_string() && n.get<std::string>().size() <= 16) e.weight_names.push_back(n.get<std::string>());
  validate(e);
  return e;
}

nlohmann::json to_json(const WorkedExample& e) {
  return {{"name", e.name},       {"inputs", e.inputs}, {"targets", e.targets},           {"weights", e.weights},
          {"biases", e.biases},   {"rate", e.rate},     {"update_biases", e.update_biases}, {"weight_names", e.weight_names}};
}

BackpropTrace trace_backprop(const WorkedExample& e) {
  validate(e);
  BackpropTrace t;
  const std::vector<std::vector<double>> a = activations(e, e.weights, e.biases);
  const std::size_t layers = e.weights.size();
  for (std::size_t l = 0; l < layers; ++l) {
    t.forward.emplace_back();
    for (std::size_t j = 0; j < e.weights[l].size(); ++j) {
      NeuronStep n{.products = {}, .bias = e.has_biases() ? e.biases[l][j] : 0};
      n.z = n.bias;
      for (std::size_t k = 0; k < a[l].size(); ++k) n.products.push_back(e.weights[l][j][k] * a[l][k]), n.z += n.products.back();
      n.a = a[l + 1][j];
      t.forward.back().push_back(n);
    }
  }
  for (std::size_t j = 0; j < a.back().size(); ++j) t.errors.push_back(0.5 * (e.targets[j] - a.back()[j]) * (e.targets[j] - a.back()[j]));
  t.total_error = total_error(e, a.back());
  // BP1, then BP2 from the last layer back: delta = dC/da * sigma'(z), sigma'(z) = a (1 - a).
  t.activation_gradients.resize(layers);
  t.slopes.resize(layers);
  t.deltas.resize(layers);
  for (std::size_t l = layers; l-- > 0;)
    for (std::size_t j = 0; j < a[l + 1].size(); ++j) {
      double gradient = 0;
      if (l + 1 == layers) {
        gradient = a.back()[j] - e.targets[j];
      } else {
        for (std::size_t k = 0; k < t.deltas[l + 1].size(); ++k) gradient += e.weights[l + 1][k][j] * t.deltas[l + 1][k];
      }
      t.activation_gradients[l].push_back(gradient);
      t.slopes[l].push_back(a[l + 1][j] * (1 - a[l + 1][j]));
      t.deltas[l].push_back(gradient * t.slopes[l][j]);
    }
  // BP3 and BP4 beside their finite differences, then the update.
  std::vector<Matrix> weights = e.weights;
  Matrix biases = e.biases;
  t.new_weights = e.weights;
  t.new_biases = e.biases;
  for (std::size_t l = 0; l < layers; ++l) {
    t.weight_gradients.emplace_back(), t.weight_estimates.emplace_back();
    t.bias_gradients.push_back(t.deltas[l]), t.bias_estimates.emplace_back();
    for (std::size_t j = 0; j < e.weights[l].size(); ++j) {
      t.weight_gradients[l].emplace_back(), t.weight_estimates[l].emplace_back();
      for (std::size_t k = 0; k < a[l].size(); ++k) {
        t.weight_gradients[l][j].push_back(a[l][k] * t.deltas[l][j]);
        t.weight_estimates[l][j].push_back(finite_difference(e, weights, biases, weights[l][j][k]));
        t.new_weights[l][j][k] -= e.rate * t.weight_gradients[l][j][k];
      }
      if (e.has_biases()) {
        t.bias_estimates[l].push_back(finite_difference(e, weights, biases, biases[l][j]));
        if (e.update_biases) t.new_biases[l][j] -= e.rate * t.deltas[l][j];
      }
    }
  }
  t.new_outputs = activations(e, t.new_weights, t.new_biases).back();
  t.new_total_error = total_error(e, t.new_outputs);
  t.outputs_rounded_by_hand = activations(e, e.weights, e.biases, true).back();
  t.float_network_difference = float_network_difference(e, t);
  return t;
}

nlohmann::json to_json(const BackpropTrace& t) {
  nlohmann::json forward = nlohmann::json::array();
  for (const auto& layer : t.forward) {
    nlohmann::json neurons = nlohmann::json::array();
    for (const NeuronStep& n : layer) neurons.push_back({{"products", n.products}, {"bias", n.bias}, {"z", n.z}, {"a", n.a}});
    forward.push_back(neurons);
  }
  return {{"forward", forward},
          {"errors", t.errors},
          {"total_error", t.total_error},
          {"activation_gradients", t.activation_gradients},
          {"slopes", t.slopes},
          {"deltas", t.deltas},
          {"weight_gradients", t.weight_gradients},
          {"weight_estimates", t.weight_estimates},
          {"bias_gradients", t.bias_gradients},
          {"bias_estimates", t.bias_estimates},
          {"new_weights", t.new_weights},
          {"new_biases", t.new_biases},
          {"new_outputs", t.new_outputs},
          {"new_total_error", t.new_total_error},
          {"outputs_rounded_by_hand", t.outputs_rounded_by_hand},
          {"float_network_difference", t.float_network_difference}};
}

}  // namespace neurite::playground
