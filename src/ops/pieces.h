// Element-wise work split between threads (private to the library).
#pragma once
#include <algorithm>
#include <cstdint>

#include "neurite/ops/gemm.h"

namespace neurite {

// Runs body(begin, end) over [0, n): in one piece per thread when n is at least min_parallel,
// else in one piece. Pieces start at multiples of 64 elements, so each element falls in the same
// place of a vector loop whatever the split: element-wise code gives the same bits on any
// thread count.
template <class Body>
void for_each_piece(int64_t n, int64_t min_parallel, Body body) {
  constexpr int64_t kAlign = 64;
  const int threads = n >= min_parallel ? num_threads() : 1;
  if (threads == 1) return body(int64_t{0}, n);
  const int64_t piece = (n / threads + kAlign - 1) / kAlign * kAlign;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) body(std::min(n, t * piece), std::min(n, (t + 1) * piece));
}

}  // namespace neurite
