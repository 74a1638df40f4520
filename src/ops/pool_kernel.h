// Max-pooling rows in vector lanes, one copy per kernel family (isa.h, kernels.h).
#pragma once
#include <cstdint>

#include "isa.h"

namespace neurite::pool_kernel {
inline namespace NEURITE_ISA {

// Row oy of a plane's 2x2, stride-2 max pooling: out[ox] the largest of in's window (ow of them)
// and arg[ox] its index in the plane (w columns), the first of equals as the scalar loop keeps it;
// with relu_after, out[ox] is then put through ReLU.
void max_row_2x2(const float* in, int64_t w, int64_t oy, int64_t ow, bool relu_after, float* out, int32_t* arg);

// Its backward: input rows 2oy and 2oy+1 of d (the plane's gradient, w columns, the first 2 * ow
// written) from row oy of dy and of arg; with relu_mask, only where in (the pooled plane) > 0.
void route_row_2x2(const float* in, const int32_t* arg, const float* dy, int64_t w, int64_t oy, int64_t ow,
                   bool relu_mask, float* d);

}  // namespace NEURITE_ISA
}  // namespace neurite::pool_kernel
