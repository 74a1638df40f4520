// Every setting of `neurite train`, as one struct that converts to and from JSON. A run's
// settings come from three layers, later ones winning: the defaults, a model spec file's
// "training" object, the flags typed on the command line. A checkpoint stores the merged
// settings, so `--resume` rebuilds exactly the same run.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "neurite/cost.h"
#include "neurite/data/mnist.h"
#include "neurite/io/model_file.h"
#include "neurite/network.h"
#include "neurite/optim/optimizer.h"
#include "neurite/train/trainer.h"

namespace neurite::cli {

struct TrainSettings {
  // The network: a spec file's architecture, or the fully connected one the flags describe.
  nlohmann::json architecture;  // from --spec; null: use the flags below
  std::string layers = "784,30,10";
  std::string activation = "sigmoid";
  std::string output;           // the last layer's activation; empty: the same as activation
  std::string init = "nielsen";
  double uniform_limit = 0.5;
  bool no_bias = false;
  double dropout = 0;
  double input_dropout = 0;
  // Data
  std::string targets = "0,1";
  std::string scale = "unit";
  int64_t train_size = 50000;
  std::string eval_on = "test";
  std::string augment;          // "rotate=10,shift=1,..."; empty: none
  // Cost and optimiser
  std::string cost = "quadratic";
  std::string optimizer = "sgd";
  double rate = 3.0;
  double momentum = 0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weight_decay = 0.01;
  double l2 = 0, l1 = 0, max_norm = 0;
  double clip_norm = 0, clip_value = 0;  // gradient clipping (recurrent networks); 0: off
  // Schedule and stopping
  int epochs = 30;
  int64_t batch = 10;
  uint64_t seed = 1;
  int eval_every = 1;
  std::string schedule = "constant";
  int step_every = 10;
  double step_factor = 0.1;
  int plateau_patience = 10;
  double plateau_factor = 0.5;
  double cosine_min_rate = 0;
  int patience = 0;             // early stopping on the watched accuracy; 0: off
  bool stop_when_worse = false; // seed 002: patience 1 against the previous evaluation
  double ema = 0;               // weight averaging: evaluate (and save) a moving average; 0: off
  // Watching
  bool monitor = false;
  bool grad_norms = false;
};

// JSON keys are the member names; flags are the same names with dashes (--train-size).
// Missing keys keep their defaults.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainSettings, architecture, layers, activation, output, init,
                                                uniform_limit, no_bias, dropout, input_dropout, targets, scale,
                                                train_size, eval_on, augment, cost, optimizer, rate, momentum,
                                                nesterov, beta1, beta2, eps, weight_decay, l2, l1, max_norm, clip_norm, clip_value, epochs,
                                                batch, seed, eval_every, schedule, step_every, step_factor,
                                                plateau_patience, plateau_factor, cosine_min_rate, patience,
                                                stop_when_worse, ema, monitor, grad_norms)
// The same object with "train-size" style keys spelled "train_size", the JSON form.
nlohmann::json with_json_keys(const nlohmann::json& j);
// Settings from JSON, every key known and every value of the right type, else an Error that
// names `source` and the key.
TrainSettings settings_from_json(const nlohmann::json& j, const std::string& source);

// Checks every value, naming the flag ("--dropout 1.2: ..."); called before any data is read.
void validate(const TrainSettings& s);

// What the settings build. The network is the one `cost` trains: a last layer that is the cost's
// own output activation (softmax for log-likelihood) is left to the cost.
nlohmann::json mlp_architecture(const TrainSettings& s);  // the flags' network, as it predicts
Network build_network(const TrainSettings& s, const Cost& cost);
std::unique_ptr<Cost> build_cost(const TrainSettings& s);
std::unique_ptr<Optimizer> build_optimizer(const TrainSettings& s);
TrainOptions build_train_options(const TrainSettings& s);
MnistOptions build_data_options(const TrainSettings& s);
Initializer build_initializer(const TrainSettings& s);

// What model files record about the training: the foundation's keys (eval and predict read
// "scale" and "targets") plus every setting, and the result when there is one.
ModelInfo training_record(const TrainSettings& s, const TrainResult* result);

// A model spec file: {"input": [784], "layers": [...], "training": {"rate": 0.5, ...}}. Dense
// layers may leave out "in" (taken from the layer before). Returns the architecture with every
// "in" filled in, and the training defaults (every key must be a known setting).
struct ModelSpec {
  nlohmann::json architecture;
  nlohmann::json training = nlohmann::json::object();
};
ModelSpec read_model_spec(const std::string& path);

}  // namespace neurite::cli
