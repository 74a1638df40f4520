#include "neurite/classic/rashid.h"

#include <algorithm>
#include <cmath>

#include "neurite/error.h"
#include "neurite/layers/dense.h"

namespace neurite {

namespace {

constexpr float kInputHidden[3][3] = {{0.9f, 0.3f, 0.4f}, {0.2f, 0.8f, 0.2f}, {0.1f, 0.5f, 0.6f}};
constexpr float kHiddenOutput[3][3] = {{0.3f, 0.7f, 0.5f}, {0.6f, 0.5f, 0.2f}, {0.8f, 0.1f, 0.9f}};
constexpr double kInput[3] = {0.9, 0.1, 0.8};

void set_weights(Layer& layer, const float (&w)[3][3]) {
  auto* dense = dynamic_cast<Dense*>(&layer);
  require(dense != nullptr, "rashid example: expected a dense layer, got " + layer.type());
  Tensor& weight = dense->weight();
  require_shape(weight, {3, 3}, "rashid example weight");
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 3; ++c) weight[r * 3 + c] = w[r][c];
}

}  // namespace

Network make_rashid_network() {
  Network net = make_mlp({3, 3, 3}, ActivationKind::Sigmoid, /*bias=*/false);
  set_weights(net.layer(0), kInputHidden);   // layer 1 is the hidden sigmoid
  set_weights(net.layer(2), kHiddenOutput);  // layer 3 the output sigmoid
  return net;
}

std::vector<double> run_layers(Network& net, std::size_t begin, std::size_t end,
                               std::span<const double> sample) {
  require(begin < end && end <= net.layer_count(),
          "run_layers: [" + std::to_string(begin) + ", " + std::to_string(end) + ") is not a range of " +
              std::to_string(net.layer_count()) + " layers");
  Tensor x({1, static_cast<int64_t>(sample.size())});
  std::transform(sample.begin(), sample.end(), x.data(), [](double v) { return static_cast<float>(v); });
  Tensor y;
  for (std::size_t i = begin; i < end; ++i) {
    net.layer(i).forward(x, y);
    std::swap(x, y);  // this layer's output is the next one's input
  }
  return {x.data(), x.data() + x.size()};
}

namespace {

Tensor& dense_weight(Network& net, std::size_t layer, const char* what) {
  auto* dense = dynamic_cast<Dense*>(&net.layer(layer));
  require(dense != nullptr && !dense->options().bias && net.layer(layer + 1).type() == "sigmoid",
          std::string("rashid_train_step: layer ") + std::to_string(layer) + " must be dense without bias, followed by sigmoid (" + what + ")");
  return dense->weight();
}

std::vector<float> sigmoid_of_product(const Tensor& w, std::span<const float> x) {
  const int64_t rows = w.dim(0), cols = w.dim(1);
  std::vector<float> out(static_cast<std::size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    float z = 0;
    for (int64_t c = 0; c < cols; ++c) z += w[r * cols + c] * x[static_cast<std::size_t>(c)];
    out[static_cast<std::size_t>(r)] = 1.0f / (1.0f + std::exp(-z));
  }
  return out;
}

// w += rate * (signal * a (1 - a)) x^T, row by row.
void add_outer_product(Tensor& w, const std::vector<float>& signal, const std::vector<float>& a,
                       std::span<const float> x, double rate) {
  const int64_t rows = w.dim(0), cols = w.dim(1);
  for (int64_t r = 0; r < rows; ++r) {
    const std::size_t i = static_cast<std::size_t>(r);
    const float g = static_cast<float>(rate) * signal[i] * a[i] * (1.0f - a[i]);
    for (int64_t c = 0; c < cols; ++c) w[r * cols + c] += g * x[static_cast<std::size_t>(c)];
  }
}

}  // namespace

void rashid_train_step(Network& net, std::span<const float> input, std::span<const float> target, double rate) {
  require(net.layer_count() == 4, "rashid_train_step: his network has 4 layers (dense, sigmoid, dense, sigmoid), got " +
                                      std::to_string(net.layer_count()));
  Tensor& w_ih = dense_weight(net, 0, "input to hidden");
  Tensor& w_ho = dense_weight(net, 2, "hidden to output");
  require(static_cast<int64_t>(input.size()) == w_ih.dim(1) && static_cast<int64_t>(target.size()) == w_ho.dim(0),
          "rashid_train_step: " + std::to_string(input.size()) + " inputs and " + std::to_string(target.size()) +
              " targets for a " + to_string(net.input_shape()) + " -> " + to_string(net.output_shape()) + " network");
  const std::vector<float> hidden = sigmoid_of_product(w_ih, input);
  const std::vector<float> output = sigmoid_of_product(w_ho, hidden);
  std::vector<float> output_errors(output.size()), hidden_errors(hidden.size(), 0.0f);
  for (std::size_t k = 0; k < output.size(); ++k) output_errors[k] = target[k] - output[k];
  const int64_t hidden_count = w_ho.dim(1);
  for (int64_t k = 0; k < w_ho.dim(0); ++k)  // W_ho^T e, before W_ho changes
    for (int64_t j = 0; j < hidden_count; ++j)
      hidden_errors[static_cast<std::size_t>(j)] += w_ho[k * hidden_count + j] * output_errors[static_cast<std::size_t>(k)];
  add_outer_product(w_ho, output_errors, output, hidden, rate);
  add_outer_product(w_ih, hidden_errors, hidden, input, rate);
}

RashidExample run_rashid_example() {
  Network net = make_rashid_network();
  RashidExample example;
  example.input.assign(std::begin(kInput), std::end(kInput));
  example.hidden_input = run_layers(net, 0, 1, example.input);
  example.hidden = run_layers(net, 0, 2, example.input);
  example.output_input = run_layers(net, 2, 3, example.hidden);
  Tensor x({1, 3});
  for (int64_t i = 0; i < 3; ++i) x[i] = static_cast<float>(kInput[i]);
  const Tensor& out = net.forward(x);  // the whole network, the ordinary way
  example.output.assign(out.data(), out.data() + out.size());
  return example;
}

}  // namespace neurite
