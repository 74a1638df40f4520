// The 2x2, stride-2 max-pooling row of src/layers/pool2d.cpp in vector lanes, one copy per
// kernel family (isa.h); a family without masked loads has none (kernels.h: null).
#include "pool_kernel.h"

#include <algorithm>
#include <cstring>

#include "simd.h"

namespace neurite::pool_kernel {
inline namespace NEURITE_ISA {

// kLanes outputs at a time, the same as max_row (pool2d.cpp) for 2x2 windows with stride 2:
// masked loads of the two input rows, split into even and odd columns, and the same comparisons
// in the same order as max_row, as vector selects.
void max_row_2x2(const float* in, int64_t w, int64_t oy, int64_t ow, bool relu_after, float* out, int32_t* arg) {
  using simd::kLanes;
  const float* top = in + 2 * oy * w;
  const float* bottom = top + w;
  for (int64_t ox0 = 0; ox0 < ow; ox0 += kLanes) {
    const int64_t n = std::min(kLanes, ow - ox0), inputs = 2 * n;
    const simd::Lanes first_half(0, std::min(kLanes, inputs)), second_half(0, std::max(int64_t{0}, inputs - kLanes));
    const float* t = top + 2 * ox0;
    const float* b = bottom + 2 * ox0;
    const simd::Vec t0 = simd::load(t, first_half), t1 = simd::load(t + kLanes, second_half);
    const simd::Vec b0 = simd::load(b, first_half), b1 = simd::load(b + kLanes, second_half);
    const simd::Vec candidates[3] = {simd::odd_lanes(t0, t1), simd::even_lanes(b0, b1), simd::odd_lanes(b0, b1)};
    const simd::IntVec offsets[3] = {simd::IntVec{} + 1, simd::IntVec{} + static_cast<int32_t>(w),
                                     simd::IntVec{} + static_cast<int32_t>(w + 1)};
    const simd::IntVec at = static_cast<int32_t>(2 * (oy * w + ox0)) + 2 * simd::lane_index();
    simd::Vec best_value = simd::even_lanes(t0, t1);
    simd::IntVec best = at;
    for (int c = 0; c < 3; ++c) {
      const simd::IntVec better = candidates[c] > best_value;
      best_value = better ? candidates[c] : best_value;
      best = better ? at + offsets[c] : best;
    }
    if (relu_after) best_value = best_value > 0.0f ? best_value : simd::Vec{};  // ReLU's formula
    simd::store(out + ox0, best_value, simd::Lanes(0, n));
    simd::store(arg + ox0, best, simd::Lanes(0, n));
  }
}

// The way back, kLanes inputs of both rows at a time: each output's gradient and winner spread
// to its window's two columns, and each input keeps dy where it won (and, with relu_mask, is
// positive), else 0. Windows do not overlap, so every input is written once, with the bits of
// route's 0 + dy (pool2d.cpp).
void route_row_2x2(const float* in, const int32_t* arg, const float* dy, int64_t w, int64_t oy, int64_t ow,
                   bool relu_mask, float* d) {
  using simd::kLanes;
  const simd::IntVec pair = simd::lane_index() >> 1;  // input lane -> its output lane
  for (int64_t ox0 = 0; ox0 < ow; ox0 += kLanes / 2) {
    const int64_t n = std::min(kLanes / 2, ow - ox0), c0 = 2 * ox0;
    const simd::Lanes outputs(0, n), inputs(0, 2 * n);
    const simd::Vec grad = simd::shuffle(simd::load(dy + ox0, outputs), simd::Vec{}, pair);
    const simd::Vec winner_bits = simd::load(reinterpret_cast<const float*>(arg + ox0), outputs);
    const simd::Vec winner_spread = simd::shuffle(winner_bits, simd::Vec{}, pair);
    simd::IntVec winner;  // the same bits as int32 (memcpy: clang refuses bit_cast of the aligned(4) Vec)
    std::memcpy(&winner, &winner_spread, sizeof winner);
    for (int64_t i = 0; i < 2; ++i) {
      const int64_t row = (2 * oy + i) * w + c0;
      const simd::IntVec here = static_cast<int32_t>(row) + simd::lane_index();
      simd::IntVec keep = winner == here;
      if (relu_mask) keep &= simd::load(in + row, inputs) > 0.0f;
      simd::store(d + row, simd::Vec{} + (keep ? grad : simd::Vec{}), inputs);
    }
  }
}

}  // namespace NEURITE_ISA
}  // namespace neurite::pool_kernel
