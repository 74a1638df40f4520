#include "train_settings.h"

#include <cmath>

#include "common.h"
#include "neurite/data/augment.h"
#include "neurite/error.h"
#include "neurite/io/file.h"
#include "neurite/layers/dense.h"

namespace neurite::cli {

namespace {

InputScale scale_of(const TrainSettings& s) {
  try {
    return parse_scale(s.scale);
  } catch (const Error& e) {
    throw Error(std::string("--scale: ") + e.what());
  }
}

void require_fraction(double value, const char* name, bool one_allowed = false) {
  const bool ok = std::isfinite(value) && value >= 0 && (one_allowed ? value <= 1 : value < 1);
  require(ok, std::string(name) + " must be in [0, " + (one_allowed ? "1]" : "1)") + ", got " + std::to_string(value));
}

ActivationKind output_kind(const TrainSettings& s) {
  return parse_activation(s.output.empty() ? s.activation : s.output);
}

void validate_network(const TrainSettings& s) {
  if (!s.architecture.is_null()) return;  // checked when built
  const std::vector<int64_t> sizes = parse_sizes(s.layers);
  require(sizes.front() == 784, "--layers " + s.layers + ": the input size must be 784 for 28x28 MNIST images, got " +
                                    std::to_string(sizes.front()));
  require(sizes.back() == 10, "--layers " + s.layers + ": the output size must be 10 for the ten digits, got " +
                                  std::to_string(sizes.back()));
  parse_activation(s.activation);
  output_kind(s);
  parse_init(s.init);
  require(s.uniform_limit > 0, "--uniform-limit must be positive, got " + std::to_string(s.uniform_limit));
  require_fraction(s.dropout, "--dropout");
  require_fraction(s.input_dropout, "--input-dropout");
}

void validate_training(const TrainSettings& s) {
  require(s.epochs > 0, "--epochs must be positive, got " + std::to_string(s.epochs));
  require(s.batch > 0, "--batch must be positive, got " + std::to_string(s.batch));
  require(s.eval_every > 0, "--eval-every must be positive, got " + std::to_string(s.eval_every));
  require(s.eval_on == "test" || s.eval_on == "validation", "--eval-on " + s.eval_on + ": expected test or validation");
  require(s.patience >= 0, "--patience must be positive (or 0 for no early stopping), got " + std::to_string(s.patience));
  require(s.ema == 0 || (s.ema > 0 && s.ema < 1), "--ema must be 0 (off) or in (0, 1), got " + std::to_string(s.ema));
  require(!(s.patience > 0 && s.stop_when_worse), "--patience and --stop-when-worse are two forms of early stopping: give one");
}

}  // namespace

nlohmann::json with_json_keys(const nlohmann::json& j) {
  nlohmann::json keyed = nlohmann::json::object();
  for (const auto& [key, value] : j.items()) {
    std::string name = key;
    for (char& c : name)
      if (c == '-') c = '_';
    keyed[name] = value;
  }
  return keyed;
}

TrainSettings settings_from_json(const nlohmann::json& j, const std::string& source) {
  require(j.is_object(), source + ": the training settings must be a JSON object");
  const nlohmann::json known = TrainSettings{};
  const nlohmann::json keyed = with_json_keys(j);  // "train-size" and "train_size" both name --train-size
  for (const auto& [key, value] : keyed.items())
    require(known.contains(key), source + ": unknown training setting '" + key + "'");
  try {
    return keyed.get<TrainSettings>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": a training setting has the wrong type: " + e.what());
  }
}

void validate(const TrainSettings& s) {
  validate_network(s);
  validate_training(s);
  parse_targets(s.targets);
  scale_of(s);
  validate(augment_options_from_text(s.augment));
  const std::unique_ptr<Cost> cost = build_cost(s);
  if (s.architecture.is_null()) trained_architecture(mlp_architecture(s), *cost);  // the output suits the cost
  build_optimizer(s);
  require(std::isfinite(s.l2) && s.l2 >= 0, "--l2 must be zero or positive, got " + std::to_string(s.l2));
  require(std::isfinite(s.l1) && s.l1 >= 0, "--l1 must be zero or positive, got " + std::to_string(s.l1));
  require(std::isfinite(s.max_norm) && s.max_norm >= 0,
          "--max-norm must be zero (off) or positive, got " + std::to_string(s.max_norm));
  require(std::isfinite(s.clip_norm) && s.clip_norm >= 0,
          "--clip-norm must be zero (off) or positive, got " + std::to_string(s.clip_norm));
  require(std::isfinite(s.clip_value) && s.clip_value >= 0,
          "--clip-value must be zero (off) or positive, got " + std::to_string(s.clip_value));
  // The schedule and early stopping check their own values when built.
  RateSchedule(build_train_options(s).schedule, s.rate, s.epochs);
  EarlyStopping{build_train_options(s).early_stopping};
}

nlohmann::json mlp_architecture(const TrainSettings& s) {
  return make_mlp(MlpOptions{.sizes = parse_sizes(s.layers),
                             .hidden = parse_activation(s.activation),
                             .output = output_kind(s),
                             .bias = !s.no_bias,
                             .dropout = s.dropout,
                             .input_dropout = s.input_dropout})
      .architecture();
}

Network build_network(const TrainSettings& s, const Cost& cost) {
  const nlohmann::json architecture = s.architecture.is_null() ? mlp_architecture(s) : s.architecture;
  Network net = Network::from_architecture(trained_architecture(architecture, cost),
                                           {.init = build_initializer(s), .seed = s.seed});
  // MNIST digits as 784 values or as one 28x28 channel; ten classes out.
  require(element_count(net.input_shape()) == 784 && net.output_shape() == Shape{10},
          "the spec's network must take 784 pixels, as (784) or (1, 28, 28), and give 10 outputs; it maps " +
              to_string(net.input_shape()) + " to " + to_string(net.output_shape()));
  return net;
}

std::unique_ptr<Cost> build_cost(const TrainSettings& s) {
  try {
    return make_cost(s.cost);
  } catch (const Error& e) {
    throw Error(std::string("--cost: ") + e.what());
  }
}

std::unique_ptr<Optimizer> build_optimizer(const TrainSettings& s) {
  return make_optimizer(OptimizerOptions{.kind = s.optimizer, .rate = s.rate, .momentum = s.momentum,
                                         .nesterov = s.nesterov, .beta1 = s.beta1, .beta2 = s.beta2, .eps = s.eps,
                                         .weight_decay = s.weight_decay, .alpha = 0.99});
}

TrainOptions build_train_options(const TrainSettings& s) {
  TrainOptions o{.epochs = s.epochs, .batch = s.batch, .seed = s.seed, .eval_every = s.eval_every};
  o.regularization = {.l2 = s.l2, .l1 = s.l1, .max_norm = s.max_norm};
  o.clipping = {.norm = s.clip_norm, .value = s.clip_value};
  o.schedule.kind = s.schedule;
  o.schedule.step_every = s.step_every;
  o.schedule.step_factor = s.step_factor;
  o.schedule.plateau_patience = s.plateau_patience;
  o.schedule.plateau_factor = s.plateau_factor;
  o.schedule.cosine_min_rate = s.cosine_min_rate;
  if (s.stop_when_worse) o.early_stopping = {.patience = 1, .versus_previous = true, .min_delta = 0};
  else o.early_stopping.patience = s.patience;
  o.augment = augment_options_from_text(s.augment);
  o.background = scale_pixel(0, scale_of(s));
  o.monitor_training = s.monitor;
  o.gradient_norms = s.grad_norms;
  o.average_decay = s.ema;
  return o;
}

MnistOptions build_data_options(const TrainSettings& s) {
  return {.scale = scale_of(s), .targets = parse_targets(s.targets), .train_size = s.train_size};
}

Initializer build_initializer(const TrainSettings& s) {
  return {.kind = parse_init(s.init), .uniform_limit = s.uniform_limit};
}

ModelSpec read_model_spec(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": not valid JSON");
  }
  require(j.is_object() && j.contains("layers") && j["layers"].is_array(),
          path + ": a model spec needs a \"layers\" list");
  ModelSpec spec{.architecture = {{"input", j.value("input", nlohmann::json::array({784}))}, {"layers", j["layers"]}}};
  if (j.contains("training")) spec.training = j["training"];
  // Each layer takes the sizes the spec leaves out ("in" of a dense layer) from the layers before it;
  // the architecture kept is the built network's, with every size written out.
  try {
    Network net(spec.architecture["input"].get<Shape>());
    for (const nlohmann::json& layer : spec.architecture["layers"]) net.add(layer);  // errors name the layer
    spec.architecture = net.architecture();
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": " + e.what());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  settings_from_json(spec.training, path);  // unknown keys and wrong types fail here
  return spec;
}

// What model files record about the training: the foundation's keys (eval and predict read
// "scale" and "targets") plus every setting.
ModelInfo training_record(const TrainSettings& s, const TrainResult* result) {
  const MnistOptions data = build_data_options(s);
  ModelInfo info{.scale = data.scale, .targets = data.targets, .cost = build_cost(s)->name()};
  info.extra = {{"layers", s.layers}, {"activation", s.activation}, {"init", s.init}, {"batch", s.batch},
                {"rate", s.rate}, {"seed", s.seed}, {"evaluated_on", s.eval_on}, {"settings", s}};
  if (result && !result->epochs.empty()) {
    info.extra["epochs_run"] = result->epochs.size();
    info.extra["final_correct"] = result->epochs.back().correct;
    info.extra["best_correct"] = result->best_correct;
  }
  return info;
}

}  // namespace neurite::cli
