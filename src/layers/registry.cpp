// The layer registry: type name -> factory, filled by each layer's source file at start-up.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "neurite/error.h"
#include "neurite/layers/layer.h"
#include "neurite/io/json_input.h"

namespace neurite {

namespace {

// A function-local table, so registrations from other files' static initialisers always find
// it constructed, whatever order the files start in.
std::map<std::string, LayerFactory>& factories() {
  static std::map<std::string, LayerFactory> table;
  return table;
}

std::string known_types() {
  std::string list;
  for (const std::string& type : layer_types()) list += (list.empty() ? "" : ", ") + type;
  return list;
}

}  // namespace

bool register_layer(const std::string& type, LayerFactory factory) {
  const bool added = factories().emplace(type, factory).second;
  if (!added) throw Error("layer type '" + type + "' is registered twice");
  return added;
}

std::vector<std::string> layer_types() {
  std::vector<std::string> types;
  for (const auto& entry : factories()) types.push_back(entry.first);
  return types;
}

namespace {
// What the innermost WeightAllowance leaves; none: the per-layer limit alone.
thread_local int64_t weights_allowed = std::numeric_limits<int64_t>::max();
}  // namespace

WeightAllowance::WeightAllowance(int64_t weights_left) : previous_(weights_allowed) { weights_allowed = weights_left; }
WeightAllowance::~WeightAllowance() { weights_allowed = previous_; }

void require_layer_weights(std::initializer_list<int64_t> factors, const std::string& what) {
  int64_t weights = 1;
  bool over = false;
  for (const int64_t f : factors) {
    over = over || f > kMaxLayerWeights / std::max<int64_t>(weights, 1);  // before the product could overflow
    if (!over) weights *= f;
  }
  if (over || weights > kMaxLayerWeights) {
    std::string count;
    for (const int64_t f : factors) count += (count.empty() ? "" : " x ") + std::to_string(f);
    throw Error(what + " would hold " + count + " weights, over the limit of " + std::to_string(kMaxLayerWeights) +
                " (kMaxLayerWeights)");
  }
  if (weights > weights_allowed)
    throw Error(what + " would hold " + std::to_string(weights) + " weights, more than the network's remaining " +
                std::to_string(weights_allowed) + " of 2^28 (kMaxNetworkWeights)");
}

int64_t input_features(const Shape& input, const std::string& layer) {
  if (input.size() == 1 || input.size() == 2) return input.back();
  throw Error("takes a flat input, but the layers before it give " + to_string(input) +
              (input.size() > 2 && layer == "dense" ? " (put a flatten layer before it)" : ""));
}

// A layer's options are sizes and small rates: a number that is not finite or beyond 2^53 is a
// corrupt file, and a factory converting it to an integer would be undefined behaviour.
void require_plausible_numbers(const nlohmann::json& config) {
  constexpr double kLargestExact = 9007199254740992.0;  // 2^53
  for (const auto& [key, value] : config.items())
    for (const nlohmann::json& v : value.is_array() ? value : nlohmann::json::array({value}))
      if (v.is_number_float() && !(std::abs(v.get<double>()) <= kLargestExact))
        throw Error("option \"" + key + "\" is " + quoted_prefix(v) + ", out of range");
}

LayerPtr make_layer(const nlohmann::json& config, const Shape& input) {
  require(config.is_object() && config.contains("type") && config["type"].is_string(),
          "layer description without a \"type\": " + quoted_prefix(config));
  require_plausible_numbers(config);
  const std::string type = config["type"];
  const auto found = factories().find(type);
  if (found == factories().end()) throw Error("unknown layer type '" + type + "' (expected one of " + known_types() + ")");
  try {
    return found->second(config, input);
  } catch (const nlohmann::json::exception& e) {
    // "[json.exception.out_of_range.403] key 'in' not found": the part after the bracket says it.
    const std::string what = e.what();
    const std::size_t bracket = what.find("] ");
    throw Error("bad options for layer '" + type + "' in " + quoted_prefix(config) + ": " +
                (bracket == std::string::npos ? what : what.substr(bracket + 2)));
  }
}

}  // namespace neurite
