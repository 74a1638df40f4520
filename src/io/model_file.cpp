#include "neurite/io/model_file.h"

#include <new>
#include <set>

#include "neurite/error.h"
#include "neurite/io/safetensors.h"

namespace neurite {

namespace {

// The architecture comes from the file, so its errors name the file, and a corrupt size that
// cannot be allocated is an error, not a crash.
Network build_network(const std::string& path, const nlohmann::json& architecture) {
  try {
    return Network::from_architecture(architecture);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  } catch (const std::bad_alloc&) {
    throw Error(path + ": the architecture's layers are too large to allocate");
  }
}

}  // namespace

void save_model(const std::string& path, Network& network, const nlohmann::json& training) {
  write_safetensors(path, model_to_safetensors(network, training));
}

SafetensorsFile model_to_safetensors(Network& network, const nlohmann::json& training) {
  SafetensorsFile file;
  const nlohmann::json description = {{"version", kModelFormatVersion},
                                      {"architecture", network.architecture()},
                                      {"training", training}};
  file.metadata = {{"format", "pt"}, {"neurite", description.dump()}};
  for (const Parameter& p : network.parameters()) file.tensors.emplace_back(p.name, *p.value);
  return file;
}

Model load_model(const std::string& path) { return model_from_safetensors(path, read_safetensors(path)); }

Model model_from_safetensors(const std::string& path, const SafetensorsFile& file) {
  const auto it = file.metadata.find("neurite");
  require(it != file.metadata.end(), path + ": not a neurite model (no \"neurite\" metadata)");
  nlohmann::json description;
  try {
    description = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": corrupt \"neurite\" metadata (not valid JSON)");
  }
  require(description.is_object() && description.contains("architecture"),
          path + ": \"neurite\" metadata has no architecture");
  const int version = description.value("version", 0);
  require(version >= 1 && version <= kModelFormatVersion,
          path + ": model format version " + std::to_string(version) + " is not supported");
  Model model{build_network(path, description["architecture"]),
              description.value("training", nlohmann::json::object())};
  std::set<std::string> expected;
  for (const Parameter& p : model.network.parameters()) {
    expected.insert(p.name);
    const Tensor* stored = nullptr;
    for (const auto& [name, t] : file.tensors)
      if (name == p.name) stored = &t;
    require(stored != nullptr, path + ": missing tensor '" + p.name + "'");
    require(stored->shape() == p.value->shape(),
            path + ": tensor '" + p.name + "' has shape " + to_string(stored->shape()) +
                ", the architecture needs " + to_string(p.value->shape()));
    *p.value = *stored;
  }
  const bool checkpoint = file.metadata.count("neurite_checkpoint") == 1;
  for (const auto& [name, t] : file.tensors)
    require(expected.count(name) == 1 || (checkpoint && (name.starts_with("optimizer.") || name.starts_with("training."))),
            path + ": unexpected tensor '" + name + "'");
  return model;
}

}  // namespace neurite
