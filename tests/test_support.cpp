#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "neurite/rng.h"

namespace neurite::testing {

CommandResult run_cli(const std::string& arguments) { return run_shell(std::string(NEURITE_CLI) + " " + arguments); }

CommandResult run_shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(("(" + command + ") 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

int start_cli(const std::string& arguments, const std::string& output) {
  const std::string pid_file = output + ".pid";
  const std::string command =
      std::string(NEURITE_CLI) + " " + arguments + " > " + output + " 2>&1 & echo $! > " + pid_file;
  EXPECT_EQ(std::system(command.c_str()), 0);
  int pid = 0;
  std::ifstream(pid_file) >> pid;
  return pid;
}

void expect_one_line_error(const std::string& args, const std::string& must_name) {
  SCOPED_TRACE("neurite " + args);
  expect_one_line_error(run_cli(args), must_name);
}

void expect_one_line_error(const CommandResult& r, const std::string& must_name) {
  EXPECT_NE(r.exit_code, 0) << r.output;
  std::string text = r.output;
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << text;
  text.pop_back();
  EXPECT_EQ(text.find('\n'), std::string::npos) << "more than one line:\n" << r.output;
  EXPECT_NE(text.find(must_name), std::string::npos) << "does not name '" << must_name << "': " << r.output;
  EXPECT_EQ(text.rfind("neurite: error: ", 0), 0u) << "not a plain error line: " << r.output;
}

std::string temp_dir() {
  namespace fs = std::filesystem;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "neurite";
  for (char& c : name)
    if (c == '/') c = '_';
  const fs::path dir = fs::temp_directory_path() / ("neurite-test-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string source_dir() { return NEURITE_SOURCE_DIR; }

std::string mnist_dir() {
  namespace fs = std::filesystem;
  const char* env = std::getenv("NEURITE_MNIST");
  const fs::path dir = env ? fs::path(env) : fs::path(NEURITE_SOURCE_DIR) / "data" / "mnist";
  return fs::exists(dir / "t10k-images-idx3-ubyte") ? dir.string() : std::string();
}

std::string corpus_path() {
  namespace fs = std::filesystem;
  const char* env = std::getenv("NEURITE_CORPUS");
  const fs::path path = env ? fs::path(env) : fs::path(NEURITE_SOURCE_DIR) / "data" / "kjv.txt";
  return fs::exists(path) ? path.string() : std::string();
}

Dataset random_dataset(int64_t n, int64_t features, uint64_t seed) {
  Rng rng(seed, 6);
  Dataset d{Tensor({n, features}), Tensor({n, 10}), {}};
  for (float& v : d.inputs.span()) v = static_cast<float>(rng.uniform());
  for (int64_t i = 0; i < n; ++i) {
    const auto label = static_cast<uint8_t>(rng.below(10));
    d.targets[i * 10 + label] = 1.0f;
    d.labels.push_back(label);
  }
  return d;
}

void expect_matches_reference(const Tensor& actual, const Tensor& expected, const std::string& name,
                              double tolerance) {
  ASSERT_EQ(actual.shape(), expected.shape()) << name;
  double worst = 0;
  int64_t worst_at = 0;
  for (int64_t i = 0; i < actual.size(); ++i) {
    const double e = expected[i];
    const double error = std::abs(actual[i] - e) / std::max(1.0, std::abs(e));
    if (error > worst) {
      worst = error;
      worst_at = i;
    }
  }
  std::printf("  %-28s largest difference %.2e\n", name.c_str(), worst);
  EXPECT_LE(worst, tolerance) << name << "[" << worst_at << "]: neurite " << actual[worst_at] << ", PyTorch "
                              << expected[worst_at];
}

Tensor random_tensor(const Shape& shape, uint64_t seed, float lo, float hi) {
  Rng rng(seed, 99);
  Tensor t(shape);
  for (float& v : t.span()) v = static_cast<float>(rng.uniform(lo, hi));
  return t;
}

double compute_gradients(Network& net, const Tensor& x, const Tensor& y, const Cost& cost, bool want_input_grad) {
  const Tensor& output = net.forward(x);
  const double value = cost.value(output, y);
  cost.gradient(output, y, net.output_grad());
  net.backward(want_input_grad);
  return value;
}

}  // namespace neurite::testing
