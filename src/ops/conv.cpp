#include "neurite/ops/conv.h"

#include <algorithm>
#include <vector>

#include "neurite/ops/gemm.h"
#include "neurite/tensor.h"
#include "simd.h"

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

// ---- im2col ----------------------------------------------------------------------------

namespace {
// The output columns [lo, hi) whose input column ox*S - P + j falls inside the image; the rest
// read padding. Computing the range once per row keeps the copy loops free of bounds tests.
struct ColumnRange {
  int64_t lo, hi;
};
ColumnRange inside_columns(const ConvGeometry& g, int64_t j) {
  const int64_t first = g.pad_w - j;  // ox * S must be at least this
  const int64_t lo = first <= 0 ? 0 : (first + g.stride_w - 1) / g.stride_w;
  const int64_t last = g.in_w - 1 + g.pad_w - j;  // and at most this
  const int64_t hi = last < 0 ? 0 : std::min(g.out_w(), last / g.stride_w + 1);
  return {std::min(lo, hi), hi};
}

// Stride 1 with masked vectors: out[ox] = in[ox + shift] for ox in [r.lo, r.hi), 0 for the rest
// of the row's `width` columns. A masked load touches only the lanes inside the image, and the
// lanes it skips read as 0: the padding. One load and one store per 16 (or 8) columns.
void copy_row_masked(const float* in, int64_t shift, ColumnRange r, int64_t width, float* out) {
  using simd::kLanes;
  for (int64_t c0 = 0; c0 < width; c0 += kLanes) {
    const int64_t n = std::min(kLanes, width - c0);
    const int64_t lo = std::clamp(r.lo - c0, int64_t{0}, n), hi = std::clamp(r.hi - c0, lo, n);
    const simd::Vec v = simd::load(in + (shift + c0), simd::Lanes(lo, hi));
    simd::store(out + c0, v, simd::Lanes(0, n));
  }
}

// The reverse: out[ox + shift] += in[ox] for ox in [r.lo, r.hi), the same additions as scalar code.
void add_row_masked(const float* in, int64_t shift, ColumnRange r, float* out) {
  using simd::kLanes;
  for (int64_t c0 = r.lo - r.lo % kLanes; c0 < r.hi; c0 += kLanes) {
    const simd::Lanes m(std::max(r.lo - c0, int64_t{0}), std::min(r.hi - c0, kLanes));
    float* dst = out + (shift + c0);
    simd::store(dst, simd::load(dst, m) + simd::load(in + c0, m), m);
  }
}

}  // namespace

void im2col(const ConvGeometry& g, const float* x, float* cols) {
  const int64_t oh = g.out_h(), ow = g.out_w(), sw = g.stride_w;
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t i = 0; i < g.kernel_h; ++i)
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        float* row = cols + ((c * g.kernel_h + i) * g.kernel_w + j) * oh * ow;
        const ColumnRange r = inside_columns(g, j);
        for (int64_t oy = 0; oy < oh; ++oy) {
          float* out = row + oy * ow;
          const int64_t iy = oy * g.stride_h - g.pad_h + i;
          if (iy < 0 || iy >= g.in_h) {
            std::fill(out, out + ow, 0.0f);
            continue;
          }
          const float* in = x + (c * g.in_h + iy) * g.in_w;
          const int64_t shift = j - g.pad_w;  // output column ox reads in[ox * S + shift]
          if (simd::kHasMasks && sw == 1) {
            copy_row_masked(in, shift, r, ow, out);
            continue;
          }
          std::fill(out, out + r.lo, 0.0f);
          if (sw == 1 && r.lo < r.hi) std::copy(in + r.lo + shift, in + r.hi + shift, out + r.lo);
          else
            for (int64_t ox = r.lo; ox < r.hi; ++ox) out[ox] = in[ox * sw + shift];
          std::fill(out + r.hi, out + ow, 0.0f);
        }
      }
}

void col2im_add(const ConvGeometry& g, const float* cols, float* dx) {
  const int64_t oh = g.out_h(), ow = g.out_w(), sw = g.stride_w;
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t i = 0; i < g.kernel_h; ++i)
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const float* row = cols + ((c * g.kernel_h + i) * g.kernel_w + j) * oh * ow;
        const ColumnRange r = inside_columns(g, j);
        for (int64_t oy = 0; oy < oh; ++oy) {
          const int64_t iy = oy * g.stride_h - g.pad_h + i;
          if (iy < 0 || iy >= g.in_h) continue;
          const float* in = row + oy * ow;
          float* out = dx + (c * g.in_h + iy) * g.in_w;
          const int64_t shift = j - g.pad_w;
          if (simd::kHasMasks && sw == 1) {
            add_row_masked(in, shift, r, out);
          } else if (sw == 1) {
#pragma omp simd
            for (int64_t ox = r.lo; ox < r.hi; ++ox) out[ox + shift] += in[ox];
          } else {
            for (int64_t ox = r.lo; ox < r.hi; ++ox) out[ox * sw + shift] += in[ox];
          }
        }
      }
}

// ---- Fast path -------------------------------------------------------------------------

namespace {

using Buffer = std::vector<float, AlignedAllocator<float>>;

// The weight gradient is summed over fixed groups of this many samples, then group by group in
// order: the same additions in the same order for any thread count. Small groups keep two
// threads evenly loaded at batch 50.
constexpr int64_t kGroup = 2;

// Backends per product, measured with bench_conv on the seed CNN's shapes: our kernel and
// OpenBLAS are even on the forward and input-gradient products, but the weight gradient
// (A B^T with a short K) runs 3x faster in OpenBLAS.
constexpr GemmBackend kForwardBackend = GemmBackend::Kernel;
constexpr GemmBackend kWeightGradBackend = GemmBackend::Blas;
constexpr GemmBackend kInputGradBackend = GemmBackend::Kernel;

// A 1x1 kernel with stride 1 and no padding reads the input as it is: no copy needed.
bool im2col_is_identity(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 && g.pad_w == 0;
}

// Sample n's receptive fields as a (patch, OH*OW) matrix: the input itself, the cached copy, or
// one built now in `scratch`.
const float* columns_of(const ConvGeometry& g, const float* x, int64_t n, const float* cached, Buffer& scratch) {
  if (im2col_is_identity(g)) return x + n * g.in_size();
  if (cached) return cached + n * columns_size(g);
  scratch.resize(static_cast<std::size_t>(columns_size(g)));
  im2col(g, x + n * g.in_size(), scratch.data());
  return scratch.data();
}

// Threads for a loop over `items` samples or groups: one when there is too little to share.
int threads_for(int64_t items, const ConvGeometry& g, int64_t samples_per_item) {
  constexpr int64_t kMinParallelMacs = int64_t{1} << 20;
  if (items < 2 || g.macs() * samples_per_item * items < kMinParallelMacs) return 1;
  return static_cast<int>(std::min<int64_t>(items, num_threads()));
}

// One sample's share of the backward pass: its weight and bias gradient added into the group's
// sums, and (when dx is given) its input gradient.
struct SampleBackward {
  const ConvGeometry& g;
  const float* w;
  float* group_dw;
  float* group_db;

  void operator()(const float* cols, const float* dyn, float* dxn, Buffer& dcols) const {
    const int64_t spatial = g.out_h() * g.out_w(), patch = g.patch_size(), outs = g.out_channels;
    // dW (O, patch) += dy_n (O, OH*OW) cols_n^T
    gemm(kWeightGradBackend, Transpose::No, Transpose::Yes, outs, patch, spatial, 1.0f, dyn, spatial, cols, spatial,
         1.0f, group_dw, patch);
    for (int64_t o = 0; o < outs; ++o) {
      float s = 0.0f;
      for (int64_t k = 0; k < spatial; ++k) s += dyn[o * spatial + k];
      group_db[o] += s;
    }
    if (!dxn) return;
    // dcols (patch, OH*OW) = W^T dy_n; each entry goes back to the pixel it was copied from.
    if (im2col_is_identity(g)) {
      gemm(kInputGradBackend, Transpose::Yes, Transpose::No, patch, spatial, outs, 1.0f, w, patch, dyn, spatial, 0.0f,
           dxn, spatial);
      return;
    }
    dcols.resize(static_cast<std::size_t>(patch * spatial));
    gemm(kInputGradBackend, Transpose::Yes, Transpose::No, patch, spatial, outs, 1.0f, w, patch, dyn, spatial, 0.0f,
         dcols.data(), spatial);
    std::fill(dxn, dxn + g.in_size(), 0.0f);
    col2im_add(g, dcols.data(), dxn);
  }
};

}  // namespace

int64_t columns_size(const ConvGeometry& g) { return g.patch_size() * g.out_h() * g.out_w(); }

void conv2d_forward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* b,
                    float* y, float* cols) {
  const int64_t spatial = g.out_h() * g.out_w();
  const int threads = threads_for(batch, g, 1);
#pragma omp parallel num_threads(threads)
  {
    Buffer scratch;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < batch; ++n) {
      const float* columns = nullptr;
      if (cols && !im2col_is_identity(g)) {  // build straight into the cache backward will read
        im2col(g, x + n * g.in_size(), cols + n * columns_size(g));
        columns = cols + n * columns_size(g);
      } else {
        columns = columns_of(g, x, n, nullptr, scratch);
      }
      // y_n (O, OH*OW) = W (O, patch) cols_n (patch, OH*OW) + b, b broadcast along each row.
      float* yn = y + n * g.out_size();
      if (b)
        for (int64_t o = 0; o < g.out_channels; ++o) std::fill(yn + o * spatial, yn + (o + 1) * spatial, b[o]);
      gemm(kForwardBackend, Transpose::No, Transpose::No, g.out_channels, spatial, g.patch_size(), 1.0f, w,
           g.patch_size(), columns, spatial, b ? 1.0f : 0.0f, yn, spatial);
    }
  }
}

void conv2d_backward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* dy,
                     float* dw, float* db, float* dx, const float* cols) {
  const int64_t patch = g.patch_size(), outs = g.out_channels;
  const int64_t groups = (batch + kGroup - 1) / kGroup;
  // Per-group sums of the weight and bias gradients.
  Buffer group_dw(static_cast<std::size_t>(groups * outs * patch), 0.0f);
  Buffer group_db(static_cast<std::size_t>(groups * outs), 0.0f);
  const int threads = threads_for(groups, g, kGroup * (dx ? 2 : 1));
#pragma omp parallel num_threads(threads)
  {
    Buffer scratch, dcols;
#pragma omp for schedule(static)
    for (int64_t group = 0; group < groups; ++group) {
      const SampleBackward sample{g, w, group_dw.data() + group * outs * patch, group_db.data() + group * outs};
      for (int64_t n = group * kGroup; n < std::min(batch, (group + 1) * kGroup); ++n)
        sample(columns_of(g, x, n, cols, scratch), dy + n * g.out_size(), dx ? dx + n * g.in_size() : nullptr, dcols);
    }
  }
  for (int64_t group = 0; group < groups; ++group) {
    const float* gdw = group_dw.data() + group * outs * patch;
#pragma omp simd
    for (int64_t i = 0; i < outs * patch; ++i) dw[i] += gdw[i];
    if (db)
      for (int64_t o = 0; o < outs; ++o) db[o] += group_db[static_cast<std::size_t>(group * outs + o)];
  }
}

}  // namespace neurite
