#include "gemm_kernel.h"

#include "simd.h"

namespace neurite::kernel {
inline namespace NEURITE_ISA {

namespace {

using simd::kLanes;
using simd::load;
using simd::splat;
using simd::store;
using simd::Vec;

// Rows of C per register block in rows_of_b: 6 rows x 4 vectors = 24 accumulators, plus 4 vectors
// of B, fit AVX-512's 32 registers; AVX2's 16 registers hold 2 x 4.
constexpr int64_t kRowBlock = kLanes == 16 ? 6 : 2;

// Sum of the lanes in a fixed order (pairwise halves).
inline float sum_lanes(Vec v) {
  float lanes[kLanes];
  store(lanes, v);
  for (int64_t width = kLanes / 2; width >= 1; width /= 2)
    for (int64_t l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  return lanes[0];
}

// ---- rows_of_b: C[i, :] += alpha * sum_k a(i, k) B[k, :] ----
// Register block: kRowBlock rows of C by 4 vectors of columns; each k loads 4 vectors of B and
// broadcasts kRowBlock values of A for 4 * kRowBlock fused multiply-adds. Every element sums
// its k terms in the same order on every path, so the block shape never changes a result.

template <bool TransA, int64_t Rows, int64_t Vecs>
[[gnu::noinline]] void rows_block(int64_t i, int64_t j, int64_t K, float alpha, const float* A, int64_t lda,
                       const float* B, int64_t ldb, float* C, int64_t ldc) {
  Vec acc[Rows][Vecs] = {};
  for (int64_t k = 0; k < K; ++k) {
    const float* b = B + k * ldb + j;
    Vec bv[Vecs];
    for (int64_t v = 0; v < Vecs; ++v) bv[v] = load(b + v * kLanes);
    for (int64_t r = 0; r < Rows; ++r) {
      // A scalar times a vector broadcasts it inside the multiply-add (an embedded broadcast
      // operand): no register and no extra instruction per broadcast, unlike splat().
      const float a = TransA ? A[k * lda + i + r] : A[(i + r) * lda + k];
      for (int64_t v = 0; v < Vecs; ++v) acc[r][v] += a * bv[v];
    }
  }
  const Vec alpha_v = splat(alpha);
  for (int64_t r = 0; r < Rows; ++r)
    for (int64_t v = 0; v < Vecs; ++v) {
      float* c = C + (i + r) * ldc + j + v * kLanes;
      store(c, load(c) + alpha_v * acc[r][v]);
    }
}

// The same for the last `count` (< kLanes) columns of a strip, in one masked vector per row.
template <bool TransA, int64_t Rows>
[[gnu::always_inline]] inline void rows_block_tail(int64_t i, int64_t j, int64_t count, int64_t K, float alpha,
                                                   const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                                                   int64_t ldc) {
  const simd::Lanes mask(0, count);
  Vec acc[Rows] = {};
  for (int64_t k = 0; k < K; ++k) {
    const Vec bv = load(B + k * ldb + j, mask);
    for (int64_t r = 0; r < Rows; ++r) acc[r] += (TransA ? A[k * lda + i + r] : A[(i + r) * lda + k]) * bv;
  }
  const Vec alpha_v = splat(alpha);
  for (int64_t r = 0; r < Rows; ++r) {
    float* c = C + (i + r) * ldc + j;
    store(c, load(c, mask) + alpha_v * acc[r], mask);
  }
}

template <bool TransA>
inline void rows_scalar(int64_t i, int64_t j, int64_t K, float alpha, const float* A, int64_t lda,
                        const float* B, int64_t ldb, float* C, int64_t ldc) {
  float acc = 0;
  for (int64_t k = 0; k < K; ++k) acc += (TransA ? A[k * lda + i] : A[i * lda + k]) * B[k * ldb + j];
  C[i * ldc + j] += alpha * acc;
}

template <bool TransA, int64_t Rows>
void rows_strip(int64_t i, const Block& b, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float* C, int64_t ldc) {
  int64_t j = b.j0;
  for (; j + 4 * kLanes <= b.j1; j += 4 * kLanes)
    rows_block<TransA, Rows, 4>(i, j, K, alpha, A, lda, B, ldb, C, ldc);
  for (; j + 2 * kLanes <= b.j1; j += 2 * kLanes)  // half blocks keep narrow products fed
    rows_block<TransA, Rows, 2>(i, j, K, alpha, A, lda, B, ldb, C, ldc);
  for (; j + kLanes <= b.j1; j += kLanes)
    rows_block<TransA, Rows, 1>(i, j, K, alpha, A, lda, B, ldb, C, ldc);
  if (simd::kHasMasks && j < b.j1) return rows_block_tail<TransA, Rows>(i, j, b.j1 - j, K, alpha, A, lda, B, ldb, C, ldc);
  for (; j < b.j1; ++j)
    for (int64_t r = 0; r < Rows; ++r) rows_scalar<TransA>(i + r, j, K, alpha, A, lda, B, ldb, C, ldc);
}

template <bool TransA>
void rows_of_b_impl(const Block& b, int64_t K, float alpha, const float* A, int64_t lda,
                    const float* B, int64_t ldb, float* C, int64_t ldc) {
  int64_t i = b.i0;
  if constexpr (kRowBlock > 2)
    for (; i + kRowBlock <= b.i1; i += kRowBlock) rows_strip<TransA, kRowBlock>(i, b, K, alpha, A, lda, B, ldb, C, ldc);
  for (; i + 2 <= b.i1; i += 2) rows_strip<TransA, 2>(i, b, K, alpha, A, lda, B, ldb, C, ldc);
  for (; i < b.i1; ++i) rows_strip<TransA, 1>(i, b, K, alpha, A, lda, B, ldb, C, ldc);
}

// ---- dots: C[i, j] += alpha * dot(A[i, :], B[j, :]) ----
// Register block: kDotRows rows of A by 4 rows of B, 16 vector accumulators along k with
// AVX-512 (each step loads 8 vectors for 16 fused multiply-adds), 8 with AVX2's 16 registers.
// The k tail that does not fill a vector is added after the lanes are summed, identically on
// every path, so the block shape never changes a result.

constexpr int64_t kDotRows = kLanes == 16 ? 4 : 2;

template <int64_t RowsA, int64_t RowsB>
inline void dots_block(int64_t i, int64_t j, int64_t K, float alpha, const float* A, int64_t lda,
                       const float* B, int64_t ldb, float* C, int64_t ldc) {
  Vec acc[RowsA][RowsB] = {};
  const int64_t k_vec = K - K % kLanes;
  for (int64_t k = 0; k < k_vec; k += kLanes) {
    Vec av[RowsA];
    for (int64_t r = 0; r < RowsA; ++r) av[r] = load(A + (i + r) * lda + k);
    for (int64_t s = 0; s < RowsB; ++s) {
      const Vec bv = load(B + (j + s) * ldb + k);
      for (int64_t r = 0; r < RowsA; ++r) acc[r][s] += av[r] * bv;
    }
  }
  for (int64_t r = 0; r < RowsA; ++r)
    for (int64_t s = 0; s < RowsB; ++s) {
      float sum = sum_lanes(acc[r][s]);
      for (int64_t k = k_vec; k < K; ++k) sum += A[(i + r) * lda + k] * B[(j + s) * ldb + k];
      C[(i + r) * ldc + j + s] += alpha * sum;
    }
}

template <int64_t RowsA>
void dots_strip(int64_t i, const Block& b, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float* C, int64_t ldc) {
  int64_t j = b.j0;
  for (; j + 4 <= b.j1; j += 4) dots_block<RowsA, 4>(i, j, K, alpha, A, lda, B, ldb, C, ldc);
  for (; j < b.j1; ++j) dots_block<RowsA, 1>(i, j, K, alpha, A, lda, B, ldb, C, ldc);
}

}  // namespace

void rows_of_b(bool trans_a, const Block& b, int64_t K, float alpha, const float* A, int64_t lda,
               const float* B, int64_t ldb, float* C, int64_t ldc) {
  if (trans_a) rows_of_b_impl<true>(b, K, alpha, A, lda, B, ldb, C, ldc);
  else rows_of_b_impl<false>(b, K, alpha, A, lda, B, ldb, C, ldc);
}

void dots(const Block& b, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
          int64_t ldb, float* C, int64_t ldc) {
  int64_t i = b.i0;
  if constexpr (kDotRows > 2)
    for (; i + kDotRows <= b.i1; i += kDotRows) dots_strip<kDotRows>(i, b, K, alpha, A, lda, B, ldb, C, ldc);
  for (; i + 2 <= b.i1; i += 2) dots_strip<2>(i, b, K, alpha, A, lda, B, ldb, C, ldc);
  for (; i < b.i1; ++i) dots_strip<1>(i, b, K, alpha, A, lda, B, ldb, C, ldc);
}

}  // namespace NEURITE_ISA
}  // namespace neurite::kernel
