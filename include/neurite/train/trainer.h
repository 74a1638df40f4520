// The training loop: shuffle with a seeded generator each epoch, run mini-batches
// (zero-grad is folded into the optimiser step), evaluate after every k epochs.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "neurite/cost.h"
#include "neurite/data/dataset.h"
#include "neurite/network.h"
#include "neurite/optim/optimizer.h"

namespace neurite {

struct TrainOptions {
  int epochs = 30;
  int64_t batch = 10;
  uint64_t seed = 1;
  int eval_every = 1;            // evaluate after every k-th epoch (and after the last)
  bool stop_when_worse = false;  // seed 002: stop as soon as an evaluation is worse than the last
};

struct EpochResult {
  int epoch = 0;              // 0-based, printed as Nielsen does ("Epoch 0: ...")
  double seconds = 0;         // training time of this epoch, evaluation excluded
  double train_cost = 0;      // mean cost over the epoch's batches
  bool evaluated = false;
  int64_t correct = 0;        // on the evaluation set, when evaluated
  int64_t total = 0;
};

struct TrainResult {
  std::vector<EpochResult> epochs;
  int best_epoch = -1;
  int64_t best_correct = 0;
  bool stopped_early = false;
};

struct TrainCallbacks {
  std::function<void(const EpochResult&)> on_epoch;
  std::function<void(int64_t done, int64_t total)> on_batch;  // progress; may be empty
};

TrainResult train(Network& net, const Cost& cost, Optimizer& optimizer, const Dataset& training,
                  const Dataset* evaluation, const TrainOptions& options,
                  const TrainCallbacks& callbacks = {});

// Index of the largest output in each row: the predicted class.
std::vector<int> predict_classes(Network& net, const Tensor& inputs, int64_t batch = 1000);
int64_t count_correct(Network& net, const Dataset& data);
// confusion[label][predicted]
std::array<std::array<int64_t, 10>, 10> confusion_matrix(Network& net, const Dataset& data);

}  // namespace neurite
