#include "conv_direct.h"

#include <algorithm>

#include "simd.h"

namespace neurite::direct {
inline namespace NEURITE_ISA {

namespace {

using simd::kLanes;
using simd::load;
using simd::store;
using simd::Vec;

// The register blocks below keep Rows x Vecs accumulators (and the input gradient twice that):
// at most 28 of AVX-512's 32 vector registers, with room for the weight vectors. With AVX2's
// 16 registers the compiler spills, which is slower but gives the same results.
constexpr int64_t kMaxTile = 28 * kLanes;  // floats in the largest block's results

// Calls f.template operator()<Size>(start) for blocks covering [0, width): as many of the first
// size as fit, then of the next, and so on (the last size is 1).
template <int64_t First, int64_t... Rest, typename F>
void cover(int64_t width, F&& f, int64_t start = 0) {
  for (; start + First <= width; start += First) f.template operator()<First>(start);
  if constexpr (sizeof...(Rest) > 0) cover<Rest...>(width, f, start);
}

// Channel blocks of 2 vectors while at least 2 are needed, then of 1 (the last one partly
// used): calls f.template operator()<Vecs>(c0).
template <typename F>
void cover_channels(int64_t width, F&& f) {
  int64_t c0 = 0;
  for (; c0 + kLanes < width; c0 += 2 * kLanes) f.template operator()<2>(c0);
  for (; c0 < width; c0 += kLanes) f.template operator()<1>(c0);
}

// planes (count, h, w) -> padded (count, h + 2 ph, w + 2 pw), zero around each plane. The
// border is written only when the buffer is (re)sized: later samples overwrite the inside only.
void pad_planes(const float* src, int64_t count, int64_t h, int64_t w, int64_t ph, int64_t pw, Buffer& padded) {
  const int64_t ph2 = h + 2 * ph, pw2 = w + 2 * pw;
  const auto size = static_cast<std::size_t>(count * ph2 * pw2);
  if (padded.size() != size) padded.assign(size, 0.0f);
  for (int64_t c = 0; c < count; ++c)
    for (int64_t y = 0; y < h; ++y)
      std::copy_n(src + (c * h + y) * w, w, padded.data() + (c * ph2 + y + ph) * pw2 + pw);
}

// ---- Forward: Rows output positions of one row by Vecs vectors of filters ----
// tile[r][o] = sum over (c, i, j), in that order, of x[c, oy + i, ox + r + j] W^T[(c, i, j), o]:
// the order of the im2col GEMM's k loop.
template <int64_t Rows, int64_t Vecs>
[[gnu::noinline]] void forward_block(const ConvGeometry& g, int64_t plane, int64_t row, const float* x,
                                     const float* wt, int64_t ldw, float* tile) {
  // GCC unrolls loops of at most 16 iterations by itself; a longer loop over Rows would leave
  // the accumulators in memory.
  Vec acc[Rows][Vecs] = {};
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const float* xr = x + c * plane + i * row;
      for (int64_t j = 0; j < g.kernel_w; ++j, wt += ldw) {
        Vec wv[Vecs];
        for (int64_t v = 0; v < Vecs; ++v) wv[v] = load(wt + v * kLanes);
#pragma GCC unroll 32
        for (int64_t r = 0; r < Rows; ++r)
          for (int64_t v = 0; v < Vecs; ++v) acc[r][v] += xr[j + r] * wv[v];
      }
    }
#pragma GCC unroll 32
  for (int64_t r = 0; r < Rows; ++r)
    for (int64_t v = 0; v < Vecs; ++v) store(tile + (r * Vecs + v) * kLanes, acc[r][v]);
}

// ---- Weight gradient: KRows kernel rows by Rows kernel columns, by Vecs vectors of filters ----
// dw_t[(c, i + kr, j + r), o] += sum over output positions q, in order, of x[c, oy + i + kr,
// ox + j + r] dy_t[q, o]: the order of the im2col GEMM's k loop.
template <int64_t KRows, int64_t Rows, int64_t Vecs>
[[gnu::noinline]] void weight_grad_block(int64_t out_h, int64_t out_w, int64_t row, const float* x,
                                         const float* dy_t, int64_t ld, float* dw_t, int64_t kernel_w) {
  Vec acc[KRows][Rows][Vecs] = {};
  for (int64_t oy = 0; oy < out_h; ++oy)
    for (int64_t ox = 0; ox < out_w; ++ox) {
      const float* xq = x + oy * row + ox;
      const float* d = dy_t + (oy * out_w + ox) * ld;
      Vec dv[Vecs];
      for (int64_t v = 0; v < Vecs; ++v) dv[v] = load(d + v * kLanes);
      for (int64_t kr = 0; kr < KRows; ++kr)
        for (int64_t r = 0; r < Rows; ++r)
          for (int64_t v = 0; v < Vecs; ++v) acc[kr][r][v] += xq[kr * row + r] * dv[v];
    }
  for (int64_t kr = 0; kr < KRows; ++kr)
    for (int64_t r = 0; r < Rows; ++r)
      for (int64_t v = 0; v < Vecs; ++v) {
        float* c = dw_t + (kr * kernel_w + r) * ld + v * kLanes;
        store(c, load(c) + acc[kr][r][v]);
      }
}

// ---- Input gradient: Rows input positions of one row by Vecs vectors of input channels ----
// tile[r][c] = sum over (i, j), in order, of (sum over o, in order, of dy[o, y - i + P, x + r - j
// + P] W[o, c, i, j]): the GEMM W^T dy summed over o, then col2im adding kernel offsets in order.
// dy is padded by kernel - 1 - P, so the positions outside it read 0.
template <int64_t Rows, int64_t Vecs>
[[gnu::noinline]] void input_grad_block(const ConvGeometry& g, int64_t plane, int64_t row, const float* dy,
                                        const float* wg, int64_t ldc, float* tile) {
  Vec total[Rows][Vecs] = {};
  for (int64_t i = 0; i < g.kernel_h; ++i)
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      const float* d = dy + (g.kernel_h - 1 - i) * row + (g.kernel_w - 1 - j);
      const float* wk = wg + (i * g.kernel_w + j) * g.out_channels * ldc;
      Vec part[Rows][Vecs] = {};
      for (int64_t o = 0; o < g.out_channels; ++o) {
        Vec wv[Vecs];
        for (int64_t v = 0; v < Vecs; ++v) wv[v] = load(wk + o * ldc + v * kLanes);
        const float* dr = d + o * plane;
        for (int64_t r = 0; r < Rows; ++r)
          for (int64_t v = 0; v < Vecs; ++v) part[r][v] += dr[r] * wv[v];
      }
      for (int64_t r = 0; r < Rows; ++r)
        for (int64_t v = 0; v < Vecs; ++v) total[r][v] += part[r][v];
    }
  for (int64_t r = 0; r < Rows; ++r)
    for (int64_t v = 0; v < Vecs; ++v) store(tile + (r * Vecs + v) * kLanes, total[r][v]);
}

// m[0..kLanes) as a kLanes x kLanes matrix, transposed in registers: log2(kLanes) rounds, each
// swapping the off-diagonal blocks of size s between rows i and i + s.
void transpose_square(Vec (&m)[kLanes]) {
  for (int64_t s = kLanes / 2; s >= 1; s /= 2) {
    const simd::IntVec lane = simd::lane_index(), low = (lane & static_cast<int32_t>(s)) == 0;
    // Row i keeps its lanes whose bit s is clear and takes row i + s's lanes (l - s) into the
    // others; row i + s takes row i's lanes (l + s) and keeps its own.
    const simd::IntVec upper_pick = low ? lane : lane - static_cast<int32_t>(s) + static_cast<int32_t>(kLanes);
    const simd::IntVec lower_pick = low ? lane + static_cast<int32_t>(s) : lane + static_cast<int32_t>(kLanes);
    for (int64_t i = 0; i < kLanes; ++i) {
      if (i & s) continue;
      const Vec a = m[i], b = m[i + s];
      m[i] = simd::shuffle(a, b, upper_pick);
      m[i + s] = simd::shuffle(a, b, lower_pick);
    }
  }
}

// tile (rows, vecs * kLanes), one row per position and one lane per channel, into channel-major
// out: out[(c0 + c) * plane + r] = base[c0 + c] (0 when base is null) + tile[r][c], for the
// channels that exist. Square blocks of the tile are transposed in registers, so each channel's
// run of positions is one (masked) vector store.
void scatter_tile(const float* tile, int64_t rows, int64_t vecs, int64_t c0, int64_t channels, const float* base,
                  float* out, int64_t plane) {
  const int64_t stride = vecs * kLanes;
  for (int64_t v = 0; v < vecs; ++v) {
    const int64_t first = c0 + v * kLanes, width = std::min(kLanes, channels - first);
    for (int64_t r0 = 0; r0 < rows; r0 += kLanes) {
      const int64_t count = std::min(kLanes, rows - r0);
      Vec m[kLanes];
      for (int64_t r = 0; r < kLanes; ++r) m[r] = r < count ? load(tile + (r0 + r) * stride + v * kLanes) : Vec{};
      transpose_square(m);
      const simd::Lanes lanes(0, count);
      for (int64_t c = 0; c < width; ++c) {
        const Vec b = simd::splat(base ? base[first + c] : 0.0f);
        store(out + (first + c) * plane + r0, b + m[c], lanes);
      }
    }
  }
}

}  // namespace

bool applies(const ConvGeometry& g) {
  return simd::kHasMasks && g.stride_h == 1 && g.stride_w == 1 && g.pad_h < g.kernel_h && g.pad_w < g.kernel_w;
}

bool input_grad_applies(const ConvGeometry& g) { return applies(g) && g.in_channels >= kLanes / 2; }

int64_t vector_width(int64_t channels) { return (channels + kLanes - 1) / kLanes * kLanes; }

Buffer forward_weights(const ConvGeometry& g, const float* w) {
  const int64_t patch = g.patch_size(), ld = vector_width(g.out_channels);
  Buffer wt(static_cast<std::size_t>(patch * ld), 0.0f);
  for (int64_t o = 0; o < g.out_channels; ++o)
    for (int64_t p = 0; p < patch; ++p) wt[static_cast<std::size_t>(p * ld + o)] = w[o * patch + p];
  return wt;
}

Buffer input_grad_weights(const ConvGeometry& g, const float* w) {
  const int64_t area = g.kernel_h * g.kernel_w, ld = vector_width(g.in_channels);
  Buffer wg(static_cast<std::size_t>(area * g.out_channels * ld), 0.0f);
  for (int64_t o = 0; o < g.out_channels; ++o)
    for (int64_t c = 0; c < g.in_channels; ++c)
      for (int64_t k = 0; k < area; ++k)
        wg[static_cast<std::size_t>((k * g.out_channels + o) * ld + c)] = w[(o * g.in_channels + c) * area + k];
  return wg;
}

void forward_sample(const ConvGeometry& g, const float* forward_w, const float* x, const float* b, float* y,
                    Buffer& padded) {
  pad_planes(x, g.in_channels, g.in_h, g.in_w, g.pad_h, g.pad_w, padded);
  const int64_t row = g.in_w + 2 * g.pad_w, plane = (g.in_h + 2 * g.pad_h) * row;
  const int64_t out_w = g.out_w(), spatial = g.out_h() * out_w, ldw = vector_width(g.out_channels);
  alignas(64) float tile[kMaxTile];
  for (int64_t oy = 0; oy < g.out_h(); ++oy)
    cover_channels(g.out_channels, [&]<int64_t Vecs>(int64_t o0) {
      const auto block = [&]<int64_t Rows>(int64_t ox0) {
        forward_block<Rows, Vecs>(g, plane, row, padded.data() + oy * row + ox0, forward_w + o0, ldw, tile);
        scatter_tile(tile, Rows, Vecs, o0, g.out_channels, b, y + oy * out_w + ox0, spatial);
      };
      if constexpr (Vecs == 2) cover<14, 8, 4, 2, 1>(out_w, block);
      else cover<14, 8, 4, 2, 1>(out_w, block);
    });
}

void weight_grad_sample(const ConvGeometry& g, const float* x, const float* dy_t, int64_t ld, float* dw_t,
                        Buffer& padded) {
  pad_planes(x, g.in_channels, g.in_h, g.in_w, g.pad_h, g.pad_w, padded);
  const int64_t row = g.in_w + 2 * g.pad_w, plane = (g.in_h + 2 * g.pad_h) * row;
  for (int64_t c = 0; c < g.in_channels; ++c)
    cover_channels(g.out_channels, [&]<int64_t Vecs>(int64_t o0) {
      cover<2, 1>(g.kernel_h, [&]<int64_t KRows>(int64_t i) {
        cover<5, 4, 3, 2, 1>(g.kernel_w, [&]<int64_t Rows>(int64_t j) {
          const int64_t p = (c * g.kernel_h + i) * g.kernel_w + j;
          weight_grad_block<KRows, Rows, Vecs>(g.out_h(), g.out_w(), row, padded.data() + c * plane + i * row + j,
                                               dy_t + o0, ld, dw_t + p * ld + o0, g.kernel_w);
        });
      });
    });
}

void input_grad_sample(const ConvGeometry& g, const float* input_grad_w, const float* dy, float* dx,
                       Buffer& padded) {
  const int64_t pad_h = g.kernel_h - 1 - g.pad_h, pad_w = g.kernel_w - 1 - g.pad_w;
  pad_planes(dy, g.out_channels, g.out_h(), g.out_w(), pad_h, pad_w, padded);
  const int64_t row = g.out_w() + 2 * pad_w, plane = (g.out_h() + 2 * pad_h) * row;
  const int64_t ldc = vector_width(g.in_channels), in_plane = g.in_h * g.in_w;
  alignas(64) float tile[kMaxTile];
  for (int64_t y = 0; y < g.in_h; ++y)
    cover_channels(g.in_channels, [&]<int64_t Vecs>(int64_t c0) {
      const auto block = [&]<int64_t Rows>(int64_t x0) {
        input_grad_block<Rows, Vecs>(g, plane, row, padded.data() + y * row + x0, input_grad_w + c0, ldc, tile);
        scatter_tile(tile, Rows, Vecs, c0, g.in_channels, nullptr, dx + y * g.in_w + x0, in_plane);
      };
      if constexpr (Vecs == 2) cover<7, 4, 2, 1>(g.in_w, block);
      else cover<14, 8, 4, 2, 1>(g.in_w, block);
    });
}

}  // namespace NEURITE_ISA
}  // namespace neurite::direct
