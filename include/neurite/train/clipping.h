// Gradient clipping, seed 002's cure for exploding gradients in recurrent networks: before each
// optimiser step, the gradients are scaled down when their global L2 norm (over every parameter
// together) exceeds a threshold, and/or each entry is clamped to [-value, value].
#pragma once
#include <span>

#include "neurite/layers/layer.h"

namespace neurite {

struct Clipping {
  double norm = 0;   // > 0: rescale all gradients together to at most this global L2 norm
  double value = 0;  // > 0: clamp every gradient entry to [-value, value]
  bool active() const { return norm > 0 || value > 0; }
};

// Throws a one-line Error naming the option: thresholds must be finite and >= 0 (0 is off).
void validate(const Clipping& clipping);

// The global L2 norm of all gradients.
double global_gradient_norm(std::span<const Parameter> parameters);

// Applies the clipping (norm first, then value) and returns the global norm before it.
double clip_gradients(std::span<Parameter> parameters, const Clipping& clipping);

}  // namespace neurite
