// neurite's own small-matrix GEMM kernels (private to src/ops). Each computes one block of C,
// C[i0:i1, j0:j1] += alpha * (product), after the caller has applied beta.
//
// Every element is computed by the same sequence of operations whichever path of the kernel
// (register block or remainder) it falls in, so results never depend on how C was split
// between threads.
#pragma once
#include <cstdint>

#include "isa.h"

namespace neurite::kernel {

struct Block {
  int64_t i0, i1, j0, j1;
};

// Compiled once per kernel family (isa.h): src/ops/kernels.cpp calls the chosen family's.
inline namespace NEURITE_ISA {

// B row-major (K x N): C[i, :] += alpha * sum_k a(i, k) B[k, :]; a(i, k) = A[i, k], or A[k, i]
// when trans_a.
void rows_of_b(bool trans_a, const Block& b, int64_t K, float alpha, const float* A, int64_t lda,
               const float* B, int64_t ldb, float* C, int64_t ldc);

// B stored (N x K): C[i, j] += alpha * dot(A[i, :], B[j, :]).
void dots(const Block& b, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
          int64_t ldb, float* C, int64_t ldc);

}  // namespace NEURITE_ISA
}  // namespace neurite::kernel
