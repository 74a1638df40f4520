// How a layer's weights start. The choice matters: chapter 3 shows N(0, 1) weights saturating
// sigmoid units, chapter 5 that deep nets need the variance matched to the fan-in.
#pragma once
#include <cstdint>
#include <string>

#include "neurite/rng.h"
#include "neurite/tensor.h"

namespace neurite {

struct Initializer {
  enum class Kind {
    Nielsen,        // network.py: weights and biases N(0, 1)
    NielsenScaled,  // network2.py (ch. 3): weights N(0, 1/fan_in), biases N(0, 1)
    Xavier,         // Glorot: weights U(-a, a), a = sqrt(6 / (fan_in + fan_out)), biases 0
    He,             // Kaiming for ReLU: weights N(0, 2/fan_in), biases 0
    Rashid,         // seed 003: weights N(0, 1/fan_out), biases 0
    Uniform,        // seed 002: weights U(-limit, limit), biases 0
    PyTorch,        // PyTorch's default for Linear and Conv2d: weights and biases U(-a, a), a = 1/sqrt(fan_in)
  };
  Kind kind = Kind::Nielsen;
  double uniform_limit = 0.5;  // Uniform draws from [-limit, limit]
};

// "nielsen", "nielsen-scaled", "xavier", "he", "rashid", "uniform", "pytorch"; throws naming the bad name.
Initializer::Kind parse_initializer(const std::string& name);
std::string initializer_name(Initializer::Kind kind);

// Fills a layer's weights (any shape, fan_in inputs and fan_out outputs per unit) and its biases
// (may be empty) as `init` says. Weights are drawn first, then biases, in memory order.
void initialize_weights(Tensor& weight, Tensor& bias, int64_t fan_in, int64_t fan_out,
                        const Initializer& init, Rng& rng);

}  // namespace neurite
