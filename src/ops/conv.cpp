#include "neurite/ops/conv.h"

#include <algorithm>
#include <vector>

#include "kernels.h"

namespace neurite {

// ---- Reference loops -------------------------------------------------------------------

namespace {
// x[c, iy, ix] of one sample, zero outside the image (the padding).
float padded_at(const ConvGeometry& g, const float* x, int64_t c, int64_t iy, int64_t ix) {
  if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) return 0.0f;
  return x[(c * g.in_h + iy) * g.in_w + ix];
}
}  // namespace

void conv2d_forward_reference(const ConvGeometry& g, int64_t batch, const float* x, const float* w,
                              const float* b, float* y) {
  const int64_t oh = g.out_h(), ow = g.out_w();
  for (int64_t n = 0; n < batch; ++n) {
    const float* xn = x + n * g.in_size();
    for (int64_t o = 0; o < g.out_channels; ++o)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double sum = b ? b[o] : 0.0;
          for (int64_t c = 0; c < g.in_channels; ++c)
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j)
                sum += static_cast<double>(w[((o * g.in_channels + c) * g.kernel_h + i) * g.kernel_w + j]) *
                       padded_at(g, xn, c, oy * g.stride_h - g.pad_h + i, ox * g.stride_w - g.pad_w + j);
          y[((n * g.out_channels + o) * oh + oy) * ow + ox] = static_cast<float>(sum);
        }
  }
}

void conv2d_backward_reference(const ConvGeometry& g, int64_t batch, const float* x, const float* w,
                               const float* dy, float* dw, float* db, float* dx) {
  const int64_t oh = g.out_h(), ow = g.out_w();
  if (dx) std::fill(dx, dx + batch * g.in_size(), 0.0f);
  // Each output y[n, o, oy, ox] received x * w; its gradient flows back to both factors.
  for (int64_t n = 0; n < batch; ++n) {
    const float* xn = x + n * g.in_size();
    for (int64_t o = 0; o < g.out_channels; ++o)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          const float d = dy[((n * g.out_channels + o) * oh + oy) * ow + ox];
          if (db) db[o] += d;
          for (int64_t c = 0; c < g.in_channels; ++c)
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                const int64_t iy = oy * g.stride_h - g.pad_h + i, ix = ox * g.stride_w - g.pad_w + j;
                const int64_t wi = ((o * g.in_channels + c) * g.kernel_h + i) * g.kernel_w + j;
                dw[wi] += d * padded_at(g, xn, c, iy, ix);
                if (dx && iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w)
                  dx[n * g.in_size() + (c * g.in_h + iy) * g.in_w + ix] += d * w[wi];
              }
        }
  }
}

// ---- The fast path, in the kernel family chosen at run time (src/ops/conv_fast.cpp) ----

int64_t columns_size(const ConvGeometry& g) { return g.patch_size() * g.out_h() * g.out_w(); }

void im2col(const ConvGeometry& g, const float* x, float* cols) { kernels::chosen().im2col(g, x, cols); }

void col2im_add(const ConvGeometry& g, const float* cols, float* dx) { kernels::chosen().col2im_add(g, cols, dx); }

void conv2d_forward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* b,
                    float* y, ConvAlgorithm algorithm) {
  kernels::chosen().conv2d_forward(g, batch, x, w, b, y, algorithm);
}

void conv2d_backward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* dy,
                     float* dw, float* db, float* dx, ConvAlgorithm algorithm) {
  kernels::chosen().conv2d_backward(g, batch, x, w, dy, dw, db, dx, algorithm);
}

}  // namespace neurite
