// Weight averaging (an exponential moving average of the parameters, Polyak averaging): after
// every optimiser step the average moves a little towards the new weights, and evaluation uses
// the average. It smooths out the last steps' noise, which is worth a few tenths of a percent
// when a run is short (seed 001's CNN after one epoch).
#pragma once
#include <span>
#include <vector>

#include "neurite/layers/layer.h"
#include "neurite/network.h"

namespace neurite {

// Throws naming the value unless 0 (off) or in (0, 1).
void validate_average_decay(double decay);

// What weight averaging averages, in this order: every parameter, then every buffer except
// counters (batchnorm's running mean and variance, not its num_batches_tracked). An averaged
// network evaluates with running statistics averaged alike, as PyTorch's
// AveragedModel(use_buffers=True) does; the training copy keeps its own.
std::vector<Buffer> averaged_tensors(Network& net);

// The update after step t (1-based): average = d * average + (1 - d) * current, with
// d = min(decay, (1 + t) / (10 + t)) so the first steps are not dominated by the random start.
void update_average(std::vector<Tensor>& average, int64_t step, double decay, std::span<const Buffer> tensors);

// Exchanges the network's tensors with `other`, one by one (averaged_tensors' order).
void swap_weights(std::span<const Buffer> tensors, std::vector<Tensor>& other);

}  // namespace neurite
