// The Playground (the page's tab after TensorFlow Playground): a small fully connected network
// learning a shape in the plane, one epoch at a time, with every number it shows computed here:
// the losses, the output over the plane, each neuron's output over the plane, every weight.
//
// The network: the chosen features -> up to 6 hidden layers of up to 8 neurons -> one output.
// Two classes end in a sigmoid (its probability of class 1, "blue"); a surface in an identity
// output. The weights start from `seed`, so resetting with the same seed gives the same network.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "neurite/cost.h"
#include "neurite/io/model_file.h"
#include "neurite/network.h"
#include "neurite/optim/optimizer.h"
#include "neurite/playground/plane_data.h"
#include "neurite/rng.h"
#include "neurite/train/regularization.h"

namespace neurite::playground {

constexpr int kMaxHiddenLayers = 6;
constexpr int kMaxLayerNeurons = 8;

struct PlaygroundConfig {
  std::vector<Feature> features = {Feature::X1, Feature::X2};
  std::vector<int64_t> hidden = {4, 2};  // neurons per hidden layer
  ActivationKind activation = ActivationKind::Tanh;  // of the hidden layers
  // Two classes: "cross-entropy" (sigmoid output, the cost takes logits) or "quadratic" (Nielsen's
  // 1/2 (a - y)^2 on a sigmoid output). A surface: "mse", "mae" or "huber" on an identity output.
  std::string loss = "cross-entropy";
  OptimizerOptions optimizer = {.rate = 0.03, .kind = SgdOptions{}};
  int64_t batch = 10;
  Regularization regularization = {};  // l1 / l2, Nielsen's lambda / n scaling
  uint64_t seed = 1;                   // the weights and the order of the training points
};

// The config as the page's API and URL hold it, and back: {"features": ["x1", "x2"],
// "hidden": [4, 2], "activation": "tanh", "loss": "cross-entropy", "optimizer": "sgd",
// "rate": 0.03, "batch": 10, "regularization": "none" | "l1" | "l2", "lambda": 0, "seed": 1}.
// Every field is optional; a wrong one is an Error naming it. `regression` picks the default loss.
PlaygroundConfig playground_config_from_json(const nlohmann::json& json, bool regression);
nlohmann::json to_json(const PlaygroundConfig& config);

struct Losses {
  double train = 0, test = 0;
  double train_accuracy = -1, test_accuracy = -1;  // two classes only (else -1)
};

// Values over the plane on a side x side grid, row by row from the top (x2 = +6) down, each row
// from x1 = -6 to the right, sampled at the cells' centres.
struct PlaneMap {
  int side = 0;
  std::vector<float> values;
};

struct PlaneMaps {
  PlaneMap output;                           // what the network predicts (two classes: 2p - 1)
  std::vector<PlaneMap> features;            // each input feature
  std::vector<std::vector<PlaneMap>> layers;  // each hidden neuron's activation, by layer
};

class Playground {
 public:
  Playground(PlaneData data, PlaygroundConfig config);

  const PlaneData& data() const { return data_; }
  const PlaygroundConfig& config() const { return config_; }
  int64_t epoch() const { return epoch_; }

  // One pass over the training points in shuffled mini-batches. Throws an Error when a weight
  // is no longer finite afterwards (the rate is too large): the page says so and stops.
  void train_epoch();
  // The cost (with the regularisation penalty) over each split, and the accuracies.
  Losses losses();
  // The output and every neuron over the plane, on grids of `output_side` and `neuron_side`.
  PlaneMaps maps(int output_side, int neuron_side);

  // Weights: layer l (0 = features -> first hidden) from neuron `from` to neuron `to`, or the
  // bias of `to` when from = -1. set_weight throws naming an index out of range or a non-finite value.
  int64_t weighted_layers() const { return static_cast<int64_t>(dense_.size()); }
  float weight(int64_t layer, int64_t to, int64_t from) const;
  void set_weight(int64_t layer, int64_t to, int64_t from, float value);
  // Every weight: [{"weights": [[to][from]...], "biases": [...]}, ...] per weighted layer.
  nlohmann::json weights_json() const;

  // The trained model as a model file (its preparation names the feature columns of
  // data_csv(), so `neurite eval MODEL --data DATA.csv --target label` tests it).
  std::vector<uint8_t> model_file();
  // The points with their features and label: "x1,x2,...,label", a column "split" last;
  // `split` "all", "train" or "test" chooses the points.
  std::string data_csv(const std::string& split = "all") const;

 private:
  Tensor& parameter(int64_t layer, bool bias) const;
  double split_cost(const Tensor& inputs, const Tensor& targets, double& accuracy);
  ModelInfo model_info() const;

  PlaneData data_;
  PlaygroundConfig config_;
  std::unique_ptr<Cost> cost_;
  Network network_;
  std::vector<std::size_t> dense_;  // the network's layers that hold weights
  std::unique_ptr<Optimizer> optimizer_;
  Rng order_;  // the order of the training points, epoch after epoch
  Tensor train_inputs_, train_targets_, test_inputs_, test_targets_;
  int64_t epoch_ = 0;
};

}  // namespace neurite::playground
