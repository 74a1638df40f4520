// Element-wise loops in the chosen kernel family's instructions, without a file compiled per
// family (private to the library).
//
//   in_kernel_family([&]() NEURITE_INLINE { for (...) out[i] = fast::sigmoid(in[i]); });
//
// runs the lambda inside a function compiled for AVX-512, AVX2 or the build's baseline, as
// kernels::chosen() says: the lambda is inlined into each and vectorised there. Only plain
// arithmetic and inline functions belong in it (simd.h's intrinsics follow the file's own flags,
// and an OpenMP region would be outlined with them); split work between threads outside it.
// In a native build (-march=native) every family's variant is the build's own code.
#pragma once
#include "kernels.h"

#define NEURITE_INLINE __attribute__((always_inline))

// The same features as CMakeLists.txt's NEURITE_KERNEL_FLAGS_avx2/avx512 and kernels.cpp's
// cpu_runs(): a feature added to one must be added to all three.
#if defined(NEURITE_PORTABLE)
#define NEURITE_TARGET_AVX2 __attribute__((target("avx2,fma,bmi,bmi2,popcnt")))
#define NEURITE_TARGET_AVX512 __attribute__((target("avx2,fma,bmi,bmi2,popcnt,avx512f,avx512bw,avx512dq,avx512vl")))
#else
#define NEURITE_TARGET_AVX2
#define NEURITE_TARGET_AVX512
#endif

namespace neurite::kernels {

// Named after the family, so that tests/check_kernel_families.sh knows what each may use.
namespace avx512 {
template <class F>
NEURITE_TARGET_AVX512 void run(const F& f) { f(); }
}  // namespace avx512
namespace avx2 {
template <class F>
NEURITE_TARGET_AVX2 void run(const F& f) { f(); }
}  // namespace avx2

template <class F>
void in_kernel_family(const F& f) {
  switch (chosen().family) {
    case Family::avx512: return avx512::run(f);
    case Family::avx2: return avx2::run(f);
    case Family::sse: return f();
  }
}

}  // namespace neurite::kernels
