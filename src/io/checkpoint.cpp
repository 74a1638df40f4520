#include "neurite/io/checkpoint.h"

#include <algorithm>

#include "neurite/error.h"
#include "neurite/io/safetensors.h"
#include "neurite/io/json_input.h"
#include "neurite/train/averaging.h"

namespace neurite {

namespace {
constexpr const char* kKey = "neurite_checkpoint";
constexpr const char* kOptimizerPrefix = "optimizer.";
// With weight averaging the model tensors are the averaged weights (what eval and predict should
// use) and these are the weights training goes on from.
constexpr const char* kTrainingWeightsPrefix = "training.";

nlohmann::json parse_description(const std::string& path, const SafetensorsFile& file) {
  const auto it = file.metadata.find(kKey);
  require(it != file.metadata.end(), path + ": not a training checkpoint (no \"" + kKey + "\" metadata)");
  require_json_depth(it->second, path + ": \"" + std::string(kKey) + "\" metadata");
  try {
    nlohmann::json description = nlohmann::json::parse(it->second);
    const int version = description.at("version").get<int>();
    require(version >= 1 && version <= kCheckpointFormatVersion,
            path + ": checkpoint format version " + std::to_string(version) + " is not supported");
    return description;
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": corrupt checkpoint metadata: " + e.what());
  }
}
// The training weights (and running statistics) saved beside averaged ones, in
// averaged_tensors' order; none without averaging.
void load_training_weights(const std::string& path, const SafetensorsFile& file, Checkpoint& c) {
  const std::vector<Buffer> params = averaged_tensors(c.model.network);
  for (const Buffer& p : params) {
    const std::string name = kTrainingWeightsPrefix + p.name;
    const auto it = std::find_if(file.tensors.begin(), file.tensors.end(), [&](const auto& t) { return t.first == name; });
    if (it == file.tensors.end()) break;
    require(it->second.shape() == p.value->shape(), path + ": " + name + " has shape " + to_string(it->second.shape()) +
                                                         ", the network's " + p.name + " " + to_string(p.value->shape()));
    c.state.other_weights.push_back(it->second);
  }
  require(c.state.other_weights.empty() || c.state.other_weights.size() == params.size(),
          path + ": the checkpoint holds training weights for only some parameters");
}

}  // namespace

void save_checkpoint(const std::string& path, Network& network, const ModelInfo& info,
                     const Optimizer& optimizer, const nlohmann::json& settings, const TrainState& state) {
  SafetensorsFile file = model_to_safetensors(network, info);
  const std::vector<Parameter> params = network.parameters();
  for (const auto& [name, tensor] : optimizer.state_tensors(params))
    file.tensors.emplace_back(kOptimizerPrefix + name, *tensor);
  if (!state.other_weights.empty()) {
    const std::vector<Buffer> averaged = averaged_tensors(network);
    require(state.other_weights.size() == averaged.size(), path + ": weight averaging does not match the network");
    for (std::size_t i = 0; i < averaged.size(); ++i)
      file.tensors.emplace_back(kTrainingWeightsPrefix + averaged[i].name, state.other_weights[i]);
  }
  const nlohmann::json description = {{"version", kCheckpointFormatVersion},
                                      {"settings", settings},
                                      {"optimizer", optimizer.name()},
                                      {"optimizer_scalars", optimizer.state_scalars()},
                                      {"state", to_json(state)}};
  file.metadata[kKey] = description.dump();
  write_safetensors(path, file);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsFile file;
  Model model = read_model(path, file);
  const nlohmann::json description = parse_description(path, file);
  Checkpoint c{.model = std::move(model), .settings = description.value("settings", nlohmann::json()),
               .state = {}, .optimizer_scalars = description.value("optimizer_scalars", nlohmann::json::object()),
               .optimizer_tensors = {}};
  try {
    c.state = train_state_from_json(description.at("state"));
  } catch (const std::exception& e) {
    throw Error(path + ": " + e.what());
  }
  for (const auto& [name, tensor] : file.tensors)
    if (name.starts_with(kOptimizerPrefix)) c.optimizer_tensors.emplace_back(name.substr(10), tensor);
  load_training_weights(path, file, c);
  return c;
}

void Checkpoint::restore_optimizer(Optimizer& optimizer) {
  const std::vector<Parameter> params = model.network.parameters();
  auto find = [&](const std::string& name) -> const Tensor* {
    for (const auto& [n, t] : optimizer_tensors)
      if (n == name) return &t;
    return nullptr;
  };
  optimizer.load_state(optimizer_scalars, find, params);
}

}  // namespace neurite
