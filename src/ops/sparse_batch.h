// Products with a batch whose inputs are mostly zeros (private to the library).
//
// A table's categorical columns become one-hot blocks: birdstrikes' 363 inputs hold 8 nonzero
// values per row. A dense layer fed such rows would spend nearly all of its multiply-adds on
// zeros; these products visit the nonzero entries alone. The entries are grouped by column, so
// a weight column is gathered (or a gradient column written) once per batch however many rows
// share it, and the work per entry is a contiguous vector of the layer's outputs. Every sum runs
// over the nonzero columns in ascending order, the same way whatever the batch or thread count.
#pragma once
#include <cstdint>
#include <vector>

namespace neurite::sparse {

// The nonzero entries of a row-major (rows x cols) matrix, grouped by column (compressed sparse
// columns, only the columns that hold any): active column a is column `column[a]` and holds
// entries [start[a], start[a + 1]) of row/value, in ascending row order.
struct SparseBatch {
  int64_t rows = 0, cols = 0;
  std::vector<int32_t> column;
  std::vector<int64_t> start;
  std::vector<int32_t> row;
  std::vector<float> value;

  // Working storage kept from batch to batch, so a training step allocates nothing: the entries
  // in row order before they are grouped, per-column counts, and one column of outputs.
  struct Scratch {
    std::vector<int32_t> row, column;
    std::vector<float> value;
    std::vector<int64_t> column_slot;
    std::vector<float> outputs;
  } scratch;
};

// Fills `out` with the nonzero entries of x when there are at most `max_nonzeros` of them and
// returns true. Returns false (leaving `out` unspecified) as soon as there are more, or as soon
// as the rows read so far hold more than twice their share of them: a dense batch costs about
// one row's scan.
bool compress(const float* x, int64_t rows, int64_t cols, int64_t max_nonzeros, SparseBatch& out);

// y (rows x out) = beta * y + x W^T, W stored (out x x.cols) as a dense layer keeps it.
void times_transposed(SparseBatch& x, const float* W, int64_t out, float beta, float* y);

// dW (out x x.cols) += dy^T x, dy (x.rows x out): a dense layer's weight gradient.
void add_transposed_times(const float* dy, int64_t out, SparseBatch& x, float* dW);

}  // namespace neurite::sparse
