// Gradient clipping by global norm and by value.
#include <gtest/gtest.h>

#include <cmath>

#include "neurite/error.h"
#include "neurite/train/clipping.h"
#include "test_support.h"

namespace neurite {
namespace {

struct TwoParameters {
  Tensor a = Tensor::from({2}, {0, 0}), ga = Tensor::from({2}, {3, 0});
  Tensor b = Tensor::from({1}, {0}), gb = Tensor::from({1}, {-4});
  std::vector<Parameter> params{{"a", &a, &ga}, {"b", &b, &gb}};
};

TEST(Clipping, GlobalNormRescalesAllGradientsTogether) {
  TwoParameters p;  // gradients (3, 0) and (-4): global norm 5
  EXPECT_DOUBLE_EQ(clip_gradients(p.params, {.norm = 2.5}), 5.0);
  EXPECT_FLOAT_EQ(p.ga[0], 1.5f);
  EXPECT_FLOAT_EQ(p.gb[0], -2.0f);  // the direction is kept
  EXPECT_NEAR(global_gradient_norm(p.params), 2.5, 1e-6);
}

TEST(Clipping, NormBelowTheThresholdChangesNothing) {
  TwoParameters p;
  clip_gradients(p.params, {.norm = 5.5});
  EXPECT_EQ(p.ga[0], 3.0f);
  EXPECT_EQ(p.gb[0], -4.0f);
}

TEST(Clipping, ValueClampsEachEntry) {
  TwoParameters p;
  clip_gradients(p.params, {.value = 3.5});
  EXPECT_EQ(p.ga[0], 3.0f);
  EXPECT_EQ(p.gb[0], -3.5f);
}

TEST(Clipping, BadThresholdsNameTheOption) {
  EXPECT_THROW(validate(Clipping{.norm = -1}), Error);
  EXPECT_THROW(validate(Clipping{.value = std::nan("")}), Error);
  EXPECT_NO_THROW(validate(Clipping{.norm = 0, .value = 0}));
  testing::expect_one_line_error("train --clip-norm 0", "--clip-norm: must be a positive number, got 0");
  testing::expect_one_line_error("train --clip-value -2", "--clip-value: must be a positive number, got -2");
}

}  // namespace
}  // namespace neurite
