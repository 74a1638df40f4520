// The run configuration's JSON form, its checks, and what it builds.
#include "neurite/train/run_config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "../optim/kinds.h"
#include "neurite/data/augment.h"
#include "neurite/error.h"
#include "neurite/io/file.h"
#include "neurite/optim/schedule.h"
#include "neurite/train/stopping.h"
#include "neurite/io/json_input.h"

namespace neurite {

namespace {

// The shortest text that reads back as the same number ("1", "0.01", not "1.000000").
template <class Number>
std::string shortest(Number value) {
  char text[32];
  return std::string(text, std::to_chars(text, text + sizeof text, value).ptr);
}

std::vector<std::string> split(const std::string& text, const std::string& separators) {
  std::vector<std::string> parts(1);
  for (char c : text)
    if (separators.find(c) != std::string::npos) parts.emplace_back();
    else parts.back() += c;
  return parts;
}

double number_in(const std::string& part, const std::string& what) {
  double value = 0;
  const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
  require(error == std::errc() && end == part.data() + part.size() && std::isfinite(value),
          what + ": '" + part + "' is not a number");
  return value;
}

// Runs `read`, naming `key` in front of the Error it throws.
template <class Read>
auto with_key(const char* key, Read read) {
  try {
    return read();
  } catch (const Error& e) {
    throw Error(std::string(key) + ": " + e.what());
  }
}

WatchedSet watched_set(const std::string& name) {
  require(name == "test" || name == "validation", "eval_on " + name + ": expected test or validation");
  return name == "test" ? WatchedSet::Test : WatchedSet::Validation;
}

std::string sizes_text(const std::vector<int64_t>& sizes) {
  if (!sizes.empty() && (sizes.front() == 0 || sizes.back() == 0)) {
    std::string text;
    for (std::size_t i = 0; i < sizes.size(); ++i)
      text += (i ? "," : "") + (sizes[i] ? std::to_string(sizes[i]) : i == 0 ? std::string("in") : std::string("out"));
    return text;
  }
  std::string text;
  for (int64_t size : sizes) text += (text.empty() ? "" : ",") + std::to_string(size);
  return text;
}

void require_fraction(double value, const char* key) {
  require(std::isfinite(value) && value >= 0 && value < 1,
          std::string(key) + " must be in [0, 1), got " + shortest(value));
}

void require_off_or_positive(double value, const char* key) {
  require(std::isfinite(value) && value >= 0, std::string(key) + " must be zero (off) or positive, got " + shortest(value));
}

// Every key the JSON form reads besides the optimiser's and the schedule's.
nlohmann::json own_defaults() {
  return {{"layers", "in,30,out"}, {"activation", "sigmoid"}, {"output", ""},       {"init", "nielsen"},
          {"uniform_limit", 0.5},  {"no_bias", false},        {"dropout", 0.0},     {"input_dropout", 0.0},
          {"targets", "0,1"},      {"scale", "unit"},         {"train_size", 50000}, {"eval_on", "test"},
          {"augment", ""},         {"cost", ""},     {"l2", 0.0},          {"l1", 0.0},
          {"max_norm", 0.0},       {"clip_norm", 0.0},        {"clip_value", 0.0},  {"epochs", 30},
          {"batch", 10},           {"seed", uint64_t{1}},     {"eval_every", 1},    {"patience", 0},
          {"stop_when_worse", false}, {"ema", 0.0},           {"monitor", false},   {"grad_norms", false},
          {"shards", 0},
          // the data's source (data/source.h)
          {"format", "auto"},      {"target", ""},            {"ignore", ""},       {"categorical", ""},
          {"header", "auto"},      {"task", "auto"},          {"missing", "refuse"}, {"normalize", "standard"},
          {"image_size", ""},      {"color", "auto"},         {"validation_split", 0.0}, {"test_split", 0.2}};
}

// Unknown keys and values of the wrong type; "architecture" is a network or null.
void check_keys(const nlohmann::json& json, const nlohmann::json& defaults) {
  require(json.is_object(), "the training settings must be a JSON object, got " + quoted_prefix(json));
  for (const auto& [key, value] : json.items()) {
    if (key == "architecture") {
      require(value.is_null() || value.is_object(), "architecture must be a network's JSON object");
      continue;
    }
    std::string underscored = key;
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    require(defaults.contains(key), "unknown training setting '" + key + "'" +
                                        (defaults.contains(underscored) ? " (the key is '" + underscored + "')" : ""));
    require(detail::same_type(value, defaults[key]),
            key + " must be " + detail::type_name(defaults[key]) + ", got " + quoted_prefix(value));
  }
}

std::vector<std::string> names_in(const std::string& text) {
  std::vector<std::string> names;
  if (text.empty()) return names;
  for (const std::string& part : split(text, ",")) names.push_back(part);
  return names;
}

std::string names_text(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ",") + name;
  return text;
}

SourceOptions source_from(const nlohmann::json& v) {
  SourceOptions o{.format = v["format"].get<std::string>(), .target = v["target"].get<std::string>(),
                  .ignore = names_in(v["ignore"].get<std::string>()),
                  .categorical = names_in(v["categorical"].get<std::string>()), .header = v["header"].get<std::string>(),
                  .task = v["task"].get<std::string>(),
                  .missing = with_key("missing", [&] { return parse_missing_rule(v["missing"].get<std::string>()); }),
                  .normalize = with_key("normalize", [&] { return parse_normalization(v["normalize"].get<std::string>()); }),
                  .colour = v["color"].get<std::string>(), .validation_split = v["validation_split"].get<double>(),
                  .test_split = v["test_split"].get<double>()};
  const std::string size = v["image_size"].get<std::string>();
  if (!size.empty()) {
    const std::vector<std::string> parts = split(size, "x");
    require(parts.size() == 2, "image_size '" + size + "': give width x height, like 32x32");
    o.image_width = static_cast<int64_t>(number_in(parts[0], "image_size " + size));
    o.image_height = static_cast<int64_t>(number_in(parts[1], "image_size " + size));
    require(o.image_width > 0 && o.image_height > 0 && o.image_width <= 4096 && o.image_height <= 4096,
            "image_size '" + size + "': each side must be 1 to 4096 pixels");
  }
  if (o.task != "auto") with_key("task", [&] { return parse_task(o.task); });
  return o;
}

nlohmann::json source_json(const SourceOptions& o) {
  constexpr const char* missing[] = {"refuse", "drop", "mean", "median", "zero"};
  constexpr const char* normalize[] = {"standard", "minmax", "none"};
  return {{"format", o.format}, {"target", o.target}, {"ignore", names_text(o.ignore)},
          {"categorical", names_text(o.categorical)}, {"header", o.header}, {"task", o.task},
          {"missing", missing[static_cast<int>(o.missing)]}, {"normalize", normalize[static_cast<int>(o.normalize)]},
          {"image_size", o.image_width ? std::to_string(o.image_width) + "x" + std::to_string(o.image_height) : ""},
          {"color", o.colour}, {"validation_split", o.validation_split}, {"test_split", o.test_split}};
}

// The output activation a fully connected network ends in when none is named: the one its cost
// applies (softmax, sigmoid), none for the regression costs, and the hidden one for quadratic.
ActivationKind output_for_cost(const std::string& cost, ActivationKind hidden) {
  if (is_regression_cost(cost)) return ActivationKind::Identity;
  const ActivationKind own = make_cost(cost.empty() ? "quadratic" : cost)->output_activation();
  return own == ActivationKind::Identity ? hidden : own;
}

MlpOptions mlp_from(const nlohmann::json& v) {
  const auto text = [&](const char* key) { return v[key].get<std::string>(); };
  const ActivationKind hidden = with_key("activation", [&] { return parse_activation(text("activation")); });
  return {.sizes = with_key("layers", [&] { return layer_sizes_from_text(text("layers")); }),
          .hidden = hidden,
          .output = text("output").empty() ? hidden : with_key("output", [&] { return parse_activation(text("output")); }),
          .bias = !v["no_bias"].get<bool>(),
          .dropout = v["dropout"].get<double>(),
          .input_dropout = v["input_dropout"].get<double>()};
}

TrainOptions training_from(const nlohmann::json& given, const nlohmann::json& v, InputScale scale) {
  TrainOptions o{.epochs = v["epochs"].get<int>(), .batch = v["batch"].get<int64_t>(),
                 .seed = v["seed"].get<uint64_t>(), .eval_every = v["eval_every"].get<int>()};
  o.regularization = {.l2 = v["l2"].get<double>(), .l1 = v["l1"].get<double>(), .max_norm = v["max_norm"].get<double>()};
  o.clipping = {.norm = v["clip_norm"].get<double>(), .value = v["clip_value"].get<double>()};
  o.schedule = schedule_options_from_json(given);
  const int patience = v["patience"].get<int>();
  if (v["stop_when_worse"].get<bool>()) {
    require(patience == 0, "stop_when_worse cannot be combined with patience: they are two forms of early stopping");
    o.early_stopping = {.patience = 1, .versus_previous = true, .min_delta = 0};
  } else {
    o.early_stopping.patience = patience;
  }
  o.augment = with_key("augment", [&] { return augment_options_from_text(v["augment"].get<std::string>()); });
  o.background = scale_pixel(0, scale);
  o.monitor_training = v["monitor"].get<bool>();
  o.gradient_norms = v["grad_norms"].get<bool>();
  o.average_decay = v["ema"].get<double>();
  const auto shards = v["shards"].get<int64_t>();
  require(shards >= 0 && shards <= kMaxShards, "shards must be 0 (whole batches) or from 1 to " +
                                                   std::to_string(kMaxShards) + ", got " + std::to_string(shards));
  o.shards = static_cast<int>(shards);
  return o;
}

}  // namespace

nlohmann::json run_config_defaults() {
  nlohmann::json defaults = own_defaults();
  defaults.update(optimizer_defaults());
  defaults.update(schedule_defaults());
  return defaults;
}

nlohmann::json own_data_defaults() {
  return {{"activation", "relu"}, {"init", "pytorch"}, {"optimizer", "adam"}, {"rate", 0.001}, {"batch", 32}};
}

RunConfig run_config_from_json(const nlohmann::json& json) {
  nlohmann::json v = run_config_defaults();
  check_keys(json, v);
  v.update(json);
  RunConfig c;
  c.architecture = json.value("architecture", nlohmann::json());
  if (!c.architecture.is_null())
    for (const char* key : {"layers", "activation", "output", "no_bias", "dropout", "input_dropout"})
      require(!json.contains(key), std::string(key) + " describes a fully connected network, but the architecture is given");
  c.mlp = mlp_from(v);
  c.init = {.kind = with_key("init", [&] { return parse_initializer(v["init"].get<std::string>()); }),
            .uniform_limit = v["uniform_limit"].get<double>()};
  c.output_follows_cost = v["output"].get<std::string>().empty();
  c.cost = v["cost"].get<std::string>();
  c.optimizer = optimizer_options_from_json(json);
  c.data = {.scale = with_key("scale", [&] { return parse_scale(v["scale"].get<std::string>()); }),
            .targets = with_key("targets", [&] { return target_values_from_text(v["targets"].get<std::string>()); }),
            .train_size = v["train_size"].get<int64_t>(),
            .eval_on = watched_set(v["eval_on"].get<std::string>()),
            .source = source_from(v)};
  c.training = training_from(json, v, c.data.scale);
  return c;
}

nlohmann::json to_json(const RunConfig& c) {
  const TrainOptions& t = c.training;
  nlohmann::json j = {
      {"init", initializer_name(c.init.kind)}, {"uniform_limit", c.init.uniform_limit}, {"cost", c.cost},
      {"targets", shortest(c.data.targets.off) + "," + shortest(c.data.targets.on)},
      {"scale", scale_name(c.data.scale)}, {"train_size", c.data.train_size},
      {"eval_on", c.data.eval_on == WatchedSet::Test ? "test" : "validation"},
      {"augment", t.augment.enabled() ? to_text(t.augment) : ""},
      {"l2", t.regularization.l2}, {"l1", t.regularization.l1}, {"max_norm", t.regularization.max_norm},
      {"clip_norm", t.clipping.norm}, {"clip_value", t.clipping.value}, {"epochs", t.epochs}, {"batch", t.batch},
      {"seed", t.seed}, {"eval_every", t.eval_every}, {"ema", t.average_decay}, {"monitor", t.monitor_training},
      {"grad_norms", t.gradient_norms}, {"stop_when_worse", t.early_stopping.versus_previous},
      {"patience", t.early_stopping.versus_previous ? 0 : t.early_stopping.patience}};
  if (t.shards > 0) j["shards"] = t.shards;  // 0, whole batches, is the default and left out
  j.update(source_json(c.data.source));
  if (c.architecture.is_null())
    j.update({{"layers", sizes_text(c.mlp.sizes)}, {"activation", activation_name(c.mlp.hidden)},
              {"output", c.output_follows_cost ? "" : activation_name(c.mlp.output)}, {"no_bias", !c.mlp.bias}, {"dropout", c.mlp.dropout},
              {"input_dropout", c.mlp.input_dropout}});
  else
    j["architecture"] = c.architecture;
  j.update(to_json(c.optimizer));
  j.update(to_json(t.schedule));
  return j;
}

void validate(const RunConfig& c) {
  require(c.mlp.sizes.size() >= 2, "layers: give at least an input and an output size");
  require(c.init.uniform_limit > 0, "uniform_limit must be positive, got " + shortest(c.init.uniform_limit));
  require(std::isfinite(c.optimizer.rate) && c.optimizer.rate > 0, "rate must be positive, got " + shortest(c.optimizer.rate));
  require_fraction(c.mlp.dropout, "dropout");
  require_fraction(c.mlp.input_dropout, "input_dropout");
  require(c.data.train_size > 0, "train_size must be positive, got " + std::to_string(c.data.train_size));
  const TrainOptions& t = c.training;
  require(t.epochs > 0, "epochs must be positive, got " + std::to_string(t.epochs));
  require(t.batch > 0, "batch must be positive, got " + std::to_string(t.batch));
  require(t.eval_every > 0, "eval_every must be positive, got " + std::to_string(t.eval_every));
  require(t.shards >= 0 && t.shards <= kMaxShards, "shards must be from 0 to " + std::to_string(kMaxShards));
  require(t.early_stopping.patience >= 0,
          "patience must be positive (or 0 for no early stopping), got " + std::to_string(t.early_stopping.patience));
  require(t.average_decay == 0 || (t.average_decay > 0 && t.average_decay < 1),
          "ema must be 0 (off) or in (0, 1), got " + shortest(t.average_decay));
  require_off_or_positive(t.regularization.l2, "l2");
  require_off_or_positive(t.regularization.l1, "l1");
  require_off_or_positive(t.regularization.max_norm, "max_norm");
  require_off_or_positive(t.clipping.norm, "clip_norm");
  require_off_or_positive(t.clipping.value, "clip_value");
  with_key("augment", [&] { validate(t.augment); return 0; });
  const std::unique_ptr<Cost> cost = with_key("cost", [&] { return build_cost(c); });
  if (c.architecture.is_null()) {  // the output suits the cost (sizes the data gives stand in as 1)
    RunConfig sized = c;
    for (int64_t& size : sized.mlp.sizes) size = std::max<int64_t>(size, 1);
    trained_architecture(predicting_architecture(sized), *cost);
  }
  make_optimizer(c.optimizer);
  RateSchedule(t.schedule, c.optimizer.rate, t.epochs);  // the schedule and early stopping check their own values
  EarlyStopping{t.early_stopping};
}

nlohmann::json predicting_architecture(const RunConfig& c) {
  if (!c.architecture.is_null()) return c.architecture;
  MlpOptions mlp = c.mlp;
  if (c.output_follows_cost) mlp.output = output_for_cost(c.cost, mlp.hidden);
  return make_mlp(mlp).architecture();
}

namespace {
std::string default_cost(Task task, bool pixels) {
  if (pixels) return "quadratic";  // MNIST's folder keeps Nielsen's chapter 1 network
  return task == Task::Classification ? "log-likelihood" : task == Task::Binary ? "cross-entropy" : "mse";
}

void require_cost_suits(const std::string& cost, Task task) {
  const bool regression_cost = is_regression_cost(cost);
  if (task == Task::Regression)
    require(regression_cost || cost == "quadratic", "cost " + cost + " classifies; a regression takes mse, mae, huber or quadratic");
  else
    require(!regression_cost, "cost " + cost + " is for regression; the data's task is " + task_name(task));
}

// A spec without an input takes the data's sample shape; every layer's sizes follow from it.
nlohmann::json with_input(const nlohmann::json& architecture, const Shape& input) {
  Network net(input);
  for (const nlohmann::json& layer : architecture["layers"]) net.add(layer);
  return net.architecture();
}
}  // namespace

void fit_to_data(RunConfig& c, const Shape& sample_shape, int64_t outputs, Task task, bool pixels) {
  if (c.cost.empty()) c.cost = default_cost(task, pixels);
  require_cost_suits(c.cost, task);
  const int64_t inputs = element_count(sample_shape);
  if (c.architecture.is_null()) {
    if (c.mlp.sizes.front() == 0) c.mlp.sizes.front() = inputs;
    if (c.mlp.sizes.back() == 0) c.mlp.sizes.back() = outputs;
    require(c.mlp.sizes.front() == inputs, "layers: the network takes " + std::to_string(c.mlp.sizes.front()) +
                                               " inputs, but each sample has " + std::to_string(inputs) + " (write 'in' to take the data's)");
  } else if (c.architecture["input"].is_null()) {
    c.architecture = with_input(c.architecture, sample_shape);
  }
  const Network net = build_network(c);
  require(element_count(net.input_shape()) == inputs, "the network takes " + to_string(net.input_shape()) +
                                                          ", but each sample is " + to_string(sample_shape));
  require(net.output_shape() == Shape{outputs},
          "the network gives " + to_string(net.output_shape()) + ", but the data needs " + std::to_string(outputs) + " outputs" +
              (task == Task::Regression ? " (one per target)" : task == Task::Binary ? " (one probability)" : " (one per class)"));
}

Network build_network(const RunConfig& c) {
  return Network::from_architecture(trained_architecture(predicting_architecture(c), *build_cost(c)),
                                    {.init = c.init, .seed = c.training.seed});
}

std::unique_ptr<Cost> build_cost(const RunConfig& c) { return make_cost(c.cost.empty() ? "quadratic" : c.cost); }

MnistOptions mnist_options(const RunConfig& c, const Shape& sample_shape) {
  return {.scale = c.data.scale, .targets = c.data.targets, .train_size = c.data.train_size, .sample_shape = sample_shape};
}

ModelInfo model_info(const RunConfig& c, const TrainResult* result, const Preparation& preparation,
                     const std::vector<std::string>& class_names, const DataFiles& files) {
  ModelInfo info{.scale = c.data.scale, .targets = c.data.targets, .cost = c.cost.empty() ? "quadratic" : c.cost,
                 .class_names = class_names, .preparation = preparation};
  if (preparation.kind != "pixels") info.task = task_name(preparation.task);
  info.extra = {{"settings", to_json(c)}};
  if (result && !result->epochs.empty()) {
    info.extra["epochs_run"] = result->epochs.size();
    info.extra["final_correct"] = result->epochs.back().correct;
    info.extra["best_correct"] = result->best_correct;
  }
  if (!files.train.empty()) {
    const auto absolute = [](const std::string& p) { return p.empty() ? p : std::filesystem::absolute(p).string(); };
    info.extra["data_files"] = {{"train", absolute(files.train)}, {"labels", absolute(files.train_labels)},
                                {"test", absolute(files.test)}, {"test_labels", absolute(files.test_labels)}};
  }
  return info;
}

DataFiles recorded_files(const ModelInfo& info) {
  const nlohmann::json files = info.extra.value("data_files", nlohmann::json());
  if (!files.is_object()) return {""};
  return {files.value("train", ""), files.value("labels", ""), files.value("test", ""), files.value("test_labels", "")};
}

Dataset recorded_data(const ModelInfo& info, const std::string& set) {
  const DataFiles files = recorded_files(info);
  require(!files.train.empty() && info.extra.contains("settings"), "the model does not record its data");
  const RunConfig config = run_config_from_json(info.extra["settings"]);
  LoadedData d = load_data(files, config.data.source, config.data.targets, config.training.seed);
  Dataset* chosen = set == "test" ? &d.test : set == "validation" ? &d.validation : &d.training;
  require(chosen->size() > 0, "the run had no " + set + " set (its settings split none off)");
  return std::move(*chosen);
}

std::vector<int64_t> layer_sizes_from_text(const std::string& text) {
  std::vector<int64_t> sizes;
  const std::vector<std::string> parts = split(text, ",-");
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if ((part == "in" && i == 0) || (part == "out" && i + 1 == parts.size() && i > 0)) {
      sizes.push_back(0);  // the data's size, filled in by fit_to_data
      continue;
    }
    const double v = number_in(part, "layers " + text);
    require(v >= 1 && v == std::floor(v) && v < 1e8, "layers " + text + ": layer size '" + part + "' must be a positive whole number");
    sizes.push_back(static_cast<int64_t>(v));
  }
  require(sizes.size() >= 2, "layers " + text + ": give at least an input and an output size");
  return sizes;
}

TargetValues target_values_from_text(const std::string& text) {
  const std::vector<std::string> parts = split(text, ",/");
  require(parts.size() == 2, "targets " + text + ": give off and on values, like 0.1,0.9");
  const TargetValues t{static_cast<float>(number_in(parts[0], "targets " + text)),
                       static_cast<float>(number_in(parts[1], "targets " + text))};
  require(t.off < t.on, "targets " + text + ": the off value must be below the on value");
  return t;
}

ModelSpec read_model_spec(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  require_json_depth({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, path);
  const nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  require(!j.is_discarded(), path + ": not valid JSON");
  return model_spec_from_json(j, path);
}

ModelSpec model_spec_from_json(const nlohmann::json& j, const std::string& source) {
  require(j.is_object() && j.contains("layers") && j["layers"].is_array(), source + ": a model spec needs a \"layers\" list");
  // Without an input the data's sample shape is taken (fit_to_data), and the layers are built then.
  ModelSpec spec{.architecture = {{"input", j.value("input", nlohmann::json())}, {"layers", j["layers"]}}};
  if (j.contains("training")) spec.training = j["training"];
  try {
    // Each layer takes the sizes the spec leaves out from the layers before it.
    if (!spec.architecture["input"].is_null()) spec.architecture = with_input(spec.architecture, shape_from_json(spec.architecture["input"], "\"input\""));
    run_config_from_json(spec.training);  // unknown keys and wrong types fail here
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": " + e.what());
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  return spec;
}

RunConfig run_config_of(const ModelSpec& spec, const nlohmann::json& overrides) {
  nlohmann::json merged = spec.training;
  merged.update(overrides);
  merged["architecture"] = spec.architecture;
  return run_config_from_json(merged);
}

}  // namespace neurite
