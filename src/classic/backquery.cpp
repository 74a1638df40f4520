#include "neurite/classic/backquery.h"

#include <algorithm>
#include <cmath>

#include "neurite/error.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"

namespace neurite {

namespace {

constexpr float kLow = 0.01f, kHigh = 0.99f;  // the seed's range after every backward dense step

std::string describe(std::size_t index, const Layer& layer) {
  return "backquery: layer " + std::to_string(index) + " (" + layer.type() + ")";
}

// Stretches the values linearly onto [0.01, 0.99], as the seed does: subtract the minimum,
// divide by the (new) maximum, times 0.98, plus 0.01.
void rescale_into_open_unit_range(std::vector<float>& values) {
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  const double min = *lo, range = static_cast<double>(*hi) - min;
  for (float& v : values) {
    // A constant vector carries no picture; the seed would divide 0 by 0 here. The midpoint
    // keeps the values finite and inside the range the next logit needs.
    const double unit = range > 0 ? (v - min) / range : 0.5;
    v = static_cast<float>(unit * (kHigh - kLow) + kLow);
  }
}

// Undoes a sigmoid: a = sigmoid(z)  ->  z = logit(a).
void undo_sigmoid(std::vector<float>& values, const std::string& where) {
  for (float& v : values) {
    require(v > 0.0f && v < 1.0f, where + ": value " + std::to_string(v) +
                                      " has no finite logit; targets must lie strictly between 0 and 1");
    v = logit(v);
  }
}

// Runs a dense layer backwards: x = W^T (y - b), W (out, in). Rashid's network has no biases;
// where a layer has them they are subtracted first, since the forward pass added them last.
std::vector<float> undo_dense(Dense& dense, const std::vector<float>& values) {
  const int64_t in = dense.options().in, out = dense.options().out;
  std::vector<double> shifted(values.begin(), values.end());
  if (dense.options().bias)
    for (int64_t o = 0; o < out; ++o) shifted[static_cast<std::size_t>(o)] -= dense.bias()[o];
  const float* w = dense.weight().data();
  std::vector<double> sums(static_cast<std::size_t>(in), 0.0);
  for (int64_t o = 0; o < out; ++o) {  // row by row: W is stored (out, in), so this reads it in order
    const double y = shifted[static_cast<std::size_t>(o)];
    for (int64_t i = 0; i < in; ++i) sums[static_cast<std::size_t>(i)] += w[o * in + i] * y;
  }
  std::vector<float> result(sums.begin(), sums.end());
  rescale_into_open_unit_range(result);
  return result;
}

}  // namespace

Tensor backquery(Network& network, const Tensor& target) {
  require(network.layer_count() > 0, "backquery: the network has no layers");
  const int64_t outputs = element_count(network.output_shape());
  require(target.size() == outputs, "backquery: the target has " + std::to_string(target.size()) +
                                        " values, the network has " + std::to_string(outputs) + " outputs");
  std::vector<float> values(target.span().begin(), target.span().end());
  for (std::size_t i = network.layer_count(); i-- > 0;) {
    Layer& layer = network.layer(i);
    const std::string where = describe(i, layer);
    if (auto* dense = dynamic_cast<Dense*>(&layer)) {
      values = undo_dense(*dense, values);
      continue;
    }
    const auto* activation = dynamic_cast<const Activation*>(&layer);
    require(activation != nullptr && activation->kind() == ActivationKind::Sigmoid,
            where + ": only dense and sigmoid layers can be run backwards");
    undo_sigmoid(values, where);
  }
  // A network that starts with a sigmoid ends the walk on logits; bring those into range too so
  // that the result always spans [0.01, 0.99].
  if (!dynamic_cast<const Dense*>(&network.layer(0))) rescale_into_open_unit_range(values);
  Tensor input(network.input_shape());
  std::copy(values.begin(), values.end(), input.data());
  return input;
}

Tensor one_hot_target(int64_t classes, int64_t label, TargetValues targets) {
  require(classes > 0, "one_hot_target: need at least one class, got " + std::to_string(classes));
  require(label >= 0 && label < classes,
          "label " + std::to_string(label) + " is outside 0.." + std::to_string(classes - 1));
  Tensor t({classes}, targets.off);
  t[label] = targets.on;
  return t;
}

GrayImage backquery_image(const Tensor& values, int64_t width, int64_t height) {
  require(width > 0 && height > 0 && width * height == values.size(),
          "backquery image: " + std::to_string(values.size()) + " values do not fill " + std::to_string(width) +
              "x" + std::to_string(height) + " pixels");
  const auto [lo, hi] = std::minmax_element(values.span().begin(), values.span().end());
  const double min = *lo, range = static_cast<double>(*hi) - min;
  GrayImage image{width, height, std::vector<uint8_t>(static_cast<std::size_t>(values.size()))};
  for (int64_t i = 0; i < values.size(); ++i) {
    const double ink = range > 0 ? (values[i] - min) / range : 0.0;  // 0 paper .. 1 full ink
    image.pixels[static_cast<std::size_t>(i)] = static_cast<uint8_t>(std::lround(255.0 * (1.0 - ink)));
  }
  return image;
}

}  // namespace neurite
