// Which instruction set this translation unit is compiled for (private to the library).
//
// The hot kernels (src/ops/gemm_kernel, conv_fast, conv_direct, conv_winograd, pool_kernel and
// train/dense_chain_steps) are compiled once per kernel family, each with its own flags
// (CMakeLists.txt, NEURITE_KERNEL_SOURCES), and src/ops/kernels.cpp picks one family at run time
// by what the CPU has. Everything those files define, and the inline helpers they share (simd.h,
// fast_math.h), sits in an inline namespace named after the family, so the three copies never
// meet under one name: without it the linker would keep one copy of an inline function and might
// call AVX-512 code on an AVX2 CPU. Element-wise loops elsewhere use family_dispatch.h instead.
#pragma once

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
#define NEURITE_ISA avx512
#elif defined(__AVX2__) && defined(__FMA__)
#define NEURITE_ISA avx2
#else
#define NEURITE_ISA sse
#endif
