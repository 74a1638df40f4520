// Exploding and vanishing gradients, shown on the adding problem (Hochreiter & Schmidhuber 1997):
// each sequence has T steps of two inputs, a random number in [0, 1) and a marker; exactly two
// steps are marked, one in the first half and one in the second, and the target is the sum of
// their numbers. Always answering 1 (the mean) leaves a mean squared error of 1/6, so a network
// that gets well below it has carried the first number across at least T/2 steps.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/network.h"
#include "neurite/rng.h"
#include "neurite/train/clipping.h"

namespace neurite {

// x (batch, steps, 2) and y (batch, 1).
void make_adding_batch(int64_t batch, int64_t steps, Rng& rng, Tensor& x, Tensor& y);

struct LongRangeOptions {
  std::string cell = "lstm";  // rnn (tanh) or lstm or gru
  int64_t steps = 50;         // T
  int64_t hidden = 32;
  int64_t batch = 64;
  int64_t iterations = 2000;  // training batches
  double rate = 3e-3;         // Adam
  Clipping clipping = {.norm = 1.0};
  uint64_t seed = 1;
};

struct LongRangeResult {
  // Mean over the batch of |dL/dh_t| for t = 0..T-1, in the first training batch and the last:
  // how much of the error signal reaches each step.
  std::vector<double> first_gradient_norms, last_gradient_norms;
  double baseline_mse = 1.0 / 6.0;  // always answering 1
  double test_mse = 0;              // on 2,000 fresh sequences after training
  bool learned() const { return test_mse < 0.25 * baseline_mse; }
};

// (steps, 2) -> cell(hidden, last step) -> dense(1); quadratic cost.
Network build_long_range_network(const LongRangeOptions& options);

LongRangeResult train_long_range(const LongRangeOptions& options);

}  // namespace neurite
