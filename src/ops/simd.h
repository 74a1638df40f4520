// The widest float vector the target has, for neurite's own kernels (private to src/ops): 16
// lanes with AVX-512, 8 with AVX, 4 with SSE. GCC's vector extension keeps most code portable;
// masked loads and stores need intrinsics and exist only with AVX2 or AVX-512 (kHasMasks says
// which family has them). Everything here sits in the family's inline namespace (isa.h).
#pragma once
#include <immintrin.h>

#include <bit>
#include <cstdint>
#include <cstring>

#include "isa.h"

namespace neurite::simd {
inline namespace NEURITE_ISA {

#if defined(__AVX512F__)
constexpr int64_t kLanes = 16;
#elif defined(__AVX__)
constexpr int64_t kLanes = 8;
#else
constexpr int64_t kLanes = 4;  // SSE's registers
#endif
// aligned(4) allows unaligned rows, may_alias lets it read float arrays.
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float)), aligned(4), may_alias));

typedef int32_t IntVec __attribute__((vector_size(kLanes * sizeof(int32_t))));

inline Vec load(const float* p) { return *reinterpret_cast<const Vec*>(p); }
inline void store(float* p, Vec v) { *reinterpret_cast<Vec*>(p) = v; }
inline Vec splat(float x) { return x - Vec{}; }  // x - 0 == x for every x, even -0

// The sum of the lanes, halving the vector each time (a fixed order for a given kLanes).
typedef float Vec8 __attribute__((vector_size(8 * sizeof(float))));
typedef float Vec4 __attribute__((vector_size(4 * sizeof(float))));
inline float sum_lanes(Vec v) {
#if defined(__AVX512F__)
  const Vec8 eight = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                     __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const Vec4 four = __builtin_shufflevector(eight, eight, 0, 1, 2, 3) + __builtin_shufflevector(eight, eight, 4, 5, 6, 7);
#elif defined(__AVX__)
  const Vec4 four = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
#else
  const Vec4 four = v;
#endif
  return (four[0] + four[2]) + (four[1] + four[3]);
}

// {0, 1, ..., kLanes - 1}
inline IntVec lane_index() {
  IntVec v{};
  for (int32_t l = 0; l < static_cast<int32_t>(kLanes); ++l) v[l] = l;
  return v;
}

// Lane l of the result is lane index[l] of the 2 * kLanes floats a, b. GCC's generic shuffle;
// clang (the sanitizer and fuzzing build) shuffles only by constants, so it moves lane by lane.
inline Vec shuffle(Vec a, Vec b, IntVec index) {
#if defined(__clang__)
  Vec out{};
  for (int64_t l = 0; l < kLanes; ++l) out[l] = index[l] < kLanes ? a[index[l]] : b[index[l] - kLanes];
  return out;
#else
  return __builtin_shuffle(a, b, index);
#endif
}

// Lane l is base[index[l]], or 0 where index[l] < 0: a masked hardware gather in the AVX2 and
// AVX-512 families (GCC's tuning for some CPUs would otherwise load lane by lane). `index` is
// read from kLanes consecutive int32 at any alignment.
inline Vec gather_or_zero(const float* base, const int32_t* index) {
  IntVec at;
  std::memcpy(&at, index, sizeof at);
#if defined(__AVX512F__)
  const __m512i i = reinterpret_cast<__m512i>(at);
  const __mmask16 inside = _mm512_cmpge_epi32_mask(i, _mm512_setzero_si512());
  return reinterpret_cast<Vec>(_mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, i, base, 4));
#elif defined(__AVX2__)
  const __m256i i = reinterpret_cast<__m256i>(at);
  const __m256 inside = _mm256_castsi256_ps(_mm256_cmpgt_epi32(i, _mm256_set1_epi32(-1)));
  return reinterpret_cast<Vec>(_mm256_mask_i32gather_ps(_mm256_setzero_ps(), base, i, inside, 4));
#else
  Vec out{};
  for (int64_t l = 0; l < kLanes; ++l) out[l] = at[l] < 0 ? 0.0f : base[at[l]];
  return out;
#endif
}

// m[0..kLanes) as a kLanes x kLanes matrix, transposed in registers: log2(kLanes) rounds, each
// swapping the off-diagonal blocks of size S between rows i and i + S. Every loop is unrolled
// early, as the rows stay in registers only when each is named by a constant.
template <int64_t S = kLanes / 2>
inline void transpose_square(Vec (&m)[kLanes]) {
  const IntVec lane = lane_index(), low = (lane & static_cast<int32_t>(S)) == 0;
  // Row i keeps its lanes whose bit S is clear and takes row i + S's lanes (l - S) into the
  // others; row i + S takes row i's lanes (l + S) and keeps its own.
  const IntVec upper_pick = low ? lane : lane - static_cast<int32_t>(S) + static_cast<int32_t>(kLanes);
  const IntVec lower_pick = low ? lane + static_cast<int32_t>(S) : lane + static_cast<int32_t>(kLanes);
#pragma GCC unroll 16
  for (int64_t i = 0; i < kLanes; ++i) {
    if (i & S) continue;
    const Vec a = m[i], b = m[i + S];
    m[i] = shuffle(a, b, upper_pick);
    m[i + S] = shuffle(a, b, lower_pick);
  }
  if constexpr (S > 1) transpose_square<S / 2>(m);
}

// The even and the odd elements of the 2 * kLanes floats lo, hi.
inline Vec even_lanes(Vec lo, Vec hi) { return shuffle(lo, hi, 2 * lane_index()); }
inline Vec odd_lanes(Vec lo, Vec hi) { return shuffle(lo, hi, 2 * lane_index() + 1); }

// Lanes [lo, hi) of a vector (0 <= lo <= hi <= kLanes). A masked load reads only those lanes
// (the others are 0, and their addresses are never touched, so a row may end or begin inside
// the vector); a masked store writes only those lanes. A lane does the same arithmetic as scalar
// code would, so results keep their bits.
#if defined(__AVX512F__)
constexpr bool kHasMasks = true;
struct Lanes {
  __mmask16 bits;
  Lanes(int64_t lo, int64_t hi) : bits(static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1))) {}
};
inline Vec load(const float* p, Lanes m) { return reinterpret_cast<Vec>(_mm512_maskz_loadu_ps(m.bits, p)); }
inline void store(float* p, Vec v, Lanes m) { _mm512_mask_storeu_ps(p, m.bits, reinterpret_cast<__m512>(v)); }
inline void store(int32_t* p, IntVec v, Lanes m) { _mm512_mask_storeu_epi32(p, m.bits, reinterpret_cast<__m512i>(v)); }
// Bit l set when lane l is not 0 (NaN included).
inline uint32_t nonzero_lanes(Vec v) {
  return _mm512_cmp_ps_mask(reinterpret_cast<__m512>(v), _mm512_setzero_ps(), _CMP_NEQ_UQ);
}
#elif defined(__AVX2__)
constexpr bool kHasMasks = true;
struct Lanes {
  __m256i on;
  Lanes(int64_t lo, int64_t hi) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    on = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lo)), lane),
                             _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(hi)), lane));
  }
};
inline Vec load(const float* p, Lanes m) { return reinterpret_cast<Vec>(_mm256_maskload_ps(p, m.on)); }
inline void store(float* p, Vec v, Lanes m) { _mm256_maskstore_ps(p, m.on, reinterpret_cast<__m256>(v)); }
inline void store(int32_t* p, IntVec v, Lanes m) { _mm256_maskstore_epi32(p, m.on, reinterpret_cast<__m256i>(v)); }
inline uint32_t nonzero_lanes(Vec v) {
  return static_cast<uint32_t>(
      _mm256_movemask_ps(_mm256_cmp_ps(reinterpret_cast<__m256>(v), _mm256_setzero_ps(), _CMP_NEQ_UQ)));
}
#else
constexpr bool kHasMasks = false;  // callers take their scalar paths instead
struct Lanes {
  Lanes(int64_t, int64_t) {}
};
inline Vec load(const float*, Lanes) { return Vec{}; }
inline void store(float*, Vec, Lanes) {}
inline void store(int32_t*, IntVec, Lanes) {}
inline uint32_t nonzero_lanes(Vec v) {
  uint32_t bits = 0;
  for (int64_t l = 0; l < kLanes; ++l) bits |= static_cast<uint32_t>(v[l] != 0.0f) << l;
  return bits;
}
#endif

// Appends the positions (first + lane) and values of the nonzero lanes of v (NaN counts as
// nonzero) to index[] and value[], in lane order, and returns how many. Whole vectors are
// stored, so both arrays need room for kLanes entries; no branch depends on the data, which a
// loop over the set bits of nonzero_lanes() cannot avoid (its exit mispredicts once a vector).
#if defined(__AVX512F__)
inline int64_t compress_nonzero(Vec v, int32_t first, int32_t* index, float* value) {
  const __m512 x = reinterpret_cast<__m512>(v);
  const __mmask16 on = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NEQ_UQ);
  const __m512i position = _mm512_add_epi32(_mm512_set1_epi32(first), reinterpret_cast<__m512i>(lane_index()));
  _mm512_storeu_si512(index, _mm512_maskz_compress_epi32(on, position));
  _mm512_storeu_ps(value, _mm512_maskz_compress_ps(on, x));
  return std::popcount(static_cast<uint32_t>(on));
}
#elif defined(__AVX2__)
namespace detail {
// For each 8-bit mask, the lanes that are set, in order, packed to the front.
struct PackTable {
  int32_t lanes[256][8] = {};
  constexpr PackTable() {
    for (int mask = 0; mask < 256; ++mask)
      for (int lane = 0, n = 0; lane < 8; ++lane)
        if (mask & (1 << lane)) lanes[mask][n++] = lane;
  }
};
inline constexpr PackTable kPackTable{};
}  // namespace detail
inline int64_t compress_nonzero(Vec v, int32_t first, int32_t* index, float* value) {
  const __m256 x = reinterpret_cast<__m256>(v);
  const int on = _mm256_movemask_ps(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_NEQ_UQ));
  const __m256i pick = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(detail::kPackTable.lanes[on]));
  const __m256i position = _mm256_add_epi32(_mm256_set1_epi32(first), reinterpret_cast<__m256i>(lane_index()));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(index), _mm256_permutevar8x32_epi32(position, pick));
  _mm256_storeu_ps(value, _mm256_permutevar8x32_ps(x, pick));
  return std::popcount(static_cast<uint32_t>(on));
}
#else
inline int64_t compress_nonzero(Vec v, int32_t first, int32_t* index, float* value) {
  int64_t count = 0;
  for (int32_t l = 0; l < static_cast<int32_t>(kLanes); ++l) {  // writes every lane, keeps the nonzero
    index[count] = first + l;
    value[count] = v[l];
    count += v[l] != 0.0f;
  }
  return count;
}
#endif

}  // namespace NEURITE_ISA
}  // namespace neurite::simd
