#include "neurite/ops/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>

namespace neurite {

namespace {

std::atomic<GemmBackend> g_backend{GemmBackend::Auto};
std::atomic<int64_t> g_kernel_limit{1 << 20};
std::atomic<int> g_threads{0};  // 0: not chosen yet, use every core

// Below this many multiply-adds a second thread costs more to wake than it saves.
constexpr int64_t kParallelMinWork = 1 << 15;
// Partitions of C are multiples of this many columns (or rows), so an element always lands at
// the same place relative to the kernel's column blocks, whatever the thread count.
constexpr int64_t kColumnAlign = 16;
// Size of the pieces of C handed to OpenBLAS (a multiple of kColumnAlign).
constexpr int64_t kBlasPiece = 128;

// A block of C handled by one thread: rows [i0, i1), columns [j0, j1).
struct Block {
  int64_t i0, i1, j0, j1;
};

void scale_block(const Block& b, float beta, float* C, int64_t ldc) {
  for (int64_t i = b.i0; i < b.i1; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.0f) {
      std::fill(c + b.j0, c + b.j1, 0.0f);
    } else if (beta != 1.0f) {
      for (int64_t j = b.j0; j < b.j1; ++j) c[j] *= beta;
    }
  }
}

// C[i, :] += alpha * sum_k a(i, k) * B[k, :] with B row-major (K x N): rows of B are streamed
// four at a time so each C element is loaded and stored once per four k.
template <bool TransA>
void kernel_rows_of_b(const Block& b, int64_t K, float alpha, const float* A, int64_t lda,
                      const float* B, int64_t ldb, float* C, int64_t ldc) {
  auto a_at = [&](int64_t i, int64_t k) { return TransA ? A[k * lda + i] : A[i * lda + k]; };
  for (int64_t i = b.i0; i < b.i1; ++i) {
    float* __restrict c = C + i * ldc;
    int64_t k = 0;
    for (; k + 4 <= K; k += 4) {
      const float a0 = alpha * a_at(i, k), a1 = alpha * a_at(i, k + 1);
      const float a2 = alpha * a_at(i, k + 2), a3 = alpha * a_at(i, k + 3);
      const float* __restrict b0 = B + k * ldb;
      const float* __restrict b1 = b0 + ldb;
      const float* __restrict b2 = b1 + ldb;
      const float* __restrict b3 = b2 + ldb;
#pragma omp simd
      for (int64_t j = b.j0; j < b.j1; ++j) c[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
    }
    for (; k < K; ++k) {
      const float a0 = alpha * a_at(i, k);
      const float* __restrict b0 = B + k * ldb;
#pragma omp simd
      for (int64_t j = b.j0; j < b.j1; ++j) c[j] += a0 * b0[j];
    }
  }
}

// C[i, j] += alpha * dot(A[i, :], B[j, :]) with B stored (N x K): four dot products share each
// load of A's row and give the adder four independent chains.
void kernel_dots(const Block& b, int64_t K, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float* C, int64_t ldc) {
  for (int64_t i = b.i0; i < b.i1; ++i) {
    const float* __restrict a = A + i * lda;
    float* c = C + i * ldc;
    int64_t j = b.j0;
    for (; j + 4 <= b.j1; j += 4) {
      const float* __restrict b0 = B + j * ldb;
      const float* __restrict b1 = b0 + ldb;
      const float* __restrict b2 = b1 + ldb;
      const float* __restrict b3 = b2 + ldb;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
      for (int64_t k = 0; k < K; ++k) {
        s0 += a[k] * b0[k];
        s1 += a[k] * b1[k];
        s2 += a[k] * b2[k];
        s3 += a[k] * b3[k];
      }
      c[j] += alpha * s0;
      c[j + 1] += alpha * s1;
      c[j + 2] += alpha * s2;
      c[j + 3] += alpha * s3;
    }
    for (; j < b.j1; ++j) {
      const float* __restrict b0 = B + j * ldb;
      float s0 = 0;
#pragma omp simd reduction(+ : s0)
      for (int64_t k = 0; k < K; ++k) s0 += a[k] * b0[k];
      c[j] += alpha * s0;
    }
  }
}

void kernel_block(Transpose ta, Transpose tb, const Block& b, int64_t K, float alpha,
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                  int64_t ldc) {
  scale_block(b, beta, C, ldc);
  if (tb == Transpose::No) {
    if (ta == Transpose::No) kernel_rows_of_b<false>(b, K, alpha, A, lda, B, ldb, C, ldc);
    else kernel_rows_of_b<true>(b, K, alpha, A, lda, B, ldb, C, ldc);
  } else if (ta == Transpose::No) {
    kernel_dots(b, K, alpha, A, lda, B, ldb, C, ldc);
  } else {  // A^T B^T: rare, plain loops
    for (int64_t i = b.i0; i < b.i1; ++i)
      for (int64_t j = b.j0; j < b.j1; ++j) {
        float s = 0;
        for (int64_t k = 0; k < K; ++k) s += A[k * lda + i] * B[j * ldb + k];
        C[i * ldc + j] += alpha * s;
      }
  }
}

void blas_block(Transpose ta, Transpose tb, const Block& b, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                int64_t ldc) {
  const float* a = ta == Transpose::No ? A + b.i0 * lda : A + b.i0;
  const float* bb = tb == Transpose::No ? B + b.j0 : B + b.j0 * ldb;
  cblas_sgemm(CblasRowMajor, ta == Transpose::Yes ? CblasTrans : CblasNoTrans,
              tb == Transpose::Yes ? CblasTrans : CblasNoTrans, static_cast<int>(b.i1 - b.i0),
              static_cast<int>(b.j1 - b.j0), static_cast<int>(K), alpha, a, static_cast<int>(lda),
              bb, static_cast<int>(ldb), beta, C + b.i0 * ldc + b.j0, static_cast<int>(ldc));
}

// Splits C along its longer side into `parts` pieces, aligned to whole column blocks.
Block block_for(int part, int parts, int64_t M, int64_t N) {
  const bool split_columns = N >= M;
  const int64_t extent = split_columns ? N : M;
  const int64_t units = (extent + kColumnAlign - 1) / kColumnAlign;
  const int64_t lo = std::min(extent, units * part / parts * kColumnAlign);
  const int64_t hi = std::min(extent, units * (part + 1) / parts * kColumnAlign);
  return split_columns ? Block{0, M, lo, hi} : Block{lo, hi, 0, N};
}

// OpenBLAS picks its micro-kernels by the shape it is given, so an element's bits depend on
// where the call's edges fall. Cutting C into pieces of a fixed size, whatever the thread count,
// keeps every element in the same call at the same place.
int blas_parts(int64_t M, int64_t N) {
  const int64_t extent = std::max(M, N);
  return static_cast<int>((extent + kBlasPiece - 1) / kBlasPiece);
}

}  // namespace

void gemm(Transpose ta, Transpose tb, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  const int64_t work = M * N * std::max<int64_t>(K, 1);
  const GemmBackend backend = g_backend.load(std::memory_order_relaxed);
  const bool use_blas =
      backend == GemmBackend::Blas ||
      (backend == GemmBackend::Auto && work > g_kernel_limit.load(std::memory_order_relaxed));
  const int parts = use_blas ? blas_parts(M, N) : (work >= kParallelMinWork ? num_threads() : 1);
  const int threads = work >= kParallelMinWork ? std::min(parts, num_threads()) : 1;
  auto run = [&](int part) {
    const Block b = block_for(part, parts, M, N);
    if (b.i0 >= b.i1 || b.j0 >= b.j1) return;
    if (use_blas) blas_block(ta, tb, b, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else kernel_block(ta, tb, b, K, alpha, A, lda, B, ldb, beta, C, ldc);
  };
  if (threads == 1) {
    for (int part = 0; part < parts; ++part) run(part);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int part = 0; part < parts; ++part) run(part);
}

void gemm_reference(Transpose ta, Transpose tb, int64_t M, int64_t N, int64_t K, float alpha,
                    const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                    float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double sum = 0;
      for (int64_t k = 0; k < K; ++k) {
        const float a = ta == Transpose::No ? A[i * lda + k] : A[k * lda + i];
        const float b = tb == Transpose::No ? B[k * ldb + j] : B[j * ldb + k];
        sum += static_cast<double>(a) * b;
      }
      float& c = C[i * ldc + j];
      c = static_cast<float>(alpha * sum + (beta == 0.0f ? 0.0 : static_cast<double>(beta) * c));
    }
}

void set_gemm_backend(GemmBackend backend) { g_backend = backend; }
GemmBackend gemm_backend() { return g_backend; }
void set_gemm_kernel_limit(int64_t multiply_adds) { g_kernel_limit = multiply_adds; }
int64_t gemm_kernel_limit() { return g_kernel_limit; }

void set_num_threads(int threads) {
  // OpenBLAS runs inside our threads, so its own pool would only fight them for the cores.
  openblas_set_num_threads(1);
  g_threads = std::max(1, threads);
}

int num_threads() {
  int t = g_threads.load(std::memory_order_relaxed);
  if (t == 0) {
    set_num_threads(omp_get_num_procs());
    t = g_threads.load();
  }
  return t;
}

}  // namespace neurite
