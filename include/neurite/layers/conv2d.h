// Conv2d: a bank of filters slid over (N, C, H, W) images, PyTorch's nn.Conv2d: weight
// (out_channels, in_channels, kernel_h, kernel_w), bias (out_channels), zero padding, stride.
#pragma once
#include "neurite/layers/layer.h"
#include "neurite/ops/conv.h"

namespace neurite {

// A height and a width; JSON accepts 5 or [5, 3].
struct Size2 {
  int64_t h = 1, w = 1;
  bool operator==(const Size2&) const = default;
};
nlohmann::json to_json_value(const Size2& s);                        // 5 or [5, 3]
Size2 size2_from_json(const nlohmann::json& j, const char* what);  // throws naming `what`

struct Conv2dOptions {
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  Size2 kernel{3, 3};
  Size2 stride{1, 1};
  Size2 padding{0, 0};
  bool bias = true;
  std::string init = {};  // an initializer name for this layer alone; empty: the network's default
  // How the fast path computes the products (include/neurite/ops/conv.h): Winograd is opt-in, as
  // its results differ from the direct path's in the last bits.
  ConvAlgorithm algorithm = ConvAlgorithm::Auto;
};

// "auto", "im2col", "winograd" (the spec's "algorithm" key) and back; parsing names a bad value.
const char* conv_algorithm_name(ConvAlgorithm algorithm);
ConvAlgorithm parse_conv_algorithm(const std::string& name);

class Conv2d : public Layer {
 public:
  explicit Conv2d(Conv2dOptions options);

  std::string type() const override { return "conv2d"; }
  nlohmann::json config() const override;
  std::string summary() const override;
  Shape output_shape(const Shape& sample_input) const override;  // (C, H, W) -> (O, OH, OW)
  void forward(const Tensor& x, Tensor& y) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  std::vector<Parameter> parameters() override;
  void initialize(const Initializer& init, Rng& rng) override;

  Tensor& weight() { return weight_; }
  Tensor& bias() { return bias_; }
  const Conv2dOptions& options() const { return options_; }
  // The geometry for one input sample of shape (C, H, W).
  ConvGeometry geometry(int64_t in_h, int64_t in_w) const;

  // Tests and benchmarks switch to the plain loops to compare them with the fast path.
  void use_reference(bool on) { reference_ = on; }

 private:
  Conv2dOptions options_;
  bool reference_ = false;
  Tensor weight_, weight_grad_;  // (O, C, KH, KW)
  Tensor bias_, bias_grad_;      // (O), empty without bias
};

}  // namespace neurite
