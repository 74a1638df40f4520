// The vectorisable exp, sigmoid and tanh (src/ops/fast_math.h) against the C library: within a
// few ulp over the range the layers use, clamped (finite) beyond it, and a NaN passed through as
// NaN so that training still reports it (the sanitizers also check the NaN path is defined).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/fast_math.h"

namespace neurite {
namespace {

float ulps_apart(float a, float b) { return std::fabs(a - b) / std::fabs(std::nextafter(b, INFINITY) - b); }

TEST(FastMath, ExpWithinThreeUlpOverItsRange) {  // 2 with fused multiply-add, 3 without (SSE)
  for (float x = -87.0f; x <= 88.0f; x += 0.01373f) EXPECT_LE(ulps_apart(fast::exp(x), std::exp(x)), 3.0f) << x;
  EXPECT_EQ(fast::exp(0.0f), 1.0f);
}

TEST(FastMath, ExpClampsInsteadOfOverflowing) {
  EXPECT_TRUE(std::isfinite(fast::exp(1000.0f)));
  EXPECT_GT(fast::exp(-1000.0f), 0.0f);
  EXPECT_TRUE(std::isfinite(fast::exp(INFINITY)));
}

TEST(FastMath, SigmoidAndTanhMatchTheCLibrary) {
  for (float x = -30.0f; x <= 30.0f; x += 0.0917f) {
    EXPECT_NEAR(fast::sigmoid(x), 1.0f / (1.0f + std::exp(-x)), 1e-6f) << x;
    EXPECT_NEAR(fast::tanh(x), std::tanh(x), 1e-6f) << x;
  }
  EXPECT_EQ(fast::tanh(0.0f), 0.0f);
  EXPECT_EQ(fast::sigmoid(0.0f), 0.5f);
}

TEST(FastMath, NaNStaysNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(fast::exp(nan)));
  EXPECT_TRUE(std::isnan(fast::sigmoid(nan)));
  EXPECT_TRUE(std::isnan(fast::tanh(nan)));
}

}  // namespace
}  // namespace neurite
