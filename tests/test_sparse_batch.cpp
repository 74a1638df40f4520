// The sparse products behind a dense layer fed mostly-zero rows (a table's one-hot columns):
// the compressed batch itself, its products against sums in double, the dense layer taking that
// path (forward, all three gradients, central differences through a network) and the batches
// that must keep the dense path.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "neurite/gradcheck.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "neurite/rng.h"
#include "ops/sparse_batch.h"
#include "test_support.h"

namespace neurite {
namespace {

// Rows like a prepared table: one standardised number, then three one-hot groups of 30
// categories: 4 nonzero values in 91 columns (4.4%, under the 1-in-16 share that goes sparse).
constexpr int64_t kGroups = 3, kCategories = 30, kColumns = 1 + kGroups * kCategories;

Tensor one_hot_rows(int64_t n, uint64_t seed) {
  Rng rng(seed, 7);
  Tensor x({n, kColumns});
  for (int64_t r = 0; r < n; ++r) {
    float* row = x.data() + r * kColumns;
    row[0] = static_cast<float>(rng.uniform(-2, 2));
    for (int64_t g = 0; g < kGroups; ++g)
      row[1 + g * kCategories + static_cast<int64_t>(rng.uniform() * kCategories)] = 1.0f;
  }
  return x;
}

Tensor random_tensor(Shape shape, uint64_t seed) {
  Rng rng(seed, 8);
  Tensor t(std::move(shape));
  for (float& v : t.span()) v = static_cast<float>(rng.uniform(-1, 1));
  return t;
}

void expect_close(const Tensor& actual, const std::vector<double>& expected, const std::string& what) {
  ASSERT_EQ(static_cast<std::size_t>(actual.size()), expected.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual.data()[i], expected[i], 1e-5 * (1 + std::abs(expected[i]))) << what << " element " << i;
}

TEST(SparseBatch, GroupsTheNonzeroEntriesByColumnInRowOrder) {
  // rows: [0 2 0 0], [0 0 0 0], [1 3 0 -1]
  const Tensor x = Tensor::from({3, 4}, {0, 2, 0, 0, 0, 0, 0, 0, 1, 3, 0, -1});
  sparse::SparseBatch batch;
  ASSERT_TRUE(sparse::compress(x.data(), 3, 4, 4, batch));
  EXPECT_EQ(batch.column, (std::vector<int32_t>{0, 1, 3}));
  EXPECT_EQ(batch.start, (std::vector<int64_t>{0, 1, 3, 4}));
  EXPECT_EQ(batch.row, (std::vector<int32_t>{2, 0, 2, 2}));
  EXPECT_EQ(batch.value, (std::vector<float>{1, 2, 3, -1}));
  // One entry more than allowed: refused, so the caller multiplies densely.
  EXPECT_FALSE(sparse::compress(x.data(), 3, 4, 3, batch));
}

TEST(SparseBatch, NaNCountsAsNonzero) {
  // A NaN input must reach the output (training stops on it) rather than be skipped as a zero.
  const Tensor x = Tensor::from({1, 20}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NAN, 0, 0});
  sparse::SparseBatch batch;
  ASSERT_TRUE(sparse::compress(x.data(), 1, 20, 1, batch));
  EXPECT_EQ(batch.column, (std::vector<int32_t>{17}));
  const Tensor w = random_tensor({3, 20}, 1);
  Tensor y({1, 3});
  sparse::times_transposed(batch, w.data(), 3, 0.0f, y.data());
  for (float v : y.span()) EXPECT_TRUE(std::isnan(v));
}

TEST(SparseBatch, ProductsMatchSumsInDouble) {
  const int64_t n = 37, out = 21;  // 21 outputs: one full vector and a remainder
  const Tensor x = one_hot_rows(n, 2), w = random_tensor({out, kColumns}, 3), dy = random_tensor({n, out}, 4);
  sparse::SparseBatch batch;
  ASSERT_TRUE(sparse::compress(x.data(), n, kColumns, n * kColumns, batch));
  Tensor y = random_tensor({n, out}, 5);
  const Tensor y_before = y;
  sparse::times_transposed(batch, w.data(), out, 0.5f, y.data());
  Tensor dw = random_tensor({out, kColumns}, 6);
  const Tensor dw_before = dw;
  sparse::add_transposed_times(dy.data(), out, batch, dw.data());

  std::vector<double> y_expected, dw_expected;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double sum = 0.5 * y_before.data()[r * out + o];
      for (int64_t k = 0; k < kColumns; ++k) sum += double{x.data()[r * kColumns + k]} * w.data()[o * kColumns + k];
      y_expected.push_back(sum);
    }
  for (int64_t o = 0; o < out; ++o)
    for (int64_t k = 0; k < kColumns; ++k) {
      double sum = dw_before.data()[o * kColumns + k];
      for (int64_t r = 0; r < n; ++r) sum += double{dy.data()[r * out + o]} * x.data()[r * kColumns + k];
      dw_expected.push_back(sum);
    }
  expect_close(y, y_expected, "y = 0.5 y + x W^T");
  expect_close(dw, dw_expected, "dW += dy^T x");
}

TEST(SparseBatch, EmptyBatchLeavesOnlyTheStart) {
  const Tensor x({4, 50});
  sparse::SparseBatch batch;
  ASSERT_TRUE(sparse::compress(x.data(), 4, 50, 0, batch));
  EXPECT_TRUE(batch.column.empty());
  Tensor y = Tensor::from({4, 1}, {1, 2, 3, 4});
  const Tensor w = random_tensor({1, 50}, 9);
  sparse::times_transposed(batch, w.data(), 1, 1.0f, y.data());
  testing::expect_values(y, {4, 1}, {1, 2, 3, 4});
}

// A dense layer given one-hot rows against the same products in double: output, weight and bias
// gradients, and the input gradient (which stays dense).
TEST(DenseOnSparseRows, ForwardAndGradientsMatchSumsInDouble) {
  const int64_t n = 32, out = 64;
  Dense layer({.in = kColumns, .out = out});
  layer.weight() = random_tensor({out, kColumns}, 10);
  layer.bias() = random_tensor({out}, 11);
  const Tensor x = one_hot_rows(n, 12), dy = random_tensor({n, out}, 13);
  Tensor y, dx;
  layer.forward(x, y);
  layer.backward(x, y, dy, &dx);
  const std::vector<Parameter> params = layer.parameters();

  std::vector<double> y_expected, dw_expected, db_expected, dx_expected;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double sum = layer.bias().data()[o];
      for (int64_t k = 0; k < kColumns; ++k) sum += double{x.data()[r * kColumns + k]} * layer.weight().data()[o * kColumns + k];
      y_expected.push_back(sum);
    }
  for (int64_t o = 0; o < out; ++o) {
    double bias_sum = 0;
    for (int64_t r = 0; r < n; ++r) bias_sum += dy.data()[r * out + o];
    db_expected.push_back(bias_sum);
    for (int64_t k = 0; k < kColumns; ++k) {
      double sum = 0;
      for (int64_t r = 0; r < n; ++r) sum += double{dy.data()[r * out + o]} * x.data()[r * kColumns + k];
      dw_expected.push_back(sum);
    }
  }
  for (int64_t r = 0; r < n; ++r)
    for (int64_t k = 0; k < kColumns; ++k) {
      double sum = 0;
      for (int64_t o = 0; o < out; ++o) sum += double{dy.data()[r * out + o]} * layer.weight().data()[o * kColumns + k];
      dx_expected.push_back(sum);
    }
  expect_close(y, y_expected, "y");
  expect_close(*params[0].grad, dw_expected, "dW");
  expect_close(*params[1].grad, db_expected, "db");
  expect_close(dx, dx_expected, "dx");
}

// The same layer and rows, once as they are and once with every zero replaced by a tiny value
// (too dense for the sparse path): the two paths agree to float rounding.
TEST(DenseOnSparseRows, AgreesWithTheDensePath) {
  const int64_t n = 16, out = 24;
  Dense layer({.in = kColumns, .out = out});
  layer.weight() = random_tensor({out, kColumns}, 14);
  layer.bias() = random_tensor({out}, 15);
  const Tensor sparse_x = one_hot_rows(n, 16), dy = random_tensor({n, out}, 17);
  Tensor dense_x = sparse_x;
  for (float& v : dense_x.span())
    if (v == 0.0f) v = 1e-30f;  // changes no sum in float, but is not zero
  Tensor y_sparse, y_dense;
  layer.forward(sparse_x, y_sparse);
  layer.backward(sparse_x, y_sparse, dy, nullptr);
  const Tensor dw_sparse = *layer.parameters()[0].grad;
  layer.parameters()[0].grad->fill(0.0f);
  layer.forward(dense_x, y_dense);
  layer.backward(dense_x, y_dense, dy, nullptr);
  const Tensor& dw_dense = *layer.parameters()[0].grad;
  for (int64_t i = 0; i < y_dense.size(); ++i) EXPECT_NEAR(y_sparse.data()[i], y_dense.data()[i], 1e-5) << i;
  for (int64_t i = 0; i < dw_dense.size(); ++i) EXPECT_NEAR(dw_sparse.data()[i], dw_dense.data()[i], 1e-5) << i;
}

// Central differences through a network whose first layer takes one-hot rows: the sparse weight
// gradient is what backprop hands on, so a wrong one fails here.
TEST(DenseOnSparseRows, PassesTheGradientCheck) {
  Network net({kColumns});
  net.add(std::make_unique<Dense>(DenseOptions{.in = kColumns, .out = 8}));
  net.add(std::make_unique<Activation>(ActivationKind::Sigmoid));
  net.add(std::make_unique<Dense>(DenseOptions{.in = 8, .out = 3}));
  Rng rng(18, 3);
  net.initialize({.kind = Initializer::Kind::Rashid}, rng);
  const Tensor x = one_hot_rows(6, 19);
  Tensor target = random_tensor({6, 3}, 20);
  const GradCheckReport report = gradient_check(net, QuadraticCost(), x, target);
  EXPECT_TRUE(report.passed) << report.describe();
}

}  // namespace
}  // namespace neurite
