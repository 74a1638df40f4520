// The one matrix product every layer uses. Row-major:
//   C (M x N) = alpha * op(A) (M x K) * op(B) (K x N) + beta * C,  op(X) = X or X^T.
// beta == 0 overwrites C (its old contents, even NaN, are ignored).
//
// Two backends sit behind it. Small products (a mini-batch of 10 through a 784-30-10 network)
// cost more in a BLAS call's overhead than in arithmetic, so they run in our own register-blocked
// loops; large ones go to OpenBLAS. Either way the work is split between threads by blocks of
// C only, never along K, so every element is computed by the same instructions in the same order
// whatever the thread count: results are bit-identical for 1 or many threads.
#pragma once
#include <cstdint>

namespace neurite {

enum class Transpose : bool { No = false, Yes = true };

enum class GemmBackend {
  Auto,     // small products in the kernel, large ones in BLAS (the default)
  Kernel,   // always our own kernel
  Blas,     // always OpenBLAS
};

void gemm(Transpose trans_a, Transpose trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc);
// The same with the backend chosen by the caller, for layers that measured which one suits
// their shapes (the global setting is ignored).
void gemm(GemmBackend backend, Transpose trans_a, Transpose trans_b, int64_t M, int64_t N, int64_t K,
          float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc);

// The plain triple loop that the fast paths are tested against.
void gemm_reference(Transpose trans_a, Transpose trans_b, int64_t M, int64_t N, int64_t K,
                    float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                    float beta, float* C, int64_t ldc);

void set_gemm_backend(GemmBackend backend);
GemmBackend gemm_backend();

// Worker threads for neurite's kernels (OpenMP); BLAS itself is kept single-threaded.
void set_num_threads(int threads);
int num_threads();

}  // namespace neurite
