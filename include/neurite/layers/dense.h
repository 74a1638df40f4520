// Dense (fully connected): y = x W^T + b, PyTorch's nn.Linear layout (weight is (out, in)).
#pragma once
#include "neurite/layers/layer.h"

namespace neurite {

namespace sparse {
struct SparseBatch;
}

struct DenseOptions {
  int64_t in = 0;
  int64_t out = 0;
  bool bias = true;  // Rashid's network has none
  std::string init = {};  // an initializer name for this layer alone; empty: the network's default
};

class Dense : public Layer {
 public:
  explicit Dense(DenseOptions options);
  ~Dense() override;
  Dense(Dense&&) noexcept;
  Dense& operator=(Dense&&) noexcept;

  std::string type() const override { return "dense"; }
  nlohmann::json config() const override;
  std::string summary() const override { return "dense(" + std::to_string(options_.out) + ")"; }
  Shape output_shape(const Shape& sample_input) const override;
  void forward(const Tensor& x, Tensor& y) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  std::vector<Parameter> parameters() override;
  void initialize(const Initializer& init, Rng& rng) override;

  Tensor& weight() { return weight_; }
  Tensor& bias() { return bias_; }
  const DenseOptions& options() const { return options_; }

 private:
  DenseOptions options_;
  Tensor weight_, weight_grad_;  // (O, F)
  Tensor bias_, bias_grad_;      // (O), empty without bias
  // The nonzero entries of the last forward's input when it was mostly zeros (one-hot columns),
  // for backward's weight gradient; null when that input was multiplied densely.
  std::unique_ptr<sparse::SparseBatch> sparse_input_;
  bool input_was_sparse_ = false;
};

}  // namespace neurite
