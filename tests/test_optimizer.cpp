// Optimisers: SGD with momentum and Nesterov, Adam, AdamW and RMSprop against values worked out
// by hand, option checks, the options' JSON form, and checkpoint state round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "neurite/error.h"
#include "neurite/optim/optimizer.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

// A weight (decays) and a bias (does not), named as a network names its first layer's.
struct TwoParameters {
  Tensor weight, weight_grad, bias, bias_grad;

  TwoParameters(Tensor w, Tensor b)
      : weight(std::move(w)), weight_grad(weight.shape()), bias(std::move(b)), bias_grad(bias.shape()) {}
  std::vector<Parameter> list() {
    return {{"0.weight", &weight, &weight_grad}, {"0.bias", &bias, &bias_grad, /*decay=*/false}};
  }
};

// One parameter w with the gradients given step by step.
std::vector<Tensor> run_steps(Optimizer& optimizer, Tensor w, const std::vector<std::vector<float>>& gradients) {
  Tensor grad(w.shape());
  std::vector<Parameter> params{{"w", &w, &grad}};
  std::vector<Tensor> after;
  for (const auto& g : gradients) {
    std::copy(g.begin(), g.end(), grad.data());
    optimizer.step(params);
    after.push_back(w);
  }
  return after;
}

OptimizerOptions options_of(const std::string& kind) {
  if (kind == "sgd" || kind == "nesterov") return {.rate = 0.1, .kind = SgdOptions{.momentum = 0.9, .nesterov = kind == "nesterov"}};
  return optimizer_options_from_json({{"optimizer", kind}, {"rate", 0.1}});
}

const std::vector<std::string> kKinds = {"sgd", "nesterov", "adam", "adamw", "rmsprop"};

// ---- hand-computed steps ----

// w0 = 1, rate 0.1, momentum 0.9, gradients 1 then 2.
//   plain:    v1 = 1,   w1 = 1 - 0.1*1 = 0.9;   v2 = 0.9*1 + 2 = 2.9, w2 = 0.9 - 0.1*2.9 = 0.61
//   Nesterov: v1 = 1,   w1 = 1 - 0.1*(1 + 0.9*1) = 0.81;
//             v2 = 2.9, w2 = 0.81 - 0.1*(2 + 0.9*2.9) = 0.81 - 0.461 = 0.349
TEST(Momentum, TwoStepsMatchHandValues) {
  Sgd plain(0.1, 0.9);
  std::vector<Tensor> w = run_steps(plain, Tensor({1}, 1.0f), {{1.0f}, {2.0f}});
  EXPECT_NEAR(w[0][0], 0.9, 1e-6);
  EXPECT_NEAR(w[1][0], 0.61, 1e-6);
  Sgd nesterov(0.1, 0.9, true);
  w = run_steps(nesterov, Tensor({1}, 1.0f), {{1.0f}, {2.0f}});
  EXPECT_NEAR(w[0][0], 0.81, 1e-6);
  EXPECT_NEAR(w[1][0], 0.349, 1e-6);
}

TEST(Momentum, ZeroIsExactlyPlainSgd) {
  const std::vector<std::vector<float>> grads = {{0.3f, -1.7f, 2.5f}, {1.1f, 0.2f, -0.9f}};
  Sgd plain(0.37);
  Sgd zero(0.37, 0.0);
  const auto built = make_optimizer({.rate = 0.37});
  const Tensor w0 = Tensor::from({3}, {0.5f, -0.25f, 1.5f});
  const std::vector<Tensor> expected = run_steps(plain, w0, grads);
  for (Optimizer* o : {static_cast<Optimizer*>(&zero), built.get()}) {
    const std::vector<Tensor> got = run_steps(*o, w0, grads);
    for (std::size_t s = 0; s < grads.size(); ++s)
      for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(got[s][i], expected[s][i]);
    EXPECT_TRUE(o->state_tensors(std::vector<Parameter>{}).empty());
  }
}

// Rate 0.1, betas 0.9 / 0.999, eps 1e-8, w0 = (1, -2), gradients (0.5, -1), (-0.25, 2), (1, 0.5).
// Step 1: m = 0.1 g, v = 0.001 g^2; corrected m^ = g, v^ = g^2, so the step is 0.1 g / (|g| + 1e-8):
//   w = (1 - 0.05/0.50000001, -2 + 0.1/1.00000001) = (0.900000002, -1.900000001)
// Step 2: m = 0.9 m + 0.1 g = (0.02, 0.11); v = 0.999 v + 0.001 g^2 = (0.00031225, 0.004999);
//   1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999; m^ = (0.105263158, 0.578947368),
//   sqrt(v^) = (0.395225381, 1.5813761); step = 0.1 m^ / (sqrt(v^) + 1e-8) = (0.0266337033, 0.0366103525)
//   w = (0.873366299, -1.936610353)
// Step 3: m = (0.118, 0.149); v = (0.00131193775, 0.005244001); 1 - 0.9^3 = 0.271,
//   1 - 0.999^3 = 0.002997001; m^ = (0.435424354, 0.549815498), sqrt(v^) = (0.661626925, 1.32278097);
//   step = (0.065811159, 0.0415651197); w = (0.80755514, -1.978175473)
// (PyTorch 1.13's torch.optim.Adam in double gives the same three points.)
TEST(Adam, FirstThreeStepsMatchHandValues) {
  Adam adam(0.1, 0.9, 0.999, 1e-8);
  EXPECT_EQ(adam.name(), "adam");
  const std::vector<Tensor> w =
      run_steps(adam, Tensor::from({2}, {1.0f, -2.0f}), {{0.5f, -1.0f}, {-0.25f, 2.0f}, {1.0f, 0.5f}});
  EXPECT_NEAR(w[0][0], 0.900000002, 1e-6);
  EXPECT_NEAR(w[0][1], -1.900000001, 1e-6);
  EXPECT_NEAR(w[1][0], 0.873366299, 1e-6);
  EXPECT_NEAR(w[1][1], -1.936610353, 1e-6);
  EXPECT_NEAR(w[2][0], 0.80755514, 1e-6);
  EXPECT_NEAR(w[2][1], -1.978175473, 1e-6);
  EXPECT_EQ(adam.state_scalars(), nlohmann::json({{"t", 3}}));
}

// Rate 0.01, alpha 0.9, eps 1e-8, w0 = (1, -2), gradients (0.5, -1) then (-0.25, 2).
// Step 1: v = 0.1 g^2 = (0.025, 0.1); w -= 0.01 g / (sqrt(v) + 1e-8) = 0.01 * (3.16227746, -3.16227756)
//   w = (0.968377225, -1.968377224)
// Step 2: v = 0.9 v + 0.1 g^2 = (0.02875, 0.49); sqrt(v) = (0.16955825, 0.7)
//   w -= 0.01 * (-0.25 / 0.16955826, 2 / 0.70000001) = (-0.0147441947, 0.0285714282)
//   w = (0.98312142, -1.996948653)
TEST(RmsProp, TwoStepsMatchHandValues) {
  RmsProp rmsprop(0.01, 0.9, 1e-8);
  EXPECT_EQ(rmsprop.name(), "rmsprop");
  const std::vector<Tensor> w = run_steps(rmsprop, Tensor::from({2}, {1.0f, -2.0f}), {{0.5f, -1.0f}, {-0.25f, 2.0f}});
  EXPECT_NEAR(w[0][0], 0.968377225, 1e-6);
  EXPECT_NEAR(w[0][1], -1.968377224, 1e-6);
  EXPECT_NEAR(w[1][0], 0.98312142, 1e-6);
  EXPECT_NEAR(w[1][1], -1.996948653, 1e-6);
}

// With a tiny gradient the square root is as small as eps, so where eps goes matters.
// Adam, rate 0.1, g = 1e-4: sqrt(v^) = 1e-4, step = 0.1 * 1e-4 / (1e-4 + 1e-8) = 0.0999900010;
//   eps inside, sqrt(1e-8 + 1e-8) = 1.414e-4, would give 0.0707.
// RMSprop, rate 0.001, alpha 0.99, g = 1e-4: v = 1e-10, sqrt(v) = 1e-5,
//   step = 0.001 * 1e-4 / (1e-5 + 1e-8) = 0.00999000999; eps inside would give 0.000995.
TEST(Adam, EpsIsAddedOutsideTheSquareRoot) {
  Adam adam(0.1);
  EXPECT_NEAR(run_steps(adam, Tensor({1}, 1.0f), {{1e-4f}})[0][0], 1 - 0.099990001, 1e-6);
  RmsProp rmsprop(0.001, 0.99, 1e-8);
  EXPECT_NEAR(run_steps(rmsprop, Tensor({1}, 1.0f), {{1e-4f}})[0][0], 1 - 0.00999000999, 1e-6);
}

// f(w) = sum a_i (w_i - c_i)^2 with curvatures 100 times apart; the gradient is 2 a (w - c).
TEST(Adam, MinimisesAQuadratic) {
  const std::vector<float> a = {1.0f, 100.0f}, c = {3.0f, -1.0f};
  Tensor w({2}, 0.0f), grad({2});
  std::vector<Parameter> params{{"w", &w, &grad}};
  Adam adam(0.05);
  for (int step = 0; step < 2000; ++step) {
    for (int64_t i = 0; i < 2; ++i) grad[i] = 2 * a[i] * (w[i] - c[i]);
    adam.step(params);
  }
  EXPECT_NEAR(w[0], c[0], 1e-3);
  EXPECT_NEAR(w[1], c[1], 1e-3);
}

// Decay 0.5 at rate 0.1 first scales the weight by 0.95, then Adam's first step moves it by 0.1:
//   weight (1) -> 0.95 - 0.1 * 0.5 / 0.50000001 = 0.850000002; the bias gets Adam's step only.
TEST(AdamW, DecaysWeightsButNotBiases) {
  TwoParameters p(Tensor({1}, 1.0f), Tensor({1}, 1.0f));
  TwoParameters q = p;
  AdamW adamw(0.1, 0.5);
  Adam adam(0.1);
  EXPECT_EQ(adamw.name(), "adamw");
  auto pp = p.list(), qp = q.list();
  for (auto* t : {&p.weight_grad, &p.bias_grad, &q.weight_grad, &q.bias_grad}) t->fill(0.5f);
  adamw.step(pp);
  adam.step(qp);
  EXPECT_NEAR(p.weight[0], 0.850000002, 1e-6);
  EXPECT_EQ(p.bias[0], q.bias[0]);  // exactly Adam
  EXPECT_NEAR(p.bias[0], 0.900000002, 1e-6);
}

// Clearing them is Network::zero_grad's job, called explicitly before each backward.
TEST(Optimizers, StepLeavesTheGradientsAsTheyAre) {
  for (const std::string& kind : kKinds) {
    TwoParameters p(testing::random_tensor({3, 4}, 1), testing::random_tensor({4}, 2));
    auto params = p.list();
    const auto optimizer = make_optimizer(options_of(kind));
    for (uint64_t step = 0; step < 2; ++step) {
      p.weight_grad = testing::random_tensor({3, 4}, 3 + step);
      p.bias_grad = testing::random_tensor({4}, 5 + step);
      const Tensor weight_grad = p.weight_grad, bias_grad = p.bias_grad;
      optimizer->step(params);
      for (int64_t i = 0; i < weight_grad.size(); ++i) EXPECT_EQ(p.weight_grad[i], weight_grad[i]) << kind;
      for (int64_t i = 0; i < bias_grad.size(); ++i) EXPECT_EQ(p.bias_grad[i], bias_grad[i]) << kind;
    }
  }
}

TEST(Optimizers, MakeBuildsEachKind) {
  EXPECT_EQ(make_optimizer(options_of("sgd"))->name(), "sgd");
  EXPECT_EQ(make_optimizer(options_of("adam"))->name(), "adam");
  EXPECT_EQ(make_optimizer(options_of("adamw"))->name(), "adamw");
  EXPECT_EQ(make_optimizer(options_of("rmsprop"))->name(), "rmsprop");
  EXPECT_EQ(make_optimizer(options_of("adam"))->rate(), 0.1);
}

TEST(Optimizers, RejectsEachBadOptionWithItsValue) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::pair<OptimizerOptions, std::string>> cases = {
      {{.rate = 0}, "learning rate must be positive, got 0"},
      {{.rate = -0.5, .kind = AdamOptions{}}, "learning rate must be positive, got -0.5"},
      {{.rate = nan}, "learning rate must be positive, got nan"},
      {{.kind = SgdOptions{.momentum = 1.5}}, "momentum must be in [0, 1), got 1.5"},
      {{.kind = SgdOptions{.momentum = 1}}, "momentum must be in [0, 1), got 1"},
      {{.kind = SgdOptions{.momentum = -0.1}}, "momentum must be in [0, 1), got -0.1"},
      {{.kind = SgdOptions{.nesterov = true}}, "nesterov needs momentum > 0"},
      {{.kind = AdamOptions{.beta1 = 1}}, "beta1 must be in [0, 1), got 1"},
      {{.kind = AdamWOptions{.beta2 = -0.001}}, "beta2 must be in [0, 1), got -0.001"},
      {{.kind = AdamOptions{.eps = 0}}, "eps must be positive, got 0"},
      {{.kind = RmsPropOptions{.eps = -1e-8}}, "eps must be positive, got -1e-08"},
      {{.kind = AdamWOptions{.weight_decay = -0.01}}, "weight_decay must be non-negative, got -0.01"},
      {{.kind = RmsPropOptions{.alpha = 1}}, "alpha must be in [0, 1), got 1"},
  };
  for (const auto& c : cases) EXPECT_EQ(error_of([&] { make_optimizer(c.first); }), c.second);
}

// ---- checkpoint state ----

using Saved = std::map<std::string, Tensor>;

// The gradients of step s, the same in every run.
void set_gradients(TwoParameters& p, int s) {
  p.weight_grad = testing::random_tensor({3, 4}, 100 + static_cast<uint64_t>(s));
  p.bias_grad = testing::random_tensor({4}, 200 + static_cast<uint64_t>(s));
}

TEST(Optimizers, StateRoundTripContinuesBitIdentically) {
  for (const std::string& kind : kKinds) {
    TwoParameters straight(testing::random_tensor({3, 4}, 7), testing::random_tensor({4}, 8));
    TwoParameters resumed = straight;
    const auto first = make_optimizer(options_of(kind));
    auto params = straight.list();
    for (int s = 0; s < 5; ++s) {
      set_gradients(straight, s);
      first->step(params);
    }

    auto before = make_optimizer(options_of(kind));
    params = resumed.list();
    for (int s = 0; s < 2; ++s) {
      set_gradients(resumed, s);
      before->step(params);
    }
    // As a checkpoint keeps it: scalars through JSON text, tensors copied.
    const auto scalars = nlohmann::json::parse(before->state_scalars().dump());
    Saved saved;
    for (const auto& [name, tensor] : before->state_tensors(params)) saved[name] = *tensor;
    before.reset();

    const auto after = make_optimizer(options_of(kind));
    after->load_state(scalars, [&](const std::string& name) { return saved.contains(name) ? &saved[name] : nullptr; },
                      params);
    for (int s = 2; s < 5; ++s) {
      set_gradients(resumed, s);
      after->step(params);
    }
    for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(resumed.weight[i], straight.weight[i]) << kind << " " << i;
    for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(resumed.bias[i], straight.bias[i]) << kind << " " << i;
    EXPECT_EQ(after->state_scalars(), first->state_scalars()) << kind;
  }
}

TEST(Optimizers, StateNamesEachSlotAndIsEmptyBeforeTheFirstStep) {
  const std::map<std::string, std::vector<std::string>> expected = {
      {"sgd", {"0.weight.velocity", "0.bias.velocity"}},
      {"adam", {"0.weight.m", "0.weight.v", "0.bias.m", "0.bias.v"}},
      {"rmsprop", {"0.weight.square_avg", "0.bias.square_avg"}}};
  for (const auto& [kind, names] : expected) {
    TwoParameters p(Tensor({2, 3}), Tensor({3}));
    auto params = p.list();
    const auto optimizer = make_optimizer(options_of(kind));
    EXPECT_TRUE(optimizer->state_tensors(params).empty()) << kind;
    EXPECT_EQ(optimizer->state_scalars(), nlohmann::json({{"t", 0}})) << kind;
    optimizer->step(params);
    std::vector<std::string> got;
    for (const auto& [name, tensor] : optimizer->state_tensors(params)) {
      got.push_back(name);
      EXPECT_EQ(tensor->shape(), name.starts_with("0.weight") ? Shape({2, 3}) : Shape({3}));
    }
    EXPECT_EQ(got, names);
  }
}

TEST(Optimizers, LoadStateNamesAMissingOrMisshapedTensor) {
  TwoParameters p(Tensor({2, 3}), Tensor({3}));
  auto params = p.list();
  Adam adam(0.1);
  Saved saved = {{"0.weight.m", Tensor({2, 3})}, {"0.weight.v", Tensor({2, 3})}, {"0.bias.m", Tensor({3})}};
  auto find = [&](const std::string& name) { return saved.contains(name) ? &saved[name] : nullptr; };
  const nlohmann::json scalars = {{"t", 4}};
  EXPECT_EQ(error_of([&] { adam.load_state(scalars, find, params); }), "optimizer state '0.bias.v' is missing");
  saved["0.bias.v"] = Tensor({4});
  EXPECT_EQ(error_of([&] { adam.load_state(scalars, find, params); }),
            "optimizer state '0.bias.v' has shape (4), expected (3)");
  EXPECT_EQ(error_of([&] { adam.load_state(nlohmann::json::object(), find, params); }),
            "adam optimizer state needs a step count \"t\" >= 0, got {}");
  saved["0.bias.v"] = Tensor({3});
  adam.load_state(scalars, find, params);
  EXPECT_EQ(adam.steps(), 4);
  // Saved before any step: nothing to restore.
  adam.load_state({{"t", 0}}, [](const std::string&) { return nullptr; }, params);
  EXPECT_TRUE(adam.state_tensors(params).empty());
}

TEST(Optimizers, ParametersMustKeepTheirCountAndShapes) {
  TwoParameters p(Tensor({2, 3}), Tensor({3}));
  auto params = p.list();
  RmsProp rmsprop(0.1);
  rmsprop.step(params);
  std::vector<Parameter> fewer = {params[0]};
  EXPECT_EQ(error_of([&] { rmsprop.step(fewer); }), "the optimizer state holds 2 parameters but was given 1");
  p.bias.resize({5});
  p.bias_grad.resize({5});
  EXPECT_EQ(error_of([&] { rmsprop.step(params); }),
            "parameter '0.bias' has shape (5) but its optimizer state has (3)");
}

// ---- options as JSON ----

TEST(OptimizerOptions, JsonHoldsTheFieldsOfTheKind) {
  EXPECT_EQ(to_json({.rate = 0.001, .kind = AdamOptions{}}),
            nlohmann::json::parse(R"({"optimizer":"adam","rate":0.001,"beta1":0.9,"beta2":0.999,"eps":1e-8})"));
  EXPECT_EQ(to_json({.rate = 0.001, .kind = AdamWOptions{}}),
            nlohmann::json::parse(
                R"({"optimizer":"adamw","rate":0.001,"beta1":0.9,"beta2":0.999,"eps":1e-8,"weight_decay":0.01})"));
  EXPECT_EQ(to_json({.rate = 3, .kind = SgdOptions{.momentum = 0.9, .nesterov = true}}),
            nlohmann::json::parse(R"({"optimizer":"sgd","rate":3.0,"momentum":0.9,"nesterov":true})"));
  EXPECT_EQ(to_json({.rate = 0.01, .kind = RmsPropOptions{}}),
            nlohmann::json::parse(R"({"optimizer":"rmsprop","rate":0.01,"alpha":0.99,"eps":1e-8})"));
}

TEST(OptimizerOptions, JsonRoundTripAndDefaults) {
  const OptimizerOptions o{.rate = 0.002, .kind = AdamWOptions{.beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1}};
  const OptimizerOptions back = optimizer_options_from_json(to_json(o));
  EXPECT_EQ(to_json(back), to_json(o));
  EXPECT_EQ(std::get<AdamWOptions>(back.kind).weight_decay, 0.1);
  // Keys no optimiser reads (a run configuration's others) are left alone.
  const OptimizerOptions partial = optimizer_options_from_json({{"optimizer", "rmsprop"}, {"epochs", 3}});
  EXPECT_EQ(kind_name(partial), "rmsprop");
  EXPECT_EQ(partial.rate, OptimizerOptions{}.rate);
  EXPECT_EQ(std::get<RmsPropOptions>(partial.kind).alpha, RmsPropOptions{}.alpha);
  EXPECT_EQ(kind_name(optimizer_options_from_json(nlohmann::json::object())), "sgd");
}

TEST(OptimizerOptions, JsonRejectsUnknownKindsOtherKindsKeysAndWrongTypes) {
  EXPECT_EQ(error_of([] { optimizer_options_from_json({{"optimizer", "adamx"}}); }),
            "optimizer 'adamx' is unknown (expected sgd, adam, adamw, rmsprop or adagrad)");
  EXPECT_EQ(error_of([] { optimizer_options_from_json({{"optimizer", "adam"}, {"momentum", 0.9}}); }),
            "momentum is not a setting of the adam optimizer");
  EXPECT_EQ(error_of([] { optimizer_options_from_json({{"rate", "fast"}}); }), "rate must be a number, got \"fast\"");
  EXPECT_EQ(error_of([] { optimizer_options_from_json({{"nesterov", 1}}); }), "nesterov must be true or false, got 1");
}

}  // namespace
}  // namespace neurite
