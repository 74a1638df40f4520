// MNIST from its four IDX files (plain or .gz) in one folder, split as Nielsen does:
// the first 50,000 training images for training, the last 10,000 for validation, and the
// 10,000 test images for testing.
#pragma once
#include <string>

#include "neurite/data/dataset.h"

namespace neurite {

// MNIST's pictures are kMnistSide x kMnistSide pixels.
constexpr int64_t kMnistSide = 28;

struct MnistOptions {
  InputScale scale = InputScale::Unit;
  TargetValues targets{};
  int64_t train_size = 50000;  // the rest of the 60,000 becomes the validation set
  // One image's shape as the network wants it: (784) for dense networks, (1, 28, 28) for
  // convolutional ones; empty means flat. The pixels are the same either way.
  Shape sample_shape = {};
  // Keep the images as bytes and convert each batch as it is read (Dataset): a quarter of the memory.
  bool keep_pixels = true;
};

struct Mnist {
  Dataset training;    // 50,000
  Dataset validation;  // 10,000
  Dataset test;        // 10,000
};

Mnist load_mnist(const std::string& folder, const MnistOptions& options = {});
// Only the 10,000 test images (eval / predict need no more).
Dataset load_mnist_test(const std::string& folder, const MnistOptions& options = {});

// Reads an images file (N, rows, cols) and a labels file (N) and checks they agree.
Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path,
                      const MnistOptions& options);

}  // namespace neurite
