// The fast path of conv2d, one copy per kernel family (isa.h); include/neurite/ops/conv.h's
// functions of the same contracts call the chosen family's (src/ops/kernels.h).
#pragma once
#include <cstdint>

#include "isa.h"
#include "neurite/ops/conv.h"

namespace neurite::conv_fast {
inline namespace NEURITE_ISA {

void im2col(const ConvGeometry& g, const float* x, float* cols);
void col2im_add(const ConvGeometry& g, const float* cols, float* dx);
void forward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* b, float* y,
             ConvAlgorithm algorithm);
void backward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* dy, float* dw,
              float* db, float* dx, ConvAlgorithm algorithm);

}  // namespace NEURITE_ISA
}  // namespace neurite::conv_fast
