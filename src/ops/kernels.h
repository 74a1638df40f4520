// The hot kernels of one kernel family, and the family this process runs with (private to the
// library). Each family's copy is compiled with its own instruction set (isa.h, CMakeLists.txt's
// NEURITE_KERNEL_SOURCES); chosen() picks the widest the CPU has, at most NEURITE_KERNELS.
#pragma once
#include <cstdint>
#include <memory>

#include "gemm_kernel.h"
#include "neurite/ops/conv.h"

namespace neurite {
class DenseChain;
class Network;
}  // namespace neurite

namespace neurite::kernels {

enum class Family { sse, avx2, avx512 };

struct Table {
  Family family;
  const char* name;  // "avx512", "avx2", "sse"
  // gemm_kernel.h
  void (*rows_of_b)(bool trans_a, const kernel::Block& b, int64_t K, float alpha, const float* A, int64_t lda,
                    const float* B, int64_t ldb, float* C, int64_t ldc);
  void (*dots)(const kernel::Block& b, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
               int64_t ldb, float* C, int64_t ldc);
  // conv_fast.h, behind include/neurite/ops/conv.h
  void (*im2col)(const ConvGeometry& g, const float* x, float* cols);
  void (*col2im_add)(const ConvGeometry& g, const float* cols, float* dx);
  void (*conv2d_forward)(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* b,
                         float* y, ConvAlgorithm algorithm);
  void (*conv2d_backward)(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* dy,
                          float* dw, float* db, float* dx, ConvAlgorithm algorithm);
  // pool_kernel.h; null where the family has no masked loads (SSE)
  void (*max_row_2x2)(const float* in, int64_t w, int64_t oy, int64_t ow, bool relu_after, float* out, int32_t* arg);
  void (*route_row_2x2)(const float* in, const int32_t* arg, const float* dy, int64_t w, int64_t oy, int64_t ow,
                        bool relu_mask, float* d);
  // train/dense_chain.h
  std::unique_ptr<DenseChain> (*make_dense_chain)(Network& net);
};

// One per family, each defined by kernel_table.cpp compiled with that family's flags.
namespace sse { extern const Table table; }
namespace avx2 { extern const Table table; }
namespace avx512 { extern const Table table; }

// Whether this CPU can run the family's instructions.
bool cpu_runs(Family family);
// The family this process uses, chosen on first use: the widest the CPU runs, capped by the
// environment variable NEURITE_KERNELS (avx512, avx2 or sse; anything else is an Error).
const Table& chosen();

}  // namespace neurite::kernels
