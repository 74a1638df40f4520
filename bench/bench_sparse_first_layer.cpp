// A design probe for issue 20: the first layer of Nielsen's 784-30-10 at batch 10, whose input
// rows are MNIST digits (about 19% of the pixels non-zero). Its two products, forward
// y = x W^T (10x30x784) and weight gradient dW = dy^T x (30x784x10), are half the FLOP of a
// training step and most of its time. Timed three ways, one thread:
//   dense/kernel, dense/blas  neurite::gemm on the whole rows (what training does today)
//   sparse_axpy               the non-zero pixels only: per pixel j of row i, a 30-wide
//                             y[i] += x[i][j] * Wt[j] and dWt[j] += x[i][j] * dy[i], on W stored
//                             transposed (784 x 30), the finding of non-zeros included
//   active_columns            the pixels non-zero in any of the ten rows only (MNIST's border is
//                             blank in every digit), each a column of the batch: its ten products
//                             into sums held in registers, one write of its weight-gradient row;
//                             W stored transposed and padded to 32 (two 16-lane vectors)
// Both results are checked against each other before timing. Rates count the dense FLOP, so
// the sparse form's "GFLOP/s" is its effective rate.
//
//   build/bench/bench_sparse_first_layer --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "neurite/ops/gemm.h"
#include "neurite/rng.h"

namespace {

constexpr int64_t kBatch = 10, kIn = 784, kOut = 30;
constexpr double kDenseFlop = 2.0 * 2.0 * kBatch * kIn * kOut;  // forward + weight gradient

constexpr int64_t kPadded = 32;  // a row of Wt padded to two 16-lane vectors

struct Operands {
  std::vector<float> x = std::vector<float>(kBatch * kIn), w = std::vector<float>(kOut * kIn),
                     wt = std::vector<float>(kIn * kOut), dy = std::vector<float>(kBatch * kOut),
                     y = std::vector<float>(kBatch * kOut), dw = std::vector<float>(kOut * kIn),
                     dwt = std::vector<float>(kIn * kOut), wt32 = std::vector<float>(kIn * kPadded),
                     dwt32 = std::vector<float>(kIn * kPadded);
  explicit Operands(double density) {
    neurite::Rng rng(7);
    // Ink only inside the centred 20x20 box, as in MNIST (digits were scaled into 20x20 and
    // centred in 28x28), at the density that gives `density` of the whole row.
    const double inside = std::min(1.0, density * 784.0 / 400.0);
    for (int64_t i = 0; i < kBatch; ++i)
      for (int64_t r = 0; r < 28; ++r)
        for (int64_t c = 0; c < 28; ++c) {
          const bool box = r >= 4 && r < 24 && c >= 4 && c < 24;
          x[static_cast<std::size_t>(i * kIn + r * 28 + c)] = box && rng.uniform() < inside ? static_cast<float>(rng.uniform()) : 0.0f;
        }
    for (float& v : w) v = static_cast<float>(rng.uniform() - 0.5);
    for (float& v : dy) v = static_cast<float>(rng.uniform() - 0.5);
    for (int64_t o = 0; o < kOut; ++o)
      for (int64_t j = 0; j < kIn; ++j) {
        wt[static_cast<std::size_t>(j * kOut + o)] = w[static_cast<std::size_t>(o * kIn + j)];
        wt32[static_cast<std::size_t>(j * kPadded + o)] = w[static_cast<std::size_t>(o * kIn + j)];
      }
  }
};

void dense_step(Operands& op, neurite::GemmBackend backend) {
  using neurite::Transpose;
  neurite::gemm(backend, Transpose::No, Transpose::Yes, kBatch, kOut, kIn, 1.0f, op.x.data(), kIn, op.w.data(), kIn, 0.0f,
                op.y.data(), kOut);
  neurite::gemm(backend, Transpose::Yes, Transpose::No, kOut, kIn, kBatch, 1.0f, op.dy.data(), kOut, op.x.data(), kIn, 1.0f,
                op.dw.data(), kIn);
}

// Per row, the non-zero pixels found in one pass; each adds a 30-wide row of Wt to y and its
// share of dy to a row of dWt (both contiguous, so the compiler vectorises the 30 lanes).
void sparse_step(Operands& op) {
  int32_t columns[kIn];
  for (int64_t i = 0; i < kBatch; ++i) {
    const float* xi = op.x.data() + i * kIn;
    int32_t count = 0;
    for (int32_t j = 0; j < kIn; ++j) {
      columns[count] = j;
      count += xi[j] != 0.0f;
    }
    float* yi = op.y.data() + i * kOut;
    const float* dyi = op.dy.data() + i * kOut;
    float acc[kOut] = {};
    for (int32_t c = 0; c < count; ++c) {
      const int32_t j = columns[c];
      const float v = xi[j];
      const float* wj = op.wt.data() + j * kOut;
      float* dwj = op.dwt.data() + j * kOut;
      for (int64_t o = 0; o < kOut; ++o) {
        acc[o] += v * wj[o];
        dwj[o] += v * dyi[o];
      }
    }
    std::copy_n(acc, kOut, yi);
  }
}

// The columns (pixels) non-zero in any row; for each, the ten rows' products with its Wt row
// summed into y (kept in registers across columns), and its weight-gradient row written once.
void active_columns_step(Operands& op) {
  int32_t active[kIn];
  int32_t count = 0;
  for (int32_t j = 0; j < kIn; ++j) {
    bool any = false;
    for (int64_t i = 0; i < kBatch; ++i) any |= op.x[static_cast<std::size_t>(i * kIn + j)] != 0.0f;
    active[count] = j;
    count += any;
  }
  float y[kBatch][kPadded] = {};
  float dy[kBatch][kPadded] = {};
  for (int64_t i = 0; i < kBatch; ++i) std::copy_n(op.dy.data() + i * kOut, kOut, dy[i]);
  for (int32_t c = 0; c < count; ++c) {
    const int32_t j = active[c];
    const float* wj = op.wt32.data() + j * kPadded;
    float* dwj = op.dwt32.data() + j * kPadded;
    float g[kPadded] = {};
#pragma GCC unroll 10
    for (int64_t i = 0; i < kBatch; ++i) {
      const float v = op.x[static_cast<std::size_t>(i * kIn + j)];
      for (int64_t o = 0; o < kPadded; ++o) {
        y[i][o] += v * wj[o];
        g[o] += v * dy[i][o];
      }
    }
    for (int64_t o = 0; o < kPadded; ++o) dwj[o] += g[o];
  }
  for (int64_t i = 0; i < kBatch; ++i) std::copy_n(y[i], kOut, op.y.data() + i * kOut);
}

bool agree(Operands& op) {
  std::fill(op.dw.begin(), op.dw.end(), 0.0f);
  std::fill(op.dwt.begin(), op.dwt.end(), 0.0f);
  dense_step(op, neurite::GemmBackend::Kernel);
  const std::vector<float> y = op.y;
  sparse_step(op);
  float worst = 0;
  for (std::size_t k = 0; k < y.size(); ++k) worst = std::max(worst, std::abs(y[k] - op.y[k]));
  for (int64_t o = 0; o < kOut; ++o)
    for (int64_t j = 0; j < kIn; ++j)
      worst = std::max(worst, std::abs(op.dw[static_cast<std::size_t>(o * kIn + j)] - op.dwt[static_cast<std::size_t>(j * kOut + o)]));
  const std::vector<float> sparse_y = op.y;
  active_columns_step(op);
  for (std::size_t k = 0; k < y.size(); ++k) worst = std::max(worst, std::abs(y[k] - op.y[k]));
  for (int64_t o = 0; o < kOut; ++o)
    for (int64_t j = 0; j < kIn; ++j)
      worst = std::max(worst, std::abs(op.dw[static_cast<std::size_t>(o * kIn + j)] -
                                       op.dwt32[static_cast<std::size_t>(j * kPadded + o)]));
  return worst < 1e-4f;
}

void rate(benchmark::State& state) {
  state.counters["GFLOP/s"] = benchmark::Counter(kDenseFlop * static_cast<double>(state.iterations()) / 1e9,
                                                 benchmark::Counter::kIsRate);
}

void bm_dense(benchmark::State& state, neurite::GemmBackend backend) {
  Operands op(static_cast<double>(state.range(0)) / 100);
  neurite::set_num_threads(1);
  for (auto _ : state) {
    dense_step(op, backend);
    benchmark::DoNotOptimize(op.dw.data());
  }
  rate(state);
}

// A form that skips zeros: checked against the dense products (both forms at once), then timed.
void bm_skipping_zeros(benchmark::State& state, void (*step)(Operands&)) {
  Operands op(static_cast<double>(state.range(0)) / 100);
  if (!agree(op)) {
    state.SkipWithError("the zero-skipping products differ from the dense ones");
    for (auto _ : state) {
    }
    return;
  }
  for (auto _ : state) {
    step(op);
    benchmark::ClobberMemory();
  }
  rate(state);
}

}  // namespace

// The argument is the share of non-zero pixels, in percent (MNIST's training images: about 19).
BENCHMARK_CAPTURE(bm_dense, kernel, neurite::GemmBackend::Kernel)->Arg(19)->Arg(50)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_dense, blas, neurite::GemmBackend::Blas)->Arg(19)->Arg(50)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_skipping_zeros, sparse_axpy, sparse_step)->Arg(19)->Arg(50)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(bm_skipping_zeros, active_columns, active_columns_step)
    ->Arg(19)->Arg(50)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
