#include "neurite/classic/rashid.h"

#include <algorithm>

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
