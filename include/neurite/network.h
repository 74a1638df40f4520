// Network: a sequence of layers run in order forward and in exactly the reverse order backward.
// It owns the activation buffers (input and output of every layer) and the gradient buffers
// between layers, reused from batch to batch.
//
// One training step reads
//   net.zero_grad();
//   const Tensor& output = net.forward(x);
//   const double c = cost.value(output, y);
//   cost.gradient(output, y, net.output_grad());
//   net.backward();
//   optimizer.step(params);
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "neurite/layers/activation.h"
#include "neurite/layers/layer.h"

namespace neurite {

class MaxPool2d;

// How a network's weights start: every layer is initialised as it is added, in order, from one
// generator seeded here, so the same seed always gives the same network.
struct InitOptions {
  Initializer init = {};
  uint64_t seed = 1;
};

class Network {
 public:
  explicit Network(Shape sample_input_shape, InitOptions init = {});
  Network(Network&&) = default;
  Network& operator=(Network&&) = default;

  // Appends a layer and initialises its weights; throws naming the layer index and both shapes
  // if it does not fit.
  Network& add(LayerPtr layer);
  // Appends the layer a config describes ({"type": "dense", "out": 30}); sizes it leaves out
  // (a dense layer's "in") are taken from the layers before it.
  Network& add(const nlohmann::json& config);

  const Shape& input_shape() const { return input_shape_; }   // one sample, e.g. (784)
  const Shape& output_shape() const { return output_shape_; }
  std::size_t layer_count() const { return layers_.size(); }
  Layer& layer(std::size_t i) { return *layers_.at(i); }
  const Layer& layer(std::size_t i) const { return *layers_.at(i); }

  // x (N, input...) -> network output (N, output...), valid until the next forward. x must
  // stay alive and unchanged until backward.
  const Tensor& forward(const Tensor& x);
  // dL/d(output) of the last forward: the cost writes it here, then backward() starts from it.
  Tensor& output_grad() { return grads_.back(); }
  // From output_grad(), adds every parameter's gradient into its grad (zero_grad() clears them).
  // dL/dx is computed only when asked for (gradient checks): the first layer's input gradient is
  // otherwise wasted work.
  void backward(bool want_input_grad = false);
  // The same, calling after_layer(i) as soon as layer i's parameter gradients are complete:
  // data-parallel training sends them while backward goes on with the layers before.
  void backward(bool want_input_grad, const std::function<void(std::size_t layer)>& after_layer);
  // The same from a gradient given here (copied into output_grad()).
  void backward(const Tensor& output_grad, bool want_input_grad = false);
  const Tensor& input_grad() const { return grads_.front(); }  // after want_input_grad
  // The output of the last forward, valid until the next one.
  const Tensor& output() const { return acts_.back(); }
  // Layer i's output from the last forward (feature maps of a conv layer), same lifetime. While
  // training, a ReLU followed by max pooling runs as one step (MaxPool2d::forward_after_relu):
  // the ReLU's own output is then not kept, and is empty here.
  const Tensor& layer_output(std::size_t i) const { return acts_.at(i + 1); }

  // Every parameter, named like PyTorch's nn.Sequential: "<layer index>.weight".
  std::vector<Parameter> parameters();
  // Every buffer (saved, not trained), named the same way: "<layer index>.running_mean".
  std::vector<Buffer> buffers();
  // Sets every parameter's gradient to zero: call it before each batch's backward, which adds.
  void zero_grad();
  // Draws every weight again (the network was initialised when built): gradient checks and the
  // seeds' examples choose their own scheme this way.
  void initialize(const Initializer& init, Rng& rng);
  // Copies the parameter and buffer values of a network with the same parameters (a
  // checkpoint's, whose file also holds the cost's output activation); throws naming the first
  // that differs.
  void copy_parameters_from(Network& other);

  // Training mode switches layers such as dropout on; evaluation (the default) switches them off.
  void set_training(bool training);
  // Whether training forwards update the layers' buffers (on by default; Layer::set_buffer_updates).
  void set_buffer_updates(bool updates);
  // The generators of the layers that draw random numbers (dropout), in layer order: seeded from
  // one seed (a separate stream per layer), and saved / restored by checkpoints.
  void seed_generators(uint64_t seed);
  std::vector<Rng::State> generator_states();
  void set_generator_states(const std::vector<Rng::State>& states);
  int64_t parameter_count() const { return weights_; }
  // Floats of every layer's output for one sample: what a forward pass keeps per sample.
  int64_t activation_floats_per_sample() const { return activation_floats_; }

  // {"input": [784], "layers": [{"type": "dense", ...}, ...]}
  nlohmann::json architecture() const;
  static Network from_architecture(const nlohmann::json& architecture, InitOptions init = {});
  // "784-30-10 sigmoid" style summary, one line.
  std::string summary() const;

 private:
  const Tensor& layer_input(std::size_t i) const { return i == 0 ? *input_ : acts_[i]; }
  // The max pooling at layer i, if it follows a ReLU and the last forward ran the two as one.
  MaxPool2d* pool_after_relu(std::size_t i) const;

  Shape input_shape_, output_shape_;
  Initializer init_;
  Rng init_rng_;
  std::vector<LayerPtr> layers_;
  int64_t activation_floats_ = 0;
  int64_t weights_ = 0;  // parameter_count(): counted as each layer is added, held to kMaxNetworkWeights
  std::size_t first_trainable_ = 0;  // layers before it have no parameters (input dropout)
  const Tensor* input_ = nullptr;  // the batch of the last forward (not copied)
  bool training_ = false;
  bool fused_last_forward_ = false;  // whether the last forward ran ReLU + max pooling as one
  std::vector<Tensor> acts_;   // acts_[i] is layer i's input (i > 0); acts_.back() the output
  std::vector<Tensor> grads_;  // grads_[i] is dL/d acts_[i]
};

// Builds the classic fully connected network: sizes {784, 30, 10}, one activation after every
// dense layer.
Network make_mlp(const std::vector<int64_t>& sizes, ActivationKind activation, bool bias = true,
                 InitOptions init = {});

// The fully connected network with chapter 3's choices: `output` after the last dense layer
// (softmax, sigmoid, ...), dropout with probability `dropout` after every hidden activation and
// `input_dropout` on the input (0: none).
struct MlpOptions {
  std::vector<int64_t> sizes{784, 30, 10};
  ActivationKind hidden = ActivationKind::Sigmoid;
  ActivationKind output = ActivationKind::Sigmoid;
  bool bias = true;
  double dropout = 0;
  double input_dropout = 0;
  InitOptions init = {};
};
Network make_mlp(const MlpOptions& options);

// The index of the first layer with parameters (whose weights see the input), if any.
std::optional<std::size_t> first_weighted_layer(Network& network);

}  // namespace neurite
