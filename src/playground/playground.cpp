#include "neurite/playground/playground.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "neurite/error.h"
#include "neurite/io/json_input.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"

namespace neurite::playground {

namespace {

bool is_classification_loss(const std::string& loss) { return loss == "cross-entropy" || loss == "quadratic"; }

template <class T>
T field(const nlohmann::json& j, const char* key, T fallback) {
  if (!j.contains(key)) return fallback;
  try {
    return j[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(std::string("\"") + key + "\" has the wrong type: " + quoted_prefix(j[key]));
  }
}

// A whole number in [lo, hi] (a JSON float such as 1e300 is refused before any conversion).
int64_t whole_field(const nlohmann::json& j, const char* key, int64_t lo, int64_t hi, int64_t fallback) {
  if (!j.contains(key)) return fallback;
  const nlohmann::json& v = j[key];
  const bool fits = v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX}) &&
                    v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!fits)
    throw Error(std::string("\"") + key + "\" must be a whole number from " + std::to_string(lo) + " to " +
                std::to_string(hi) + ", got " + quoted_prefix(v));
  return v.get<int64_t>();
}

double number_field(const nlohmann::json& j, const char* key, double lo, double hi, double fallback) {
  if (!j.contains(key)) return fallback;
  const nlohmann::json& v = j[key];
  if (!v.is_number() || !(v.get<double>() >= lo && v.get<double>() <= hi))
    throw Error(std::string("\"") + key + "\" must be a number from " + number_text(lo) + " to " + number_text(hi) +
                ", got " + quoted_prefix(v));
  return v.get<double>();
}

Initializer initializer_for(ActivationKind hidden) {
  return {.kind = hidden == ActivationKind::ReLU ? Initializer::Kind::He : Initializer::Kind::Xavier};
}

// features -> [dense, activation] per hidden layer -> dense(1) [-> sigmoid for the quadratic cost].
Network build_network(const PlaygroundConfig& c) {
  Network net({static_cast<int64_t>(c.features.size())}, {.init = initializer_for(c.activation), .seed = c.seed});
  for (const int64_t neurons : c.hidden) {
    net.add(nlohmann::json{{"type", "dense"}, {"out", neurons}});
    net.add(nlohmann::json{{"type", activation_name(c.activation)}});
  }
  net.add(nlohmann::json{{"type", "dense"}, {"out", 1}});
  if (c.loss == "quadratic") net.add(nlohmann::json{{"type", "sigmoid"}});
  return net;
}

// The centres of a side x side grid over the plane, top row first (see PlaneMap).
std::vector<PlanePoint> grid_points(int side) {
  std::vector<PlanePoint> points;
  points.reserve(static_cast<std::size_t>(side * side));
  const double cell = 2 * kPlaneHalfWidth / side;
  for (int row = 0; row < side; ++row)
    for (int column = 0; column < side; ++column)
      points.push_back({static_cast<float>(-kPlaneHalfWidth + (column + 0.5) * cell),
                        static_cast<float>(kPlaneHalfWidth - (row + 0.5) * cell), 0});
  return points;
}

// Column `k` of a (N, K) tensor as a map.
PlaneMap column_map(const Tensor& values, int64_t k, int side) {
  PlaneMap map{.side = side, .values = std::vector<float>(static_cast<std::size_t>(values.dim(0)))};
  const int64_t width = values.dim(1);
  for (int64_t i = 0; i < values.dim(0); ++i) map.values[static_cast<std::size_t>(i)] = values[i * width + k];
  return map;
}

void split_tensors(const PlaneData& data, const std::vector<Feature>& features, bool train, Tensor& inputs,
                   Tensor& targets) {
  std::vector<PlanePoint> points;
  std::copy_if(data.points.begin(), data.points.end(), std::back_inserter(points),
               [&](const PlanePoint& p) { return p.train == train; });
  inputs = feature_matrix(features, points);
  targets = Tensor({static_cast<int64_t>(points.size()), 1});
  for (std::size_t i = 0; i < points.size(); ++i) targets[static_cast<int64_t>(i)] = points[i].label;
}

}  // namespace

PlaygroundConfig playground_config_from_json(const nlohmann::json& j, bool regression) {
  require(j.is_object(), "the network settings must be an object, got " + quoted_prefix(j));
  PlaygroundConfig c;
  c.loss = regression ? "mse" : "cross-entropy";
  if (j.contains("features")) {
    require(j["features"].is_array() && !j["features"].empty() && j["features"].size() <= kFeatureCount,
            "\"features\" must list 1 to 7 of x1, x2, x1sq, x2sq, x1x2, sinx1, sinx2, got " + quoted_prefix(j["features"]));
    c.features.clear();
    for (const nlohmann::json& f : j["features"]) {
      require(f.is_string(), "\"features\" holds " + quoted_prefix(f) + ", not a feature's name");
      const Feature feature = parse_feature(f.get<std::string>());
      require(std::find(c.features.begin(), c.features.end(), feature) == c.features.end(),
              "\"features\" names " + f.get<std::string>() + " twice");
      c.features.push_back(feature);
    }
  }
  if (j.contains("hidden")) {
    require(j["hidden"].is_array() && j["hidden"].size() <= kMaxHiddenLayers,
            "\"hidden\" must list at most 6 layer sizes, got " + quoted_prefix(j["hidden"]));
    c.hidden.clear();
    for (const nlohmann::json& n : j["hidden"]) {
      const nlohmann::json one = {{"hidden", n}};
      c.hidden.push_back(whole_field(one, "hidden", 1, kMaxLayerNeurons, 1));
    }
  }
  if (j.contains("activation")) {
    const std::string name = field<std::string>(j, "activation", "");
    require(name == "tanh" || name == "relu" || name == "sigmoid" || name == "identity",
            "\"activation\" must be tanh, relu, sigmoid or identity, got '" + name + "'");
    c.activation = parse_activation(name);
  }
  c.loss = field<std::string>(j, "loss", c.loss);
  if (regression)
    require(is_regression_cost(c.loss), "\"loss\" for a surface must be mse, mae or huber, got '" + c.loss + "'");
  else
    require(is_classification_loss(c.loss), "\"loss\" for two classes must be cross-entropy or quadratic, got '" + c.loss + "'");
  const std::string optimizer = field<std::string>(j, "optimizer", "sgd");
  nlohmann::json optimizer_json = {{"optimizer", optimizer}, {"rate", number_field(j, "rate", 1e-6, 10, 0.03)}};
  if (optimizer == "sgd" && j.contains("momentum")) optimizer_json["momentum"] = number_field(j, "momentum", 0, 0.99, 0);
  c.optimizer = optimizer_options_from_json(optimizer_json);
  make_optimizer(c.optimizer);  // checks the kind and its values
  c.batch = whole_field(j, "batch", 1, kMaxPlanePoints, 10);
  const std::string penalty = field<std::string>(j, "regularization", "none");
  require(penalty == "none" || penalty == "l1" || penalty == "l2",
          "\"regularization\" must be none, l1 or l2, got '" + penalty + "'");
  const double lambda = number_field(j, "lambda", 0, 10, 0);
  if (penalty == "l1") c.regularization.l1 = lambda;
  if (penalty == "l2") c.regularization.l2 = lambda;
  c.seed = static_cast<uint64_t>(whole_field(j, "seed", 0, int64_t{1} << 53, 1));
  return c;
}

nlohmann::json to_json(const PlaygroundConfig& c) {
  nlohmann::json features = nlohmann::json::array();
  for (const Feature f : c.features) features.push_back(feature_key(f));
  const Regularization& r = c.regularization;
  nlohmann::json j = {{"features", features},
                      {"hidden", c.hidden},
                      {"activation", activation_name(c.activation)},
                      {"loss", c.loss},
                      {"optimizer", kind_name(c.optimizer)},
                      {"rate", c.optimizer.rate},
                      {"batch", c.batch},
                      {"regularization", r.l1 > 0 ? "l1" : r.l2 > 0 ? "l2" : "none"},
                      {"lambda", r.l1 > 0 ? r.l1 : r.l2},
                      {"seed", c.seed}};
  if (const auto* sgd = std::get_if<SgdOptions>(&c.optimizer.kind)) j["momentum"] = sgd->momentum;
  return j;
}

Playground::Playground(PlaneData data, PlaygroundConfig config)
    : data_(std::move(data)),
      config_(std::move(config)),
      cost_(make_cost(config_.loss)),
      network_(build_network(config_)),
      optimizer_(make_optimizer(config_.optimizer)),
      order_(config_.seed, 2) {
  require(data_.regression == is_regression_cost(config_.loss),
          std::string("the loss '") + config_.loss + "' does not fit " + (data_.regression ? "a surface" : "two classes"));
  for (std::size_t i = 0; i < network_.layer_count(); ++i)
    if (network_.layer(i).type() == "dense") dense_.push_back(i);
  split_tensors(data_, config_.features, true, train_inputs_, train_targets_);
  split_tensors(data_, config_.features, false, test_inputs_, test_targets_);
}

void Playground::train_epoch() {
  const int64_t n = train_inputs_.dim(0), width = train_inputs_.dim(1);
  std::vector<int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  order_.shuffle(std::span<int64_t>(order));
  std::vector<Parameter> parameters = network_.parameters();
  Tensor inputs, targets, grad;
  for (int64_t start = 0; start < n; start += config_.batch) {
    const int64_t count = std::min(config_.batch, n - start);
    if (inputs.rank() == 0 || inputs.dim(0) != count) {  // only the last batch may be shorter
      inputs = Tensor({count, width});
      targets = Tensor({count, 1});
    }
    for (int64_t i = 0; i < count; ++i) {
      const int64_t row = order[static_cast<std::size_t>(start + i)];
      std::copy_n(&train_inputs_[row * width], width, &inputs[i * width]);
      targets[i] = train_targets_[row];
    }
    network_.zero_grad();
    const Tensor& output = network_.forward(inputs);
    cost_->gradient(output, targets, grad);
    network_.backward(grad);
    if (config_.regularization.penalizes()) add_penalty_gradient(parameters, config_.regularization, n);
    optimizer_->step(parameters);
  }
  ++epoch_;
  for (const Parameter& p : parameters)
    for (const float w : p.value->span())
      if (!std::isfinite(w))
        throw Error("training diverged: a weight is " + number_text(w) + " after epoch " + std::to_string(epoch_) +
                    " at learning rate " + number_text(config_.optimizer.rate) + "; lower it and reset");
}

double Playground::split_cost(const Tensor& inputs, const Tensor& targets, double& accuracy) {
  accuracy = -1;
  if (inputs.dim(0) == 0) return 0;
  const Tensor& output = network_.forward(inputs);
  const double cost = cost_->value(output, targets);
  if (!data_.regression) {
    Tensor p;
    cost_->predict(output, p);
    int64_t correct = 0;
    for (int64_t i = 0; i < p.size(); ++i) correct += (p[i] >= 0.5f) == (targets[i] >= 0.5f);
    accuracy = static_cast<double>(correct) / static_cast<double>(p.size());
  }
  return cost;
}

Losses Playground::losses() {
  std::vector<Parameter> parameters = network_.parameters();
  const double extra = penalty(parameters, config_.regularization, train_inputs_.dim(0));
  Losses l;
  l.train = split_cost(train_inputs_, train_targets_, l.train_accuracy) + extra;
  l.test = split_cost(test_inputs_, test_targets_, l.test_accuracy) + extra;
  return l;
}

PlaneMaps Playground::maps(int output_side, int neuron_side) {
  PlaneMaps maps;
  Tensor prediction;
  cost_->predict(network_.forward(feature_matrix(config_.features, grid_points(output_side))), prediction);
  maps.output = column_map(prediction, 0, output_side);
  if (!data_.regression)
    for (float& p : maps.output.values) p = 2 * p - 1;  // the probability of blue, onto [-1, 1]
  const Tensor features = feature_matrix(config_.features, grid_points(neuron_side));
  for (int64_t k = 0; k < features.dim(1); ++k) maps.features.push_back(column_map(features, k, neuron_side));
  network_.forward(features);
  for (std::size_t h = 0; h < config_.hidden.size(); ++h) {
    const Tensor& activations = network_.layer_output(dense_[h] + 1);  // the activation after the dense layer
    maps.layers.emplace_back();
    for (int64_t k = 0; k < activations.dim(1); ++k) maps.layers.back().push_back(column_map(activations, k, neuron_side));
  }
  return maps;
}

Tensor& Playground::parameter(int64_t layer, bool bias) const {
  require(layer >= 0 && layer < weighted_layers(),
          "layer " + std::to_string(layer) + " is not one of the " + std::to_string(weighted_layers()) + " weighted layers");
  // The network is this object's; the const accessors only read through the reference.
  auto& dense = dynamic_cast<Dense&>(const_cast<Network&>(network_).layer(dense_[static_cast<std::size_t>(layer)]));
  return bias ? dense.bias() : dense.weight();
}

float Playground::weight(int64_t layer, int64_t to, int64_t from) const {
  const Tensor& w = parameter(layer, false);
  require(to >= 0 && to < w.dim(0), "neuron " + std::to_string(to) + " is not in layer " + std::to_string(layer));
  require(from >= -1 && from < w.dim(1), "input " + std::to_string(from) + " is not in layer " + std::to_string(layer));
  return from < 0 ? parameter(layer, true)[to] : w[to * w.dim(1) + from];
}

void Playground::set_weight(int64_t layer, int64_t to, int64_t from, float value) {
  weight(layer, to, from);  // checks the indices
  require(std::isfinite(value) && std::abs(value) <= 1e6f, "a weight must be finite and at most 1e6 in size");
  Tensor& w = parameter(layer, false);
  (from < 0 ? parameter(layer, true)[to] : w[to * w.dim(1) + from]) = value;
}

nlohmann::json Playground::weights_json() const {
  nlohmann::json layers = nlohmann::json::array();
  for (int64_t l = 0; l < weighted_layers(); ++l) {
    const Tensor& w = parameter(l, false);
    const Tensor& b = parameter(l, true);
    nlohmann::json rows = nlohmann::json::array();
    for (int64_t to = 0; to < w.dim(0); ++to)
      rows.push_back(std::vector<float>(w.data() + to * w.dim(1), w.data() + (to + 1) * w.dim(1)));
    layers.push_back({{"weights", rows}, {"biases", std::vector<float>(b.data(), b.data() + b.size())}});
  }
  return layers;
}

ModelInfo Playground::model_info() const {
  Preparation p{.kind = "table", .sample_shape = {static_cast<int64_t>(config_.features.size())}};
  for (const Feature f : config_.features) p.columns.push_back({.name = feature_label(f)});
  p.target = "label";
  p.task = data_.regression ? Task::Regression : Task::Binary;
  if (data_.regression) p.target_shift = {0}, p.target_scale = {1};
  ModelInfo info{.cost = config_.loss, .task = data_.regression ? "regression" : "binary", .preparation = p};
  if (!data_.regression) info.class_names = {"orange", "blue"};
  info.extra = {{"playground", to_json(config_)}, {"epoch", epoch_}};
  return info;
}

std::vector<uint8_t> Playground::model_file() {
  Model model = predicting_model(network_, model_info());
  return model_file_bytes(model);
}

std::string Playground::data_csv(const std::string& split) const {
  require(split == "all" || split == "train" || split == "test", "split must be all, train or test, got '" + split + "'");
  std::string text;
  for (int f = 0; f < kFeatureCount; ++f) text += feature_label(static_cast<Feature>(f)) + ",";
  text += "label,split\n";
  char number[32];
  for (const PlanePoint& p : data_.points) {
    if (split != "all" && p.train != (split == "train")) continue;
    for (int f = 0; f < kFeatureCount; ++f) {
      const auto [end, ec] = std::to_chars(number, number + sizeof number, feature_value(static_cast<Feature>(f), p.x1, p.x2));
      text.append(number, end) += ",";
    }
    if (data_.regression) {
      const auto [end, ec] = std::to_chars(number, number + sizeof number, p.label);
      text.append(number, end);
    } else {
      text += p.label >= 0.5f ? "blue" : "orange";
    }
    text += p.train ? ",train\n" : ",test\n";
  }
  return text;
}

}  // namespace neurite::playground
