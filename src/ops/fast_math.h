// exp, sigmoid and tanh in plain arithmetic that the compiler vectorises inside `omp simd` loops
// (glibc's expf and tanhf are scalar calls without -ffast-math). Used by the recurrent cells,
// whose gates are most of their element-wise work. Private to the library.
#pragma once
#include <bit>
#include <cstdint>

#include "isa.h"

namespace neurite::fast {
inline namespace NEURITE_ISA {

// e^x within 2 ulp (3 without fused multiply-add) for x in [-87, 88] (clamped outside, so no inf or NaN from overflow):
// x = n ln2 + r with |r| <= ln2 / 2, e^r by a degree-6 polynomial, 2^n put into the exponent.
inline float exp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float n = __builtin_floorf(x * 1.44269504f + 0.5f);
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // ln2 split in two: exact n * hi
  float p = 1.3888889e-3f;  // 1/720, then Horner down to 1
  p = p * r + 8.3333333e-3f;
  p = p * r + 4.1666667e-2f;
  p = p * r + 1.6666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // n is a whole number in [-125, 127]; adding 1.5 * 2^23 puts it in the low mantissa bits, read
  // without a float-to-int conversion, which would be undefined for a NaN x (p carries the NaN).
  constexpr float kShift = 12582912.0f;
  const int32_t whole = std::bit_cast<int32_t>(n + kShift) - std::bit_cast<int32_t>(kShift);
  const auto scale = std::bit_cast<float>(static_cast<uint32_t>(whole + 127) << 23);
  return p * scale;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

// tanh x = 1 - 2 / (e^{2x} + 1): exact at 0 and tends to +-1 without overflow.
inline float tanh(float x) { return 1.0f - 2.0f / (exp(2.0f * x) + 1.0f); }

}  // namespace NEURITE_ISA
}  // namespace neurite::fast
