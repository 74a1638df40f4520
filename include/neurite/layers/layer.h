// Layer: the interface every layer implements. Dimension legend used in shape comments:
//   N batch, F features in, O features out (C, H, W, T arrive with later layers).
// A network keeps each layer's input x and output y, so backward receives both and a layer
// caches only what it cannot recompute from them.
#pragma once
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "neurite/layers/initializer.h"
#include "neurite/rng.h"
#include "neurite/tensor.h"

namespace neurite {

// One learnable tensor and its gradient. Optimisers and model files loop over these.
struct Parameter {
  std::string name;  // "weight", "bias"; the network prefixes the layer index: "0.weight"
  Tensor* value;
  Tensor* grad;
  // Weights decay (L2, L1, AdamW's decoupled decay, max-norm); biases do not (Nielsen ch. 3).
  bool decay = true;
};

// State a layer keeps and a model file saves, but no gradient trains (batch normalisation's
// running statistics): named like parameters, "running_mean", prefixed "0.running_mean".
struct Buffer {
  std::string name;
  Tensor* value;
};

class Layer {
 public:
  virtual ~Layer() = default;

  virtual std::string type() const = 0;           // "dense", "sigmoid", ...
  virtual nlohmann::json config() const = 0;      // type plus options: rebuilds the layer
  // One short phrase for network summaries: "dense(30)", "conv2d(16, 5x5, pad 2)".
  virtual std::string summary() const { return type(); }
  // One sample's output shape for one sample's input shape; throws naming both on a mismatch.
  virtual Shape output_shape(const Shape& sample_input) const = 0;

  // x (N, ...) -> y (N, ...); y is resized by the layer.
  virtual void forward(const Tensor& x, Tensor& y) = 0;
  // From dy = dL/dy: adds dL/dparameter into each grad and, when dx is given, writes dL/dx.
  // x and y are the last forward's input and output: a layer may keep what it learnt of them
  // (dropout its mask, dense the nonzero entries of a mostly-zero input).
  virtual void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) = 0;

  virtual std::vector<Parameter> parameters() { return {}; }
  virtual std::vector<Buffer> buffers() { return {}; }
  // `init` is the network's default; a layer configured with its own initializer uses that.
  virtual void initialize(const Initializer& /*init*/, Rng&) {}

  // Layers that behave differently while training (dropout) override this; a new layer is in
  // evaluation mode.
  virtual void set_training(bool) {}
  // Whether a training forward updates the layer's buffers (batchnorm's running statistics).
  // Training in shards updates them from each batch's first shard only (train/trainer.h).
  virtual void set_buffer_updates(bool) {}
  // A layer that draws random numbers while training owns its generator: the network seeds it
  // and checkpoints save its state, so a resumed run draws what the uninterrupted one would.
  virtual Rng* generator() { return nullptr; }
};

using LayerPtr = std::unique_ptr<Layer>;

// Builds a layer from its config() (as stored in model files, or a spec's layer entry). Sizes the
// config leaves out ("in" of a dense layer, "in_channels" of a convolution) are taken from
// `input`, one sample's input shape. Throws one line naming the layer on a bad config.
LayerPtr make_layer(const nlohmann::json& config, const Shape& input = {});

// The layer registry: a table from type name to factory. Each layer's own source file registers
// its factory (`const bool registered = register_layer("dense", &dense_from_config);`), so a new
// layer touches no other file. A factory reads its options from the JSON config and may throw
// nlohmann's exceptions for a missing or mistyped key: make_layer words them.
using LayerFactory = LayerPtr (*)(const nlohmann::json& config, const Shape& input);
bool register_layer(const std::string& type, LayerFactory factory);
std::vector<std::string> layer_types();  // sorted

// Limits that let a model file or spec be refused before anything is allocated: a few hundred
// bytes of JSON can describe layers that would need terabytes. Both are far beyond any network
// neurite trains on a CPU (seed 001's CNN: 157,000 weights, 11,520 values per sample).
//
// The most weights one layer may hold: 2^27 floats, 512 MiB (and as much again for gradients);
// VGG-16's largest layer has 103 million.
inline constexpr int64_t kMaxLayerWeights = int64_t{1} << 27;
// The most values one layer may output for one sample: 2^26 floats, 256 MiB.
inline constexpr int64_t kMaxSampleValues = int64_t{1} << 26;
// The most weights a whole network may hold: 2^28 floats, 1 GiB (two layers at kMaxLayerWeights);
// a checkpoint with Adam's two moments is then 3 GiB, within a model file's limit. Without it, a
// spec of twenty large layers would allocate them all.
inline constexpr int64_t kMaxNetworkWeights = int64_t{1} << 28;
// The most values all the layers together may output for one sample: 2^27 floats, 512 MiB
// (VGG-16's add up to 15 million). Without it, a thousand activation layers on a large input
// would each keep an output of kMaxSampleValues.
inline constexpr int64_t kMaxNetworkSampleValues = int64_t{1} << 27;

// While one is alive (on this thread), require_layer_weights also refuses a tensor of more than
// `weights_left` weights: a network adding a layer allows what is left of kMaxNetworkWeights, so
// the layer is refused before its tensors exist.
class WeightAllowance {
 public:
  explicit WeightAllowance(int64_t weights_left);
  ~WeightAllowance();
  WeightAllowance(const WeightAllowance&) = delete;
  WeightAllowance& operator=(const WeightAllowance&) = delete;

 private:
  int64_t previous_;
};

// Throws "<what> would hold N weights, over the limit of 134217728 (kMaxLayerWeights)" when the
// product of `factors` (each positive) exceeds kMaxLayerWeights, or exceeds what a WeightAllowance
// leaves; the product cannot overflow.
void require_layer_weights(std::initializer_list<int64_t> factors, const std::string& what);

// The size of the input's last axis, for layers that take flat features (F) or sequences
// (T, F); throws naming `layer` for any other input.
int64_t input_features(const Shape& input, const std::string& layer);

}  // namespace neurite
