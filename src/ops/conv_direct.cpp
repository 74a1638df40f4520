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

// Channel blocks of MaxVecs (4 or 2) vectors while that many are needed, then of 2, then of 1
// (the last one partly used): calls f.template operator()<Vecs>(c0).
template <int64_t MaxVecs = 2, typename F>
void cover_channels(int64_t width, F&& f) {
  int64_t c0 = 0;
  if constexpr (MaxVecs == 4)
    for (; c0 + 3 * kLanes < width; c0 += 4 * kLanes) f.template operator()<4>(c0);
  for (; c0 + kLanes < width; c0 += 2 * kLanes) f.template operator()<2>(c0);
  for (; c0 < width; c0 += kLanes) f.template operator()<1>(c0);
}

// planes (count, h, w) -> padded (count, h + 2 ph, w + 2 pw), zero around each plane. The
// border is written only when the buffer is (re)sized: later samples overwrite the inside only.
// With `split`, each padded row holds its even columns and then its odd ones (see
// split_column), so that a stride of 2 along rows reads consecutive values.
void pad_planes(const float* src, int64_t count, int64_t h, int64_t w, int64_t ph, int64_t pw, Buffer& padded,
                bool split = false) {
  const int64_t ph2 = h + 2 * ph, pw2 = w + 2 * pw, evens = (pw2 + 1) / 2;
  const auto size = static_cast<std::size_t>(count * ph2 * pw2);
  if (padded.size() != size) padded.assign(size, 0.0f);
  for (int64_t c = 0; c < count; ++c)
    for (int64_t y = 0; y < h; ++y) {
      const float* from = src + (c * h + y) * w;
      float* to = padded.data() + (c * ph2 + y + ph) * pw2;
      if (!split) {
        // Masked vectors where the family has them: the rows are short (5 to 28 values), and
        // a call to memmove for each cost more than the copy.
        if constexpr (simd::kHasMasks)
          for (int64_t x0 = 0; x0 < w; x0 += kLanes) {
            const simd::Lanes lanes(0, std::min(kLanes, w - x0));
            store(to + pw + x0, load(from + x0, lanes), lanes);
          }
        else std::copy_n(from, w, to + pw);
        continue;
      }
      const int64_t first_even = pw % 2;  // the first x whose padded column is even
      for (int64_t x = first_even; x < w; x += 2) to[(x + pw) / 2] = from[x];
      for (int64_t x = 1 - first_even; x < w; x += 2) to[evens + (x + pw) / 2] = from[x];
    }
}

// Where padded column `column` lies in a split row of `width` values.
int64_t split_column(int64_t column, int64_t width) { return column % 2 * ((width + 1) / 2) + column / 2; }

// ---- Forward: Rows output positions of one row by Vecs vectors of filters ----
// tile[r][o] = sum over (c, i, j), in that order, of x[c, S oy + i, S (ox + r) + j] W^T[(c, i, j),
// o] for stride S: the order of the im2col GEMM's k loop. The stride along the row is a template
// argument, so the positions' offsets stay constants.
template <int64_t Rows, int64_t Vecs, int64_t StrideW>
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
          for (int64_t v = 0; v < Vecs; ++v) acc[r][v] += xr[j + r * StrideW] * wv[v];
      }
    }
#pragma GCC unroll 32
  for (int64_t r = 0; r < Rows; ++r)
    for (int64_t v = 0; v < Vecs; ++v) store(tile + (r * Vecs + v) * kLanes, acc[r][v]);
}

// ---- Forward with few input channels: Filters filters by Vecs vectors of output positions ----
// With one or two input channels the loop over (c, i, j) is short, and turning each tile of
// filter vectors back into planes (scatter_tile) costs about as much as its products. Here the
// lanes run along output rows instead: acc[f][v] holds a vector of positions of filter f, each
// step multiplies a row of the padded image (an unaligned load) by one weight broadcast from
// memory, and the sums go straight into the filter's plane. The terms and their order are
// forward_block's, so both give the same bits. Kernel column j starts at columns[j] of a row: j
// itself, or for a stride of 2 its place in the split row, where output positions read
// consecutive values.
//
// Where the vectors lie: vector v starts in_step * v after the block's first input value and
// out_step * v after its first output, all but the last with `lanes` positions. Along a long
// output row they are its next positions; short rows (a strided first layer's 12) take the same
// positions of the next output row, so that each weight broadcast feeds Vecs multiply-adds.
struct RowVectors {
  int64_t in_step, out_step;
  simd::Lanes lanes, last;
};

template <int64_t Filters, int64_t Vecs>
[[gnu::noinline]] void forward_row_block(const ConvGeometry& g, int64_t plane, int64_t row, const float* x,
                                         const int64_t* columns, const float* wt, int64_t ldw, const RowVectors& at,
                                         const float* b, float* y, int64_t spatial) {
  // GCC turns the accumulators into registers only when every loop over them is unrolled early.
  Vec acc[Filters][Vecs] = {};
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const float* xr = x + c * plane + i * row;
      for (int64_t j = 0; j < g.kernel_w; ++j, wt += ldw) {
        Vec xv[Vecs];
#pragma GCC unroll 4
        for (int64_t v = 0; v < Vecs; ++v) xv[v] = load(xr + columns[j] + v * at.in_step, v + 1 < Vecs ? at.lanes : at.last);
#pragma GCC unroll 16
        for (int64_t f = 0; f < Filters; ++f)
#pragma GCC unroll 4
          for (int64_t v = 0; v < Vecs; ++v) acc[f][v] += xv[v] * wt[f];
      }
    }
#pragma GCC unroll 16
  for (int64_t f = 0; f < Filters; ++f) {
    const Vec bias = simd::splat(b ? b[f] : 0.0f);
#pragma GCC unroll 4
    for (int64_t v = 0; v < Vecs; ++v)
      store(y + f * spatial + v * at.out_step, bias + acc[f][v], v + 1 < Vecs ? at.lanes : at.last);
  }
}

// ---- Weight gradient: KRows kernel rows by Rows kernel columns, by Vecs vectors of filters ----
// dw_t[(c, i + kr, j + r), o] += sum over output positions q, in order, of x[c, S oy + i + kr,
// S ox + j + r] dy_t[q, o] for stride S: the order of the im2col GEMM's k loop.
template <int64_t KRows, int64_t Rows, int64_t Vecs>
[[gnu::noinline]] void weight_grad_block(const ConvGeometry& g, int64_t row, const float* x, const float* dy_t,
                                         int64_t ld, float* dw_t) {
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  // Every loop over acc is unrolled, so that it stays in registers: otherwise GCC keeps a copy
  // on the stack for the final additions, zeroed on each call.
  Vec acc[KRows][Rows][Vecs] = {};
  for (int64_t oy = 0; oy < out_h; ++oy)
    for (int64_t ox = 0; ox < out_w; ++ox) {
      const float* xq = x + oy * g.stride_h * row + ox * g.stride_w;
      const float* d = dy_t + (oy * out_w + ox) * ld;
      Vec dv[Vecs];
#pragma GCC unroll 4
      for (int64_t v = 0; v < Vecs; ++v) dv[v] = load(d + v * kLanes);
#pragma GCC unroll 8
      for (int64_t kr = 0; kr < KRows; ++kr)
#pragma GCC unroll 8
        for (int64_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
          for (int64_t v = 0; v < Vecs; ++v) acc[kr][r][v] += xq[kr * row + r] * dv[v];
    }
#pragma GCC unroll 8
  for (int64_t kr = 0; kr < KRows; ++kr)
#pragma GCC unroll 8
    for (int64_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
      for (int64_t v = 0; v < Vecs; ++v) {
        float* c = dw_t + (kr * g.kernel_w + r) * ld + v * kLanes;
        store(c, load(c) + acc[kr][r][v]);
      }
}

// ---- Input gradient: Rows input positions by Vecs vectors of input channels ----
// An input pixel (y, x) takes a gradient from kernel tap (i, j) where y + P - i and x + P - j are
// multiples of the strides; then dy's position is ((y + P - i) / S, (x + P - j) / S). Pixels whose
// offsets share their remainders (a class) use the same taps, and along a row the pixels of a
// class, S apart, read consecutive dy columns: a block takes Rows of them.
struct Tap {
  int64_t weights;  // where the tap's rows start in the input gradient's weights
  int64_t dy;       // its dy value for the block's first position, from the block's base
};

// tile[r * step][c] = sum over the taps, in order, of (sum over o, in order, of dy[o, base + tap +
// r] W[o, c, i, j]): the GEMM W^T dy summed over o, then col2im adding kernel offsets in order.
// dy is padded, so the positions outside it read 0.
template <int64_t Rows, int64_t Vecs>
[[gnu::noinline]] void input_grad_block(const std::vector<Tap>& taps, int64_t outs, int64_t plane,
                                        const float* dy, const float* wg, int64_t ldc, float* tile, int64_t step) {
  // (Every loop over the accumulators unrolled, as in weight_grad_block.)
  Vec total[Rows][Vecs] = {};
  for (const Tap& tap : taps) {
    const float* d = dy + tap.dy;
    const float* wk = wg + tap.weights;
    Vec part[Rows][Vecs] = {};
    for (int64_t o = 0; o < outs; ++o) {
      Vec wv[Vecs];
#pragma GCC unroll 4
      for (int64_t v = 0; v < Vecs; ++v) wv[v] = load(wk + o * ldc + v * kLanes);
      const float* dr = d + o * plane;
#pragma GCC unroll 16
      for (int64_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
        for (int64_t v = 0; v < Vecs; ++v) part[r][v] += dr[r] * wv[v];
    }
#pragma GCC unroll 16
    for (int64_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
      for (int64_t v = 0; v < Vecs; ++v) total[r][v] += part[r][v];
  }
#pragma GCC unroll 16
  for (int64_t r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int64_t v = 0; v < Vecs; ++v) store(tile + (r * step * Vecs + v) * kLanes, total[r][v]);
}

// dy's zero border for the input gradient along one axis: room for the taps below a pixel's
// first dy row and for the rows past dy's end that the last pixels' offsets reach.
int64_t dy_padding(int64_t kernel, int64_t pad, int64_t stride, int64_t in, int64_t out) {
  const int64_t before = (kernel - 1 - pad) / stride, after = (in - 1 + pad) / stride - (out - 1);
  return std::max(before, after);
}

// The taps of the class whose offsets leave remainders (bh, bw), in the (i, j) order of col2im.
std::vector<Tap> class_taps(const ConvGeometry& g, int64_t bh, int64_t bw, int64_t row, int64_t ldc) {
  std::vector<Tap> taps;
  for (int64_t i = bh; i < g.kernel_h; i += g.stride_h)
    for (int64_t j = bw; j < g.kernel_w; j += g.stride_w)
      taps.push_back({(i * g.kernel_w + j) * g.out_channels * ldc, -(i - bh) / g.stride_h * row - (j - bw) / g.stride_w});
  return taps;
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
#pragma GCC unroll 16  // (loops over m unrolled, so that m stays in registers)
      for (int64_t r = 0; r < kLanes; ++r) m[r] = r < count ? load(tile + (r0 + r) * stride + v * kLanes) : Vec{};
      simd::transpose_square(m);
      const simd::Lanes lanes(0, count);
#pragma GCC unroll 16
      for (int64_t c = 0; c < kLanes; ++c) {
        if (c >= width) break;
        const Vec b = simd::splat(base ? base[first + c] : 0.0f);
        store(out + (first + c) * plane + r0, b + m[c], lanes);
      }
    }
  }
}

}  // namespace

bool applies(const ConvGeometry& g) {
  return simd::kHasMasks && g.stride_w <= 2 && g.pad_h < g.kernel_h && g.pad_w < g.kernel_w;
}

bool input_grad_applies(const ConvGeometry& g) {
  return applies(g) && g.in_channels >= kLanes / 2;
}

bool forward_by_rows(const ConvGeometry& g) { return g.in_channels < kLanes / 2 && g.stride_w <= 2; }

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
  const bool by_rows = forward_by_rows(g), split = by_rows && g.stride_w == 2;
  pad_planes(x, g.in_channels, g.in_h, g.in_w, g.pad_h, g.pad_w, padded, split);
  const int64_t row = g.in_w + 2 * g.pad_w, plane = (g.in_h + 2 * g.pad_h) * row;
  const int64_t out_w = g.out_w(), spatial = g.out_h() * out_w, ldw = vector_width(g.out_channels);
  if (by_rows) {
    std::vector<int64_t> columns(static_cast<std::size_t>(g.kernel_w));
    for (int64_t j = 0; j < g.kernel_w; ++j) columns[static_cast<std::size_t>(j)] = split ? split_column(j, row) : j;
    // One block: `vecs` vectors placed as `at`, from output row oy and column ox0.
    const auto blocks = [&](int64_t oy, int64_t ox0, int64_t vecs, const RowVectors& at) {
      const auto block = [&]<int64_t Filters>(int64_t o0) {
        const float* in = padded.data() + oy * g.stride_h * row + ox0;
        float* out = y + o0 * spatial + oy * out_w + ox0;
        const float* bias = b ? b + o0 : nullptr;
        const float* w = forward_w + o0;
        if (vecs == 2) forward_row_block<Filters, 2>(g, plane, row, in, columns.data(), w, ldw, at, bias, out, spatial);
        else forward_row_block<Filters, 1>(g, plane, row, in, columns.data(), w, ldw, at, bias, out, spatial);
      };
      if constexpr (kLanes >= 16) cover<8, 4, 2, 1>(g.out_channels, block);
      else cover<4, 2, 1>(g.out_channels, block);  // AVX2's 16 registers
    };
    if (out_w <= kLanes) {  // pairs of short rows
      const simd::Lanes row_lanes(0, out_w);
      for (int64_t oy = 0; oy < g.out_h(); oy += 2)
        blocks(oy, 0, std::min<int64_t>(2, g.out_h() - oy), {g.stride_h * row, out_w, row_lanes, row_lanes});
      return;
    }
    for (int64_t oy = 0; oy < g.out_h(); ++oy)
      for (int64_t ox0 = 0; ox0 < out_w; ox0 += 2 * kLanes) {
        const int64_t count = std::min(2 * kLanes, out_w - ox0), vecs = count > kLanes ? 2 : 1;
        blocks(oy, ox0, vecs, {kLanes, kLanes, simd::Lanes(0, kLanes), simd::Lanes(0, count - (vecs - 1) * kLanes)});
      }
    return;
  }
  alignas(64) float tile[kMaxTile];
  for (int64_t oy = 0; oy < g.out_h(); ++oy)
    // Four vectors of filters at a time where there are as many, in blocks of at most 6
    // positions (24 accumulators): each broadcast value then feeds 4 multiply-adds.
    cover_channels<kLanes >= 16 ? 4 : 2>(g.out_channels, [&]<int64_t Vecs>(int64_t o0) {
      const auto block = [&]<int64_t Rows>(int64_t ox0) {
        const float* in = padded.data() + oy * g.stride_h * row + ox0 * g.stride_w;
        if (g.stride_w == 1) forward_block<Rows, Vecs, 1>(g, plane, row, in, forward_w + o0, ldw, tile);
        else forward_block<Rows, Vecs, 2>(g, plane, row, in, forward_w + o0, ldw, tile);
        scatter_tile(tile, Rows, Vecs, o0, g.out_channels, b, y + oy * out_w + ox0, spatial);
      };
      // Short rows (a strided layer's 5 to 7 outputs) as one block each: a block of 1 reloads
      // the weights for 2 multiply-adds.
      if constexpr (Vecs == 4) cover<6, 5, 4, 2, 1>(out_w, block);
      else cover<14, 8, 7, 6, 5, 4, 2, 1>(out_w, block);
    });
}

void weight_grad_sample(const ConvGeometry& g, const float* x, const float* dy_t, int64_t ld, float* dw_t,
                        Buffer& padded) {
  // Without padding the image is read where it is.
  const bool pad = g.pad_h > 0 || g.pad_w > 0;
  if (pad) pad_planes(x, g.in_channels, g.in_h, g.in_w, g.pad_h, g.pad_w, padded);
  const float* image = pad ? padded.data() : x;
  const int64_t row = g.in_w + 2 * g.pad_w, plane = (g.in_h + 2 * g.pad_h) * row;
  for (int64_t c = 0; c < g.in_channels; ++c)
    cover_channels(g.out_channels, [&]<int64_t Vecs>(int64_t o0) {
      const auto kernel_rows = [&]<int64_t KRows>(int64_t i) {
        cover<5, 4, 3, 2, 1>(g.kernel_w, [&]<int64_t Rows>(int64_t j) {
          const int64_t p = (c * g.kernel_h + i) * g.kernel_w + j;
          weight_grad_block<KRows, Rows, Vecs>(g, row, image + c * plane + i * row + j, dy_t + o0, ld,
                                               dw_t + p * ld + o0);
        });
      };
      // One vector of filters leaves room for a whole 5x5 kernel's 25 accumulators, and two
      // for a 3x3 kernel's 18, so each output position's gradient vector is loaded once per
      // channel, not once per 2 kernel rows.
      if constexpr (Vecs == 1) cover<5, 2, 1>(g.kernel_h, kernel_rows);
      else if (g.kernel_w <= 3) cover<3, 1>(g.kernel_h, kernel_rows);
      else cover<2, 1>(g.kernel_h, kernel_rows);
    });
}

void input_grad_sample(const ConvGeometry& g, const float* input_grad_w, const float* dy, float* dx,
                       Buffer& padded) {
  const int64_t sh = g.stride_h, sw = g.stride_w, out_h = g.out_h(), out_w = g.out_w();
  const int64_t pad_h = dy_padding(g.kernel_h, g.pad_h, sh, g.in_h, out_h);
  const int64_t pad_w = dy_padding(g.kernel_w, g.pad_w, sw, g.in_w, out_w);
  pad_planes(dy, g.out_channels, out_h, out_w, pad_h, pad_w, padded);
  const int64_t row = out_w + 2 * pad_w, plane = (out_h + 2 * pad_h) * row;
  const int64_t ldc = vector_width(g.in_channels), in_plane = g.in_h * g.in_w;
  std::vector<std::vector<Tap>> taps;  // by class, bh * sw + bw
  for (int64_t bh = 0; bh < sh; ++bh)
    for (int64_t bw = 0; bw < sw; ++bw) taps.push_back(class_taps(g, bh, bw, row, ldc));
  // Pixels past the last output's receptive field (a strided layer's last row and column when
  // the stride does not divide the size) get no gradient: they are set to 0, not computed.
  const int64_t reach_h = std::min(g.in_h, (out_h - 1) * sh + g.kernel_h - g.pad_h);
  const int64_t reach_w = std::min(g.in_w, (out_w - 1) * sw + g.kernel_w - g.pad_w);
  // (Masked stores: std::fill would call memset for every run of one or two values.)
  for (int64_t c = 0; c < g.in_channels; ++c)
    for (int64_t y = 0; y < g.in_h; ++y)
      for (int64_t x = y < reach_h ? reach_w : 0; x < g.in_w; x += kLanes)
        store(dx + (c * g.in_h + y) * g.in_w + x, Vec{}, simd::Lanes(0, std::min(kLanes, g.in_w - x)));
  alignas(64) float tile[kMaxTile];
  for (int64_t y = 0; y < reach_h; ++y) {
    const int64_t bh = (y + g.pad_h) % sh, dy_row = (y + g.pad_h - bh) / sh + pad_h;
    cover_channels(g.in_channels, [&]<int64_t Vecs>(int64_t c0) {
      // A window of pixels fills the tile; each class in it runs in blocks of its pixels.
      const int64_t window = (Vecs == 2 ? 7 : 14) * sw;
      for (int64_t x0 = 0; x0 < reach_w; x0 += window) {
        const int64_t width = std::min(window, reach_w - x0);
        for (int64_t k = 0; k < std::min(sw, width); ++k) {
          const int64_t first = x0 + k, bw = (first + g.pad_w) % sw;
          const float* base = padded.data() + dy_row * row + (first + g.pad_w - bw) / sw + pad_w;
          const std::vector<Tap>& class_taps = taps[static_cast<std::size_t>(bh * sw + bw)];
          const auto block = [&]<int64_t Rows>(int64_t r0) {
            input_grad_block<Rows, Vecs>(class_taps, g.out_channels, plane, base + r0, input_grad_w + c0, ldc,
                                         tile + (k + r0 * sw) * Vecs * kLanes, sw);
          };
          const int64_t count = (width - k + sw - 1) / sw;
          if constexpr (Vecs == 2) cover<7, 6, 5, 4, 2, 1>(count, block);
          else cover<14, 8, 4, 2, 1>(count, block);
        }
        scatter_tile(tile, width, Vecs, c0, g.in_channels, nullptr, dx + y * g.in_w + x0, in_plane);
      }
    });
  }
}

}  // namespace NEURITE_ISA
}  // namespace neurite::direct
