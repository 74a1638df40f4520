#include "neurite/data/picture.h"
#include "neurite/io/model_file.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <optional>
#include <set>

#include "neurite/data/idx.h"
#include "neurite/data/numpy.h"
#include "neurite/error.h"
#include "neurite/io/json_input.h"
#include "neurite/io/safetensors.h"

namespace neurite {

namespace {

// The architecture comes from the file, so its errors name the file, and a corrupt size that
// cannot be allocated is an error, not a crash.
Network build_network(const std::string& path, const nlohmann::json& architecture, InitOptions init = {}) {
  try {
    return Network::from_architecture(architecture, init);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  } catch (const std::bad_alloc&) {
    throw Error(path + ": the architecture's layers are too large to allocate");
  }
}

// Every tensor a model file holds: the parameters, then the buffers.
std::vector<Buffer> saved_tensors(Network& network) {
  std::vector<Buffer> all;
  for (const Parameter& p : network.parameters()) all.push_back({p.name, p.value});
  for (const Buffer& b : network.buffers()) all.push_back(b);
  return all;
}

// Copies the file's tensors into the network's parameters and buffers, every one present with
// its shape.
void load_parameters(const std::string& path, const SafetensorsFile& file, Network& network) {
  std::set<std::string> expected;
  for (const Buffer& p : saved_tensors(network)) {
    expected.insert(p.name);
    const Tensor* stored = nullptr;
    for (const auto& [name, t] : file.tensors)
      if (name == p.name) stored = &t;
    require(stored != nullptr, path + ": missing tensor '" + p.name + "'");
    require(stored->shape() == p.value->shape(), path + ": tensor '" + p.name + "' has shape " +
                                                     to_string(stored->shape()) + ", the architecture needs " +
                                                     to_string(p.value->shape()));
    // NaN or infinite weights would only show later as one class predicted for everything.
    const std::span<const float> values = stored->span();
    const auto bad = std::find_if(values.begin(), values.end(), [](float v) { return !std::isfinite(v); });
    if (bad != values.end())
      throw Error(path + ": tensor '" + p.name + "' holds " + (std::isnan(*bad) ? "NaN" : "an infinity") + " at element " +
                  std::to_string(bad - values.begin()));
    *p.value = *stored;
  }
  const bool checkpoint = file.metadata.count("neurite_checkpoint") == 1;
  for (const auto& [name, t] : file.tensors)
    require(expected.count(name) == 1 || (checkpoint && (name.starts_with("optimizer.") || name.starts_with("training."))),
            path + ": unexpected tensor '" + name + "'");
}

nlohmann::json parse_description(const std::string& path, const std::map<std::string, std::string>& metadata) {
  const auto it = metadata.find("neurite");
  require(it != metadata.end(), path + ": not a neurite model (no \"neurite\" metadata)");
  require_json_depth(it->second, path + ": \"neurite\" metadata");
  nlohmann::json description;
  try {
    description = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": corrupt \"neurite\" metadata (not valid JSON)");
  }
  require(description.is_object() && description.contains("architecture"),
          path + ": \"neurite\" metadata has no architecture");
  const nlohmann::json& version = description.contains("version") ? description["version"] : nlohmann::json(0);
  require(version.is_number_integer() && version.get<int64_t>() >= 1 && version.get<int64_t>() <= kModelFormatVersion,
          path + ": model format version " + quoted_prefix(version) + " is not supported");
  return description;
}

}  // namespace

std::string ModelInfo::class_name(int64_t k) const {
  if (k >= 0 && static_cast<std::size_t>(k) < class_names.size()) return class_names[static_cast<std::size_t>(k)];
  return std::to_string(k);
}

nlohmann::json to_json(const ModelInfo& info) {
  nlohmann::json j = info.extra.is_object() ? info.extra : nlohmann::json::object();
  j["scale"] = scale_name(info.scale);
  j["targets"] = {info.targets.off, info.targets.on};
  j["cost"] = info.cost;
  j["task"] = info.task;
  if (!info.class_names.empty()) j["class_names"] = info.class_names;
  if (info.preparation.kind != "pixels") j["preparation"] = to_json(info.preparation);
  return j;
}

namespace {
template <class T>
T field(const nlohmann::json& j, const char* key, T fallback, const std::string& source) {
  if (!j.contains(key)) return fallback;
  try {
    return j[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(source + ": model metadata \"" + key + "\" has the wrong type: " + quoted_prefix(j[key]));
  }
}
}  // namespace

ModelInfo model_info_from_json(const nlohmann::json& j, const std::string& source) {
  require(j.is_object(), source + ": model metadata \"training\" must be an object");
  ModelInfo info;
  const auto scale = field<std::string>(j, "scale", "unit", source);
  try {
    info.scale = parse_scale(scale);
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  const auto targets = field<std::vector<float>>(j, "targets", {0.0f, 1.0f}, source);
  require(targets.size() == 2 && std::isfinite(targets[0]) && std::isfinite(targets[1]) && targets[0] < targets[1],
          source + ": model metadata \"targets\" must be two finite numbers, off below on");
  info.targets = {targets[0], targets[1]};
  info.cost = field<std::string>(j, "cost", "quadratic", source);
  try {
    make_cost(info.cost);  // an unknown name fails here
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  info.class_names = field<std::vector<std::string>>(j, "class_names", {}, source);
  info.task = field<std::string>(j, "task", "classification", source);
  if (j.contains("preparation")) info.preparation = preparation_from_json(j["preparation"], source);
  info.extra = j;
  for (const char* key : {"scale", "targets", "cost", "class_names", "task", "preparation"}) info.extra.erase(key);
  return info;
}

void save_model(const std::string& path, Network& network, const ModelInfo& info) {
  write_safetensors(path, model_to_safetensors(network, info));
}

SafetensorsFile model_to_safetensors(Network& network, const ModelInfo& info) {
  SafetensorsFile file;
  const nlohmann::json description = {{"version", kModelFormatVersion},
                                      {"architecture", predicting_architecture(network.architecture(), *make_cost(info.cost))},
                                      {"training", to_json(info)}};
  file.metadata = {{"format", "pt"}, {"neurite", description.dump()}};
  for (const Buffer& t : saved_tensors(network)) file.tensors.emplace_back(t.name, *t.value);
  return file;
}

Model load_model(const std::string& path) {
  SafetensorsFile file;
  return read_model(path, file);
}

Model read_model(const std::string& path, SafetensorsFile& file) {
  std::optional<Model> model;
  file = read_safetensors(path, [&](const std::map<std::string, std::string>& metadata) {
    const nlohmann::json description = parse_description(path, metadata);
    const nlohmann::json training = description.contains("training") ? description["training"] : nlohmann::json::object();
    model.emplace(Model{build_network(path, description["architecture"]), model_info_from_json(training, path)});
  });
  require(model.has_value(), path + ": not a neurite model (no \"neurite\" metadata)");
  load_parameters(path, file, model->network);
  return std::move(*model);
}

Model predicting_model(Network& network, const ModelInfo& info) {
  Model model{Network::from_architecture(predicting_architecture(network.architecture(), *make_cost(info.cost))), info};
  model.network.copy_parameters_from(network);
  return model;
}

Network trained_network(Network& predicting, const Cost& cost, InitOptions init) {
  Network trained = Network::from_architecture(trained_architecture(predicting.architecture(), cost), init);
  trained.copy_parameters_from(predicting);
  return trained;
}

Network trained_network(Model& model, InitOptions init) {
  return trained_network(model.network, *make_cost(model.info.cost), init);
}

bool takes_gray_pictures(const Model& model) {
  const Preparation& p = model.info.preparation;
  if (p.kind == "pixels") return element_count(model.network.input_shape()) == kMnistSide * kMnistSide;
  return p.kind == "image" && !p.colour;
}

Tensor picture_input(const Model& model, std::span<const uint8_t> pixels, int64_t width, int64_t height) {
  require(takes_gray_pictures(model), "the model does not take single-channel pictures");
  const Preparation& p = model.info.preparation;
  if (p.kind == "pixels") {
    require(width == kMnistSide && height == kMnistSide, "an MNIST model takes 28x28 pictures");
    return model_input(model, pixels);
  }
  const Picture picture{width, height, 1, std::vector<uint8_t>(pixels.begin(), pixels.end())};
  const Picture sized = resize_picture(picture, p.sample_shape.back(), p.sample_shape[p.sample_shape.size() - 2]);
  Shape shape = model.network.input_shape();
  shape.insert(shape.begin(), 1);
  Tensor x(shape);
  std::copy(sized.pixels.begin(), sized.pixels.end(), x.data());
  apply_array_scaling(p, x);
  return x;
}

std::vector<uint8_t> model_file_bytes(Model& model) {
  Network trained = trained_network(model);
  return encode_safetensors(model_to_safetensors(trained, model.info));
}

Tensor model_input(const Model& model, std::span<const uint8_t> pixels) {
  Shape shape = model.network.input_shape();
  require(element_count(shape) == static_cast<int64_t>(pixels.size()),
          "the model takes " + to_string(shape) + " inputs, the picture has " + std::to_string(pixels.size()) + " pixels");
  shape.insert(shape.begin(), 1);
  Tensor x(shape);
  for (int64_t i = 0; i < x.size(); ++i) x[i] = scale_pixel(pixels[static_cast<std::size_t>(i)], model.info.scale);
  return x;
}

namespace {
// Room for the samples an array of `values` holds in the model's input shape, named "sample i";
// an Error naming `path` when the values do not divide into samples.
PredictionInputs samples_for(const Model& model, const NdArray& a, const std::string& path, const std::string& what) {
  const int64_t per_sample = element_count(model.network.input_shape());
  require(!a.is_text() && a.size() > 0 && a.size() % per_sample == 0,
          path + ": " + to_string(a.shape) + " values are not samples of the model's " + what);
  PredictionInputs out;
  Shape shape = model.network.input_shape();
  shape.insert(shape.begin(), a.size() / per_sample);
  out.inputs = Tensor(shape);
  for (int64_t i = 0; i < shape[0]; ++i) out.names.push_back("sample " + std::to_string(i));
  return out;
}

// A language model's samples: one-hot characters (steps, alphabet) as they are, finite numbers.
PredictionInputs language_model_inputs(const Model& model, const NdArray& a, const std::string& path) {
  require(a.bytes.empty(), path + ": a language model takes float32 one-hot characters, not bytes");
  PredictionInputs out = samples_for(model, a, path, to_string(model.network.input_shape()) + " one-hot characters");
  for (int64_t i = 0; i < a.size(); ++i) {
    const float v = a.values[static_cast<std::size_t>(i)];
    require(std::isfinite(v), path + ": value " + std::to_string(i) + " is " + number_text(v) + " (the data must be finite)");
    out.inputs[i] = v;
  }
  return out;
}
}  // namespace

PredictionInputs model_inputs(const Model& model, const std::string& path, const std::string& format) {
  if (model.info.preparation.kind != "pixels") return load_inputs_for_model(path, format, model.info.preparation);
  const NdArray a = data_format(path, format) == "idx" ? read_idx_array(path) : read_npy(path);
  if (model.info.task == kCharLmTask) return language_model_inputs(model, a, path);
  PredictionInputs out =
      samples_for(model, a, path, std::to_string(element_count(model.network.input_shape())) + " pixels");
  for (int64_t i = 0; i < a.size(); ++i) {
    const float v = a.bytes.empty() ? a.values[static_cast<std::size_t>(i)] : a.bytes[static_cast<std::size_t>(i)];
    require(v >= 0 && v <= 255 && v == std::floor(v),
            path + ": value " + std::to_string(i) + " is " + number_text(v) + ", not a pixel value (a whole number 0..255)");
    out.inputs[i] = scale_pixel(static_cast<uint8_t>(v), model.info.scale);
  }
  return out;
}

MnistOptions mnist_options(const Model& model) {
  return {.scale = model.info.scale, .targets = model.info.targets, .sample_shape = model.network.input_shape()};
}

}  // namespace neurite
