// Weight averaging (an exponential moving average of the parameters, Polyak averaging): after
// every optimiser step the average moves a little towards the new weights, and evaluation uses
// the average. It smooths out the last steps' noise, which is worth a few tenths of a percent
// when a run is short (seed 001's CNN after one epoch).
#pragma once
#include <span>
#include <vector>

#include "neurite/layers/layer.h"

namespace neurite {

// Throws naming the value unless 0 (off) or in (0, 1).
void validate_average_decay(double decay);

// The update after step t (1-based): average = d * average + (1 - d) * weights, with
// d = min(decay, (1 + t) / (10 + t)) so the first steps are not dominated by the random start.
void update_average(std::vector<Tensor>& average, int64_t step, double decay, std::span<const Parameter> params);

// Exchanges the network's weights with `other`, tensor by tensor (same order as parameters()).
void swap_weights(std::span<const Parameter> params, std::vector<Tensor>& other);

}  // namespace neurite
