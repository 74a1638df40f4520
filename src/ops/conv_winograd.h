// Winograd convolution (private to src/ops): F(4x4, 5x5), each 4x4 block of outputs from an
// 8x8 block of the padded input, with 64 products per (input, output) channel pair where the
// direct path needs 400 (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2016). The three products of a layer become 64 small matrix products each, one per position
// of the 8x8 transformed block, between the channels:
//   forward          M[p] (tiles, O) = V[p] (tiles, C) U[p] (C, O), then Y = A^T M A per tile;
//   weight gradient  dU[p] (C, O) += V[p]^T dM[p], with dM = A dY A^T, then dW = G^T dU G;
//   input gradient   dV[p] (tiles, C) = dM[p] U[p]^T, then dX += B dV B^T per tile,
// where U = G w G^T and V = B^T x B. The backward products are the exact adjoints of the forward
// ones, so a gradient check of the layer passes as it does with the direct path.
//
// The results differ from the direct path's in the last bits (the transforms round); they are
// deterministic for a given kernel family and thread count independent, as the direct path's.
// The vector lanes run over channels, so both channel counts must be whole vectors.
// Memory: 64 C O floats of transformed filters for each pass, and as many for each group of
// samples' weight gradient (10 groups at batch 50), kept between calls: 1.6 MB for seed 001's
// 16 -> 32 layer, but 200 MB for a 256 -> 256 one, one more reason the algorithm is opt-in.
#pragma once
#include <cstdint>

#include "isa.h"
#include "neurite/ops/conv.h"

namespace neurite::winograd {
inline namespace NEURITE_ISA {  // one copy per kernel family (isa.h)

// A 5x5 kernel, stride 1, padding at most 4, and channel counts in whole vectors of this family.
bool applies(const ConvGeometry& g);

// The contracts of conv2d_forward and conv2d_backward (include/neurite/ops/conv.h): y = x * w + b;
// dw += dL/dw, db += dL/db (db may be null), dx = dL/dx (dx may be null). `group` samples are
// summed together before the groups are added in order (conv_fast.cpp's group_size).
void forward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* b, float* y);
void backward(const ConvGeometry& g, int64_t batch, int64_t group, const float* x, const float* w, const float* dy,
              float* dw, float* db, float* dx);

}  // namespace NEURITE_ISA
}  // namespace neurite::winograd
