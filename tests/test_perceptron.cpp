// The classic perceptron and linear unit must reproduce seed 002's printed results exactly.
#include <gtest/gtest.h>

#include "neurite/classic/perceptron.h"
#include "neurite/error.h"

namespace neurite {
namespace {

TEST(Perceptron, StartsAtZero) {
  const Perceptron p(3, step);
  EXPECT_EQ(p.weights(), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(p.bias(), 0.0);
  const double x[] = {1, 2, 3};
  EXPECT_EQ(p.predict(x), 0.0);  // step(0) is 0: "greater than", not "at least"
}

TEST(Perceptron, StepActivation) {
  EXPECT_EQ(step(0.0), 0.0);
  EXPECT_EQ(step(-1e-9), 0.0);
  EXPECT_EQ(step(1e-9), 1.0);
}

TEST(Perceptron, LearnsAndLikeTheSeed) {
  const Perceptron p = train_and_perceptron(10, 0.1);
  ASSERT_EQ(p.weights().size(), 2u);
  EXPECT_NEAR(p.weights()[0], 0.1, 1e-12);
  EXPECT_NEAR(p.weights()[1], 0.2, 1e-12);
  EXPECT_NEAR(p.bias(), -0.2, 1e-12);
  const std::vector<std::vector<double>> inputs{{1, 1}, {0, 0}, {1, 0}, {0, 1}};
  const double expected[] = {1, 0, 0, 0};
  for (std::size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(p.predict(inputs[i]), expected[i]) << i;
}

TEST(Perceptron, OneUpdateFollowsTheRule) {
  // From zero, sample (1, 1) with label 1: output 0, delta 1, so w = rate * x and b = rate.
  Perceptron p(2, step);
  const std::vector<std::vector<double>> inputs{{1, 1}};
  const double labels[] = {1};
  p.train(inputs, labels, 1, 0.5);
  EXPECT_EQ(p.weights(), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(p.bias(), 0.5);
}

TEST(LinearUnit, FitsSalariesLikeTheSeed) {
  const Perceptron unit = train_salary_linear_unit(10, 0.01);
  ASSERT_EQ(unit.weights().size(), 1u);
  EXPECT_NEAR(unit.weights()[0], 1124.0635, 1e-4);
  EXPECT_NEAR(unit.bias(), 85.4853, 1e-4);
  const std::pair<double, double> cases[] = {{3.4, 3907.30}, {15, 16946.44}, {1.5, 1771.58}, {6.3, 7167.09}};
  for (const auto& [years, salary] : cases) {
    const double x[] = {years};
    EXPECT_NEAR(unit.predict(x), salary, 0.005) << years << " years";
  }
}

TEST(LinearUnit, IdentityActivation) {
  const Perceptron unit = make_linear_unit(2);
  const double x[] = {-3, 4};
  EXPECT_EQ(unit.predict(x), 0.0);  // zero weights, zero bias, and no clipping to 0/1
}

TEST(Perceptron, RejectsMismatchedSizes) {
  Perceptron p(2, step);
  const double one[] = {1};
  EXPECT_THROW(p.predict(one), Error);
  const std::vector<std::vector<double>> inputs{{1, 1}, {0, 0}};
  const double labels[] = {1};
  EXPECT_THROW(p.train(inputs, labels, 1, 0.1), Error);
}

}  // namespace
}  // namespace neurite
