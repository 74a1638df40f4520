// 2-D convolution (cross-correlation, as in PyTorch and seed 002) on (N, C, H, W) tensors.
// Three implementations of the same three products, tested against each other:
//   - the reference: plain nested loops straight from the definition, for reading and checking;
//   - im2col (copy every receptive field into a column) and one GEMM per sample, for any stride;
//   - direct (src/ops/conv_direct.cpp), for stride 1: the products read the padded image itself,
//     with no column copies, and give the same bits as im2col + GEMM;
//   - Winograd (src/ops/conv_winograd.cpp), opt-in for 5x5 kernels: fewer products, other bits.
// Weights are PyTorch's (out_channels, in_channels, kernel_h, kernel_w).
#pragma once
#include <cstdint>

namespace neurite {

struct ConvGeometry {
  int64_t in_channels = 1, in_h = 1, in_w = 1;
  int64_t out_channels = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;

  // Seed 002: (W1 - F + 2P) / S + 1, rounded down (PyTorch's convention).
  int64_t out_h() const { return (in_h + 2 * pad_h - kernel_h) / stride_h + 1; }
  int64_t out_w() const { return (in_w + 2 * pad_w - kernel_w) / stride_w + 1; }
  int64_t patch_size() const { return in_channels * kernel_h * kernel_w; }  // one filter's weights
  int64_t in_size() const { return in_channels * in_h * in_w; }             // one input sample
  int64_t out_size() const { return out_channels * out_h() * out_w(); }     // one output sample
  // Multiply-adds of one sample's forward pass (each backward product costs the same).
  int64_t macs() const { return out_size() * patch_size(); }
  bool operator==(const ConvGeometry&) const = default;
};

// ---- Reference loops -------------------------------------------------------------------
// y (N, O, OH, OW) = x (N, C, H, W) * w (O, C, KH, KW) + b (O); b may be null.
void conv2d_forward_reference(const ConvGeometry& g, int64_t batch, const float* x, const float* w,
                              const float* b, float* y);
// From dy (N, O, OH, OW): dw += dL/dw, db += dL/db (db may be null), dx = dL/dx (dx may be null).
void conv2d_backward_reference(const ConvGeometry& g, int64_t batch, const float* x, const float* w,
                               const float* dy, float* dw, float* db, float* dx);

// ---- Fast path -------------------------------------------------------------------------
// One sample's x (C, H, W) -> cols (C*KH*KW, OH*OW): row (c, i, j) holds x[c, oy*S+i-P, ox*S+j-P]
// for every output position, zero where that falls in the padding.
void im2col(const ConvGeometry& g, const float* x, float* cols);
// The transpose of im2col: adds each column entry back onto the input position it came from.
void col2im_add(const ConvGeometry& g, const float* cols, float* dx);

// The fast path's algorithm: Auto takes direct where it applies (stride 1, padding smaller than
// the kernel) and im2col + GEMM elsewhere; Im2col forces the latter (tests and benchmarks).
// Winograd (src/ops/conv_winograd.h) computes 5x5, stride 1 layers whose channel counts are
// whole vectors of the kernel family (16 lanes with AVX-512, 8 with AVX2; not with SSE) with up
// to 6x fewer multiply-adds (4.8x on seed 001's 14x14 maps); its results differ from direct's in
// the last bits, and it falls back to Auto where it does not apply.
enum class ConvAlgorithm { Auto, Im2col, Winograd };

// The same contracts as the reference, through the fast path. The batch is split between threads
// in fixed groups of samples and the weight gradient summed group by group in order, so the
// result is bit-identical whatever the thread count.
// Each sample's im2col matrix is built in a per-thread scratch buffer that stays in cache, once
// in forward and again in backward: on the seed CNN that was faster than keeping the whole
// batch's matrices from forward to backward (measured: 6.6-6.8 s against 7.8 s per epoch), and
// it keeps peak memory low. The direct path needs no such matrix at all.
int64_t columns_size(const ConvGeometry& g);  // patch * OH * OW
void conv2d_forward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* b,
                    float* y, ConvAlgorithm algorithm = ConvAlgorithm::Auto);
void conv2d_backward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* dy,
                     float* dw, float* db, float* dx, ConvAlgorithm algorithm = ConvAlgorithm::Auto);

}  // namespace neurite
