// The products measured by bench_gemm and bench_gemm_blis, shared so both report the same rows.
// Row-major, C (M x N) = op(A) (M x K) * op(B) (K x N), as neurite::gemm takes them.
#pragma once
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace neurite_bench {

struct GemmShape {
  const char* name;
  bool trans_a, trans_b;
  int64_t M, N, K;
};

// One batch-10 step of 784-30-10, the seed CNN's dense layer, then the large products.
inline constexpr GemmShape kShapes[] = {
    // forward of layer 1: X (10x784) . W1^T, W1 stored (30x784)
    {"fwd_10x30x784_NT", false, true, 10, 30, 784},
    // weight gradient of layer 1: dZ^T (30x10) . X (10x784), dZ stored (10x30)
    {"wgrad_30x784x10_TN", true, false, 30, 784, 10},
    // input gradient of layer 2: dZ (10x10) . W2 (10x30)
    {"igrad_10x30x10_NN", false, false, 10, 30, 10},
    // the same two products with W1 stored transposed, (784 x 30) "in x out": what libxsmm's JIT
    // kernels need (libxsmm 1.17 generates none for the row-major B^T of the forward above)
    {"fwd_Wt_10x30x784_NN", false, false, 10, 30, 784},
    {"wgrad_Wt_784x30x10_TN", true, false, 784, 30, 10},
    // seed 001's CNN: a batch of 50 through its dense 1568 -> 100 layer. The forward product has
    // a small C and long dot products: neurite_auto runs it in our kernel at any size (gemm.cpp's
    // kSmallOutput), where OpenBLAS would take it in one piece on one core.
    {"cnn_dense_fwd_50x100x1568_NT", false, true, 50, 100, 1568},
    {"cnn_dense_wgrad_100x1568x50_TN", true, false, 100, 1568, 50},
    {"cnn_dense_igrad_50x1568x100_NN", false, false, 50, 1568, 100},
    // evaluating 10,000 test images through layer 1 at once
    {"eval_10000x30x784_NT", false, true, 10000, 30, 784},
    {"square_256_NN", false, false, 256, 256, 256},
    {"square_1024_NN", false, false, 1024, 1024, 1024},
};
inline constexpr int kShapeCount = static_cast<int>(sizeof(kShapes) / sizeof(kShapes[0]));

// Operands laid out densely (leading dimension = stored row length), filled with values in
// [-1, 1] so nothing denormal or huge shows up in the timing.
struct GemmOperands {
  explicit GemmOperands(const GemmShape& s) : shape(s) {
    lda = s.trans_a ? s.M : s.K;  // A stored (K x M) when transposed, else (M x K)
    ldb = s.trans_b ? s.K : s.N;  // B stored (N x K) when transposed, else (K x N)
    ldc = s.N;
    std::mt19937 gen(42);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    A.resize(static_cast<std::size_t>(s.M * s.K));
    B.resize(static_cast<std::size_t>(s.K * s.N));
    C.assign(static_cast<std::size_t>(s.M * s.N), 0.0f);
    for (float& v : A) v = dist(gen);
    for (float& v : B) v = dist(gen);
  }
  double flops() const { return 2.0 * static_cast<double>(shape.M * shape.N * shape.K); }

  GemmShape shape;
  int64_t lda, ldb, ldc;
  std::vector<float> A, B, C;
};

}  // namespace neurite_bench
