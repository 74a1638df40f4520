// Numerical gradient checking: every parameter (and the input) is nudged by +-eps, the cost is
// re-evaluated, and the central difference (C(w+eps) - C(w-eps)) / 2eps is compared with what
// backward computed. The report gives the largest relative error per layer.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "neurite/cost.h"
#include "neurite/network.h"

namespace neurite {

struct GradCheckOptions {
  // Float forward passes make tiny steps noisy and large steps inexact (and ReLU's kink may fall
  // inside a step), so each entry is tried with several steps and the best agreement counts.
  // A wrong gradient disagrees at every step.
  std::vector<double> steps{1e-2, 3e-3, 1e-3, 3e-4, 1e-4};
  // |analytic - numeric| / max(|analytic|, |numeric|, floor): the floor keeps near-zero
  // gradients, where float round-off dominates, from reading as huge relative errors.
  double floor = 3e-3;
  double tolerance = 1e-2;       // largest relative error that passes
  int64_t max_per_tensor = 0;    // check at most this many entries per tensor (0: all)
  uint64_t seed = 1;             // picks the entries when max_per_tensor limits them
};

struct GradCheckEntry {
  std::string name;        // "0.weight", or "input"
  std::string layer;       // "dense", ...
  double max_error = 0;    // largest relative error
  int64_t worst_index = -1;
  double analytic = 0, numeric = 0;  // at the worst index
  int64_t checked = 0;
};

struct GradCheckReport {
  std::vector<GradCheckEntry> entries;  // one per parameter tensor, then the input
  double max_error = 0;
  bool passed = false;
  std::string describe() const;  // a table, one line per entry
};

// Called after each entry checked: the tensor's entry so far, and how many entries of it are checked.
using GradCheckProgress = std::function<void(const GradCheckEntry& so_far, int64_t to_check)>;

GradCheckReport gradient_check(Network& net, const Cost& cost, const Tensor& x, const Tensor& target,
                               const GradCheckOptions& options = {}, const GradCheckProgress& progress = {});

}  // namespace neurite
