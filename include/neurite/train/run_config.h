// A training run as data: the network, its initialisation, the cost, the optimiser and its
// schedule, the training options, and how the data is prepared. RunConfig is the typed form;
// its JSON form is the flat object a model spec's "training" holds, with the keys
// `neurite train` names its flags after ("train_size" is --train-size):
//   {"layers": "784,30,10", "cost": "cross-entropy", "optimizer": "adam", "beta1": 0.9,
//    "schedule": "step", "step_every": 10, "epochs": 30, "batch": 10, ...}
// The optimiser's and the schedule's keys are those of the kind chosen (optim/optimizer.h,
// optim/schedule.h). Checkpoints, logs and model files store this form, so a run can be rebuilt.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "neurite/cost.h"
#include "neurite/data/dataset.h"
#include "neurite/data/mnist.h"
#include "neurite/data/source.h"
#include "neurite/io/model_file.h"
#include "neurite/layers/initializer.h"
#include "neurite/network.h"
#include "neurite/optim/optimizer.h"
#include "neurite/train/trainer.h"

namespace neurite {

// The held-out set training watches (best epoch, plateau schedule, early stopping).
enum class WatchedSet { Test, Validation };

// How the data is prepared for the network.
struct DataConfig {
  InputScale scale = InputScale::Unit;  // "scale": unit, rashid or standard
  TargetValues targets = {};            // "targets": "0,1", the one-hot off and on values
  int64_t train_size = 50000;           // "train_size": training samples; the rest validate
  WatchedSet eval_on = WatchedSet::Test;  // "eval_on": test or validation
  SourceOptions source = {};            // "format", "target", "ignore", "task", "missing", ... (data/source.h)
};

struct RunConfig {
  // The network as it predicts (a model spec's "input" and "layers", as model files hold it);
  // null: the fully connected network `mlp` describes ("layers", "activation", "output",
  // "no_bias", "dropout", "input_dropout").
  nlohmann::json architecture;
  MlpOptions mlp = {};             // sizes 0 at the ends ("in,30,out"): the data's, set by fit_to_data
  bool output_follows_cost = true;  // "output" "": the activation the cost needs (softmax, ...)
  Initializer init = {};            // "init", "uniform_limit"
  // "cost": quadratic, cross-entropy, log-likelihood, mse, mae or huber; "": the task's (fit_to_data)
  std::string cost = {};
  OptimizerOptions optimizer = {};  // "optimizer", "rate" and the kind's keys
  // "epochs", "batch", "seed", "eval_every", "schedule" and its keys, "l2", "l1", "max_norm",
  // "clip_norm", "clip_value", "patience" or "stop_when_worse", "augment", "ema", "monitor",
  // "grad_norms". Its `background` follows the data's scale.
  TrainOptions training = {};
  DataConfig data = {};
};

// Reads the JSON form; missing keys keep their defaults. An unknown key, a value of the wrong
// type, or a key of an optimiser or schedule kind not chosen is an Error naming the key.
RunConfig run_config_from_json(const nlohmann::json& json);
nlohmann::json to_json(const RunConfig& config);
// Every key the JSON form may hold, with its default (each optimiser and schedule kind's keys
// included): what a command line offers as flags.
nlohmann::json run_config_defaults();
// The settings a run on other data than MNIST's folder starts from, under the user's own: ReLU
// hidden layers, PyTorch's initialisation, Adam at 0.001 in batches of 32 (as scikit-learn's
// MLPClassifier and Keras begin). MNIST's folder keeps Nielsen's chapter 1 defaults.
nlohmann::json own_data_defaults();
// Checks every value that can be checked before data is read; the Error starts with the key
// ("dropout must be in [0, 1), got 1.2").
void validate(const RunConfig& config);

// What the configuration builds.
nlohmann::json predicting_architecture(const RunConfig& config);  // the network as model files hold it
Network build_network(const RunConfig& config);  // initialised; without the cost's own activation
std::unique_ptr<Cost> build_cost(const RunConfig& config);
MnistOptions mnist_options(const RunConfig& config, const Shape& sample_shape);
// What a model file records: the data preparation and cost, the configuration under "settings",
// the outcome when there is one, and where data other than MNIST's folder came from (absolute,
// under "data_files", so recorded_data finds it from anywhere and splits it again the same way).
ModelInfo model_info(const RunConfig& config, const TrainResult* result = nullptr, const Preparation& preparation = {},
                     const std::vector<std::string>& class_names = {}, const DataFiles& files = {""});
// Fits the configuration to the data: the cost the task takes when none is named, the MLP's
// "in" / "out" sizes, a spec's missing input; then checks the network maps a sample of
// `sample_shape` to `outputs` values. `pixels`: MNIST's folder, which keeps Nielsen's defaults.
void fit_to_data(RunConfig& config, const Shape& sample_shape, int64_t outputs, Task task, bool pixels);

// The data a model trained on other data than MNIST's folder was measured on: the files its
// model file records, read and split again with its run's settings (the same seed gives the same
// rows). `set`: test, validation or training. Throws naming what is missing.
Dataset recorded_data(const ModelInfo& info, const std::string& set);
DataFiles recorded_files(const ModelInfo& info);  // empty names when none are recorded
// Text forms the JSON uses.
std::vector<int64_t> layer_sizes_from_text(const std::string& text);  // "784,30,10"
TargetValues target_values_from_text(const std::string& text);        // "0.1,0.9"

// A model spec file: {"input": [784], "layers": [...], "training": {...}}. The layers are
// built once (each infers its input size), so the architecture returned has every size written
// out; "training" is checked as a run configuration. Errors name the file.
struct ModelSpec {
  nlohmann::json architecture;
  nlohmann::json training = nlohmann::json::object();
};
ModelSpec read_model_spec(const std::string& path);
// The same from JSON already parsed (the Python module's dictionaries); `source` names it in errors.
ModelSpec model_spec_from_json(const nlohmann::json& json, const std::string& source);
// The spec's network and training settings, with `overrides` (JSON-form keys) applied on top.
RunConfig run_config_of(const ModelSpec& spec, const nlohmann::json& overrides = nlohmann::json::object());

}  // namespace neurite
