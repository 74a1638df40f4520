#include "neurite/ops/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "kernels.h"

namespace neurite {

namespace {

std::atomic<GemmBackend> g_backend{GemmBackend::Auto};
std::atomic<int> g_threads{0};  // 0: not chosen yet, use every core

// Under Auto, products with at most this many multiply-adds (M*N*K) run in our kernel: below it
// a BLAS call's overhead outweighs its faster arithmetic (see docs/benchmarks.md); batch-32
// products of a 784-64 layer (1.6 M) ran 15% faster in our kernel than in OpenBLAS.
constexpr int64_t kKernelLimit = 1 << 22;
// A product with a small C but long dot products (a mini-batch through a wide dense layer: 50 x
// 100 outputs over 1,568 inputs) runs in our kernel whatever its size: OpenBLAS takes it in one
// piece on one core at about half our two threads' speed (bench_gemm's cnn_dense_fwd row).
constexpr int64_t kSmallOutput = 1 << 14;
// Below this many multiply-adds a second thread costs more to wake than it saves (measured:
// batch-10 products of 784-30-10 ran slower on two threads, and far slower when the other core
// is busy); evaluating 10,000 images at once still splits.
constexpr int64_t kParallelMinWork = 1 << 20;
// Partitions of C are multiples of this many columns (or rows), so an element always lands at
// the same place relative to the kernel's column blocks, whatever the thread count.
constexpr int64_t kColumnAlign = 16;
// A B^T with fewer than this many terms per dot product runs as row updates (kernel_block).
constexpr int64_t kSmallK = 16;
// Size of the pieces of C handed to OpenBLAS (a multiple of kColumnAlign).
constexpr int64_t kBlasPiece = 128;

// A block of C handled by one thread: rows [i0, i1), columns [j0, j1).
using kernel::Block;

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

void kernel_block(Transpose ta, Transpose tb, const Block& b, int64_t K, float alpha,
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                  int64_t ldc) {
  scale_block(b, beta, C, ldc);
  if (tb == Transpose::No) {
    kernels::chosen().rows_of_b(ta == Transpose::Yes, b, K, alpha, A, lda, B, ldb, C, ldc);
  } else if (ta == Transpose::No && K < kSmallK) {
    // Dot products shorter than a vector leave the vector loop idle (a first layer taking a
    // table's few columns): B transposed once makes them vector-wide row updates instead.
    thread_local std::vector<float> transposed;
    transposed.assign(static_cast<std::size_t>(K * b.j1), 0.0f);
    for (int64_t j = b.j0; j < b.j1; ++j)
      for (int64_t k = 0; k < K; ++k) transposed[static_cast<std::size_t>(k * b.j1 + j)] = B[j * ldb + k];
    kernels::chosen().rows_of_b(false, b, K, alpha, A, lda, transposed.data(), b.j1, C, ldc);
  } else if (ta == Transpose::No) {
    kernels::chosen().dots(b, K, alpha, A, lda, B, ldb, C, ldc);
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
  gemm(g_backend.load(std::memory_order_relaxed), ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm(GemmBackend backend, Transpose ta, Transpose tb, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  const int64_t work = M * N * std::max<int64_t>(K, 1);
  const bool use_blas =
      backend == GemmBackend::Blas ||
      (backend == GemmBackend::Auto && work > kKernelLimit && M * N > kSmallOutput);
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
