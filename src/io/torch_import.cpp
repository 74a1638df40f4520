#include "neurite/io/torch_import.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <cstring>

#include "neurite/error.h"
#include "neurite/io/safetensors.h"

namespace neurite {

namespace {

// One module's tensors, by the name neurite gives them within a layer ("weight_ih_reverse").
struct Module {
  std::string name;  // "lstm" or, for layer 1 of a multi-layer recurrent module, "lstm (layer 1)"
  std::string prefix;
  int64_t recurrent_layer = 0;
  std::map<std::string, std::pair<std::string, const Tensor*>> tensors;  // leaf -> (torch name, tensor)
};

// A recurrent module's leaf "weight_ih_l1_reverse" becomes "weight_ih_reverse" of layer 1
// ((weight|bias)_(ih|hh)_l<k>[_reverse]); any other leaf is left as it is.
void split_recurrent_layer(std::string& leaf, int64_t& layer) {
  std::size_t stem = 0;
  for (const char* s : {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"})
    if (leaf.starts_with(s)) stem = std::strlen(s);
  if (stem == 0) return;
  std::size_t end = stem;
  while (end < leaf.size() && end - stem < 6 && std::isdigit(static_cast<unsigned char>(leaf[end]))) ++end;
  const std::string rest = leaf.substr(end);
  if (end == stem || (!rest.empty() && rest != "_reverse")) return;
  layer = std::stoll(leaf.substr(stem, end - stem));
  leaf = leaf.substr(0, stem - 2) + rest;  // without "_l<k>"
}

// "lstm.weight_ih_l1_reverse" -> module "lstm", recurrent layer 1, leaf "weight_ih_reverse".
void add_tensor(std::map<std::pair<std::string, int64_t>, Module>& modules, const std::string& torch_name, const Tensor& t) {
  const std::size_t dot = torch_name.rfind('.');
  const std::string prefix = dot == std::string::npos ? "" : torch_name.substr(0, dot);
  std::string leaf = dot == std::string::npos ? torch_name : torch_name.substr(dot + 1);
  int64_t layer = 0;
  split_recurrent_layer(leaf, layer);
  Module& module = modules[{prefix, layer}];
  module.prefix = prefix;
  module.recurrent_layer = layer;
  module.name = (prefix.empty() ? "(top level)" : prefix) + (layer > 0 ? " (layer " + std::to_string(layer) + ")" : "");
  module.tensors[leaf] = {torch_name, &t};
}

// nn.Sequential's order: names compared piece by piece between dots, numbers as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const std::string na = a.substr(i, ie - i), nb = b.substr(j, je - j);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie, j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::vector<Module> ordered_modules(std::map<std::pair<std::string, int64_t>, Module> modules,
                                    const std::vector<std::string>& order, const std::string& path) {
  std::vector<Module> out;
  if (order.empty()) {
    for (auto& [key, module] : modules) out.push_back(std::move(module));
    std::stable_sort(out.begin(), out.end(), [](const Module& a, const Module& b) {
      return a.prefix != b.prefix ? natural_less(a.prefix, b.prefix) : a.recurrent_layer < b.recurrent_layer;
    });
    return out;
  }
  for (const std::string& prefix : order) {  // each named module, its recurrent layers in order
    const std::size_t before = out.size();
    for (auto it = modules.begin(); it != modules.end();)
      if (it->first.first == prefix) {
        out.push_back(std::move(it->second));
        it = modules.erase(it);
      } else {
        ++it;
      }
    require(out.size() > before, path + ": the state_dict has no module '" + prefix + "' (or it was named twice)");
  }
  if (!modules.empty()) throw Error(path + ": module '" + modules.begin()->second.name + "' is not in the order given");
  return out;
}

// The network's tensors grouped by layer: "3.weight" -> layer 3, leaf "weight".
std::vector<std::pair<std::size_t, std::map<std::string, Tensor*>>> network_layers(Network& network) {
  std::map<std::size_t, std::map<std::string, Tensor*>> layers;
  const auto add = [&](const std::string& name, Tensor* value) {
    const std::size_t dot = name.find('.');
    layers[std::stoul(name.substr(0, dot))][name.substr(dot + 1)] = value;
  };
  for (const Parameter& p : network.parameters()) add(p.name, p.value);
  for (const Buffer& b : network.buffers()) add(b.name, b.value);
  return {layers.begin(), layers.end()};
}

std::string leaves(const auto& tensors) {
  std::string text;
  for (const auto& [leaf, value] : tensors) text += (text.empty() ? "" : ", ") + leaf;
  return text;
}

}  // namespace

std::vector<ImportedTensor> import_torch_state_dict(const std::string& path, Network& network,
                                                    const std::vector<std::string>& module_order) {
  const SafetensorsFile file = read_safetensors(path);
  std::map<std::pair<std::string, int64_t>, Module> by_name;
  for (const auto& [name, t] : file.tensors) add_tensor(by_name, name, t);
  const std::vector<Module> modules = ordered_modules(std::move(by_name), module_order, path);
  const auto layers = network_layers(network);
  require(modules.size() == layers.size(),
          path + ": the state_dict has " + std::to_string(modules.size()) + " modules with tensors, the spec " +
              std::to_string(layers.size()) + " layers with tensors");
  std::vector<ImportedTensor> imported;
  for (std::size_t k = 0; k < modules.size(); ++k) {
    const Module& module = modules[k];
    const auto& [index, places] = layers[k];
    const std::string layer = "layer " + std::to_string(index) + " (" + network.layer(index).type() + ")";
    require(leaves(module.tensors) == leaves(places), path + ": module '" + module.name + "' holds " + leaves(module.tensors) +
                                                          "; the spec's " + layer + " needs " + leaves(places) +
                                                          " (give the modules' order if they are not in the spec's)");
    for (const auto& [leaf, place] : places) {
      const auto& [torch_name, tensor] = module.tensors.at(leaf);
      require(tensor->shape() == place->shape(), path + ": '" + torch_name + "' has shape " + to_string(tensor->shape()) +
                                                     "; the spec's " + layer + " needs " + leaf + " " +
                                                     to_string(place->shape()));
      for (const float v : tensor->span())
        require(std::isfinite(v), path + ": '" + torch_name + "' holds a value that is not finite");
      *place = *tensor;
      imported.push_back({std::to_string(index) + "." + leaf, torch_name, tensor->shape()});
    }
  }
  return imported;
}

}  // namespace neurite
