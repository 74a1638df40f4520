// Direct convolution (private to src/ops): the three products of a conv layer read
// the (zero-padded) image itself instead of an im2col copy of every receptive field.
//
// The vector lanes run over channels, and each image value is broadcast from memory into a
// multiply-add (an embedded broadcast operand), so no column matrix is ever written or read back.
// Every output element sums the same terms in the same order as im2col + GEMM does, so both
// paths give the same bits (tested); the direct one skips the copies.
#pragma once
#include <cstdint>
#include <vector>

#include "isa.h"
#include "neurite/ops/conv.h"
#include "neurite/tensor.h"

namespace neurite::direct {
inline namespace NEURITE_ISA {  // one copy per kernel family (isa.h)

using Buffer = std::vector<float, AlignedAllocator<float>>;

// The forward pass and the weight gradient: a stride of 1 or 2 along rows (any down columns),
// and padding smaller than the kernel (so the input gradient's padding of dy, kernel - 1 -
// padding, is not negative), on a target with masked vector stores.
bool applies(const ConvGeometry& g);

// The input gradient: the same strides. Its vectors run over input channels: with fewer than
// half a vector of them (a first layer's 1 channel) im2col's products, which run over
// positions, are faster.
bool input_grad_applies(const ConvGeometry& g);

// The forward pass's vectors run along output rows rather than over filters: with fewer than
// half a vector of input channels (a first layer) that is faster, and it gives the same bits.
// Its rows are contiguous loads: for a stride of 2 along rows each padded row is stored as its
// even columns and then its odd ones.
bool forward_by_rows(const ConvGeometry& g);

// A channel count rounded up to whole vectors: the width of the rearranged weight rows.
int64_t vector_width(int64_t channels);

// W (O, C, KH, KW) as W^T (C*KH*KW, vector_width(O)), zero beyond O: what forward reads.
Buffer forward_weights(const ConvGeometry& g, const float* w);
// W as ((i, j), o, c) with rows of vector_width(C), zero beyond C: what the input gradient reads.
Buffer input_grad_weights(const ConvGeometry& g, const float* w);

// One sample: y (O, OH, OW) = x (C, H, W) * W + b (b may be null). `padded` is scratch.
void forward_sample(const ConvGeometry& g, const float* forward_w, const float* x, const float* b, float* y,
                    Buffer& padded);
// One sample: dw_t (C*KH*KW, ld) += the receptive fields of x times dy_t (OH*OW, ld), dy
// transposed with its rows padded to ld = vector_width(O).
void weight_grad_sample(const ConvGeometry& g, const float* x, const float* dy_t, int64_t ld, float* dw_t,
                        Buffer& padded);
// One sample: dx (C, H, W) = dy (O, OH, OW) "fully" convolved with the flipped filters.
void input_grad_sample(const ConvGeometry& g, const float* input_grad_w, const float* dy, float* dx,
                       Buffer& padded);

}  // namespace NEURITE_ISA
}  // namespace neurite::direct
