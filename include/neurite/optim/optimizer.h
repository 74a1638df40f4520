// Optimisers walk the flat list of (value, grad) pairs. step() applies the update and leaves the
// gradients as they are: the training loop clears them with Network::zero_grad() before the next
// batch's backward, which adds into them.
// The gradient arrives as the mean over the batch (the cost takes the mean), plus any L2 / L1
// term the trainer added; an optimiser never looks at layer types.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "neurite/layers/layer.h"

namespace neurite {

// ---- Options: one struct per kind, chosen in OptimizerOptions ----
// `kind` is the name in JSON and on the command line; the fields are the JSON keys; `Builds`
// is the class built, which takes (rate, options) and checks them. Adding an optimiser: its
// class and options struct here, its step() in its own source, its entry in OptimizerKind.

class Sgd;
class Adam;
class AdamW;
class RmsProp;
class Adagrad;

struct SgdOptions {
  static constexpr const char* kind = "sgd";
  using Builds = Sgd;
  double momentum = 0.0;  // 0 is plain SGD
  bool nesterov = false;  // needs momentum > 0
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SgdOptions, momentum, nesterov)

struct AdamOptions {
  static constexpr const char* kind = "adam";
  using Builds = Adam;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;  // added outside the square root (PyTorch)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AdamOptions, beta1, beta2, eps)

struct AdamWOptions {
  static constexpr const char* kind = "adamw";
  using Builds = AdamW;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;  // decoupled decay of parameters with decay = true
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AdamWOptions, beta1, beta2, eps, weight_decay)

struct RmsPropOptions {
  static constexpr const char* kind = "rmsprop";
  using Builds = RmsProp;
  double alpha = 0.99;  // smoothing of the squared gradient
  double eps = 1e-8;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RmsPropOptions, alpha, eps)

struct AdagradOptions {
  static constexpr const char* kind = "adagrad";
  using Builds = Adagrad;
  double eps = 1e-10;  // PyTorch's default for Adagrad
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AdagradOptions, eps)

class Optimizer {
 public:
  explicit Optimizer(double rate);
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  virtual void step(std::span<Parameter> parameters) = 0;

  double rate() const { return rate_; }
  void set_rate(double rate);  // schedules change it between epochs; must be finite and > 0

  // Checkpoints: everything step() keeps between calls. Tensors are named
  // "<parameter name>.<slot>" ("0.weight.velocity"); scalars hold counters such as Adam's t.
  virtual nlohmann::json state_scalars() const { return nlohmann::json::object(); }
  virtual std::vector<std::pair<std::string, const Tensor*>> state_tensors(
      std::span<const Parameter> parameters) const;
  // Restores what state_scalars / state_tensors saved. `find` returns the tensor of that name
  // or nullptr; a missing or wrongly shaped tensor is an Error naming it.
  virtual void load_state(const nlohmann::json& scalars,
                          const std::function<const Tensor*(const std::string&)>& find,
                          std::span<const Parameter> parameters);

 protected:
  double rate_;
};

// The tensors an optimiser keeps per parameter between steps (velocity, moments): one per slot
// and parameter, matched by position, allocated as zeros on the first step.
class SlotState {
 public:
  explicit SlotState(std::vector<std::string> slot_names);

  // Allocates on first use; afterwards throws unless the parameters keep their count and shapes.
  void prepare(std::span<const Parameter> parameters);
  Tensor& at(std::size_t parameter, std::size_t slot) { return tensors_[parameter * slot_names_.size() + slot]; }
  bool allocated() const { return allocated_; }
  void clear();

  // "<parameter name>.<slot>" for each tensor; empty before the first step.
  std::vector<std::pair<std::string, const Tensor*>> named(std::span<const Parameter> parameters) const;
  void load(const std::function<const Tensor*(const std::string&)>& find, std::span<const Parameter> parameters);

 private:
  void require_same_count(std::span<const Parameter> parameters) const;

  std::vector<std::string> slot_names_;
  std::vector<Tensor> tensors_;  // parameter-major: all slots of parameter 0, then of 1, ...
  bool allocated_ = false;
};

// An optimiser with per-parameter slots and a step counter t, saved as {"t": t} plus the slots.
class StatefulOptimizer : public Optimizer {
 public:
  StatefulOptimizer(double rate, std::vector<std::string> slot_names);

  int64_t steps() const { return steps_; }
  nlohmann::json state_scalars() const override;
  std::vector<std::pair<std::string, const Tensor*>> state_tensors(
      std::span<const Parameter> parameters) const override;
  void load_state(const nlohmann::json& scalars, const std::function<const Tensor*(const std::string&)>& find,
                  std::span<const Parameter> parameters) override;

 protected:
  // Allocates or checks the slots and counts the step; every step() starts with it.
  void begin_step(std::span<const Parameter> parameters);

  SlotState slots_;
  int64_t steps_ = 0;
};

// Stochastic gradient descent. Plain: w -= rate * grad; with the cost's mean over the batch this
// is Nielsen's w -= eta/m * sum of the m per-sample gradients. With momentum mu (PyTorch):
// v = mu v + g, then w -= rate * v, or with Nesterov w -= rate * (g + mu v).
class Sgd : public StatefulOptimizer {
 public:
  explicit Sgd(double rate);
  Sgd(double rate, double momentum, bool nesterov = false);
  Sgd(double rate, const SgdOptions& o) : Sgd(rate, o.momentum, o.nesterov) {}
  std::string name() const override { return "sgd"; }
  void step(std::span<Parameter> parameters) override;
  double momentum() const { return momentum_; }  // 0: plain SGD

 private:
  double momentum_ = 0;
  bool nesterov_ = false;
};

// Adam (Kingma & Ba, PyTorch's form): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
// w -= rate * m^ / (sqrt(v^) + eps) with the bias-corrected m^ = m/(1-b1^t), v^ = v/(1-b2^t).
class Adam : public StatefulOptimizer {
 public:
  explicit Adam(double rate, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8);
  Adam(double rate, const AdamOptions& o) : Adam(rate, o.beta1, o.beta2, o.eps) {}
  std::string name() const override { return "adam"; }
  void step(std::span<Parameter> parameters) override;

 protected:
  Adam(double rate, double beta1, double beta2, double eps, double weight_decay);

 private:
  double beta1_, beta2_, eps_, weight_decay_;
};

// AdamW (Loshchilov & Hutter): Adam after a decoupled decay w -= rate * weight_decay * w,
// applied only to parameters with decay = true (weights, not biases).
class AdamW : public Adam {
 public:
  explicit AdamW(double rate, double weight_decay = 0.01, double beta1 = 0.9, double beta2 = 0.999,
                 double eps = 1e-8);
  AdamW(double rate, const AdamWOptions& o) : AdamW(rate, o.weight_decay, o.beta1, o.beta2, o.eps) {}
  std::string name() const override { return "adamw"; }
};

// RMSprop (PyTorch's form, no momentum, not centred): v = alpha v + (1-alpha) g^2,
// w -= rate * g / (sqrt(v) + eps).
class RmsProp : public StatefulOptimizer {
 public:
  explicit RmsProp(double rate, double alpha = 0.99, double eps = 1e-8);
  RmsProp(double rate, const RmsPropOptions& o) : RmsProp(rate, o.alpha, o.eps) {}
  std::string name() const override { return "rmsprop"; }
  void step(std::span<Parameter> parameters) override;

 private:
  double alpha_, eps_;
};

// Adagrad (Duchi et al., PyTorch's form without rate decay): s += g^2, w -= rate * g / (sqrt(s) + eps).
// Each weight's step shrinks with the gradients it has seen, so rare features keep large steps.
class Adagrad : public StatefulOptimizer {
 public:
  explicit Adagrad(double rate, double eps = 1e-10);
  Adagrad(double rate, const AdagradOptions& o) : Adagrad(rate, o.eps) {}
  std::string name() const override { return "adagrad"; }
  void step(std::span<Parameter> parameters) override;

 private:
  double eps_;
};

using OptimizerKind = std::variant<SgdOptions, AdamOptions, AdamWOptions, RmsPropOptions, AdagradOptions>;

struct OptimizerOptions {
  double rate = 3.0;  // eta
  OptimizerKind kind = SgdOptions{};
};

// Builds the optimiser the options choose; throws naming the bad value (rate <= 0, momentum
// outside [0, 1), beta outside [0, 1), eps <= 0, weight decay < 0 ...).
std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options);
std::string kind_name(const OptimizerOptions& options);  // "adam"
std::string optimizer_kinds();  // "sgd, adam, adamw, rmsprop or adagrad"

// The JSON form, a run configuration's keys: {"optimizer":"adam","rate":0.001,"beta1":0.9,...}.
nlohmann::json to_json(const OptimizerOptions& options);
// The inverse: reads "optimizer", "rate" and the chosen kind's keys, each missing one keeping
// its default, and ignores keys no optimiser reads. A key that only another kind reads is an
// Error ("momentum is not a setting of the adam optimizer"), as is a value of the wrong type.
OptimizerOptions optimizer_options_from_json(const nlohmann::json& json);
// Every key the JSON form may hold, with its default.
nlohmann::json optimizer_defaults();

}  // namespace neurite
