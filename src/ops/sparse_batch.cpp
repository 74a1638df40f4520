#include "sparse_batch.h"

#include <algorithm>
#include <bit>

#include "simd.h"

namespace neurite::sparse {

namespace {

using simd::kLanes;

// Appends the nonzero entries of row r of x to the scratch lists (which have room for them);
// a vector of lanes is tested at once and only its few hits are visited.
int64_t scan_row(const float* x, int64_t r, int64_t cols, SparseBatch::Scratch& s, int64_t count) {
  const float* values = x + r * cols;
  auto add = [&](int64_t c) {
    s.row[count] = static_cast<int32_t>(r);
    s.column[count] = static_cast<int32_t>(c);
    s.value[count++] = values[c];
  };
  int64_t c0 = 0;
  for (; c0 + kLanes <= cols; c0 += kLanes)
    for (uint32_t bits = simd::nonzero_lanes(simd::load(values + c0)); bits != 0; bits &= bits - 1)
      add(c0 + std::countr_zero(bits));
  for (int64_t c = c0; c < cols; ++c)
    if (values[c] != 0.0f) add(c);
  return count;
}

void make_room(SparseBatch::Scratch& s, int64_t needed) {
  if (static_cast<int64_t>(s.value.size()) >= needed) return;
  const auto room = static_cast<std::size_t>(std::max<int64_t>(needed, 2 * static_cast<int64_t>(s.value.size())));
  s.row.resize(room);
  s.column.resize(room);
  s.value.resize(room);
}

// Groups the `count` scratch entries by column with a counting sort, which keeps each column's
// rows in order.
void group_by_column(int64_t count, SparseBatch& out) {
  SparseBatch::Scratch& s = out.scratch;
  s.column_slot.assign(static_cast<std::size_t>(out.cols), 0);
  for (int64_t e = 0; e < count; ++e) ++s.column_slot[s.column[e]];
  out.column.clear();
  out.start.assign(1, 0);
  for (int64_t c = 0; c < out.cols; ++c) {
    if (s.column_slot[c] == 0) continue;
    const int64_t entries = s.column_slot[c];
    s.column_slot[c] = out.start.back();  // from here on: where column c's next entry goes
    out.column.push_back(static_cast<int32_t>(c));
    out.start.push_back(out.start.back() + entries);
  }
  out.row.resize(static_cast<std::size_t>(count));
  out.value.resize(static_cast<std::size_t>(count));
  for (int64_t e = 0; e < count; ++e) {
    const int64_t slot = s.column_slot[s.column[e]]++;
    out.row[slot] = s.row[e];
    out.value[slot] = s.value[e];
  }
}

}  // namespace

bool compress(const float* x, int64_t rows, int64_t cols, int64_t max_nonzeros, SparseBatch& out) {
  int64_t count = 0;
  for (int64_t r = 0; r < rows; ++r) {
    make_room(out.scratch, count + cols);
    count = scan_row(x, r, cols, out.scratch, count);
    // A dense batch is given up on early: as soon as the rows so far hold twice their share.
    if (count > max_nonzeros || count > 2 * max_nonzeros * (r + 1) / rows) return false;
  }
  out.rows = rows;
  out.cols = cols;
  group_by_column(count, out);
  return true;
}

void times_transposed(SparseBatch& x, const float* W, int64_t out, float beta, float* y) {
  if (beta != 1.0f)
    for (int64_t i = 0; i < x.rows * out; ++i) y[i] = beta == 0.0f ? 0.0f : beta * y[i];
  std::vector<float>& weights = x.scratch.outputs;  // column k of W, gathered once for all its entries
  weights.resize(static_cast<std::size_t>(out));
  for (std::size_t a = 0; a < x.column.size(); ++a) {
    const int64_t k = x.column[a];
    for (int64_t o = 0; o < out; ++o) weights[o] = W[o * x.cols + k];
    for (int64_t e = x.start[a]; e < x.start[a + 1]; ++e) {
      float* y_row = y + int64_t{x.row[e]} * out;
      const float v = x.value[e];
#pragma omp simd
      for (int64_t o = 0; o < out; ++o) y_row[o] += v * weights[o];
    }
  }
}

void add_transposed_times(const float* dy, int64_t out, SparseBatch& x, float* dW) {
  std::vector<float>& sum = x.scratch.outputs;  // column k of dW's increment, summed before it is written
  sum.resize(static_cast<std::size_t>(out));
  for (std::size_t a = 0; a < x.column.size(); ++a) {
    std::fill(sum.begin(), sum.end(), 0.0f);
    for (int64_t e = x.start[a]; e < x.start[a + 1]; ++e) {
      const float* d = dy + int64_t{x.row[e]} * out;
      const float v = x.value[e];
#pragma omp simd
      for (int64_t o = 0; o < out; ++o) sum[o] += v * d[o];
    }
    const int64_t k = x.column[a];
    for (int64_t o = 0; o < out; ++o) dW[o * x.cols + k] += sum[o];
  }
}

}  // namespace neurite::sparse
