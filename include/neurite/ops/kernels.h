// The kernel family neurite's hot loops (GEMM, convolution, the fused dense step) run with.
//
// Each is compiled for AVX-512, AVX2 (with FMA) and SSE (x86-64's baseline); the first use picks
// the widest this CPU runs, or at most the one named by the environment variable NEURITE_KERNELS
// (avx512, avx2 or sse), as oneDNN's ONEDNN_MAX_CPU_ISA does. Results are the same bits from run
// to run within a family; between families the last bits may differ (vector widths change the
// order of some sums, and SSE has no fused multiply-add).
#pragma once
#include <string>

namespace neurite {

// "avx512", "avx2" or "sse". Throws neurite::Error when NEURITE_KERNELS holds another value.
std::string kernel_family();

}  // namespace neurite
