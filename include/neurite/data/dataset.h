// Dataset: inputs, targets and labels of N samples, row i of each belonging together.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "neurite/tensor.h"

namespace neurite {

// How raw pixel bytes become inputs.
enum class InputScale {
  Unit,    // x / 255, in [0, 1] (Nielsen)
  Rashid,  // x / 255 * 0.99 + 0.01, in [0.01, 1.00] (seed 003: no input is exactly zero)
  Standard,  // (x / 255 - 0.1307) / 0.3081: MNIST's mean 0 and standard deviation 1, as PyTorch's
             // examples normalise it (helps deep and convolutional nets start well)
};
float scale_pixel(uint8_t value, InputScale scale);
InputScale parse_scale(const std::string& name);  // "unit", "rashid", "standard"; throws otherwise
std::string scale_name(InputScale scale);

struct Dataset {
  // The inputs are held one of two ways: as floats, or, for images, as their pixel bytes with the
  // scale that turns them into floats as rows are read (a quarter of the memory: MNIST's 70,000
  // images take 55 MB instead of 220 MB). Read them through sample_shape / read_inputs / gather.
  Tensor inputs;                // (N, features...) floats; empty when the pixels are kept
  Tensor targets;               // (N, outputs): what the cost compares the output with
  std::vector<int32_t> labels;  // (N): the class, for accuracy; empty for regression
  std::vector<uint8_t> pixels = {};  // (N * sample size) bytes; empty when the floats are kept
  Shape pixel_shape = {};            // one sample's shape when the pixels are kept
  InputScale scale = InputScale::Unit;

  int64_t size() const {
    if (!labels.empty()) return static_cast<int64_t>(labels.size());
    return targets.rank() > 0 ? targets.dim(0) : 0;
  }
  Shape sample_shape() const;   // one sample's input shape, (784) or (1, 28, 28)
  int64_t sample_size() const { return element_count(sample_shape()); }
  // Rows [begin, begin + count) as floats, (count, sample...) (reusing out's storage).
  void read_inputs(int64_t begin, int64_t count, Tensor& out) const;
  // Rows [begin, end) as a new dataset, held the same way.
  Dataset slice(int64_t begin, int64_t end) const;
  // Copies the rows named by `rows` into batch tensors (reusing their storage).
  void gather(std::span<const int64_t> rows, Tensor& inputs_out, Tensor& targets_out) const;
  // Asks the CPU to start loading these rows into cache (the next batch's, while this one
  // trains): shuffled rows are far apart, and waiting for memory took a fifth of a small
  // network's step.
  void prefetch(std::span<const int64_t> rows) const;
};


// One-hot targets with chosen off / on values: 0/1, 0.1/0.9 (seed 002), 0.01/0.99 (seed 003).
struct TargetValues {
  float off = 0.0f;
  float on = 1.0f;
};

// Builds a dataset from raw images (N x pixels bytes) and labels; `keep_pixels` holds the
// images as bytes (converted as they are read) instead of as floats.
Dataset make_dataset(std::span<const uint8_t> pixels, std::span<const uint8_t> labels,
                     const Shape& sample_shape, int classes, InputScale scale, TargetValues targets,
                     bool keep_pixels = false);
// The same with the pixels kept as bytes, taking `pixels` over instead of copying it (a whole
// MNIST training file is 47 MB).
Dataset make_dataset(std::vector<uint8_t>&& pixels, std::span<const uint8_t> labels, const Shape& sample_shape,
                     int classes, InputScale scale, TargetValues targets);

}  // namespace neurite
