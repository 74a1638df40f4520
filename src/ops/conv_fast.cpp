// The fast path of conv2d (include/neurite/ops/conv.h): im2col + GEMM, or the direct kernels of
// conv_direct.h where they apply. Compiled once per kernel family (isa.h); conv.cpp calls the
// chosen family's through src/ops/kernels.h.
#include "conv_fast.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "conv_direct.h"
#include "conv_winograd.h"
#include "neurite/ops/gemm.h"
#include "neurite/tensor.h"
#include "simd.h"

namespace neurite::conv_fast {
inline namespace NEURITE_ISA {

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

// Stride 1 with masked vectors: one row of cols, kernel offset (i, j) of channel `in` (its
// plane). Each vector of kLanes output columns is one masked load and one masked store per output
// row: the load touches only the lanes inside the image, and the lanes it skips read as 0 (the
// padding). The masks depend only on the column chunk, so they are built once per chunk.
void im2col_row_masked(const ConvGeometry& g, int64_t i, int64_t j, const float* in, float* row) {
  using simd::kLanes;
  const int64_t oh = g.out_h(), ow = g.out_w(), shift = j - g.pad_w;
  const ColumnRange r = inside_columns(g, j);
  for (int64_t c0 = 0; c0 < ow; c0 += kLanes) {
    const int64_t n = std::min(kLanes, ow - c0);
    const int64_t lo = std::clamp(r.lo - c0, int64_t{0}, n), hi = std::clamp(r.hi - c0, lo, n);
    const simd::Lanes inside(lo, hi), whole(0, n);
    for (int64_t oy = 0; oy < oh; ++oy) {
      const int64_t iy = oy * g.stride_h - g.pad_h + i;
      const bool in_image = iy >= 0 && iy < g.in_h;
      const simd::Vec v = in_image ? simd::load(in + (iy * g.in_w + shift + c0), inside) : simd::Vec{};
      simd::store(row + oy * ow + c0, v, whole);
    }
  }
}

// col2im for stride 1 with masked vectors, for one channel: `rows` are its kh*kw rows of cols,
// `out` its plane of dx. For each output row oy and kernel row i, a vector of dx is loaded once,
// gets the kw shifted rows of cols added in register (j in order), and is stored once: the same
// additions in the same order as the plain loops (i, then j), without re-reading what was just
// stored at an overlapping, shifted address.
void col2im_channel_masked(const ConvGeometry& g, const float* rows, float* out) {
  using simd::kLanes;
  const int64_t oh = g.out_h(), ow = g.out_w(), kw = g.kernel_w;
  const int64_t chunks = (g.in_w + kLanes - 1) / kLanes;
  // lanes[j * chunks + chunk]: the lanes of that dx chunk that column offset j reaches.
  std::vector<simd::Lanes> lanes;
  lanes.reserve(static_cast<std::size_t>(kw * chunks));
  for (int64_t j = 0; j < kw; ++j) {
    const ColumnRange r = inside_columns(g, j);
    const int64_t shift = j - g.pad_w;  // cols column ox lands on dx column ox + shift
    for (int64_t x0 = 0; x0 < g.in_w; x0 += kLanes) {
      const int64_t n = std::min(kLanes, g.in_w - x0);
      const int64_t lo = std::clamp(r.lo + shift - x0, int64_t{0}, n);
      lanes.emplace_back(lo, std::clamp(r.hi + shift - x0, lo, n));
    }
  }
  for (int64_t i = 0; i < g.kernel_h; ++i)
    for (int64_t oy = 0; oy < oh; ++oy) {
      const int64_t iy = oy - g.pad_h + i;
      if (iy < 0 || iy >= g.in_h) continue;
      for (int64_t chunk = 0, x0 = 0; chunk < chunks; ++chunk, x0 += kLanes) {
        const simd::Lanes whole(0, std::min(kLanes, g.in_w - x0));
        float* dst = out + iy * g.in_w + x0;
        simd::Vec acc = simd::load(dst, whole);
        for (int64_t j = 0; j < kw; ++j) {
          const float* src = rows + (i * kw + j) * oh * ow + oy * ow + (x0 - (j - g.pad_w));
          acc += simd::load(src, lanes[static_cast<std::size_t>(j * chunks + chunk)]);
        }
        simd::store(dst, acc, whole);
      }
    }
}

// Strided convolutions: where each entry of cols comes from, the offset of its pixel in the
// sample or -1 for padding, in cols' own order. Output rows are short there (5 to 14 values), so
// going row by row spent more on each row's bounds and fills than on copying; with the table,
// im2col is one gather loop over the whole matrix (vector gathers in the AVX families) and
// col2im one loop of additions in the plain loops' order (c, i, j, oy, ox), so the same sums.
// Made once per geometry and thread; a few geometries are kept, as a network has a few layers.
using Offsets = std::vector<int32_t>;
constexpr int64_t kMaxTableEntries = int64_t{1} << 22;  // 16 MiB a table; beyond, the row loops

bool uses_offset_table(const ConvGeometry& g) {
  return (g.stride_h != 1 || g.stride_w != 1) && g.patch_size() * g.out_h() * g.out_w() <= kMaxTableEntries &&
         g.in_size() < (int64_t{1} << 31);
}

Offsets make_offset_table(const ConvGeometry& g) {
  const int64_t oh = g.out_h(), ow = g.out_w();
  Offsets table(static_cast<std::size_t>(g.patch_size() * oh * ow));
  auto entry = table.begin();
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t i = 0; i < g.kernel_h; ++i)
      for (int64_t j = 0; j < g.kernel_w; ++j)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            const int64_t iy = oy * g.stride_h - g.pad_h + i, ix = ox * g.stride_w - g.pad_w + j;
            const bool inside = iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w;
            *entry++ = inside ? static_cast<int32_t>((c * g.in_h + iy) * g.in_w + ix) : -1;
          }
  return table;
}

const Offsets& offset_table(const ConvGeometry& g) {
  constexpr std::size_t kKept = 8;
  thread_local std::vector<std::pair<ConvGeometry, Offsets>> tables;
  for (const auto& [geometry, table] : tables)
    if (geometry == g) return table;
  if (tables.size() == kKept) tables.erase(tables.begin());
  tables.emplace_back(g, make_offset_table(g));
  return tables.back().second;
}

void im2col_gather(const ConvGeometry& g, const float* x, float* cols) {
  const Offsets& table = offset_table(g);
  const int32_t* from = table.data();
  const auto entries = static_cast<int64_t>(table.size());
  int64_t k = 0;
  for (; k + simd::kLanes <= entries; k += simd::kLanes) simd::store(cols + k, simd::gather_or_zero(x, from + k));
  for (; k < entries; ++k) cols[k] = from[k] < 0 ? 0.0f : x[from[k]];
}

void col2im_add_scatter(const ConvGeometry& g, const float* cols, float* dx) {
  const Offsets& table = offset_table(g);
  const int32_t* to = table.data();
  const auto entries = static_cast<int64_t>(table.size());
  // Entries of one pixel may follow each other, so this stays a scalar loop, in order.
  for (int64_t k = 0; k < entries; ++k)
    if (to[k] >= 0) dx[to[k]] += cols[k];
}

}  // namespace

void im2col(const ConvGeometry& g, const float* x, float* cols) {
  if (uses_offset_table(g)) {
    im2col_gather(g, x, cols);
    return;
  }
  const int64_t oh = g.out_h(), ow = g.out_w(), sw = g.stride_w;
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t i = 0; i < g.kernel_h; ++i)
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        float* row = cols + ((c * g.kernel_h + i) * g.kernel_w + j) * oh * ow;
        if (simd::kHasMasks && sw == 1) {
          im2col_row_masked(g, i, j, x + c * g.in_h * g.in_w, row);
          continue;
        }
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
          std::fill(out, out + r.lo, 0.0f);
          if (sw == 1 && r.lo < r.hi) std::copy(in + r.lo + shift, in + r.hi + shift, out + r.lo);
          else
            for (int64_t ox = r.lo; ox < r.hi; ++ox) out[ox] = in[ox * sw + shift];
          std::fill(out + r.hi, out + ow, 0.0f);
        }
      }
}

void col2im_add(const ConvGeometry& g, const float* cols, float* dx) {
  if (uses_offset_table(g)) {
    col2im_add_scatter(g, cols, dx);
    return;
  }
  const int64_t oh = g.out_h(), ow = g.out_w(), sw = g.stride_w;
  const int64_t rows_per_channel = g.kernel_h * g.kernel_w;
  for (int64_t c = 0; c < g.in_channels; ++c) {
    if (simd::kHasMasks && sw == 1 && g.stride_h == 1) {
      col2im_channel_masked(g, cols + c * rows_per_channel * oh * ow, dx + c * g.in_h * g.in_w);
      continue;
    }
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
          if (sw == 1) {
#pragma omp simd
            for (int64_t ox = r.lo; ox < r.hi; ++ox) out[ox + shift] += in[ox];
          } else {
            for (int64_t ox = r.lo; ox < r.hi; ++ox) out[ox * sw + shift] += in[ox];
          }
        }
      }
  }
}

// ---- Fast path -------------------------------------------------------------------------

namespace {

using Buffer = std::vector<float, AlignedAllocator<float>>;

// The weight gradient is summed over fixed groups of samples, then group by group in order: the
// same additions in the same order for any thread count. The group size depends on the batch
// only: the largest of 5..2 that splits it into an even number of whole groups (50 -> 10 groups
// of 5, 64 -> 16 of 4), so two threads get equal shares; otherwise 2.
constexpr int64_t kMaxFilters = 256;  // filters summed at once in the group reduction

int64_t group_size(int64_t batch) {
  for (int64_t size = 5; size >= 2; --size)
    if (batch % (2 * size) == 0) return size;
  return 2;
}

// All three products run in our kernel, which beats OpenBLAS on the seed CNN's shapes (bench_conv).
// The weight gradient dW = dy cols^T would be an A B^T product, which our kernel does poorly;
// it is computed transposed instead, dW^T = cols dy^T, after a small transpose of dy.
constexpr GemmBackend kForwardBackend = GemmBackend::Kernel;
constexpr GemmBackend kWeightGradBackend = GemmBackend::Kernel;
constexpr GemmBackend kInputGradBackend = GemmBackend::Kernel;

// A 1x1 kernel with stride 1 and no padding reads the input as it is: no copy needed.
bool im2col_is_identity(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 && g.pad_w == 0;
}

// Sample n's receptive fields as a (patch, OH*OW) matrix: the input itself, or one built now in
// `scratch`.
const float* columns_of(const ConvGeometry& g, const float* x, int64_t n, Buffer& scratch) {
  if (im2col_is_identity(g)) return x + n * g.in_size();
  scratch.resize(static_cast<std::size_t>(columns_size(g)));
  conv_fast::im2col(g, x + n * g.in_size(), scratch.data());
  return scratch.data();
}

// Threads for a loop over `items` samples or groups: one when there is too little to share.
int threads_for(int64_t items, const ConvGeometry& g, int64_t samples_per_item) {
  constexpr int64_t kMinParallelMacs = int64_t{1} << 20;
  if (items < 2 || g.macs() * samples_per_item * items < kMinParallelMacs) return 1;
  return static_cast<int>(std::min<int64_t>(items, num_threads()));
}

// t (cols, rows) = m^T for m (rows, cols), rows of t `ld` apart, and sums[r] += the entries of
// row r, added in order. Square blocks are transposed in registers, where the family has masked
// loads and stores for the edges: each of t's rows is then one store, and the sums of kLanes
// rows stay in one vector (lane r, row r), taking the block's columns in order.
void transpose_and_sum_rows(const float* __restrict m, int64_t rows, int64_t cols, float* __restrict t, int64_t ld,
                            float* __restrict sums) {
  if constexpr (simd::kHasMasks) {
    using simd::kLanes;
    for (int64_t r0 = 0; r0 < rows; r0 += kLanes) {
      const simd::Lanes height(0, std::min(kLanes, rows - r0));
      simd::Vec total = simd::load(sums + r0, height);
      for (int64_t k0 = 0; k0 < cols; k0 += kLanes) {
        const int64_t width = std::min(kLanes, cols - k0);
        // Every loop over the block runs to kLanes, unrolled, so that the block stays in registers.
        simd::Vec block[kLanes];
#pragma GCC unroll 16
        for (int64_t r = 0; r < kLanes; ++r)
          block[r] = r0 + r < rows ? simd::load(m + (r0 + r) * cols + k0, simd::Lanes(0, width)) : simd::Vec{};
        simd::transpose_square(block);
#pragma GCC unroll 16
        for (int64_t k = 0; k < kLanes; ++k) {
          if (k >= width) break;
          simd::store(t + (k0 + k) * ld + r0, block[k], height);
          total += block[k];
        }
      }
      simd::store(sums + r0, total, height);
    }
    return;
  }
  for (int64_t k = 0; k < cols; ++k)
#pragma omp simd
    for (int64_t r = 0; r < rows; ++r) {
      const float v = m[r * cols + k];
      t[k * ld + r] = v;
      sums[r] += v;
    }
}

// Auto's choice, also where Winograd was asked for and does not apply.
bool use_direct(const ConvGeometry& g, ConvAlgorithm algorithm) {
  return algorithm != ConvAlgorithm::Im2col && direct::applies(g);
}

// Per-thread scratch of the backward pass. The padded image and the padded dy keep apart: a
// padded buffer's border is zeroed only when it is resized, and the two may have the same size
// with different borders.
struct BackwardScratch {
  Buffer columns, dcols, dy_t, padded_x, padded_dy;
};

// One sample's share of the backward pass: its weight and bias gradient added into the group's
// sums, and (when dx is given) its input gradient, each through the direct path when it has one.
struct SampleBackward {
  const ConvGeometry& g;
  const float* w;
  bool direct_weight_grad;
  const float* direct_input_grad_w;  // the direct input gradient's weights, or null for im2col
  int64_t ld;                        // row length of the group's dW^T
  float* group_dw_t;                 // the group's dW^T, (patch, ld)
  float* group_db;

  void operator()(const float* x, const float* dyn, float* dxn, BackwardScratch& s) const {
    const int64_t spatial = g.out_h() * g.out_w();
    // dy_n^T (OH*OW, ld), and the bias gradient on the way.
    s.dy_t.resize(static_cast<std::size_t>(spatial * ld));
    transpose_and_sum_rows(dyn, g.out_channels, spatial, s.dy_t.data(), ld, group_db);
    if (direct_weight_grad) direct::weight_grad_sample(g, x, s.dy_t.data(), ld, group_dw_t, s.padded_x);
    else im2col_weight_grad(x, s);
    if (!dxn) return;
    if (direct_input_grad_w) direct::input_grad_sample(g, direct_input_grad_w, dyn, dxn, s.padded_dy);
    else im2col_input_grad(dyn, dxn, s);
  }

  // dW^T (patch, O) += cols_n (patch, OH*OW) dy_n^T (OH*OW, O)
  void im2col_weight_grad(const float* x, BackwardScratch& s) const {
    const float* cols = columns_of(g, x, 0, s.columns);
    gemm(kWeightGradBackend, Transpose::No, Transpose::No, g.patch_size(), g.out_channels, g.out_h() * g.out_w(),
         1.0f, cols, g.out_h() * g.out_w(), s.dy_t.data(), ld, 1.0f, group_dw_t, ld);
  }

  // dcols (patch, OH*OW) = W^T dy_n; each entry goes back to the pixel it was copied from.
  void im2col_input_grad(const float* dyn, float* dxn, BackwardScratch& s) const {
    const int64_t spatial = g.out_h() * g.out_w(), patch = g.patch_size(), outs = g.out_channels;
    if (im2col_is_identity(g)) {
      gemm(kInputGradBackend, Transpose::Yes, Transpose::No, patch, spatial, outs, 1.0f, w, patch, dyn, spatial, 0.0f,
           dxn, spatial);
      return;
    }
    s.dcols.resize(static_cast<std::size_t>(patch * spatial));
    gemm(kInputGradBackend, Transpose::Yes, Transpose::No, patch, spatial, outs, 1.0f, w, patch, dyn, spatial, 0.0f,
         s.dcols.data(), spatial);
    std::fill(dxn, dxn + g.in_size(), 0.0f);
    conv_fast::col2im_add(g, s.dcols.data(), dxn);
  }
};

}  // namespace

void forward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* b,
             float* y, ConvAlgorithm algorithm) {
  if (algorithm == ConvAlgorithm::Winograd && winograd::applies(g)) return winograd::forward(g, batch, x, w, b, y);
  const int64_t spatial = g.out_h() * g.out_w();
  const bool direct_path = use_direct(g, algorithm);
  const Buffer forward_w = direct_path ? direct::forward_weights(g, w) : Buffer{};
  const int threads = threads_for(batch, g, 1);
#pragma omp parallel num_threads(threads)
  {
    Buffer scratch;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < batch; ++n) {
      float* yn = y + n * g.out_size();
      if (direct_path) {
        direct::forward_sample(g, forward_w.data(), x + n * g.in_size(), b, yn, scratch);
        continue;
      }
      const float* columns = columns_of(g, x, n, scratch);
      // y_n (O, OH*OW) = W (O, patch) cols_n (patch, OH*OW) + b, b broadcast along each row.
      if (b)
        for (int64_t o = 0; o < g.out_channels; ++o) std::fill(yn + o * spatial, yn + (o + 1) * spatial, b[o]);
      gemm(kForwardBackend, Transpose::No, Transpose::No, g.out_channels, spatial, g.patch_size(), 1.0f, w,
           g.patch_size(), columns, spatial, b ? 1.0f : 0.0f, yn, spatial);
    }
  }
}

void backward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* dy,
              float* dw, float* db, float* dx, ConvAlgorithm algorithm) {
  const int64_t patch = g.patch_size(), outs = g.out_channels;
  const int64_t group = group_size(batch), groups = (batch + group - 1) / group;
  if (algorithm == ConvAlgorithm::Winograd && winograd::applies(g))
    return winograd::backward(g, batch, group, x, w, dy, dw, db, dx);
  const bool direct_path = use_direct(g, algorithm);
  const bool direct_input_grad = direct_path && dx && direct::input_grad_applies(g);
  const Buffer input_grad_w = direct_input_grad ? direct::input_grad_weights(g, w) : Buffer{};
  // Per-group sums of the weight gradient (transposed, rows of ld) and the bias gradient. The
  // direct path reads whole vectors of filters, so its rows are padded to them.
  const int64_t ld = direct_path ? direct::vector_width(outs) : outs;
  // Kept from call to call: a fresh half-megabyte buffer would come from mmap, and fault in its
  // pages every mini-batch. (The references, not the thread_local names, go into the parallel
  // region: there those names would mean each thread's own buffers.)
  thread_local Buffer kept_dw_t, kept_db;
  Buffer& group_dw_t = kept_dw_t;
  Buffer& group_db = kept_db;
  // Each group's rows are zeroed by the thread that sums into them, in the parallel loop below.
  // The buffer only grows: layers of different sizes take turns with it, and growing zero-fills.
  const auto needed = static_cast<std::size_t>(groups * ld * patch);
  if (group_dw_t.size() < needed) group_dw_t.resize(needed);
  group_db.assign(static_cast<std::size_t>(groups * outs), 0.0f);
  const int threads = threads_for(groups, g, group * (dx ? 2 : 1));
#pragma omp parallel num_threads(threads)
  {
    BackwardScratch scratch;
#pragma omp for schedule(static)
    for (int64_t k = 0; k < groups; ++k) {
      std::fill_n(group_dw_t.data() + k * ld * patch, ld * patch, 0.0f);
      const SampleBackward sample{g,
                                  w,
                                  direct_path,
                                  direct_input_grad ? input_grad_w.data() : nullptr,
                                  ld,
                                  group_dw_t.data() + k * ld * patch,
                                  group_db.data() + k * outs};
      for (int64_t n = k * group; n < std::min(batch, (k + 1) * group); ++n)
        sample(x + n * g.in_size(), dy + n * g.out_size(), dx ? dx + n * g.in_size() : nullptr, scratch);
    }
  }
  // The groups' sums, added in group order and transposed into dW. Each thread takes a range of
  // patch positions and reads the groups' rows (p, :) contiguously.
  const float* dw_t = group_dw_t.data();
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t p = 0; p < patch; ++p) {
    float sum[kMaxFilters];
    for (int64_t o0 = 0; o0 < outs; o0 += kMaxFilters) {
      const int64_t width = std::min(kMaxFilters, outs - o0);
      std::copy_n(dw_t + p * ld + o0, width, sum);
      for (int64_t k = 1; k < groups; ++k) {
        const float* row = dw_t + (k * patch + p) * ld + o0;
#pragma omp simd
        for (int64_t o = 0; o < width; ++o) sum[o] += row[o];
      }
      for (int64_t o = 0; o < width; ++o) dw[(o0 + o) * patch + p] += sum[o];
    }
  }
  if (db)
    for (int64_t o = 0; o < outs; ++o) {
      float sum = group_db[static_cast<std::size_t>(o)];
      for (int64_t k = 1; k < groups; ++k) sum += group_db[static_cast<std::size_t>(k * outs + o)];
      db[o] += sum;
    }
}

}  // namespace NEURITE_ISA
}  // namespace neurite::conv_fast
