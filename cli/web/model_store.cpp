#include "model_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "../common.h"
#include "http_util.h"
#include "neurite/classic/backquery.h"
#include "neurite/data/mnist.h"
#include "neurite/error.h"
#include "neurite/io/onnx.h"
#include "neurite/train/evaluate.h"
#include "neurite/train/run_config.h"
#include "neurite/viz/feature_maps.h"

namespace neurite::web {

namespace {

constexpr int kBackqueryZoom = 8;

bool is_activation(const std::string& type) {
  return type == "relu" || type == "sigmoid" || type == "tanh" || type == "identity" || type == "step";
}
bool is_recurrent(const std::string& type) { return type == "rnn" || type == "lstm" || type == "gru"; }

// Seed 003's backquery runs only through dense and sigmoid layers.
bool backquery_applies(const Network& net) {
  for (std::size_t i = 0; i < net.layer_count(); ++i) {
    const std::string type = net.layer(i).type();
    if (type != "dense" && type != "sigmoid") return false;
  }
  return true;
}

nlohmann::json layers_info(const Network& net) {
  nlohmann::json layers = nlohmann::json::array();
  Shape shape = net.input_shape();
  for (std::size_t i = 0; i < net.layer_count(); ++i) {
    shape = net.layer(i).output_shape(shape);
    layers.push_back({{"index", i}, {"type", net.layer(i).type()}, {"summary", net.layer(i).summary()},
                      {"output", shape}});
  }
  return layers;
}

std::vector<float> probabilities_of(const Tensor& out, bool softmax) {
  std::vector<float> p(out.data(), out.data() + out.size());
  if (softmax) return p;
  double sum = 0;
  for (float v : p) sum += std::max(0.0f, v);
  for (float& v : p) v = sum > 0 ? static_cast<float>(std::max(0.0f, v) / sum) : 0.0f;
  return p;
}

}  // namespace

ServedModel::ServedModel(std::string name, std::string source, Model model)
    : name_(std::move(name)), model_(std::move(model)) {
  Network& net = model_.network;
  const bool draw = takes_gray_pictures(model_);
  const bool mnist = model_.info.preparation.kind == "pixels";
  require(!mnist || element_count(net.output_shape()) == 10,
          name_ + ": the model gives " + to_string(net.output_shape()) + " outputs; an MNIST model gives 10 digits");
  targets_ = cli::backquery_targets(model_.info);
  // The first layer with weights, when it is one filter_sheet can draw (conv2d, or dense on 784).
  filter_layer_ = first_weighted_layer(net);
  if (!draw || (filter_layer_ && net.layer(*filter_layer_).type() != "conv2d" && net.layer(*filter_layer_).type() != "dense"))
    filter_layer_.reset();
  const std::string kind = model_kind(net.architecture());
  info_ = {{"name", name_},
           {"kind", kind},
           {"summary", net.summary()},
           {"input", net.input_shape()},
           {"parameters", net.parameter_count()},
           {"layers", layers_info(net)},
           {"filters", filter_layer_.has_value()},
           {"feature_maps", draw && kind == "cnn"},
           {"backquery", mnist && backquery_applies(net)},
           {"task", model_.info.task},
           {"classes", class_names()},
           {"draw", draw},
           {"mnist", mnist},
           {"source", std::move(source)}};
}

std::vector<std::string> ServedModel::class_names() const {
  std::vector<std::string> names = model_.info.class_names;
  const int64_t outputs = model_.network.output_shape().back();
  const int64_t classes = model_.info.task == "binary" ? 2 : model_.info.task == "regression" ? 0 : outputs;
  for (auto k = static_cast<int64_t>(names.size()); k < classes; ++k) names.push_back(std::to_string(k));
  return names;
}

std::vector<uint8_t> ServedModel::file_bytes() {
  std::lock_guard lock(mutex_);
  return model_file_bytes(model_);
}

std::vector<uint8_t> ServedModel::onnx_bytes() {
  std::lock_guard lock(mutex_);
  try {
    return onnx_model_bytes(model_);
  } catch (const Error& e) {  // a layer or preparation that cannot be exported: the model's, not the request's
    throw HttpError(422, name() + ": " + e.what());
  }
}

Prediction ServedModel::predict(const GrayImage& digit) {
  if (!info_["draw"].get<bool>()) throw HttpError(422, name_ + " does not take pictures: draw for a model of digits");
  const Tensor x = picture_input(model_, digit.pixels, digit.width, digit.height);
  std::lock_guard lock(mutex_);
  const auto start = std::chrono::steady_clock::now();
  const Tensor& out = model_.network.forward(x);
  Prediction p;
  p.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const Network& net = model_.network;
  p.probabilities = probabilities_of(out, net.layer(net.layer_count() - 1).type() == "softmax");
  if (p.probabilities.size() == 1) p.probabilities = {1 - out[0], out[0]};  // binary: one sigmoid
  p.digit = static_cast<int>(std::max_element(p.probabilities.begin(), p.probabilities.end()) - p.probabilities.begin());
  return p;
}

std::vector<uint8_t> ServedModel::filters_png() {
  const std::optional<std::size_t> layer = filter_layer_;
  if (!layer) throw HttpError(422, name_ + " has no conv2d or dense first layer to draw");
  std::lock_guard lock(mutex_);
  const Tensor& weight = *model_.network.layer(*layer).parameters().front().value;
  try {
    return encode_png_gray(filter_sheet(weight).image);
  } catch (const Error& e) {
    throw HttpError(422, name_ + ": layer " + std::to_string(*layer) + ": " + e.what());
  }
}

nlohmann::json ServedModel::feature_maps(const GrayImage& digit) {
  if (!info_["feature_maps"].get<bool>()) throw HttpError(422, name_ + " has no conv layers over pictures");
  const Tensor x = picture_input(model_, digit.pixels, digit.width, digit.height);
  std::lock_guard lock(mutex_);
  Network& net = model_.network;
  net.forward(x);
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < net.layer_count(); ++i) {
    if (net.layer(i).type() != "conv2d") continue;
    // After the activation that follows, when there is one: what the next layer sees.
    const bool activated = i + 1 < net.layer_count() && is_activation(net.layer(i + 1).type());
    const std::size_t shown = activated ? i + 1 : i;
    const Tensor& maps = net.layer_output(shown);
    const std::string summary = net.layer(i).summary() + (activated ? " -> " + net.layer(i + 1).type() : "");
    layers.push_back({{"index", shown},
                      {"summary", summary},
                      {"channels", maps.dim(1)},
                      {"png", "data:image/png;base64," + base64(encode_png_gray(feature_sheet(maps).image))}});
  }
  return {{"layers", layers}};
}

std::vector<uint8_t> ServedModel::backquery_png(int digit) {
  if (!info_["backquery"].get<bool>())
    throw HttpError(422, name_ + " is not a network of dense and sigmoid layers only; backquery (seed 003) undoes "
                             "exactly those");
  std::lock_guard lock(mutex_);
  const Tensor values = backquery(model_.network, one_hot_target(10, digit, targets_));
  return encode_png_gray(enlarge(backquery_image(values, kMnistSide, kMnistSide), kBackqueryZoom));
}

const TestResults& ServedModel::test_results(const std::string& mnist_dir) {
  std::lock_guard lock(mutex_);
  if (test_results_) return *test_results_;
  if (model_.info.task == "regression") throw HttpError(422, name_ + " is a regression: it has no classes to confuse");
  if (model_.info.preparation.kind == "pixels") {
    const Dataset test = load_mnist_test(mnist_dir, mnist_options(model_));
    test_results_ = TestResults{predict_classes(model_.network, test), test.labels};
    return *test_results_;
  }
  Dataset test;
  try {
    test = recorded_data(model_.info, "test");
  } catch (const Error& e) {
    throw HttpError(422, name_ + ": " + e.what());
  }
  Shape shape = model_.network.input_shape();
  shape.insert(shape.begin(), test.size());
  test.inputs.reshape(shape);
  test_results_ = TestResults{predict_classes(model_.network, test), test.labels, false};
  return *test_results_;
}

std::string ModelStore::add(const std::string& wanted, const std::string& source, Model model) {
  std::lock_guard lock(mutex_);
  const auto taken = [&](const std::string& name) {
    return std::any_of(models_.begin(), models_.end(), [&](const auto& m) { return m->name() == name; });
  };
  std::string name = wanted;
  for (int k = 2; taken(name); ++k) name = wanted + "-" + std::to_string(k);
  models_.push_back(std::make_shared<ServedModel>(name, source, std::move(model)));
  return name;
}

std::shared_ptr<ServedModel> ModelStore::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& m : models_)
    if (m->name() == name) return m;
  return nullptr;
}

nlohmann::json ModelStore::list() const {
  std::lock_guard lock(mutex_);
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : models_) models.push_back(m->info());
  return {{"models", models}};
}

std::string model_kind(const nlohmann::json& architecture) {
  std::string kind = "mlp";
  for (const nlohmann::json& layer : architecture.value("layers", nlohmann::json::array())) {
    const std::string type = layer.value("type", "");
    if (type == "conv2d") return "cnn";
    if (is_recurrent(type)) kind = "rnn";
  }
  return kind;
}

std::string model_name_from_path(const std::string& path) {
  std::string name = std::filesystem::path(path).stem().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
  return name.empty() ? "model" : name;
}

}  // namespace neurite::web
