// Recurrent layers over sequences, seed 002's last chapter: x (N, T, F) -> y (N, T, H), or (N, H)
// when only the last step's output is wanted.
//
// A cell does one time step for the whole batch; the layer runs it over the sequence and back
// again (backpropagation through time). Three cells, with PyTorch's parameter layouts and gate
// orders, so weights can be compared with torch.nn.RNN / LSTM / GRU:
//   rnn   s_t = f(U x_t + W s_{t-1} + b)                   f = tanh, relu or identity
//   lstm  gates i, f, g, o; c_t = f c_{t-1} + i g; h_t = o tanh(c_t)
//   gru   gates r, z, n; n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h_t = (1 - z) n + z h_{t-1}
// Parameters: weight_ih (G*H, F) is U, weight_hh (G*H, H) is W, bias_ih and bias_hh (G*H), with G
// gates (1, 4 or 3).
#pragma once
#include <memory>

#include "neurite/layers/activation.h"
#include "neurite/layers/layer.h"

namespace neurite {

enum class CellKind { Rnn, Lstm, Gru };
std::string cell_name(CellKind kind);  // "rnn", "lstm", "gru"

struct RecurrentOptions {
  CellKind cell = CellKind::Lstm;
  int64_t in = 0;      // F: features per step
  int64_t hidden = 0;  // H: state size
  ActivationKind activation = ActivationKind::Tanh;  // the rnn cell's f: tanh, relu or identity
  bool sequences = true;  // output every step (N, T, H); false: only the last (N, H)
  // Truncated BPTT: gradients flow back through at most this many steps; the sequence is cut
  // into windows of `bptt` steps and no gradient crosses from one window into the one before
  // (the forward pass is unchanged: the state still carries over). 0: full BPTT.
  int64_t bptt = 0;
  float forget_bias = 1.0f;  // lstm: added to the forget gate's bias at initialisation
  bool reverse = false;      // run from the last step to the first (Bidirectional's second half)
};

class Recurrent : public Layer {
 public:
  explicit Recurrent(RecurrentOptions options);

  std::string type() const override { return cell_name(options_.cell); }
  nlohmann::json config() const override;
  std::string summary() const override;
  Shape output_shape(const Shape& sample_input) const override;
  void forward(const Tensor& x, Tensor& y) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  std::vector<Parameter> parameters() override;
  // PyTorch's default: every weight and bias U(-1/sqrt(H), 1/sqrt(H)); lstm then adds
  // forget_bias to bias_ih's forget slice. The network's initializer is not used.
  void initialize(const Initializer& init, Rng& rng) override;

  // Stateful use (a language model reading a text in consecutive windows): each forward starts
  // from the state the previous one ended in, without a gradient into the earlier window.
  void keep_state(bool keep) { keep_state_ = keep; }
  void reset_state();

  const RecurrentOptions& options() const { return options_; }
  int64_t gates() const;
  Tensor& weight_ih() { return weight_ih_; }
  Tensor& weight_hh() { return weight_hh_; }
  Tensor& bias_ih() { return bias_ih_; }
  Tensor& bias_hh() { return bias_hh_; }
  // dL/dh per step of the last backward, (T, N, H) in processing order: the gradient reaching
  // each step's state, for the exploding / vanishing gradient demonstration.
  const Tensor& state_gradients() const { return state_grads_; }

 private:
  void check_input(const Tensor& x) const;
  void run_forward(const float* x, int64_t n, int64_t t_len);
  void step_forward(int64_t s, int64_t n, int64_t t_len);
  void step_backward(int64_t s, int64_t n, float* dh, float* dc, float* dh_prev, float* dc_prev);
  void accumulate_gradients(const float* x, int64_t n, int64_t t_len, float* dx);
  // hot_[row] = the input that is 1 in that row of x (N*T rows of F), -1 for a row of zeros;
  // empty when some row is neither.
  void find_hot_inputs(const float* x, int64_t rows, int64_t f);
  void add_hot_input_gradients(int64_t n, int64_t t_len);
  int64_t input_step(int64_t s, int64_t t_len) const { return options_.reverse ? t_len - 1 - s : s; }

  RecurrentOptions options_;
  Tensor weight_ih_, weight_hh_, bias_ih_, bias_hh_;
  Tensor weight_ih_grad_, weight_hh_grad_, bias_ih_grad_, bias_hh_grad_;
  bool keep_state_ = false;

  // Time-major caches of the last forward, indexed by processing step s (not input position).
  Tensor ih_t_, hh_t_;   // weight_ih^T (F, G*H), weight_hh^T (H, G*H): plain products per step
  Tensor gates_x_;       // (N, T, G*H), input order: x_t weight_ih^T, + bias_ih once its step ran
  std::vector<int32_t> hot_;  // find_hot_inputs() of the last forward's x
  Tensor gates_h_;       // (T, N, G*H): h_{s-1} weight_hh^T + bias_hh
  Tensor acts_;          // (T, N, G*H): the gates after their nonlinearities (rnn: h itself)
  Tensor h_, c_;         // (T + 1, N, H): states before and after each step (c: lstm only)
  Tensor carried_h_, carried_c_;  // (N, H): where the next forward starts when keeping state
  // Backward scratch.
  Tensor dgates_x_, dgates_h_;  // (T, N, G*H): dL/d(pre-activation), x side and h side
  Tensor state_grads_;          // (T, N, H)
  Tensor hot_scratch_[2];       // add_hot_input_gradients()
};

// Two recurrent layers with their own weights, one reading the sequence forwards and one
// backwards; their outputs are concatenated feature-wise: (N, T, 2H), or (N, 2H) for the last
// step (the forward half's last step and the backward half's last step, which is input step 0).
class Bidirectional : public Layer {
 public:
  explicit Bidirectional(RecurrentOptions options);

  std::string type() const override { return forward_.type(); }
  nlohmann::json config() const override;
  std::string summary() const override;
  Shape output_shape(const Shape& sample_input) const override;
  void forward(const Tensor& x, Tensor& y) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  std::vector<Parameter> parameters() override;
  void initialize(const Initializer& init, Rng& rng) override;

  Recurrent& forward_half() { return forward_; }
  Recurrent& backward_half() { return backward_; }

 private:
  Recurrent forward_, backward_;
  Tensor y_forward_, y_backward_, dy_half_, dx_half_;
};

}  // namespace neurite
