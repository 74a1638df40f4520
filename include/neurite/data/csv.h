// MNIST as CSV text (seed 003's form): one image per line, the label first and then the pixels
// row by row, all as decimal integers:
//   7,0,0,0,...,84,185,159,...,0
// Reading is strict: a malformed line stops with one message naming the file and the line.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "neurite/data/dataset.h"
#include "neurite/data/mnist.h"

namespace neurite {

constexpr int64_t kMnistPixels = kMnistSide * kMnistSide;

struct CsvDigits {
  std::vector<uint8_t> labels;  // (N), each 0..9
  std::vector<uint8_t> pixels;  // (N x 784), row-major images, each 0..255

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

// Reads the whole file (plain or gzip). Accepts "\n" or "\r\n" line ends and an optional final
// line end; anything else that is not "label,784 pixels" is an error.
CsvDigits read_mnist_csv(const std::string& path);

// Writes labels and images as CSV, atomically (a crash leaves the old file or the new one).
void write_mnist_csv(const std::string& path, std::span<const uint8_t> labels,
                     std::span<const uint8_t> pixels);

// The digits as a dataset of (N, 784) inputs; the defaults are seed 003's scaling and targets.
Dataset csv_to_dataset(const CsvDigits& digits, InputScale scale = InputScale::Rashid,
                       TargetValues targets = {0.01f, 0.99f});

}  // namespace neurite
