// Slow end-to-end checks of chapter 3 and 5 on the real MNIST files:
//  - a training process killed with SIGKILL at arbitrary moments and resumed from its last
//    checkpoint each time ends with exactly the bits of an uninterrupted run, and every
//    checkpoint it left behind opens;
//  - chapter 5's vanishing gradient: in a 784-30-30-30-30-10 sigmoid network the first layer's
//    gradient is far smaller than the last's, and with ReLU and He initialisation it is not.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "neurite/io/checkpoint.h"
#include "neurite/io/safetensors.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using testing::start_cli;
using testing::run_cli;

class TrainingRuns : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing::mnist_dir();
    if (data_.empty()) GTEST_SKIP() << "MNIST not found (run scripts/fetch-mnist.sh)";
    dir_ = testing::temp_dir();
  }
  std::string data_, dir_;
};

void kill_after(pid_t pid, std::chrono::milliseconds delay) {
  std::this_thread::sleep_for(delay);
  ::kill(pid, SIGKILL);
  while (::kill(pid, 0) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // until reaped
}

std::vector<std::pair<std::string, Tensor>> tensors_of(const std::string& path) {
  return read_safetensors(path).tensors;
}

TEST_F(TrainingRuns, KilledAnywhereAndResumedEndsBitIdentical) {
  const std::string run = "train --layers 784,64,10 --activation relu --output softmax --cost log-likelihood --init he"
                          " --dropout 0.3 --augment rotate=5,shift=1 --optimizer adam --rate 0.002 --batch 50"
                          " --train-size 12000 --epochs 8 --schedule cosine --l2 1 --seed 5 --threads 1 --data " + data_;
  const auto straight = run_cli(run + " --out " + dir_ + "/straight.safetensors");
  ASSERT_EQ(straight.exit_code, 0) << straight.output;

  const std::string checkpoint = dir_ + "/checkpoint.safetensors";
  // The first run is killed once its first checkpoint exists: how long that takes depends on the
  // build (under the sanitizers about 2 s, longer than any delay below). The later runs resume
  // and are killed at the delays, wherever in an epoch or a save they fall.
  const pid_t first = start_cli(run + " --checkpoint-dir " + dir_, dir_ + "/out.txt");
  for (int waited_ms = 0; !fs::exists(checkpoint) && waited_ms < 120000; waited_ms += 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill_after(first, std::chrono::milliseconds(0));
  int resumed = 0;
  for (int delay_ms : {700, 1300, 900, 1600, 500}) {
    const std::string args = fs::exists(checkpoint) ? "train --resume " + checkpoint + " --threads 1 --data " + data_ : run;
    resumed += fs::exists(checkpoint);
    kill_after(start_cli(args + " --checkpoint-dir " + dir_, dir_ + "/out.txt"), std::chrono::milliseconds(delay_ms));
    if (fs::exists(checkpoint)) {
      EXPECT_NO_THROW(load_checkpoint(checkpoint)) << "after a kill at " << delay_ms << " ms";
    }
  }
  ASSERT_TRUE(fs::exists(checkpoint)) << "no checkpoint was written before the kills";
  EXPECT_GT(resumed, 0);
  const auto last = run_cli("train --resume " + checkpoint + " --threads 1 --data " + data_ + " --checkpoint-dir " + dir_ +
                            " --out " + dir_ + "/resumed.safetensors");
  ASSERT_EQ(last.exit_code, 0) << last.output;

  const auto a = tensors_of(dir_ + "/straight.safetensors"), b = tensors_of(dir_ + "/resumed.safetensors");
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].first, b[i].first);
    ASSERT_EQ(a[i].second.shape(), b[i].second.shape());
    EXPECT_EQ(std::memcmp(a[i].second.data(), b[i].second.data(), static_cast<std::size_t>(a[i].second.size()) * 4), 0)
        << a[i].first << " differs from the uninterrupted run";
  }
}

// Mean gradient norm of each dense layer's weights over one epoch, from the training log.
nlohmann::json first_epoch_norms(const std::string& log) {
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json record = nlohmann::json::parse(line);
    if (record["type"] == "epoch") return record["grad_norms"];
  }
  return {};
}

TEST_F(TrainingRuns, VanishingGradientInDeepSigmoidNetsNotWithReluAndHe) {
  const std::string common = "train --layers 784,30,30,30,30,10 --epochs 1 --train-size 10000 --grad-norms"
                             " --cost cross-entropy --rate 0.1 --data " + data_;
  const auto sigmoid = run_cli(common + " --init nielsen-scaled --log " + dir_ + "/sigmoid.jsonl");
  ASSERT_EQ(sigmoid.exit_code, 0) << sigmoid.output;
  const auto relu = run_cli(common + " --activation relu --output sigmoid --init he --log " + dir_ + "/relu.jsonl");
  ASSERT_EQ(relu.exit_code, 0) << relu.output;
  const nlohmann::json s = first_epoch_norms(dir_ + "/sigmoid.jsonl"), r = first_epoch_norms(dir_ + "/relu.jsonl");
  const double s_first = s["0.weight"], s_last = s["8.weight"], r_first = r["0.weight"], r_last = r["8.weight"];
  // Each sigmoid layer multiplies the gradient by at most 1/4 times its weights: the first of
  // five layers learns over ten times slower than the last.
  EXPECT_LT(s_first * 10, s_last) << s.dump();
  EXPECT_LT(s["2.weight"].get<double>(), s["6.weight"].get<double>()) << s.dump();
  // ReLU passes gradients through unchanged where active and He keeps their scale per layer.
  EXPECT_GT(r_first * 3, r_last) << r.dump();
}

}  // namespace
}  // namespace neurite
