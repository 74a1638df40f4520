// Adagrad against values worked out by hand, its options by name and as JSON, and its state
// surviving a checkpoint. (Written with the optimiser as the measure of issue 13: a new
// optimiser is its header entry, its source and this test.)
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "neurite/error.h"
#include "neurite/optim/optimizer.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

// Rate 0.1, w = (1, -2), gradients (0.5, -1) then (-0.25, 2):
//   step 1: s = (0.25, 1),     w = (1 - 0.1*0.5/0.5, -2 + 0.1*1/1)           = (0.9, -1.9)
//   step 2: s = (0.3125, 5),   w = (0.9 + 0.1*0.25/sqrt(0.3125), -1.9 - 0.1*2/sqrt(5))
//                                  = (0.944721360, -1.989442719)
TEST(Adagrad, TwoStepsMatchHandValues) {
  Adagrad adagrad(0.1);
  EXPECT_EQ(adagrad.name(), "adagrad");
  Tensor w = Tensor::from({2}, {1.0f, -2.0f}), grad({2});
  std::vector<Parameter> params{{"w", &w, &grad}};
  grad = Tensor::from({2}, {0.5f, -1.0f});
  adagrad.step(params);
  EXPECT_NEAR(w[0], 0.9, 1e-6);
  EXPECT_NEAR(w[1], -1.9, 1e-6);
  grad = Tensor::from({2}, {-0.25f, 2.0f});
  adagrad.step(params);
  EXPECT_NEAR(w[0], 0.944721360, 1e-6);
  EXPECT_NEAR(w[1], -1.989442719, 1e-6);
}

TEST(Adagrad, BuiltByNameWithItsOwnKeys) {
  const OptimizerOptions o = optimizer_options_from_json({{"optimizer", "adagrad"}, {"rate", 0.05}, {"eps", 1e-6}});
  EXPECT_EQ(make_optimizer(o)->name(), "adagrad");
  EXPECT_EQ(to_json(o), nlohmann::json::parse(R"({"optimizer":"adagrad","rate":0.05,"eps":1e-6})"));
  EXPECT_EQ(error_of([] { optimizer_options_from_json({{"optimizer", "adagrad"}, {"beta1", 0.9}}); }),
            "beta1 is not a setting of the adagrad optimizer");
  EXPECT_EQ(error_of([] { make_optimizer({.rate = 0.1, .kind = AdagradOptions{.eps = 0}}); }), "eps must be positive, got 0");
  EXPECT_NE(optimizer_kinds().find("adagrad"), std::string::npos);
}

// The running sums are the state: a fresh optimiser loaded from them takes the same next step.
TEST(Adagrad, StateSurvivesACheckpoint) {
  Tensor w = Tensor::from({2}, {1.0f, -2.0f}), grad = Tensor::from({2}, {0.5f, -1.0f});
  std::vector<Parameter> params{{"w", &w, &grad}};
  Adagrad first(0.1);
  first.step(params);
  std::map<std::string, Tensor> saved;
  for (const auto& [name, tensor] : first.state_tensors(params)) saved.emplace(name, *tensor);
  ASSERT_EQ(saved.count("w.sum"), 1u);
  Adagrad resumed(0.1);
  resumed.load_state(first.state_scalars(), [&](const std::string& name) {
    const auto it = saved.find(name);
    return it == saved.end() ? nullptr : &it->second;
  }, params);
  Tensor w2 = w;
  std::vector<Parameter> params2{{"w", &w2, &grad}};
  first.step(params);
  resumed.step(params2);
  EXPECT_EQ(w[0], w2[0]);
  EXPECT_EQ(w[1], w2[1]);
}

}  // namespace
}  // namespace neurite
