#include "neurite/layers/dense.h"

#include <algorithm>
#include <cmath>

#include "neurite/error.h"
#include "neurite/ops/gemm.h"
#include "ops/sparse_batch.h"

namespace neurite {

namespace {

// A batch with at most one nonzero input in this many (a table's one-hot columns) is multiplied
// through its nonzero entries alone. The vector kernels do about 16 multiply-adds per cycle
// and the sparse loops about one, so below this share the sparse loops do less work.
constexpr int64_t kSparseShare = 16;

}  // namespace

Dense::Dense(DenseOptions options) : options_(options) {
  require(options.in > 0 && options.out > 0,
          "dense layer needs positive sizes, got in=" + std::to_string(options.in) +
              " out=" + std::to_string(options.out));
  require_layer_weights({options.out, options.in},
                        "dense layer " + std::to_string(options.in) + " -> " + std::to_string(options.out));
  if (!options.init.empty()) parse_initializer(options.init);  // an unknown name fails here, not at training
  sparse_input_ = std::make_unique<sparse::SparseBatch>();
  weight_ = Tensor({options.out, options.in});
  weight_grad_ = Tensor({options.out, options.in});
  if (options.bias) {
    bias_ = Tensor({options.out});
    bias_grad_ = Tensor({options.out});
  }
}

Dense::~Dense() = default;
Dense::Dense(Dense&&) noexcept = default;
Dense& Dense::operator=(Dense&&) noexcept = default;

nlohmann::json Dense::config() const {
  nlohmann::json config = {{"type", type()}, {"in", options_.in}, {"out", options_.out}, {"bias", options_.bias}};
  if (!options_.init.empty()) config["init"] = options_.init;
  return config;
}

Shape Dense::output_shape(const Shape& sample_input) const {
  // A sequence (steps, features) is taken step by step: the same weights on every step.
  if (sample_input.size() == 2 && sample_input[1] == options_.in) return {sample_input[0], options_.out};
  if (sample_input != Shape{options_.in})
    throw Error("dense layer expects input " + to_string({options_.in}) + ", got " + to_string(sample_input) +
                (sample_input.size() > 1 ? " (put a flatten layer before it)" : ""));
  return {options_.out};
}

void Dense::forward(const Tensor& x, Tensor& y) {
  // x (N, F) -> y (N, O), or x (N, T, F) -> y (N, T, O) as N*T rows
  const int64_t f = options_.in, o = options_.out;
  if (x.rank() == 3) require_shape(x, {x.dim(0), x.dim(1), f}, "dense forward input");
  else require_shape(x, {x.rank() ? x.dim(0) : 0, f}, "dense forward input");
  const int64_t n = x.size() / f;
  Shape out = x.shape();
  out.back() = o;
  y.resize(out);
  float beta = 0.0f;
  if (options_.bias) {  // start every row at b, then add x W^T on top
    for (int64_t row = 0; row < n; ++row) std::copy(bias_.data(), bias_.data() + o, y.data() + row * o);
    beta = 1.0f;
  }
  input_was_sparse_ = sparse::compress(x.data(), n, f, n * f / kSparseShare, *sparse_input_);
  if (input_was_sparse_) return sparse::times_transposed(*sparse_input_, weight_.data(), o, beta, y.data());
  gemm(Transpose::No, Transpose::Yes, n, o, f, 1.0f, x.data(), f, weight_.data(), f, beta, y.data(), o);
}

void Dense::backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) {
  // dy (N, O); dW (O, F) += dy^T x; db (O) += sum over N of dy; dx (N, F) = dy W (N: all rows)
  const int64_t f = options_.in, o = options_.out, n = x.size() / f;
  Shape out = x.shape();
  out.back() = o;
  require_shape(dy, out, "dense backward gradient");
  if (input_was_sparse_ && sparse_input_->rows == n && sparse_input_->cols == f)  // x as forward saw it
    sparse::add_transposed_times(dy.data(), o, *sparse_input_, weight_grad_.data());
  else
    gemm(Transpose::Yes, Transpose::No, o, f, n, 1.0f, dy.data(), o, x.data(), f, 1.0f, weight_grad_.data(), f);
  if (options_.bias) {
    float* db = bias_grad_.data();
    for (int64_t row = 0; row < n; ++row) {
      const float* d = dy.data() + row * o;
#pragma omp simd
      for (int64_t j = 0; j < o; ++j) db[j] += d[j];
    }
  }
  if (dx) {
    dx->resize(x.shape());
    gemm(Transpose::No, Transpose::No, n, f, o, 1.0f, dy.data(), o, weight_.data(), f, 0.0f,
         dx->data(), f);
  }
}

std::vector<Parameter> Dense::parameters() {
  std::vector<Parameter> params{{"weight", &weight_, &weight_grad_}};
  if (options_.bias) params.push_back({"bias", &bias_, &bias_grad_, /*decay=*/false});
  return params;
}

void Dense::initialize(const Initializer& init, Rng& rng) {
  Initializer chosen = init;
  if (!options_.init.empty()) chosen.kind = parse_initializer(options_.init);
  initialize_weights(weight_, bias_, options_.in, options_.out, chosen, rng);
}

namespace {
// "in" may be left out: the features of the layer before (flat, or each step of a sequence).
LayerPtr dense_from_config(const nlohmann::json& c, const Shape& input) {
  return std::make_unique<Dense>(DenseOptions{
      .in = c.contains("in") ? c["in"].get<int64_t>() : input_features(input, "dense"),
      .out = c.at("out").get<int64_t>(),
      .bias = c.value("bias", true),
      .init = c.value("init", std::string())});
}
const bool registered = register_layer("dense", &dense_from_config);
}  // namespace

}  // namespace neurite
