#include "neurite/layers/conv2d.h"

#include "neurite/error.h"
#include "neurite/io/json_input.h"

namespace neurite {

nlohmann::json to_json_value(const Size2& s) {
  if (s.h == s.w) return s.h;
  return nlohmann::json::array({s.h, s.w});
}

Size2 size2_from_json(const nlohmann::json& j, const char* what) {
  if (j.is_number_integer()) return {j.get<int64_t>(), j.get<int64_t>()};
  if (j.is_array() && j.size() == 2 && j[0].is_number_integer() && j[1].is_number_integer())
    return {j[0].get<int64_t>(), j[1].get<int64_t>()};
  throw Error(std::string(what) + " must be an integer or [height, width], got " + quoted_prefix(j));
}

namespace {
std::string describe(const Size2& s) { return std::to_string(s.h) + "x" + std::to_string(s.w); }
}  // namespace

Conv2d::Conv2d(Conv2dOptions options) : options_(options) {
  const Conv2dOptions& o = options;
  require(o.in_channels > 0 && o.out_channels > 0,
          "conv2d needs positive channel counts, got in_channels=" + std::to_string(o.in_channels) +
              " out_channels=" + std::to_string(o.out_channels));
  require(o.kernel.h > 0 && o.kernel.w > 0, "conv2d kernel must be positive, got " + describe(o.kernel));
  require(o.stride.h > 0 && o.stride.w > 0, "conv2d stride must be positive, got " + describe(o.stride));
  require(o.padding.h >= 0 && o.padding.w >= 0, "conv2d padding must not be negative, got " + describe(o.padding));
  // Inputs and outputs hold at most kMaxSampleValues per sample, so a larger padding can never
  // fit; bounding it also keeps the padded size from overflowing.
  require(o.padding.h <= kMaxSampleValues && o.padding.w <= kMaxSampleValues,
          "conv2d padding " + describe(o.padding) + " is over the limit of " + std::to_string(kMaxSampleValues) +
              " (kMaxSampleValues)");
  require_layer_weights({o.out_channels, o.in_channels, o.kernel.h, o.kernel.w},
                        "conv2d " + std::to_string(o.in_channels) + " -> " + std::to_string(o.out_channels) + " with kernel " +
                            describe(o.kernel));
  if (!o.init.empty()) parse_initializer(o.init);
  const Shape weight_shape{o.out_channels, o.in_channels, o.kernel.h, o.kernel.w};
  weight_ = Tensor(weight_shape);
  weight_grad_ = Tensor(weight_shape);
  if (o.bias) {
    bias_ = Tensor({o.out_channels});
    bias_grad_ = Tensor({o.out_channels});
  }
}

const char* conv_algorithm_name(ConvAlgorithm algorithm) {
  switch (algorithm) {
    case ConvAlgorithm::Auto: return "auto";
    case ConvAlgorithm::Im2col: return "im2col";
    case ConvAlgorithm::Winograd: return "winograd";
  }
  return "auto";
}

ConvAlgorithm parse_conv_algorithm(const std::string& name) {
  for (ConvAlgorithm a : {ConvAlgorithm::Auto, ConvAlgorithm::Im2col, ConvAlgorithm::Winograd})
    if (name == conv_algorithm_name(a)) return a;
  throw Error("conv2d algorithm '" + name + "': expected auto, im2col or winograd");
}

nlohmann::json Conv2d::config() const {
  nlohmann::json config = {{"type", type()},
                           {"in_channels", options_.in_channels},
                           {"out_channels", options_.out_channels},
                           {"kernel", to_json_value(options_.kernel)},
                           {"stride", to_json_value(options_.stride)},
                           {"padding", to_json_value(options_.padding)},
                           {"bias", options_.bias}};
  if (!options_.init.empty()) config["init"] = options_.init;
  if (options_.algorithm != ConvAlgorithm::Auto) config["algorithm"] = conv_algorithm_name(options_.algorithm);
  return config;
}

std::string Conv2d::summary() const {
  std::string s = "conv2d(" + std::to_string(options_.out_channels) + ", " + describe(options_.kernel);
  if (options_.stride != Size2{1, 1}) s += ", stride " + describe(options_.stride);
  if (options_.padding != Size2{0, 0}) s += ", pad " + describe(options_.padding);
  if (options_.algorithm != ConvAlgorithm::Auto) s += std::string(", ") + conv_algorithm_name(options_.algorithm);
  return s + ")";
}

ConvGeometry Conv2d::geometry(int64_t in_h, int64_t in_w) const {
  return {.in_channels = options_.in_channels,
          .in_h = in_h,
          .in_w = in_w,
          .out_channels = options_.out_channels,
          .kernel_h = options_.kernel.h,
          .kernel_w = options_.kernel.w,
          .stride_h = options_.stride.h,
          .stride_w = options_.stride.w,
          .pad_h = options_.padding.h,
          .pad_w = options_.padding.w};
}

Shape Conv2d::output_shape(const Shape& in) const {
  const auto fail = [&](const std::string& why) {
    return Error("conv2d(" + std::to_string(options_.in_channels) + " -> " + std::to_string(options_.out_channels) +
                 ", kernel " + describe(options_.kernel) + ") cannot take input " + to_string(in) + ": " + why);
  };
  if (in.size() != 3) throw fail("it needs (channels, height, width)");
  if (in[0] != options_.in_channels) throw fail("it has " + std::to_string(in[0]) + " channels");
  if (in[1] + 2 * options_.padding.h < options_.kernel.h || in[2] + 2 * options_.padding.w < options_.kernel.w)
    throw fail("the padded image is smaller than the kernel");
  const ConvGeometry g = geometry(in[1], in[2]);
  return {g.out_channels, g.out_h(), g.out_w()};
}

void Conv2d::forward(const Tensor& x, Tensor& y) {
  // x (N, C, H, W) -> y (N, O, OH, OW)
  require(x.rank() == 4, "conv2d forward input must be (N, C, H, W), got " + to_string(x.shape()));
  const Shape out = output_shape({x.dim(1), x.dim(2), x.dim(3)});
  const ConvGeometry g = geometry(x.dim(2), x.dim(3));
  y.resize({x.dim(0), out[0], out[1], out[2]});
  const float* b = options_.bias ? bias_.data() : nullptr;
  if (reference_) conv2d_forward_reference(g, x.dim(0), x.data(), weight_.data(), b, y.data());
  else conv2d_forward(g, x.dim(0), x.data(), weight_.data(), b, y.data(), options_.algorithm);
}

void Conv2d::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  // dW += sum over samples and positions of dy * x-patch; db += sum of dy; dx = dy "full-convolved"
  // with the flipped filters (seed 002's sensitivity map). See ops/conv.h for the algorithms.
  require_shape(dy, y.shape(), "conv2d backward gradient");
  const ConvGeometry g = geometry(x.dim(2), x.dim(3));
  float* db = options_.bias ? bias_grad_.data() : nullptr;
  float* dx_data = nullptr;
  if (dx) {
    dx->resize(x.shape());
    dx_data = dx->data();
  }
  if (reference_)
    conv2d_backward_reference(g, x.dim(0), x.data(), weight_.data(), dy.data(), weight_grad_.data(), db, dx_data);
  else
    conv2d_backward(g, x.dim(0), x.data(), weight_.data(), dy.data(), weight_grad_.data(), db, dx_data,
                    options_.algorithm);
}

std::vector<Parameter> Conv2d::parameters() {
  std::vector<Parameter> params{{"weight", &weight_, &weight_grad_}};
  if (options_.bias) params.push_back({"bias", &bias_, &bias_grad_, /*decay=*/false});
  return params;
}

void Conv2d::initialize(const Initializer& init, Rng& rng) {
  Initializer chosen = init;
  if (!options_.init.empty()) chosen.kind = parse_initializer(options_.init);
  // Each output unit sees C*KH*KW inputs; each input feeds O*KH*KW outputs (PyTorch's fans).
  const int64_t area = options_.kernel.h * options_.kernel.w;
  initialize_weights(weight_, bias_, options_.in_channels * area, options_.out_channels * area, chosen, rng);
}

namespace {
Size2 size2_or(const nlohmann::json& config, const char* key, Size2 fallback) {
  return config.contains(key) ? size2_from_json(config[key], key) : fallback;
}

// "in_channels" may be left out: the channels of the (C, H, W) input.
LayerPtr conv2d_from_config(const nlohmann::json& c, const Shape& input) {
  const bool from_input = !c.contains("in_channels") && input.size() == 3;
  return std::make_unique<Conv2d>(Conv2dOptions{
      .in_channels = from_input ? input[0] : c.at("in_channels").get<int64_t>(),
      .out_channels = c.at("out_channels").get<int64_t>(),
      .kernel = size2_from_json(c.at("kernel"), "kernel"),
      .stride = size2_or(c, "stride", {1, 1}),
      .padding = size2_or(c, "padding", {0, 0}),
      .bias = c.value("bias", true),
      .init = c.value("init", std::string()),
      .algorithm = parse_conv_algorithm(c.value("algorithm", std::string("auto")))});
}
const bool registered = register_layer("conv2d", &conv2d_from_config);
}  // namespace

}  // namespace neurite
