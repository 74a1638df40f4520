#include "neurite/network.h"

#include <algorithm>
#include <cstdio>

#include "neurite/error.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/dropout.h"
#include "neurite/layers/pool2d.h"
#include "neurite/io/json_input.h"

namespace neurite {

Network::Network(Shape sample_input_shape, InitOptions init)
    : input_shape_(std::move(sample_input_shape)),
      output_shape_(input_shape_),
      init_(init.init),
      init_rng_(init.seed, /*stream=*/0) {
  require(!input_shape_.empty() && element_count(input_shape_) > 0,
          "network input shape must be non-empty, got " + to_string(input_shape_));
  require(element_count(input_shape_) <= kMaxSampleValues,
          "network input " + to_string(input_shape_) + " is over the limit of " + std::to_string(kMaxSampleValues) +
              " values per sample (kMaxSampleValues)");
  acts_.resize(1);
  grads_.resize(1);
}

Network& Network::add(LayerPtr layer) {
  const std::string which = "layer " + std::to_string(layers_.size()) + " (" + layer->type() + ")";
  try {
    output_shape_ = layer->output_shape(output_shape_);
  } catch (const Error& e) {
    throw Error(which + ": " + e.what());
  }
  const int64_t values = element_count(output_shape_);
  require(values <= kMaxSampleValues, which + ": its output " + to_string(output_shape_) + " is " + std::to_string(values) +
                                          " values per sample, over the limit of " + std::to_string(kMaxSampleValues) +
                                          " (kMaxSampleValues)");
  require(values <= kMaxNetworkSampleValues - activation_floats_,
          which + ": the layers' outputs would add up to more than 2^27 values per sample (kMaxNetworkSampleValues)");
  activation_floats_ += values;
  // Layers built from JSON were held to the allowance before allocating (add(config)); this
  // counts every tensor, for layers built by hand too.
  int64_t weights = 0;
  for (const Parameter& p : layer->parameters()) weights += p.value->size();
  require(weights <= kMaxNetworkWeights - weights_,
          which + ": the network would hold more than 2^28 weights (kMaxNetworkWeights)");
  weights_ += weights;
  if (first_trainable_ == layers_.size() && layer->parameters().empty()) ++first_trainable_;
  layer->initialize(init_, init_rng_);
  layers_.push_back(std::move(layer));
  acts_.emplace_back();
  grads_.emplace_back();
  return *this;
}

Network& Network::add(const nlohmann::json& config) {
  LayerPtr layer;
  try {
    const WeightAllowance allowance(kMaxNetworkWeights - weights_);
    layer = make_layer(config, output_shape_);
  } catch (const Error& e) {
    const std::string type = config.is_object() && config.contains("type") && config["type"].is_string()
                                 ? config["type"].get<std::string>() : "?";
    throw Error("layer " + std::to_string(layers_.size()) + " (" + type + "): " + e.what());
  }
  return add(std::move(layer));
}

const Tensor& Network::forward(const Tensor& x) {
  require(!layers_.empty(), "the network has no layers");
  const bool fits = x.rank() == static_cast<int>(input_shape_.size()) + 1 &&
                    std::equal(input_shape_.begin(), input_shape_.end(), x.shape().begin() + 1);
  if (!fits) {  // checked every batch: build the message only on failure
    Shape expected = input_shape_;
    expected.insert(expected.begin(), x.rank() ? x.dim(0) : 0);
    throw Error("network input: expected shape " + to_string(expected) + " (batch first), got " +
                to_string(x.shape()));
  }
  input_ = &x;  // the caller keeps x alive until backward
  fused_last_forward_ = training_;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (MaxPool2d* pool = pool_after_relu(i + 1)) {  // ReLU and max pooling in one pass
      acts_[i + 1].resize({0});
      pool->forward_after_relu(layer_input(i), acts_[i + 2]);
      ++i;
      continue;
    }
    layers_[i]->forward(layer_input(i), acts_[i + 1]);
  }
  return acts_.back();
}

// Training runs a ReLU followed by max pooling as one step: pooling first and applying ReLU to
// the winners gives the same bits and spares two passes over the feature maps each way (seed
// 001's CNN: 2.5 MB a batch). Evaluation runs every layer, so each output can be looked at.
MaxPool2d* Network::pool_after_relu(std::size_t i) const {
  if (!fused_last_forward_ || i == 0 || i >= layers_.size()) return nullptr;
  const auto* relu = dynamic_cast<const Activation*>(layers_[i - 1].get());
  if (!relu || relu->kind() != ActivationKind::ReLU) return nullptr;
  return dynamic_cast<MaxPool2d*>(layers_[i].get());
}

void Network::backward(const Tensor& output_grad, bool want_input_grad) {
  require_shape(output_grad, acts_.back().shape(), "network backward");
  grads_.back() = output_grad;
  backward(want_input_grad);
}

// Layers before the first one with parameters (input dropout) need no gradient, and neither
// does that layer's input: both are skipped unless the input gradient is asked for.
void Network::backward(bool want_input_grad) { backward(want_input_grad, {}); }

void Network::backward(bool want_input_grad, const std::function<void(std::size_t layer)>& after_layer) {
  require_shape(grads_.back(), acts_.back().shape(), "network backward: the output gradient");
  const std::size_t first = want_input_grad ? 0 : first_trainable_;
  for (std::size_t i = layers_.size(); i-- > first;) {
    MaxPool2d* pool = i > first ? pool_after_relu(i) : nullptr;
    if (pool) {  // through the pooling and its ReLU (layer i - 1) at once
      Tensor* dz = (i - 1 > first || want_input_grad) ? &grads_[i - 1] : nullptr;
      pool->backward_through_relu(layer_input(i - 1), acts_[i + 1], grads_[i + 1], dz);
      if (after_layer) after_layer(i);
      --i;
    } else {
      Tensor* dx = (i > first || want_input_grad) ? &grads_[i] : nullptr;
      layers_[i]->backward(layer_input(i), acts_[i + 1], grads_[i + 1], dx);
    }
    if (after_layer) after_layer(i);
  }
}

namespace {
// Every layer's named items (parameters or buffers), each name prefixed with its layer's index
// as PyTorch's state_dict names them ("0.weight").
template <class Item, class Get>
std::vector<Item> prefixed(const std::vector<LayerPtr>& layers, Get get) {
  std::vector<Item> all;
  for (std::size_t i = 0; i < layers.size(); ++i)
    for (Item item : get(*layers[i])) {
      item.name = std::to_string(i) + "." + item.name;
      all.push_back(item);
    }
  return all;
}
}  // namespace

std::vector<Parameter> Network::parameters() {
  return prefixed<Parameter>(layers_, [](Layer& layer) { return layer.parameters(); });
}

std::vector<Buffer> Network::buffers() {
  return prefixed<Buffer>(layers_, [](Layer& layer) { return layer.buffers(); });
}

// Called before every batch: walks the layers directly rather than building parameters()'s
// prefixed names each time.
void Network::zero_grad() {
  for (auto& layer : layers_)
    for (Parameter& p : layer->parameters()) p.grad->fill(0.0f);
}

void Network::initialize(const Initializer& init, Rng& rng) {
  for (auto& layer : layers_) layer->initialize(init, rng);
}

namespace {
// Copies named tensors pairwise, checking names and shapes agree.
template <class Named>
void copy_named(const std::vector<Named>& from, const std::vector<Named>& to) {
  require(from.size() == to.size(), "cannot copy " + std::to_string(from.size()) + " tensors into a network of " +
                                        std::to_string(to.size()));
  for (std::size_t i = 0; i < from.size(); ++i) {
    require(from[i].name == to[i].name && from[i].value->shape() == to[i].value->shape(),
            "cannot copy " + from[i].name + " " + to_string(from[i].value->shape()) + " into " + to[i].name + " " +
                to_string(to[i].value->shape()));
    *to[i].value = *from[i].value;
  }
}
}  // namespace

void Network::copy_parameters_from(Network& other) {
  copy_named(other.parameters(), parameters());
  copy_named(other.buffers(), buffers());
}

void Network::set_buffer_updates(bool updates) {
  for (auto& layer : layers_) layer->set_buffer_updates(updates);
}

void Network::set_training(bool training) {
  training_ = training;
  for (auto& layer : layers_) layer->set_training(training);
}

void Network::seed_generators(uint64_t seed) {
  for (std::size_t i = 0; i < layers_.size(); ++i)
    if (Rng* rng = layers_[i]->generator()) *rng = Rng(seed, /*stream=*/100 + i);
}

std::vector<Rng::State> Network::generator_states() {
  std::vector<Rng::State> states;
  for (auto& layer : layers_)
    if (Rng* rng = layer->generator()) states.push_back(rng->state());
  return states;
}

void Network::set_generator_states(const std::vector<Rng::State>& states) {
  std::size_t next = 0;
  for (auto& layer : layers_)
    if (Rng* rng = layer->generator()) {
      require(next < states.size(), "too few random generator states for this network's layers");
      rng->set_state(states[next++]);
    }
  require(next == states.size(), "more random generator states than this network has random layers");
}

nlohmann::json Network::architecture() const {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : layers_) layers.push_back(layer->config());
  return {{"input", input_shape_}, {"layers", layers}};
}

Network Network::from_architecture(const nlohmann::json& architecture, InitOptions init) {
  require(architecture.is_object() && architecture.contains("input") &&
              architecture.contains("layers") && architecture["layers"].is_array(),
          "architecture needs \"input\" and \"layers\": " + quoted_prefix(architecture));
  Network net(shape_from_json(architecture["input"], "architecture \"input\""), init);
  for (const auto& config : architecture["layers"]) net.add(config);
  return net;
}

std::string Network::summary() const {
  std::string s = to_string(input_shape_);
  for (const auto& layer : layers_) {
    s += " -> " + layer->summary();
  }
  return s;
}

Network make_mlp(const std::vector<int64_t>& sizes, ActivationKind activation, bool bias, InitOptions init) {
  return make_mlp(MlpOptions{.sizes = sizes, .hidden = activation, .output = activation, .bias = bias, .init = init});
}

Network make_mlp(const MlpOptions& o) {
  require(o.sizes.size() >= 2, "a network needs at least an input and an output size");
  Network net({o.sizes.front()}, o.init);
  if (o.input_dropout > 0) net.add(std::make_unique<Dropout>(DropoutOptions{.p = o.input_dropout}));
  for (std::size_t i = 1; i < o.sizes.size(); ++i) {
    const bool last = i + 1 == o.sizes.size();
    net.add(std::make_unique<Dense>(DenseOptions{.in = o.sizes[i - 1], .out = o.sizes[i], .bias = o.bias}));
    net.add(std::make_unique<Activation>(last ? o.output : o.hidden));
    if (!last && o.dropout > 0) net.add(std::make_unique<Dropout>(DropoutOptions{.p = o.dropout}));
  }
  return net;
}

std::optional<std::size_t> first_weighted_layer(Network& network) {
  for (std::size_t i = 0; i < network.layer_count(); ++i)
    if (!network.layer(i).parameters().empty()) return i;
  return std::nullopt;
}

}  // namespace neurite
