// The fused step of dense_chain.h, one copy per kernel family (ops/isa.h): DenseChain::create
// makes the chosen family's.
#include "dense_chain.h"

#include <algorithm>
#include <bit>
#include <type_traits>

#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "ops/simd.h"

namespace neurite::dense_chain {
inline namespace NEURITE_ISA {

namespace {

using simd::kLanes;
using simd::Vec;

// Outputs computed per pass over an input row: four vectors of accumulators stay in registers.
constexpr int64_t kBlockVectors = 4;

int64_t whole_vectors(int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

// Calls f(std::integral_constant<int, V>, column) for the outputs [0, width) in blocks of at most
// kBlockVectors vectors, so that each block's kernel is compiled with its accumulators unrolled.
template <class F>
void by_blocks(int64_t width, F&& f) {
  for (int64_t column = 0; column < width; column += kBlockVectors * kLanes) {
    switch (std::min(kBlockVectors, (width - column) / kLanes)) {
      case 1: f(std::integral_constant<int, 1>{}, column); break;
      case 2: f(std::integral_constant<int, 2>{}, column); break;
      case 3: f(std::integral_constant<int, 3>{}, column); break;
      default: f(std::integral_constant<int, 4>{}, column); break;
    }
  }
}

// The nonzero inputs of each row of a batch as lists, made once per step for the forward pass
// and the weight gradient alike, and which inputs are nonzero in some row.
struct NonzeroInputs {
  std::vector<int32_t> index;
  std::vector<float> value;
  std::vector<int64_t> start;     // row r's entries are [start[r], start[r + 1])
  std::vector<uint32_t> touched;  // bit k: input k is nonzero in some row

  void scan(const float* a, int64_t stride, int64_t rows, int64_t in) {
    index.resize(static_cast<std::size_t>(rows * in + kLanes));  // no allocation after the first step
    value.resize(index.size());
    start.resize(static_cast<std::size_t>(rows + 1));
    touched.assign(static_cast<std::size_t>((in + 31) / 32), 0u);
    // Local pointers: the compiler cannot tell that the stores below leave the vectors' own
    // fields alone, and would reload them after every one.
    int32_t* const positions = index.data();
    float* const values = value.data();
    uint32_t* const inputs = touched.data();
    const auto take = [&](Vec v, int64_t c, int64_t count) {
      inputs[c / 32] |= simd::nonzero_lanes(v) << (c % 32);
      return simd::compress_nonzero(v, static_cast<int32_t>(c), positions + count, values + count);
    };
    int64_t count = 0;
    for (int64_t r = 0; r < rows; ++r) {
      start[r] = count;
      const float* row = a + r * stride;
      int64_t c = 0;
      for (; c + kLanes <= in; c += kLanes) count += take(simd::load(row + c), c, count);
      if constexpr (simd::kHasMasks) {
        if (c < in) count += take(simd::load(row + c, simd::Lanes(0, in - c)), c, count);
      } else {
        for (; c < in; ++c) {
          if (row[c] == 0.0f) continue;
          inputs[c / 32] |= 1u << (c % 32);
          positions[count] = static_cast<int32_t>(c);
          values[count++] = row[c];
        }
      }
    }
    start[rows] = count;
  }
};

// z[r] = bias + sum over row r's nonzero inputs k of a[r][k] w[k], for V vectors of outputs;
// w, bias and z start at the block's first output, and their rows are `width` apart. The sum is
// kept in P partial sums (entry e goes to e mod P) so that P multiply-adds are in flight instead
// of each waiting for the one before.
template <int V>
void affine(const NonzeroInputs& a, int64_t rows, const float* w, const float* bias, int64_t width, float* z) {
  constexpr int P = V <= 2 ? 4 : 2;
  for (int64_t r = 0; r < rows; ++r) {
    Vec sum[P][V] = {};
    const int64_t end = a.start[r + 1];
    int64_t e = a.start[r];
    for (; e + P <= end; e += P)
      for (int p = 0; p < P; ++p) {
        const Vec x = simd::splat(a.value[e + p]);
        const float* wk = w + int64_t{a.index[e + p]} * width;
        for (int v = 0; v < V; ++v) sum[p][v] += x * simd::load(wk + v * kLanes);
      }
    for (int p = 0; e < end; ++e, ++p) {
      const Vec x = simd::splat(a.value[e]);
      const float* wk = w + int64_t{a.index[e]} * width;
      for (int v = 0; v < V; ++v) sum[p][v] += x * simd::load(wk + v * kLanes);
    }
    for (int v = 0; v < V; ++v) {
      Vec total = simd::load(bias + v * kLanes);
      for (int p = 0; p < P; ++p) total += sum[p][v];
      simd::store(z + r * width + v * kLanes, total);
    }
  }
}

// The SGD step of the weights of V vectors of outputs, gradient and update in one pass over each
// input k: g[k] = sum over the rows r of a[r][k] dz[r] (even and odd rows in two partial sums),
// then as the general path does: g += l2 w, w -= rate g. No gradient is stored or cleared. An
// input that is zero in every row has g = 0: its weights are passed over unless L2 moves them.
template <int V>
void step_weights(const float* a, int64_t a_stride, int64_t rows, int64_t in, const std::vector<uint32_t>& touched,
                  const float* dz, int64_t width, float* w, float rate, float l2) {
  const Vec rates = simd::splat(rate), l2s = simd::splat(l2);
  const auto step_input = [&](int64_t k, bool has_gradient) {
    Vec g[V] = {};
    if (has_gradient) {
      Vec odd[V] = {};
      int64_t r = 0;
      for (; r + 2 <= rows; r += 2) {
        const Vec x0 = simd::splat(a[r * a_stride + k]), x1 = simd::splat(a[(r + 1) * a_stride + k]);
        for (int v = 0; v < V; ++v) {
          g[v] += x0 * simd::load(dz + r * width + v * kLanes);
          odd[v] += x1 * simd::load(dz + (r + 1) * width + v * kLanes);
        }
      }
      if (r < rows)
        for (int v = 0; v < V; ++v) g[v] += simd::splat(a[r * a_stride + k]) * simd::load(dz + r * width + v * kLanes);
      for (int v = 0; v < V; ++v) g[v] += odd[v];
    }
    float* wk = w + k * width;
    for (int v = 0; v < V; ++v) {
      const Vec weights = simd::load(wk + v * kLanes);
      if (l2 != 0.0f) g[v] += l2s * weights;
      simd::store(wk + v * kLanes, weights - rates * g[v]);
    }
  };
  const auto is_touched = [&](int64_t k) { return (touched[static_cast<std::size_t>(k / 32)] >> (k % 32) & 1u) != 0; };
  if (l2 != 0.0f) {  // every weight decays
    for (int64_t k = 0; k < in; ++k) step_input(k, is_touched(k));
    return;
  }
  for (std::size_t word = 0; word < touched.size(); ++word)
    for (uint32_t bits = touched[word]; bits != 0; bits &= bits - 1)
      step_input(static_cast<int64_t>(word) * 32 + std::countr_zero(bits), true);
}

// The SGD step of a bias: its gradient is the sum of dz over the rows, and it does not decay.
void step_bias(const float* dz, int64_t rows, int64_t width, float rate, float* bias) {
  for (int64_t j = 0; j < width; j += kLanes) {
    Vec g{};
    for (int64_t r = 0; r < rows; ++r) g += simd::load(dz + r * width + j);
    simd::store(bias + j, simd::load(bias + j) - simd::splat(rate) * g);
  }
}

// da[r][k] = sum over the outputs j of dz[r][j] w[k][j], for k < in; the rest of each da row is
// left as it is (zero).
void input_gradient(const float* dz, int64_t rows, int64_t width, const float* w, int64_t in, float* da,
                    int64_t da_stride) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < in; ++k) {
      Vec sum = simd::load(dz + r * width) * simd::load(w + k * width);
      for (int64_t j = kLanes; j < width; j += kLanes) sum += simd::load(dz + r * width + j) * simd::load(w + k * width + j);
      da[r * da_stride + k] = simd::sum_lanes(sum);
    }
}

// Copies the first `columns` of each of `rows` rows between layouts with different row lengths.
void copy_rows(const float* from, int64_t from_stride, int64_t rows, int64_t columns, float* to, int64_t to_stride) {
  for (int64_t r = 0; r < rows; ++r) std::copy(from + r * from_stride, from + r * from_stride + columns, to + r * to_stride);
}

}  // namespace

// The fused step over the layers' weights held transposed.
class Steps final : public DenseChain {
 public:
  explicit Steps(Network& net);
  ~Steps() override;
  double forward(const Tensor& x, const Tensor& y, const Cost& cost) override;
  void update(float rate, float l2) override;

 private:
  struct Layer;
  void write_back();

  std::vector<Layer> layers_;
  const Tensor* input_ = nullptr;  // the batch of the last forward
  Tensor output_z_, output_, output_grad_, output_z_grad_;  // the last layer's, unpadded
};

// One dense layer and the activation after it. Rows of `weights` are inputs: row k holds input
// k's weight to every output, padded with zeros to `width`; the padding of every buffer stays
// zero (or is never read), so whole vectors can be used everywhere.
struct Steps::Layer {
  Dense* dense = nullptr;
  Activation* activation = nullptr;  // nullptr: none
  int64_t in = 0, out = 0, width = 0;
  Tensor weights, bias;               // (in, width), (width)
  NonzeroInputs inputs;               // of the last forward
  Tensor z, a;                        // (N, width): before and after the activation (hidden layers)
  Tensor dz;                          // (N, width): dC/dz
  Tensor da;                          // (N, width of the layer before): dC/d(input), after the first layer

  const Tensor& output() const { return activation ? a : z; }
};

Steps::Steps(Network& net) {
  for (std::size_t i = 0; i < net.layer_count(); ++i) {
    if (auto* activation = dynamic_cast<Activation*>(&net.layer(i))) {
      layers_.back().activation = activation;
      continue;
    }
    Layer& layer = layers_.emplace_back();
    layer.dense = &dynamic_cast<Dense&>(net.layer(i));
    layer.in = layer.dense->options().in;
    layer.out = layer.dense->options().out;
    layer.width = whole_vectors(layer.out);
    layer.weights = Tensor({layer.in, layer.width}, 0.0f);
    layer.bias = Tensor({layer.width}, 0.0f);
    const float* w = layer.dense->weight().data();  // (out, in)
    for (int64_t j = 0; j < layer.out; ++j)
      for (int64_t k = 0; k < layer.in; ++k) layer.weights[k * layer.width + j] = w[j * layer.in + k];
    if (layer.dense->options().bias) std::copy_n(layer.dense->bias().data(), layer.out, layer.bias.data());
  }
}

Steps::~Steps() { write_back(); }

void Steps::write_back() {
  for (Layer& layer : layers_) {
    float* w = layer.dense->weight().data();
    for (int64_t j = 0; j < layer.out; ++j)
      for (int64_t k = 0; k < layer.in; ++k) w[j * layer.in + k] = layer.weights[k * layer.width + j];
    if (layer.dense->options().bias) std::copy_n(layer.bias.data(), layer.out, layer.dense->bias().data());
  }
}

double Steps::forward(const Tensor& x, const Tensor& y, const Cost& cost) {
  const int64_t n = x.dim(0);
  require_shape(x, {n, layers_.front().in}, "fused dense step input");
  input_ = &x;
  const float* a = x.data();
  int64_t a_stride = layers_.front().in;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    Layer& layer = layers_[l];
    if (layer.z.size() != n * layer.width) {  // the first batch, or a shorter last one
      for (Tensor* t : {&layer.z, &layer.a, &layer.dz}) *t = Tensor({n, layer.width}, 0.0f);
      if (l > 0) layer.da = Tensor({n, layers_[l - 1].width}, 0.0f);
    }
    layer.inputs.scan(a, a_stride, n, layer.in);
    by_blocks(layer.width, [&](auto vectors, int64_t column) {
      affine<decltype(vectors)::value>(layer.inputs, n, layer.weights.data() + column, layer.bias.data() + column,
                                       layer.width, layer.z.data() + column);
    });
    if (layer.activation && l + 1 < layers_.size()) layer.activation->forward(layer.z, layer.a);
    a = layer.output().data();
    a_stride = layer.width;
  }
  // The last layer's output, unpadded, for the cost and its own activation (softmax included).
  Layer& last = layers_.back();
  output_z_.resize({n, last.out});
  copy_rows(last.z.data(), last.width, n, last.out, output_z_.data(), last.out);
  if (last.activation) last.activation->forward(output_z_, output_);
  else output_ = output_z_;
  const double value = cost.value(output_, y);
  cost.gradient(output_, y, output_grad_);
  if (last.activation) last.activation->backward(output_z_, output_, output_grad_, &output_z_grad_);
  else output_z_grad_ = output_grad_;
  copy_rows(output_z_grad_.data(), last.out, n, last.out, last.dz.data(), last.width);
  return value;
}

void Steps::update(float rate, float l2) {
  const int64_t n = input_->dim(0);
  for (std::size_t l = layers_.size(); l-- > 0;) {
    Layer& layer = layers_[l];
    // The gradient for the layer before, with the weights this batch was computed with.
    if (l > 0)
      input_gradient(layer.dz.data(), n, layer.width, layer.weights.data(), layer.in, layer.da.data(),
                     layers_[l - 1].width);
    const float* a = l == 0 ? input_->data() : layers_[l - 1].output().data();
    const int64_t a_stride = l == 0 ? layer.in : layers_[l - 1].width;
    by_blocks(layer.width, [&](auto vectors, int64_t column) {
      step_weights<decltype(vectors)::value>(a, a_stride, n, layer.in, layer.inputs.touched,
                                             layer.dz.data() + column, layer.width, layer.weights.data() + column,
                                             rate, l2);
    });
    if (layer.dense->options().bias) step_bias(layer.dz.data(), n, layer.width, rate, layer.bias.data());
    if (l == 0) break;
    Layer& before = layers_[l - 1];
    if (before.activation) before.activation->backward(before.z, before.a, layer.da, &before.dz);
    else before.dz = layer.da;
  }
}

std::unique_ptr<DenseChain> make(Network& net) { return std::make_unique<Steps>(net); }

}  // namespace NEURITE_ISA
}  // namespace neurite::dense_chain
