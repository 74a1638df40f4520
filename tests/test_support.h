// Shared helpers for the tests: running the neurite command, temporary folders, MNIST location.
#pragma once
#include <string>

#include "neurite/tensor.h"

namespace neurite::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `neurite <arguments>` (the freshly built binary) through the shell.
CommandResult run_cli(const std::string& arguments);

// A fresh empty folder under the build tree, unique per test.
std::string temp_dir();

// Folder holding the four MNIST IDX files (NEURITE_MNIST or <source>/data/mnist); empty when absent.
std::string mnist_dir();

std::string source_dir();

// A tensor of the given shape filled from a fixed seed, values in [lo, hi).
Tensor random_tensor(const Shape& shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

}  // namespace neurite::testing
