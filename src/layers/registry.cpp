// make_layer: rebuilds a layer from the config() a model file stores.
#include "neurite/error.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/conv2d.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/dropout.h"
#include "neurite/layers/pool2d.h"
#include "neurite/layers/recurrent.h"

namespace neurite {

namespace {

Size2 size2_or(const nlohmann::json& config, const char* key, Size2 fallback) {
  return config.contains(key) ? size2_from_json(config[key], key) : fallback;
}

Conv2dOptions conv2d_options(const nlohmann::json& config) {
  return {.in_channels = config.at("in_channels").get<int64_t>(),
          .out_channels = config.at("out_channels").get<int64_t>(),
          .kernel = size2_from_json(config.at("kernel"), "kernel"),
          .stride = size2_or(config, "stride", {1, 1}),
          .padding = size2_or(config, "padding", {0, 0}),
          .bias = config.value("bias", true),
          .init = config.value("init", std::string())};
}

Pool2dOptions pool2d_options(const nlohmann::json& config) {
  return {.kernel = size2_from_json(config.at("kernel"), "kernel"), .stride = size2_or(config, "stride", {0, 0})};
}

}  // namespace

LayerPtr make_layer(const nlohmann::json& config) {
  require(config.is_object() && config.contains("type") && config["type"].is_string(),
          "layer description without a \"type\": " + config.dump());
  const std::string type = config["type"];
  try {
    if (type == "dense")
      return std::make_unique<Dense>(DenseOptions{.in = config.at("in").get<int64_t>(),
                                                  .out = config.at("out").get<int64_t>(),
                                                  .bias = config.value("bias", true),
                                                  .init = config.value("init", std::string())});
    if (type == "dropout") return std::make_unique<Dropout>(DropoutOptions{.p = config.at("p").get<double>()});
    if (type == "conv2d") return std::make_unique<Conv2d>(conv2d_options(config));
    if (type == "maxpool2d") return std::make_unique<MaxPool2d>(pool2d_options(config));
    if (type == "avgpool2d") return std::make_unique<AvgPool2d>(pool2d_options(config));
    if (type == "flatten") return std::make_unique<Flatten>();
    if (type == "rnn" || type == "lstm" || type == "gru") return make_recurrent(config);
    if (is_activation(type)) return std::make_unique<Activation>(parse_activation(type));
    throw Error("unknown layer type '" + type +
                "' (expected dense, conv2d, maxpool2d, avgpool2d, flatten, dropout, rnn, lstm, gru, or an activation: step, "
                "identity, sigmoid, tanh, relu, softmax)");
  } catch (const nlohmann::json::exception& e) {
    // "[json.exception.out_of_range.403] key 'in' not found": the part after the bracket says it.
    const std::string what = e.what();
    const std::size_t bracket = what.find("] ");
    throw Error("bad options for layer '" + type + "' in " + config.dump() + ": " +
                (bracket == std::string::npos ? what : what.substr(bracket + 2)));
  }
}

}  // namespace neurite
