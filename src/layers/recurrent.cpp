#include "neurite/layers/recurrent.h"

#include <algorithm>
#include <cmath>

#include "neurite/error.h"
#include "neurite/ops/gemm.h"
#include "ops/family_dispatch.h"
#include "ops/fast_math.h"

namespace neurite {

std::string cell_name(CellKind kind) {
  switch (kind) {
    case CellKind::Rnn: return "rnn";
    case CellKind::Lstm: return "lstm";
    case CellKind::Gru: return "gru";
  }
  return "?";
}

namespace {

// (rows, cols) -> (cols, rows), in tiles of 16 rows x 8 columns: each output row gets one whole
// cache line at a time, and a tile writes to only 8 lines. The gates' row counts are powers of
// two, so output rows are 4 KiB apart and share one L1 cache set: 32 of them at once (the
// earlier 32 x 32 tiles) overflowed its 8 ways, and the weights' transposition took 6% of an
// LSTM's training step.
void transpose_into(const Tensor& m, Tensor& t) {
  const int64_t rows = m.dim(0), cols = m.dim(1);
  t.resize({cols, rows});
  const float* in = m.data();
  float* out = t.data();
  constexpr int64_t kTileRows = 16, kTileCols = 8;
  for (int64_t r0 = 0; r0 < rows; r0 += kTileRows)
    for (int64_t c0 = 0; c0 < cols; c0 += kTileCols)
      for (int64_t c = c0; c < std::min(cols, c0 + kTileCols); ++c)
        for (int64_t r = r0; r < std::min(rows, r0 + kTileRows); ++r) out[c * rows + r] = in[r * cols + c];
}

// Every product here is a plain or A^T B one, where our kernel beats OpenBLAS's (bench_gemm).
constexpr GemmBackend kBackend = GemmBackend::Kernel;

// Below this many gate values per step, a second thread costs more than it saves.
int threads_for(int64_t n, int64_t g) { return n * g >= 8192 ? num_threads() : 1; }

// ---- The cells: one sample's step, forward and backward side by side -----------------
// ax, ah: the gate pre-activations from x and from h (bias included); a: the gates after their
// nonlinearities. Written as plain loops over the state with restrict pointers and fast:: exp
// and tanh (ops/fast_math.h, within 2.3e-7 of the exact values), so that the compiler vectorises them,
// inlined into each kernel family's variant (ops/family_dispatch.h).

NEURITE_INLINE inline void rnn_forward(ActivationKind f, const float* __restrict ax, const float* __restrict ah, int64_t h,
                 float* __restrict a, float* __restrict hn) {
#pragma omp simd
  for (int64_t j = 0; j < h; ++j) {
    const float z = ax[j] + ah[j];
    const float out = f == ActivationKind::Tanh ? fast::tanh(z) : f == ActivationKind::ReLU ? (z > 0.0f ? z : 0.0f) : z;
    hn[j] = out;
    a[j] = out;
  }
}

// dL/dz = dL/dh f'(z), from h = f(z): tanh' = 1 - h^2, relu' = [h > 0], identity' = 1.
NEURITE_INLINE inline void rnn_backward(ActivationKind f, const float* __restrict a, const float* __restrict d, int64_t h,
                  float* __restrict dax, float* __restrict dah, float* __restrict dhp) {
#pragma omp simd
  for (int64_t j = 0; j < h; ++j) {
    const float slope = f == ActivationKind::Tanh ? 1.0f - a[j] * a[j] : f == ActivationKind::ReLU ? (a[j] > 0.0f ? 1.0f : 0.0f) : 1.0f;
    dax[j] = dah[j] = d[j] * slope;
    dhp[j] = 0.0f;  // all of dL/dh_prev comes through weight_hh
  }
}

// Gates i, f, g, o (in that order, as PyTorch): c = f c_prev + i g, h = o tanh(c).
NEURITE_INLINE inline void lstm_forward(const float* __restrict ax, const float* __restrict ah, int64_t h, const float* __restrict cp,
                  float* __restrict a, float* __restrict cn, float* __restrict hn) {
#pragma omp simd
  for (int64_t j = 0; j < 4 * h; ++j) a[j] = ax[j] + ah[j];
#pragma omp simd
  for (int64_t j = 0; j < 2 * h; ++j) a[j] = fast::sigmoid(a[j]);  // i, f
#pragma omp simd
  for (int64_t j = 2 * h; j < 3 * h; ++j) a[j] = fast::tanh(a[j]);  // g
#pragma omp simd
  for (int64_t j = 3 * h; j < 4 * h; ++j) a[j] = fast::sigmoid(a[j]);  // o
#pragma omp simd
  for (int64_t j = 0; j < h; ++j) {
    cn[j] = a[h + j] * cp[j] + a[j] * a[2 * h + j];
    hn[j] = a[3 * h + j] * fast::tanh(cn[j]);
  }
}

NEURITE_INLINE inline void lstm_backward(const float* __restrict a, const float* __restrict d, const float* __restrict cp,
                   const float* __restrict cn, const float* __restrict dcn, int64_t h, float* __restrict dax,
                   float* __restrict dah, float* __restrict dcp, float* __restrict dhp) {
#pragma omp simd
  for (int64_t j = 0; j < h; ++j) {
    const float in_gate = a[j], forget = a[h + j], cand = a[2 * h + j], out_gate = a[3 * h + j];
    const float tc = fast::tanh(cn[j]);
    const float dcell = dcn[j] + d[j] * out_gate * (1.0f - tc * tc);  // through h = o tanh(c), and from c_next
    dax[j] = dcell * cand * in_gate * (1.0f - in_gate);
    dax[h + j] = dcell * cp[j] * forget * (1.0f - forget);
    dax[2 * h + j] = dcell * in_gate * (1.0f - cand * cand);
    dax[3 * h + j] = d[j] * tc * out_gate * (1.0f - out_gate);
    dcp[j] = dcell * forget;
    dhp[j] = 0.0f;
  }
#pragma omp simd
  for (int64_t j = 0; j < 4 * h; ++j) dah[j] = dax[j];
}

// Gates r, z, n: n = tanh(ax_n + r ah_n), h = (1 - z) n + z h_prev (PyTorch's GRU).
NEURITE_INLINE inline void gru_forward(const float* __restrict ax, const float* __restrict ah, const float* __restrict hp, int64_t h,
                 float* __restrict a, float* __restrict hn) {
#pragma omp simd
  for (int64_t j = 0; j < 2 * h; ++j) a[j] = fast::sigmoid(ax[j] + ah[j]);  // r, z
#pragma omp simd
  for (int64_t j = 0; j < h; ++j) {
    const float reset = a[j], update = a[h + j];
    const float cand = fast::tanh(ax[2 * h + j] + reset * ah[2 * h + j]);
    hn[j] = (1.0f - update) * cand + update * hp[j];
    a[2 * h + j] = cand;
  }
}

// The reset gate multiplies ah_n, so the h side of n's gradient is r times the x side.
NEURITE_INLINE inline void gru_backward(const float* __restrict a, const float* __restrict d, const float* __restrict hp,
                  const float* __restrict ah, int64_t h, float* __restrict dax, float* __restrict dah,
                  float* __restrict dhp) {
#pragma omp simd
  for (int64_t j = 0; j < h; ++j) {
    const float reset = a[j], update = a[h + j], cand = a[2 * h + j];
    const float dcand = d[j] * (1.0f - update) * (1.0f - cand * cand);
    const float dreset = dcand * ah[2 * h + j];
    dax[j] = dah[j] = dreset * reset * (1.0f - reset);
    dax[h + j] = dah[h + j] = d[j] * (hp[j] - cand) * update * (1.0f - update);
    dax[2 * h + j] = dcand;
    dah[2 * h + j] = dcand * reset;
    dhp[j] = d[j] * update;  // h_prev also reaches h directly, through z
  }
}

}  // namespace

// ---- Construction ----------------------------------------------------------------------

Recurrent::Recurrent(RecurrentOptions options) : options_(options) {
  const std::string name = cell_name(options.cell);
  require(options.in > 0 && options.hidden > 0, name + " layer needs positive sizes, got in=" +
                                                    std::to_string(options.in) + " hidden=" +
                                                    std::to_string(options.hidden));
  // Each size alone within the limit, so the sums and products below cannot overflow.
  const std::string sizes = name + " layer " + std::to_string(options.in) + " -> " + std::to_string(options.hidden);
  require_layer_weights({options.in}, sizes);
  require_layer_weights({options.hidden}, sizes);
  require_layer_weights({gates() * options.hidden, options.in + options.hidden}, sizes);
  require(options.bptt >= 0, name + " layer: bptt must be 0 (full) or a positive window, got " +
                                 std::to_string(options.bptt));
  const ActivationKind f = options.activation;
  require(options.cell != CellKind::Rnn || f == ActivationKind::Tanh || f == ActivationKind::ReLU ||
              f == ActivationKind::Identity,
          "rnn layer activation must be tanh, relu or identity, got " + activation_name(f));
  const int64_t g = gates() * options.hidden;
  for (Tensor* t : {&weight_ih_, &weight_ih_grad_}) *t = Tensor({g, options.in});
  for (Tensor* t : {&weight_hh_, &weight_hh_grad_}) *t = Tensor({g, options.hidden});
  for (Tensor* t : {&bias_ih_, &bias_ih_grad_, &bias_hh_, &bias_hh_grad_}) *t = Tensor({g});
}

int64_t Recurrent::gates() const {
  switch (options_.cell) {
    case CellKind::Rnn: return 1;
    case CellKind::Lstm: return 4;
    case CellKind::Gru: return 3;
  }
  return 1;
}

nlohmann::json Recurrent::config() const {
  nlohmann::json config = {{"type", type()},
                           {"in", options_.in},
                           {"hidden", options_.hidden},
                           {"sequences", options_.sequences},
                           {"bptt", options_.bptt}};
  if (options_.cell == CellKind::Rnn) config["activation"] = activation_name(options_.activation);
  if (options_.cell == CellKind::Lstm) config["forget_bias"] = options_.forget_bias;
  if (options_.reverse) config["reverse"] = true;
  return config;
}

std::string Recurrent::summary() const {
  std::string s = type() + "(" + std::to_string(options_.hidden);
  if (options_.cell == CellKind::Rnn) s += ", " + activation_name(options_.activation);
  if (!options_.sequences) s += ", last step";
  if (options_.bptt) s += ", bptt " + std::to_string(options_.bptt);
  return s + ")";
}

Shape Recurrent::output_shape(const Shape& sample_input) const {
  if (sample_input.size() != 2 || sample_input[1] != options_.in)
    throw Error(type() + " layer expects input (steps, " + std::to_string(options_.in) + "), got " +
                to_string(sample_input));
  if (options_.sequences) return {sample_input[0], options_.hidden};
  return {options_.hidden};
}

std::vector<Parameter> Recurrent::parameters() {
  return {{"weight_ih", &weight_ih_, &weight_ih_grad_},
          {"weight_hh", &weight_hh_, &weight_hh_grad_},
          {"bias_ih", &bias_ih_, &bias_ih_grad_, /*decay=*/false},
          {"bias_hh", &bias_hh_, &bias_hh_grad_, /*decay=*/false}};
}

void Recurrent::initialize(const Initializer&, Rng& rng) {
  const double limit = 1.0 / std::sqrt(static_cast<double>(options_.hidden));
  for (Tensor* t : {&weight_ih_, &weight_hh_, &bias_ih_, &bias_hh_})
    for (float& v : t->span()) v = static_cast<float>(rng.uniform(-limit, limit));
  if (options_.cell == CellKind::Lstm)  // gate order i, f, g, o: the forget slice is the second
    for (int64_t j = options_.hidden; j < 2 * options_.hidden; ++j) bias_ih_[j] += options_.forget_bias;
}

void Recurrent::reset_state() {
  carried_h_ = Tensor();
  carried_c_ = Tensor();
}

void Recurrent::check_input(const Tensor& x) const {
  require(x.rank() == 3 && x.dim(2) == options_.in && x.dim(1) > 0,
          type() + " forward input must be (N, T, " + std::to_string(options_.in) + ") with T > 0, got " +
              to_string(x.shape()));
}

// ---- Forward ---------------------------------------------------------------------------

void Recurrent::forward(const Tensor& x, Tensor& y) {
  check_input(x);
  const int64_t n = x.dim(0), t_len = x.dim(1), h = options_.hidden;
  run_forward(x.data(), n, t_len);
  if (options_.sequences) {
    y.resize({n, t_len, h});
    for (int64_t s = 0; s < t_len; ++s) {
      const int64_t t = input_step(s, t_len);
      for (int64_t i = 0; i < n; ++i)
        std::copy_n(h_.data() + ((s + 1) * n + i) * h, h, y.data() + (i * t_len + t) * h);
    }
  } else {
    y.resize({n, h});
    std::copy_n(h_.data() + t_len * n * h, n * h, y.data());
  }
}

void Recurrent::run_forward(const float* x, int64_t n, int64_t t_len) {
  const int64_t h = options_.hidden, g = gates() * h, f = options_.in;
  transpose_into(weight_ih_, ih_t_);
  transpose_into(weight_hh_, hh_t_);
  for (Tensor* t : {&gates_h_, &acts_}) t->resize({t_len, n, g});
  h_.resize({t_len + 1, n, h});
  if (options_.cell == CellKind::Lstm) c_.resize({t_len + 1, n, h});
  // The starting state: zeros, or where the previous forward ended when keeping state.
  const bool carry = keep_state_ && carried_h_.size() == n * h;
  std::fill_n(h_.data(), n * h, 0.0f);
  if (carry) std::copy_n(carried_h_.data(), n * h, h_.data());
  if (options_.cell == CellKind::Lstm) {
    std::fill_n(c_.data(), n * h, 0.0f);
    if (carry && carried_c_.size() == n * h) std::copy_n(carried_c_.data(), n * h, c_.data());
  }
  // gates_x (N*T, G*H) = x (N*T, F) weight_ih^T: every step's input side in one product, the
  // rows in x's order (sample, position); each entry is the same sum as one product per step
  // would give. bias_ih is added by the step that reads the row (step_forward), on its thread.
  // One-hot rows (a character model's) need no product: step_forward copies the hot input's
  // row of weight_ih^T, the one nonzero term of the sum.
  find_hot_inputs(x, n * t_len, f);
  gates_x_.resize({n, t_len, g});
  if (hot_.empty())
    gemm(kBackend, Transpose::No, Transpose::No, n * t_len, g, f, 1.0f, x, f, ih_t_.data(), g, 0.0f, gates_x_.data(), g);
  for (int64_t s = 0; s < t_len; ++s) step_forward(s, n, t_len);
  if (keep_state_) {
    carried_h_ = Tensor({n, h});
    std::copy_n(h_.data() + t_len * n * h, n * h, carried_h_.data());
    if (options_.cell == CellKind::Lstm) {
      carried_c_ = Tensor({n, h});
      std::copy_n(c_.data() + t_len * n * h, n * h, carried_c_.data());
    }
  }
}

void Recurrent::find_hot_inputs(const float* x, int64_t rows, int64_t f) {
  hot_.resize(static_cast<std::size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    int32_t hot = -1;
    for (int64_t k = 0; k < f; ++k) {
      const float v = x[r * f + k];
      if (v == 0.0f) continue;
      if (v != 1.0f || hot >= 0) return hot_.clear();  // not one-hot: the product it is
      hot = static_cast<int32_t>(k);
    }
    hot_[static_cast<std::size_t>(r)] = hot;
  }
}

// One step s for the batch: gates_h[s] = h_{s} weight_hh^T + bias_hh, then the cell's formulas.
void Recurrent::step_forward(int64_t s, int64_t n, int64_t t_len) {
  const int64_t h = options_.hidden, g = gates() * h;
  const float* h_prev = h_.data() + s * n * h;
  float* h_next = h_.data() + (s + 1) * n * h;
  float* gh = gates_h_.data() + s * n * g;
  gemm(kBackend, Transpose::No, Transpose::No, n, g, h, 1.0f, h_prev, h, hh_t_.data(), g, 0.0f, gh, g);
  // Sample i's input side of this step: row (i, t) of gates_x, T rows apart.
  const int64_t t = input_step(s, t_len);
  float* gx = gates_x_.data() + t * g;
  float* act = acts_.data() + s * n * g;
  const float* bias_ih = bias_ih_.data();
  const float* bias_hh = bias_hh_.data();
  const int32_t* hot = hot_.empty() ? nullptr : hot_.data();
#pragma omp parallel for num_threads(threads_for(n, g)) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    float* ax = gx + i * t_len * g;
    float* ah = gh + i * g;
    // The biases join the products' sums here, in the thread, rather than as their starting
    // values in a copy before them (16 MB a step of the character model, on one thread): b + s
    // either way, the same bits.
    const int32_t k = hot ? hot[i * t_len + t] : -1;
    if (k >= 0) {  // the product's sum as the kernel adds it up from 0: 0 + w, for finite weights
      const float* w = ih_t_.data() + k * g;
      for (int64_t j = 0; j < g; ++j) ax[j] = bias_ih[j] + (0.0f + w[j]);
    } else if (hot) {  // a row of zeros
      for (int64_t j = 0; j < g; ++j) ax[j] = bias_ih[j] + 0.0f;
    } else {
      for (int64_t j = 0; j < g; ++j) ax[j] = bias_ih[j] + ax[j];
    }
    for (int64_t j = 0; j < g; ++j) ah[j] = bias_hh[j] + ah[j];
    float* a = act + i * g;
    const float* hp = h_prev + i * h;
    float* hn = h_next + i * h;
    kernels::in_kernel_family([&]() NEURITE_INLINE {
      switch (options_.cell) {
        case CellKind::Rnn: rnn_forward(options_.activation, ax, ah, h, a, hn); break;
        case CellKind::Lstm:
          lstm_forward(ax, ah, h, c_.data() + (s * n + i) * h, a, c_.data() + ((s + 1) * n + i) * h, hn);
          break;
        case CellKind::Gru: gru_forward(ax, ah, hp, h, a, hn); break;
      }
    });
  }
}

// ---- Backward (BPTT) -------------------------------------------------------------------

void Recurrent::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  require_shape(dy, y.shape(), (type() + " backward gradient").c_str());
  const int64_t n = x.dim(0), t_len = x.dim(1), h = options_.hidden, g = gates() * h;
  require(h_.dim(0) == t_len + 1 && h_.dim(1) == n, type() + " backward without a matching forward");
  dgates_x_.resize({t_len, n, g});
  dgates_h_.resize({t_len, n, g});
  state_grads_.resize({t_len, n, h});
  // dh, dc: the gradient reaching the state after step s; *_prev: what flows to the step before.
  Tensor dh({n, h}), dc({n, h}), dh_prev({n, h}), dc_prev({n, h});
  if (!options_.sequences) std::copy_n(dy.data(), n * h, dh.data());
  for (int64_t s = t_len - 1; s >= 0; --s) {
    if (options_.sequences) {
      const int64_t t = input_step(s, t_len);
      for (int64_t i = 0; i < n; ++i) {
        const float* d = dy.data() + (i * t_len + t) * h;
        for (int64_t j = 0; j < h; ++j) dh[i * h + j] += d[j];
      }
    }
    std::copy_n(dh.data(), n * h, state_grads_.data() + s * n * h);
    step_backward(s, n, dh.data(), dc.data(), dh_prev.data(), dc_prev.data());
    // Truncated BPTT: nothing crosses back over the start of a window.
    const bool window_start = options_.bptt > 0 && s % options_.bptt == 0;
    if (window_start) {
      dh_prev.fill(0.0f);
      dc_prev.fill(0.0f);
    }
    std::swap(dh, dh_prev);
    std::swap(dc, dc_prev);
  }
  if (dx) dx->resize(x.shape());
  accumulate_gradients(x.data(), n, t_len, dx ? dx->data() : nullptr);
}

// From dL/dh (and dL/dc) after step s: the gate pre-activation gradients of step s, and
// dL/dh, dL/dc before it (dh_prev = direct part + dgates_h weight_hh).
void Recurrent::step_backward(int64_t s, int64_t n, float* dh, float* dc, float* dh_prev, float* dc_prev) {
  const int64_t h = options_.hidden, g = gates() * h;
  const float* act = acts_.data() + s * n * g;
  const float* gh = gates_h_.data() + s * n * g;
  float* dgx = dgates_x_.data() + s * n * g;
  float* dgh = dgates_h_.data() + s * n * g;
#pragma omp parallel for num_threads(threads_for(n, g)) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float* a = act + i * g;
    const float* d = dh + i * h;
    float* dax = dgx + i * g;
    float* dah = dgh + i * g;
    float* dhp = dh_prev + i * h;
    kernels::in_kernel_family([&]() NEURITE_INLINE {
      switch (options_.cell) {
        case CellKind::Rnn: rnn_backward(options_.activation, a, d, h, dax, dah, dhp); break;
        case CellKind::Lstm:
          lstm_backward(a, d, c_.data() + (s * n + i) * h, c_.data() + ((s + 1) * n + i) * h, dc + i * h, h, dax,
                        dah, dc_prev + i * h, dhp);
          break;
        case CellKind::Gru: gru_backward(a, d, h_.data() + (s * n + i) * h, gh + i * g, h, dax, dah, dhp); break;
      }
    });
  }
  // dh_prev (N, H) += dgates_h (N, G*H) weight_hh (G*H, H)
  gemm(kBackend, Transpose::No, Transpose::No, n, h, g, 1.0f, dgh, g, weight_hh_.data(), h, 1.0f, dh_prev, h);
}

// The weight and bias gradients summed over all steps, and dL/dx, from the per-step gate
// gradients: a few large products instead of one small one per step.
void Recurrent::accumulate_gradients(const float* x, int64_t n, int64_t t_len, float* dx) {
  const int64_t h = options_.hidden, g = gates() * h, f = options_.in;
  // weight_hh: sum over steps of dgates_h[s]^T h_s, the steps stacked as rows (T*N, .)
  gemm(kBackend, Transpose::Yes, Transpose::No, g, h, t_len * n, 1.0f, dgates_h_.data(), g, h_.data(), h, 1.0f,
       weight_hh_grad_.data(), h);
  if (!hot_.empty()) add_hot_input_gradients(n, t_len);
  for (int64_t s = 0; s < t_len; ++s) {
    const float* dgx = dgates_x_.data() + s * n * g;
    const int64_t t = input_step(s, t_len);
    // weight_ih += dgates_x[s]^T x_t; x_t's rows are T*F apart
    if (hot_.empty())
      gemm(kBackend, Transpose::Yes, Transpose::No, g, f, n, 1.0f, dgx, g, x + t * f, t_len * f, 1.0f,
           weight_ih_grad_.data(), f);
    if (dx)  // dx_t (N, F) = dgates_x[s] weight_ih
      gemm(kBackend, Transpose::No, Transpose::No, n, f, g, 1.0f, dgx, g, weight_ih_.data(), f, 0.0f, dx + t * f, t_len * f);
  }
  // The bias gradients: each column summed over every step and sample, in order.
  const float* dgx_all = dgates_x_.data();
  const float* dgh_all = dgates_h_.data();
  float* dbx = bias_ih_grad_.data();
  float* dbh = bias_hh_grad_.data();
#pragma omp parallel for num_threads(threads_for(t_len * n, g)) schedule(static)
  for (int64_t j0 = 0; j0 < g; j0 += 64)
    for (int64_t row = 0; row < t_len * n; ++row)
#pragma omp simd
      for (int64_t j = j0; j < std::min(g, j0 + 64); ++j) {
        dbx[j] += dgx_all[row * g + j];
        dbh[j] += dgh_all[row * g + j];
      }
}

// weight_ih's gradient for one-hot inputs: at each step s, input k's column gains the sum, in
// sample order from 0, of dgates_x[s] over the samples whose hot input is k. Those are the
// nonzero terms of dgates_x[s]^T x_t in the order the kernel adds them (x * 1 and x * 0 are
// exact), and a column no sample picked would gain +0, which changes nothing: the same bits as
// the product, for a fraction of its work.
void Recurrent::add_hot_input_gradients(int64_t n, int64_t t_len) {
  const int64_t g = gates() * options_.hidden, f = options_.in;
  // The gradient transposed to (F, G*H) for the duration, so that an input's column is a row.
  Tensor& grad_t = hot_scratch_[0];
  Tensor& sums = hot_scratch_[1];  // (N, G*H): one row per distinct input of a step
  grad_t.resize({f, g});
  sums.resize({n, g});
  float* gw = weight_ih_grad_.data();
  // Each thread takes whole ranges of the G*H columns, through every step.
  constexpr int64_t kColumns = 256;
#pragma omp parallel for num_threads(threads_for(n * t_len, g)) schedule(static)
  for (int64_t j0 = 0; j0 < g; j0 += kColumns) {
    const int64_t j1 = std::min(g, j0 + kColumns);
    for (int64_t k = 0; k < f; ++k)
      for (int64_t j = j0; j < j1; ++j) grad_t[k * g + j] = gw[j * f + k];
    std::vector<int64_t> slot(static_cast<std::size_t>(f), -1), used;
    for (int64_t s = 0; s < t_len; ++s) {
      const float* dgx = dgates_x_.data() + s * n * g;
      const int64_t t = input_step(s, t_len);
      for (int64_t i = 0; i < n; ++i) {
        const int32_t k = hot_[static_cast<std::size_t>(i * t_len + t)];
        if (k < 0) continue;
        int64_t& at = slot[static_cast<std::size_t>(k)];
        const bool first = at < 0;
        if (first) {
          at = static_cast<int64_t>(used.size());
          used.push_back(k);
        }
        float* sum = sums.data() + at * g;
        const float* d = dgx + i * g;
        for (int64_t j = j0; j < j1; ++j) sum[j] = (first ? 0.0f : sum[j]) + d[j];
      }
      for (const int64_t k : used) {
        float* row = grad_t.data() + k * g;
        const float* sum = sums.data() + slot[static_cast<std::size_t>(k)] * g;
        for (int64_t j = j0; j < j1; ++j) row[j] = row[j] + sum[j];
        slot[static_cast<std::size_t>(k)] = -1;
      }
      used.clear();
    }
    for (int64_t j = j0; j < j1; ++j)
      for (int64_t k = 0; k < f; ++k) gw[j * f + k] = grad_t[k * g + j];
  }
}

// ---- Bidirectional ---------------------------------------------------------------------

namespace {
RecurrentOptions reversed(RecurrentOptions options) {
  options.reverse = true;
  return options;
}
}  // namespace

Bidirectional::Bidirectional(RecurrentOptions options) : forward_(options), backward_(reversed(options)) {}

nlohmann::json Bidirectional::config() const {
  nlohmann::json config = forward_.config();
  config["bidirectional"] = true;
  return config;
}

std::string Bidirectional::summary() const { return "bidirectional " + forward_.summary(); }

Shape Bidirectional::output_shape(const Shape& sample_input) const {
  Shape out = forward_.output_shape(sample_input);
  out.back() *= 2;
  return out;
}

namespace {
// Rows of `a` and `b` (each `width` wide) side by side in `out`: (rows, 2 * width).
void concat_rows(const Tensor& a, const Tensor& b, int64_t width, float* out) {
  const int64_t rows = a.size() / width;
  for (int64_t r = 0; r < rows; ++r) {
    std::copy_n(a.data() + r * width, width, out + r * 2 * width);
    std::copy_n(b.data() + r * width, width, out + r * 2 * width + width);
  }
}
// One half (offset 0 or width) of rows that are 2 * width wide.
void half_of_rows(const Tensor& both, int64_t width, int64_t offset, Tensor& half) {
  Shape shape = both.shape();
  shape.back() = width;
  half.resize(shape);
  const int64_t rows = half.size() / width;
  for (int64_t r = 0; r < rows; ++r) std::copy_n(both.data() + r * 2 * width + offset, width, half.data() + r * width);
}
}  // namespace

void Bidirectional::forward(const Tensor& x, Tensor& y) {
  forward_.forward(x, y_forward_);
  backward_.forward(x, y_backward_);
  Shape shape = y_forward_.shape();
  shape.back() *= 2;
  y.resize(shape);
  concat_rows(y_forward_, y_backward_, forward_.options().hidden, y.data());
}

void Bidirectional::backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) {
  const int64_t h = forward_.options().hidden;
  half_of_rows(dy, h, 0, dy_half_);
  forward_.backward(x, y_forward_, dy_half_, dx);
  half_of_rows(dy, h, h, dy_half_);
  backward_.backward(x, y_backward_, dy_half_, dx ? &dx_half_ : nullptr);
  if (dx)
    for (int64_t i = 0; i < dx->size(); ++i) (*dx)[i] += dx_half_[i];
}

std::vector<Parameter> Bidirectional::parameters() {
  std::vector<Parameter> params = forward_.parameters();
  for (Parameter p : backward_.parameters()) {
    p.name += "_reverse";  // PyTorch's suffix for the backward direction
    params.push_back(p);
  }
  return params;
}

void Bidirectional::initialize(const Initializer& init, Rng& rng) {
  forward_.initialize(init, rng);
  backward_.initialize(init, rng);
}

// ---- From JSON -------------------------------------------------------------------------

namespace {
// "in" may be left out: the features of each step of the (T, F) input.
LayerPtr recurrent_from_config(const nlohmann::json& c, const Shape& input) {
  const std::string type = c.at("type");
  if (!c.contains("in") && input.size() != 2)
    throw Error("takes a sequence (steps, features), but the layers before it give " + to_string(input));
  RecurrentOptions options{.cell = type == "rnn" ? CellKind::Rnn : type == "gru" ? CellKind::Gru : CellKind::Lstm,
                           .in = c.contains("in") ? c["in"].get<int64_t>() : input[1],
                           .hidden = c.at("hidden").get<int64_t>(),
                           .activation = parse_activation(c.value("activation", std::string("tanh"))),
                           .sequences = c.value("sequences", true), .bptt = c.value("bptt", int64_t{0}),
                           .forget_bias = c.value("forget_bias", 1.0f), .reverse = c.value("reverse", false)};
  if (c.value("bidirectional", false)) return std::make_unique<Bidirectional>(options);
  return std::make_unique<Recurrent>(options);
}
const bool registered = register_layer("rnn", &recurrent_from_config) &&
                        register_layer("lstm", &recurrent_from_config) && register_layer("gru", &recurrent_from_config);
}  // namespace

}  // namespace neurite
