// The GEMM fast paths (our kernel, OpenBLAS) against the plain reference loop, every
// transposition, odd sizes, alpha / beta, and bit-identical results for 1 and 2 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "neurite/ops/gemm.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::random_tensor;

struct Case {
  int64_t m, n, k;
};

Tensor run(GemmBackend backend, Transpose ta, Transpose tb, Case c, float alpha, float beta, int threads) {
  const Tensor a = random_tensor(ta == Transpose::No ? Shape{c.m, c.k} : Shape{c.k, c.m}, 1);
  const Tensor b = random_tensor(tb == Transpose::No ? Shape{c.k, c.n} : Shape{c.n, c.k}, 2);
  Tensor out = random_tensor({c.m, c.n}, 3);
  set_gemm_backend(backend);
  set_num_threads(threads);
  gemm(ta, tb, c.m, c.n, c.k, alpha, a.data(), a.dim(1), b.data(), b.dim(1), beta, out.data(), c.n);
  set_gemm_backend(GemmBackend::Auto);
  return out;
}

Tensor reference(Transpose ta, Transpose tb, Case c, float alpha, float beta) {
  const Tensor a = random_tensor(ta == Transpose::No ? Shape{c.m, c.k} : Shape{c.k, c.m}, 1);
  const Tensor b = random_tensor(tb == Transpose::No ? Shape{c.k, c.n} : Shape{c.n, c.k}, 2);
  Tensor out = random_tensor({c.m, c.n}, 3);
  gemm_reference(ta, tb, c.m, c.n, c.k, alpha, a.data(), a.dim(1), b.data(), b.dim(1), beta, out.data(), c.n);
  return out;
}

const Case kCases[] = {{1, 1, 1}, {10, 30, 784}, {30, 784, 10}, {10, 784, 30}, {7, 13, 5},
                       {33, 65, 17}, {64, 100, 129}, {200, 3, 41}};

class GemmTest : public ::testing::TestWithParam<std::tuple<GemmBackend, bool, bool>> {};

TEST_P(GemmTest, MatchesReference) {
  const auto [backend, trans_a, trans_b] = GetParam();
  const Transpose ta = trans_a ? Transpose::Yes : Transpose::No;
  const Transpose tb = trans_b ? Transpose::Yes : Transpose::No;
  for (const Case& c : kCases)
    for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, std::pair{-0.3f, 1.0f}, std::pair{2.0f, 0.5f}}) {
      const Tensor fast = run(backend, ta, tb, c, alpha, beta, 2);
      const Tensor ref = reference(ta, tb, c, alpha, beta);
      for (int64_t i = 0; i < ref.size(); ++i)
        ASSERT_NEAR(fast[i], ref[i], 1e-4 * (1 + std::abs(ref[i])) * std::sqrt(static_cast<double>(c.k)))
            << "m=" << c.m << " n=" << c.n << " k=" << c.k << " at " << i;
    }
}

TEST_P(GemmTest, SameBitsForOneAndTwoThreads) {
  const auto [backend, trans_a, trans_b] = GetParam();
  const Transpose ta = trans_a ? Transpose::Yes : Transpose::No;
  const Transpose tb = trans_b ? Transpose::Yes : Transpose::No;
  for (const Case& c : kCases) {
    const Tensor one = run(backend, ta, tb, c, 0.7f, 1.0f, 1);
    const Tensor two = run(backend, ta, tb, c, 0.7f, 1.0f, 2);
    for (int64_t i = 0; i < one.size(); ++i)
      ASSERT_EQ(one[i], two[i]) << "m=" << c.m << " n=" << c.n << " k=" << c.k << " at " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllPaths, GemmTest,
                         ::testing::Combine(::testing::Values(GemmBackend::Kernel, GemmBackend::Blas),
                                            ::testing::Bool(), ::testing::Bool()));

// Auto sends products over 2^22 multiply-adds to OpenBLAS, except those with a small C (at most
// 2^14 elements), which stay in our kernel: a batch of 50 through the seed CNN's dense 1568 ->
// 100 layer takes our kernel's bits, a product as large with a big C takes OpenBLAS's.
TEST(Gemm, AutoKeepsSmallOutputsInTheKernelAtAnySize) {
  const auto bits = [](GemmBackend backend, Case c) {
    return run(backend, Transpose::No, Transpose::Yes, c, 1.0f, 0.0f, 2);
  };
  const auto same = [](const Tensor& a, const Tensor& b) {
    return std::equal(a.span().begin(), a.span().end(), b.span().begin());
  };
  const Case small_output{50, 100, 1568}, large_output{200, 300, 100};  // 7.8 M and 6 M multiply-adds
  for (const Case& c : {small_output, large_output})
    if (same(bits(GemmBackend::Kernel, c), bits(GemmBackend::Blas, c)))
      GTEST_SKIP() << "this BLAS gives our kernel's bits: the backends cannot be told apart";
  EXPECT_TRUE(same(bits(GemmBackend::Auto, small_output), bits(GemmBackend::Kernel, small_output)));
  EXPECT_TRUE(same(bits(GemmBackend::Auto, large_output), bits(GemmBackend::Blas, large_output)));
}

TEST(Gemm, BetaZeroIgnoresNaNInOutput) {
  const Tensor a = random_tensor({4, 3}, 1), b = random_tensor({3, 5}, 2);
  for (GemmBackend backend : {GemmBackend::Kernel, GemmBackend::Blas}) {
    set_gemm_backend(backend);
    Tensor out({4, 5}, std::nanf(""));
    gemm(Transpose::No, Transpose::No, 4, 5, 3, 1.0f, a.data(), 3, b.data(), 5, 0.0f, out.data(), 5);
    for (float v : out.span()) EXPECT_FALSE(std::isnan(v));
  }
  set_gemm_backend(GemmBackend::Auto);
}

}  // namespace
}  // namespace neurite
