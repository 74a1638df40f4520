// Shared helpers for the tests: running the neurite command, temporary folders, MNIST location.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "neurite/cost.h"
#include "neurite/data/dataset.h"
#include "neurite/error.h"
#include "neurite/network.h"
#include "neurite/tensor.h"

// Defined in a build with AddressSanitizer (the sanitizer and fuzzing build). Its instrumentation
// changes the code the compiler generates, and there two paths that give the same bits in a plain
// build (GCC or clang, Release) differ by a few ulps; the bit-identity tests compare to a relative
// 1e-5 in that build only.
#if defined(__SANITIZE_ADDRESS__)
#define NEURITE_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NEURITE_TEST_SANITIZED 1
#endif
#endif

namespace neurite::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `neurite <arguments>` (the freshly built binary) through the shell.
CommandResult run_cli(const std::string& arguments);
// Runs a shell command line, stdout and stderr together.
CommandResult run_shell(const std::string& command);
// Starts `neurite <arguments>` in the background, its output going to the file `output`; returns
// its process id (for tests that kill it).
int start_cli(const std::string& arguments, const std::string& output);

// A fresh empty folder under the build tree, unique per test.
std::string temp_dir();

// Runs `neurite <args>` and checks it failed with one line, "neurite: error: ...", containing
// `must_name`.
void expect_one_line_error(const std::string& args, const std::string& must_name);
// The same check of a command already run.
void expect_one_line_error(const CommandResult& r, const std::string& must_name);

// Folder holding the four MNIST IDX files (NEURITE_MNIST or <source>/data/mnist); empty when absent.
std::string mnist_dir();
// The King James Bible as text (NEURITE_CORPUS or <source>/data/kjv.txt); empty when absent.
std::string corpus_path();

std::string source_dir();

// A tensor of the given shape filled from a fixed seed, values in [lo, hi).
// `n` samples of `features` values in [0, 1) with one-hot targets of 10 random classes.
Dataset random_dataset(int64_t n, int64_t features, uint64_t seed);

Tensor random_tensor(const Shape& shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

// Compares neurite's `actual` with a PyTorch reference `expected` (same shape), per value: the
// difference is absolute for |expected| <= 1 and relative above. Prints the largest difference
// under `name` for the record and fails when it exceeds `tolerance`.
void expect_matches_reference(const Tensor& actual, const Tensor& expected, const std::string& name,
                              double tolerance);

// One batch's forward, cost and backward, adding into the gradients (as the training step does
// after zero_grad); returns the cost.
double compute_gradients(Network& net, const Tensor& x, const Tensor& y, const Cost& cost,
                         bool want_input_grad = false);

// The message of the neurite::Error that `f` throws (fails the test if it throws nothing).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no neurite::Error thrown";
  return {};
}

// Expects `action` to throw an Error whose single-line message contains every one of `parts`.
inline void expect_error(const std::function<void()>& action, const std::vector<std::string>& parts) {
  try {
    action();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    for (const std::string& part : parts) EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

// Checks the shape and every value of `t`.
inline void expect_values(const Tensor& t, const Shape& shape, std::initializer_list<float> expected,
                          float tolerance = 1e-6f) {
  ASSERT_EQ(t.shape(), shape);
  int64_t i = 0;
  for (float e : expected) {
    EXPECT_NEAR(t[i], e, tolerance) << "at " << i;
    ++i;
  }
}

}  // namespace neurite::testing
