#include "conv_winograd.h"

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "neurite/ops/gemm.h"
#include "neurite/tensor.h"
#include "simd.h"

namespace neurite::winograd {
inline namespace NEURITE_ISA {

namespace {

using simd::kLanes;
using simd::load;
using simd::store;
using simd::Vec;
using Buffer = std::vector<float, AlignedAllocator<float>>;

constexpr int kOut = 4;                   // m: outputs per tile side
constexpr int kKernel = 5;                // r
constexpr int kAlpha = kOut + kKernel - 1;  // 8: the transformed tile's side
constexpr int kPositions = kAlpha * kAlpha;

// ---- The transforms, from the Toom-Cook construction --------------------------------------
// A correlation y = g * d of outputs m and taps r is the transpose of the linear convolution
// of polynomials of degree r - 1 and m - 1, which evaluation at alpha - 1 points and infinity
// followed by interpolation computes exactly. With E_g, E_d the evaluation matrices and C the
// interpolation: y = E_d^T [(E_g g) . (C^T d)], so A^T = E_d^T, G = E_g, B^T = C^T.
// Points of small magnitude keep the rounding low (0, +-1, +-2, +-1/2 is the usual choice).
struct Transforms {
  float bt[kAlpha][kAlpha];
  float g[kAlpha][kKernel];
  float at[kOut][kAlpha];
};

constexpr double kPoints[kAlpha - 1] = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5};

constexpr double power(double x, int n) {
  double p = 1.0;
  for (int i = 0; i < n; ++i) p *= x;
  return p;
}

consteval Transforms make_transforms() {
  // V (alpha x alpha): row j evaluates a polynomial of degree alpha - 1 at point j; the last row
  // picks its leading coefficient (the point at infinity). C = V^-1, by Gauss-Jordan.
  std::array<std::array<double, 2 * kAlpha>, kAlpha> v{};
  for (int j = 0; j < kAlpha; ++j) {
    for (int t = 0; t < kAlpha; ++t)
      v[j][t] = j < kAlpha - 1 ? power(kPoints[j], t) : (t == kAlpha - 1 ? 1.0 : 0.0);
    v[j][kAlpha + j] = 1.0;
  }
  for (int col = 0; col < kAlpha; ++col) {
    int pivot = col;
    for (int r = col + 1; r < kAlpha; ++r)
      if ((v[r][col] < 0 ? -v[r][col] : v[r][col]) > (v[pivot][col] < 0 ? -v[pivot][col] : v[pivot][col])) pivot = r;
    std::swap(v[col], v[pivot]);
    const double scale = v[col][col];
    for (double& e : v[col]) e /= scale;
    for (int r = 0; r < kAlpha; ++r)
      if (r != col) {
        const double f = v[r][col];
        for (int t = 0; t < 2 * kAlpha; ++t) v[r][t] -= f * v[col][t];
      }
  }
  Transforms m{};
  for (int j = 0; j < kAlpha; ++j)
    for (int t = 0; t < kAlpha; ++t) m.bt[j][t] = static_cast<float>(v[t][kAlpha + j]);  // C^T
  for (int j = 0; j < kAlpha; ++j)
    for (int k = 0; k < kKernel; ++k)
      m.g[j][k] = static_cast<float>(j < kAlpha - 1 ? power(kPoints[j], k) : (k == kKernel - 1 ? 1.0 : 0.0));
  for (int i = 0; i < kOut; ++i)
    for (int j = 0; j < kAlpha; ++j)
      m.at[i][j] = static_cast<float>(j < kAlpha - 1 ? power(kPoints[j], i) : (i == kOut - 1 ? 1.0 : 0.0));
  return m;
}

constexpr Transforms kT = make_transforms();

// out[i] = sum over k of coef(i, k) in[k], for constant coefficients: every loop is unrolled, so
// the zero terms drop out and the ones become plain additions.
template <int Out, int In, typename Coef>
inline void apply(Coef coef, const Vec (&in)[In], Vec (&out)[Out]) {
#pragma GCC unroll 8
  for (int i = 0; i < Out; ++i) {
    Vec sum{};
    bool first = true;
#pragma GCC unroll 8
    for (int k = 0; k < In; ++k) {
      const float c = coef(i, k);
      if (c == 0.0f) continue;
      if (first) sum = c == 1.0f ? in[k] : c * in[k];
      else sum += c * in[k];
      first = false;
    }
    out[i] = sum;
  }
}

// ---- Layout -------------------------------------------------------------------------------
// One layer's tiles: the outputs in tiles_h x tiles_w blocks of 4x4, the padded image in
// channel-last order (rows, cols, C) large enough for every block's 8x8 window.
struct Tiles {
  int64_t c, o, h, w, oh, ow, pad_h, pad_w, tiles_h, tiles_w, count, rows, cols;
  // V[p] and M[p] (or dV, dM) lie this far apart: one vector more than their (tiles, channels),
  // as a power of two (16 tiles of 16 or 32 channels) puts a tile's 64 values in the same few
  // L1 sets, where they evict each other (seed 001's second layer: backward 801 -> 612 us,
  // forward 313 -> 260 us at batch 50 on 2 threads).
  int64_t v_stride, m_stride;
  bool operator==(const Tiles&) const = default;
  explicit Tiles(const ConvGeometry& g)
      : c(g.in_channels), o(g.out_channels), h(g.in_h), w(g.in_w), oh(g.out_h()), ow(g.out_w()), pad_h(g.pad_h),
        pad_w(g.pad_w), tiles_h((oh + kOut - 1) / kOut), tiles_w((ow + kOut - 1) / kOut), count(tiles_h * tiles_w),
        rows(tiles_h * kOut + kKernel - 1), cols(tiles_w * kOut + kKernel - 1), v_stride(count * c + kLanes),
        m_stride(count * o + kLanes) {}
  int64_t padded_size() const { return rows * cols * c; }
  int64_t outputs_size() const { return tiles_h * kOut * tiles_w * kOut * o; }  // whole tiles, channel last
};

// dst[k * dst_ld + r] = src[r * src_ld + k] for r < rows, k < cols: square blocks transposed in
// registers, masked at the edges.
void transpose(const float* __restrict src, int64_t rows, int64_t cols, int64_t src_ld, float* __restrict dst,
               int64_t dst_ld) {
  if constexpr (simd::kHasMasks) {
    for (int64_t r0 = 0; r0 < rows; r0 += kLanes) {
      const simd::Lanes height(0, std::min(kLanes, rows - r0));
      for (int64_t k0 = 0; k0 < cols; k0 += kLanes) {
        const int64_t width = std::min(kLanes, cols - k0);
        alignas(64) Vec block[kLanes];
#pragma GCC unroll 16
        for (int64_t r = 0; r < kLanes; ++r)
          block[r] = r0 + r < rows ? load(src + (r0 + r) * src_ld + k0, simd::Lanes(0, width)) : Vec{};
        simd::transpose_square(block);
#pragma GCC unroll 16
        for (int64_t k = 0; k < kLanes; ++k) {
          if (k >= width) break;
          store(dst + (k0 + k) * dst_ld + r0, block[k], height);
        }
      }
    }
    return;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < cols; ++k) dst[k * dst_ld + r] = src[r * src_ld + k];
}

// Sample x (C, H, W) into the padded channel-last image; its border stays as it was (zero).
void to_padded(const Tiles& s, const float* x, float* padded) {
  for (int64_t y = 0; y < s.h; ++y)
    transpose(x + y * s.w, s.c, s.w, s.h * s.w, padded + ((y + s.pad_h) * s.cols + s.pad_w) * s.c, s.c);
}

// ---- The products between channels ------------------------------------------------------------
// c (rows, n) = [c +] a (rows, k) b (k, n), a's entry (r, i) at a[r * ars + i * ais], b and c in
// rows ldb and ldc apart; n in whole vectors. Rows x Vecs accumulators stay in registers.
template <int Rows, int Vecs>
inline void product_block(int64_t k, const float* a, int64_t ars, int64_t ais, const float* b, int64_t ldb, float* c,
                          int64_t ldc, bool accumulate) {
  alignas(64) Vec acc[Rows][Vecs];
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v) acc[r][v] = accumulate ? load(c + r * ldc + v * kLanes) : Vec{};
  for (int64_t i = 0; i < k; ++i) {
    alignas(64) Vec bv[Vecs];
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v) bv[v] = load(b + i * ldb + v * kLanes);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
      const Vec av = simd::splat(a[r * ars + i * ais]);
#pragma GCC unroll 4
      for (int v = 0; v < Vecs; ++v) acc[r][v] += av * bv[v];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < Vecs; ++v) store(c + r * ldc + v * kLanes, acc[r][v]);
}

template <int Vecs>
inline void product_rows(int64_t rows, int64_t k, const float* a, int64_t ars, int64_t ais, const float* b, int64_t ldb,
                         float* c, int64_t ldc, bool accumulate) {
  int64_t r = 0;
  for (; r + 8 <= rows; r += 8) product_block<8, Vecs>(k, a + r * ars, ars, ais, b, ldb, c + r * ldc, ldc, accumulate);
  for (; r + 4 <= rows; r += 4) product_block<4, Vecs>(k, a + r * ars, ars, ais, b, ldb, c + r * ldc, ldc, accumulate);
  for (; r < rows; ++r) product_block<1, Vecs>(k, a + r * ars, ars, ais, b, ldb, c + r * ldc, ldc, accumulate);
}

void product(int64_t rows, int64_t k, int64_t n, const float* a, int64_t ars, int64_t ais, const float* b,
             int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  int64_t n0 = 0;
  for (; n0 + 2 * kLanes <= n; n0 += 2 * kLanes)
    product_rows<2>(rows, k, a, ars, ais, b + n0, ldb, c + n0, ldc, accumulate);
  for (; n0 < n; n0 += kLanes) product_rows<1>(rows, k, a, ars, ais, b + n0, ldb, c + n0, ldc, accumulate);
}

// ---- Tile transforms (vectors over channels) --------------------------------------------------
// Each is L X L^T for a square block X of vectors and one of the six matrices below, given by
// its coefficients: the columns first, then the rows.

constexpr auto kBt = [](int i, int k) { return kT.bt[i][k]; };  // B^T: the input's transform
constexpr auto kB = [](int i, int k) { return kT.bt[k][i]; };   // B: its adjoint
constexpr auto kAt = [](int i, int k) { return kT.at[i][k]; };  // A^T: the output's
constexpr auto kA = [](int i, int k) { return kT.at[k][i]; };   // A
constexpr auto kG = [](int i, int k) { return kT.g[i][k]; };    // G: the filters'
constexpr auto kGt = [](int i, int k) { return kT.g[k][i]; };   // G^T

// out = L X L^T, L (Out, In) given by coef(i, k); load_at(k, j) gives X[k][j], store_at(i, j, v)
// takes out[i][j].
// The blocks are declared 64-byte aligned: clang (the sanitizer build) moves a Vec array that
// apply() takes by reference with aligned instructions, whatever Vec's own alignment says.
template <int Out, int In, typename Coef, typename Load, typename Store>
inline void transform_block(Coef coef, Load load_at, Store store_at) {
  alignas(64) Vec half[Out][In];  // L X
  for (int j = 0; j < In; ++j) {
    alignas(64) Vec column[In], out[Out];
#pragma GCC unroll 8
    for (int k = 0; k < In; ++k) column[k] = load_at(k, j);
    apply<Out, In>(coef, column, out);
#pragma GCC unroll 8
    for (int i = 0; i < Out; ++i) half[i][j] = out[i];
  }
  for (int i = 0; i < Out; ++i) {
    alignas(64) Vec out[Out];
    apply<Out, In>(coef, half[i], out);
#pragma GCC unroll 8
    for (int j = 0; j < Out; ++j) store_at(i, j, out[j]);
  }
}

// f(ty, tx, t, c0) for every tile (row ty, column tx, index t) and every vector of `channels`.
template <typename F>
inline void for_each_tile(const Tiles& s, int64_t channels, F&& f) {
  for (int64_t ty = 0; ty < s.tiles_h; ++ty)
    for (int64_t tx = 0; tx < s.tiles_w; ++tx)
      for (int64_t c0 = 0; c0 < channels; c0 += kLanes) f(ty, tx, ty * s.tiles_w + tx, c0);
}

// V[p] (tiles, C) for every tile: B^T d B of each 8x8 window of the padded image.
void transform_input(const Tiles& s, const float* padded, float* v) {
  for_each_tile(s, s.c, [&](int64_t ty, int64_t tx, int64_t t, int64_t c0) {
    const float* window = padded + ((ty * s.cols + tx) * kOut * s.c) + c0;
    transform_block<kAlpha, kAlpha>(
        kBt, [&](int k, int j) { return load(window + (k * s.cols + j) * s.c); },
        [&](int i, int j, Vec x) { store(v + (i * kAlpha + j) * s.v_stride + t * s.c + c0, x); });
  });
}

// The outputs of every tile from M[p] (tiles, O): A^T M A + b, channel last (whole tiles).
void transform_output(const Tiles& s, const float* m, const float* bias, float* out_tiles) {
  const int64_t out_cols = s.tiles_w * kOut;
  for_each_tile(s, s.o, [&](int64_t ty, int64_t tx, int64_t t, int64_t o0) {
    const Vec b = bias ? load(bias + o0) : Vec{};
    float* tile = out_tiles + (ty * out_cols + tx) * kOut * s.o + o0;
    transform_block<kOut, kAlpha>(
        kAt, [&](int k, int j) { return load(m + (k * kAlpha + j) * s.m_stride + t * s.o + o0); },
        [&](int i, int j, Vec y) { store(tile + (i * out_cols + j) * s.o, y + b); });
  });
}

// dM[p] (tiles, O) = A dY A^T of each tile of dY (channel last, whole tiles, zero beyond the outputs).
void transform_output_grad(const Tiles& s, const float* dy_tiles, float* dm) {
  const int64_t out_cols = s.tiles_w * kOut;
  for_each_tile(s, s.o, [&](int64_t ty, int64_t tx, int64_t t, int64_t o0) {
    const float* tile = dy_tiles + (ty * out_cols + tx) * kOut * s.o + o0;
    transform_block<kAlpha, kOut>(
        kA, [&](int k, int j) { return load(tile + (k * out_cols + j) * s.o); },
        [&](int i, int j, Vec d) { store(dm + (i * kAlpha + j) * s.m_stride + t * s.o + o0, d); });
  });
}

// The padded image's gradient (channel last, zeroed by the caller) += B dV B^T of every tile.
void transform_input_grad(const Tiles& s, const float* dv, float* dpadded) {
  for_each_tile(s, s.c, [&](int64_t ty, int64_t tx, int64_t t, int64_t c0) {
    float* window = dpadded + ((ty * s.cols + tx) * kOut * s.c) + c0;
    transform_block<kAlpha, kAlpha>(
        kB, [&](int k, int j) { return load(dv + (k * kAlpha + j) * s.v_stride + t * s.c + c0); },
        [&](int i, int j, Vec d) {
          float* at = window + (i * s.cols + j) * s.c;
          store(at, load(at) + d);
        });
  });
}

// Row `a` of the transformed filters: u[p] (outer, inner) = G w G^T for w (O, C, 5, 5), where
// (outer, inner) is (C, O), giving U, or (O, C) with `by_output`, giving U^T. The lanes run over
// inner, each vector's 25 taps gathered first.
void transform_filter_row(const Tiles& s, const float* w, int64_t a, bool by_output, float* u) {
  const int64_t taps = kKernel * kKernel, outer = by_output ? s.o : s.c, inner = by_output ? s.c : s.o;
  for (int64_t i0 = 0; i0 < inner; i0 += kLanes) {
    alignas(64) float tap[kKernel * kKernel][kLanes];
    for (int64_t l = 0; l < kLanes; ++l) {
      const float* filter = w + (by_output ? a * s.c + i0 + l : (i0 + l) * s.c + a) * taps;
      for (int64_t k = 0; k < taps; ++k) tap[k][l] = filter[k];
    }
    transform_block<kAlpha, kKernel>(
        kG, [&](int k, int j) { return load(tap[k * kKernel + j]); },
        [&](int i, int j, Vec x) { store(u + ((i * kAlpha + j) * outer + a) * inner + i0, x); });
  }
}

// U (when u is given) and U^T (when transposed is), the rows shared between the team's threads.
void filter_transforms(const Tiles& s, const float* w, float* u, float* transposed) {
  const int64_t u_rows = u ? s.c : 0, rows = u_rows + (transposed ? s.o : 0);
#pragma omp for schedule(static)
  for (int64_t a = 0; a < rows; ++a) {
    if (a < u_rows) transform_filter_row(s, w, a, false, u);
    else transform_filter_row(s, w, a - u_rows, true, transposed);
  }
}

// dW (O, C, 5, 5) += G^T dU G for input channel c and the output channels [o0, o0 + kLanes).
void add_filter_grad(const Tiles& s, const float* du, int64_t c, int64_t o0, float* dw) {
  transform_block<kKernel, kAlpha>(
      kGt, [&](int k, int j) { return load(du + ((k * kAlpha + j) * s.c + c) * s.o + o0); },
      [&](int i, int j, Vec d) {
        for (int64_t l = 0; l < kLanes; ++l) dw[((o0 + l) * s.c + c) * kKernel * kKernel + i * kKernel + j] += d[l];
      });
}

// Threads for `items` independent pieces: one when there is too little to share.
int threads_for(const ConvGeometry& g, int64_t items, int64_t samples_per_item) {
  constexpr int64_t kMinParallelMacs = int64_t{1} << 20;
  if (items < 2 || g.macs() * samples_per_item * items < kMinParallelMacs) return 1;
  return static_cast<int>(std::min<int64_t>(items, num_threads()));
}

// Per-thread scratch; each buffer's border and tail are zero from its creation on.
struct Scratch {
  Tiles shape;
  Buffer padded, v, m, out_tiles, dpadded;
  explicit Scratch(const Tiles& s)
      : shape(s),
        padded(static_cast<std::size_t>(s.padded_size())),
        v(static_cast<std::size_t>(kPositions * s.v_stride)),
        m(static_cast<std::size_t>(kPositions * s.m_stride)),
        out_tiles(static_cast<std::size_t>(s.outputs_size())),
        dpadded(padded.size()) {}
};

// This thread's scratch for one pass (forward and backward keep theirs apart, as the forward pass
// writes whole output tiles where the backward pass needs zeros beyond the outputs). It is kept
// from call to call while the layer's shape stays: with fresh buffers every mini-batch, Linux
// clearing their pages took 1.3% of the seed CNN's epoch (perf), 0.8% with these kept.
Scratch& kept_scratch(std::unique_ptr<Scratch>& kept, const Tiles& s) {
  if (!kept || !(kept->shape == s)) kept = std::make_unique<Scratch>(s);
  return *kept;
}

// One sample's V from x.
void sample_input(const Tiles& s, const float* x, Scratch& k) {
  to_padded(s, x, k.padded.data());
  transform_input(s, k.padded.data(), k.v.data());
}

}  // namespace

bool applies(const ConvGeometry& g) {
  return g.kernel_h == kKernel && g.kernel_w == kKernel && g.stride_h == 1 && g.stride_w == 1 && g.pad_h >= 0 &&
         g.pad_w >= 0 && g.pad_h < kKernel && g.pad_w < kKernel && g.out_h() > 0 && g.out_w() > 0 &&
         g.in_channels % kLanes == 0 && g.out_channels % kLanes == 0 && simd::kHasMasks;
}

void forward(const ConvGeometry& g, int64_t batch, const float* x, const float* w, const float* b, float* y) {
  const Tiles s(g);
  thread_local Buffer kept_u;
  kept_u.resize(static_cast<std::size_t>(kPositions * s.c * s.o));
  float* u = kept_u.data();
  const int64_t out_cols = s.tiles_w * kOut;
#pragma omp parallel num_threads(threads_for(g, batch, 1))
  {
    filter_transforms(s, w, u, nullptr);
    thread_local std::unique_ptr<Scratch> kept;
    Scratch& k = kept_scratch(kept, s);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < batch; ++n) {
      sample_input(s, x + n * g.in_size(), k);
      for (int64_t p = 0; p < kPositions; ++p)
        product(s.count, s.c, s.o, k.v.data() + p * s.v_stride, s.c, 1, u + p * s.c * s.o, s.o,
                k.m.data() + p * s.m_stride, s.o, false);
      transform_output(s, k.m.data(), b, k.out_tiles.data());
      float* yn = y + n * g.out_size();
      for (int64_t oy = 0; oy < s.oh; ++oy)
        transpose(k.out_tiles.data() + oy * out_cols * s.o, s.ow, s.o, s.o, yn + oy * s.ow, s.oh * s.ow);
    }
  }
}

void backward(const ConvGeometry& g, int64_t batch, int64_t group, const float* x, const float* w, const float* dy,
              float* dw, float* db, float* dx) {
  if (batch <= 0) return;  // nothing to add (and no group whose sums could be read)
  const Tiles s(g);
  thread_local Buffer kept_u_t;  // U^T, for the input gradient
  if (dx) kept_u_t.resize(static_cast<std::size_t>(kPositions * s.c * s.o));
  float* u_t = dx ? kept_u_t.data() : nullptr;
  const int64_t groups = (batch + group - 1) / group, out_cols = s.tiles_w * kOut;
  const int64_t du_size = kPositions * s.c * s.o;
  // Each group's dU is written by its first sample and added to by the others. The buffer is
  // kept from call to call (it only grows): a fresh one each mini-batch would be zeroed, or
  // faulted in page by page, for nothing.
  thread_local Buffer kept_du;
  if (kept_du.size() < static_cast<std::size_t>(groups * du_size)) kept_du.resize(static_cast<std::size_t>(groups * du_size));
  Buffer& du = kept_du;  // the reference, not the thread_local name, goes into the parallel region
  Buffer dbias(static_cast<std::size_t>(groups * s.o));
#pragma omp parallel num_threads(threads_for(g, groups, group * (dx ? 3 : 2)))
  {
    filter_transforms(s, w, nullptr, u_t);
    thread_local std::unique_ptr<Scratch> kept;
    Scratch& k = kept_scratch(kept, s);
    Buffer& dy_tiles = k.out_tiles;  // zero beyond the outputs, as the transforms read whole tiles
#pragma omp for schedule(static)
    for (int64_t q = 0; q < groups; ++q) {
      float* du_q = du.data() + q * du_size;
      float* db_q = dbias.data() + q * s.o;
      for (int64_t n = q * group; n < std::min(batch, (q + 1) * group); ++n) {
        sample_input(s, x + n * g.in_size(), k);
        const float* dyn = dy + n * g.out_size();
        for (int64_t oy = 0; oy < s.oh; ++oy)
          transpose(dyn + oy * s.ow, s.o, s.ow, s.oh * s.ow, dy_tiles.data() + oy * out_cols * s.o, s.o);
        // The bias gradient: each channel's outputs in order, row by row.
        for (int64_t o0 = 0; o0 < s.o; o0 += kLanes) {
          Vec sum = load(db_q + o0);
          for (int64_t oy = 0; oy < s.oh; ++oy)
            for (int64_t ox = 0; ox < s.ow; ++ox) sum += load(dy_tiles.data() + (oy * out_cols + ox) * s.o + o0);
          store(db_q + o0, sum);
        }
        float* dm = k.m.data();
        transform_output_grad(s, dy_tiles.data(), dm);
        for (int64_t p = 0; p < kPositions; ++p)  // dU[p] (C, O) (+)= V[p]^T dM[p]
          product(s.c, s.count, s.o, k.v.data() + p * s.v_stride, 1, s.c, dm + p * s.m_stride, s.o,
                  du_q + p * s.c * s.o, s.o, n > q * group);
        if (!dx) continue;
        float* dv = k.v.data();  // V is spent: dV[p] (tiles, C) = dM[p] U[p]^T in its place
        for (int64_t p = 0; p < kPositions; ++p)
          product(s.count, s.o, s.c, dm + p * s.m_stride, s.o, 1, u_t + p * s.o * s.c, s.c,
                  dv + p * s.v_stride, s.c, false);
        std::fill(k.dpadded.begin(), k.dpadded.end(), 0.0f);
        transform_input_grad(s, dv, k.dpadded.data());
        float* dxn = dx + n * g.in_size();
        for (int64_t iy = 0; iy < s.h; ++iy)
          transpose(k.dpadded.data() + ((iy + s.pad_h) * s.cols + s.pad_w) * s.c, s.w, s.c, s.c, dxn + iy * s.w,
                    s.h * s.w);
      }
    }
    // The groups' sums in group order, each thread taking a range of them: the same additions
    // for any thread count.
#pragma omp for schedule(static)
    for (int64_t e = 0; e < du_size; e += kLanes) {
      Vec sum = load(du.data() + e);
      for (int64_t q = 1; q < groups; ++q) sum += load(du.data() + q * du_size + e);
      store(du.data() + e, sum);
    }
    const int64_t o_vectors = s.o / kLanes;
#pragma omp for schedule(static)
    for (int64_t pair = 0; pair < s.c * o_vectors; ++pair)
      add_filter_grad(s, du.data(), pair / o_vectors, pair % o_vectors * kLanes, dw);
  }
  if (db)
    for (int64_t o = 0; o < s.o; ++o) {
      float sum = dbias[static_cast<std::size_t>(o)];
      for (int64_t q = 1; q < groups; ++q) sum += dbias[static_cast<std::size_t>(q * s.o + o)];
      db[o] += sum;
    }
}

}  // namespace NEURITE_ISA
}  // namespace neurite::winograd
