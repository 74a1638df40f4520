// Dataset: inputs, targets and labels of N samples, row i of each belonging together.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "neurite/tensor.h"

namespace neurite {

struct Dataset {
  Tensor inputs;                // (N, features...)
  Tensor targets;               // (N, classes): what the cost compares the output with
  std::vector<uint8_t> labels;  // (N): the class, for accuracy

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  // Rows [begin, end) as a new dataset.
  Dataset slice(int64_t begin, int64_t end) const;
  // Copies the rows named by `rows` into batch tensors (reusing their storage).
  void gather(std::span<const int64_t> rows, Tensor& inputs_out, Tensor& targets_out) const;
};

// How raw pixel bytes become inputs.
enum class InputScale {
  Unit,    // x / 255, in [0, 1] (Nielsen)
  Rashid,  // x / 255 * 0.99 + 0.01, in [0.01, 1.00] (seed 003: no input is exactly zero)
  Standard,  // (x / 255 - 0.1307) / 0.3081: MNIST's mean 0 and standard deviation 1, as PyTorch's
             // examples normalise it (helps deep and convolutional nets start well)
};
float scale_pixel(uint8_t value, InputScale scale);

// One-hot targets with chosen off / on values: 0/1, 0.1/0.9 (seed 002), 0.01/0.99 (seed 003).
struct TargetValues {
  float off = 0.0f;
  float on = 1.0f;
};

// Builds a dataset from raw images (N x pixels bytes) and labels.
Dataset make_dataset(std::span<const uint8_t> pixels, std::span<const uint8_t> labels,
                     const Shape& sample_shape, int classes, InputScale scale, TargetValues targets);

}  // namespace neurite
