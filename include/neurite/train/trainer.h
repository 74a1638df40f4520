// The training loop: shuffle with a seeded generator each epoch, run mini-batches (augmented,
// regularised), step the optimiser, evaluate after every k epochs, follow the learning-rate
// schedule, stop early when asked, and hand the caller a checkpointable state after each epoch.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "neurite/cost.h"
#include "neurite/data/augment.h"
#include "neurite/data/dataset.h"
#include "neurite/network.h"
#include "neurite/optim/optimizer.h"
#include "neurite/optim/schedule.h"
#include "neurite/train/communicator.h"
#include "neurite/train/evaluate.h"
#include "neurite/train/clipping.h"
#include "neurite/train/regularization.h"
#include "neurite/train/stopping.h"

namespace neurite {

// The most shards a batch may be cut into (each shard's gradient is kept until the step).
inline constexpr int kMaxShards = 4096;

struct TrainOptions {
  int epochs = 30;
  int64_t batch = 10;
  uint64_t seed = 1;
  int eval_every = 1;            // evaluate after every k-th epoch (and after the last)
  Regularization regularization = {};
  Clipping clipping = {};        // gradient clipping before each step (recurrent networks)
  ScheduleOptions schedule = {}; // the optimiser's rate at the start is the base rate
  EarlyStoppingOptions early_stopping = {};  // watches the first evaluation set's accuracy
  // Applied to every training batch. The pictures are the samples' last two axes (one channel),
  // or the square a flat sample folds into (784 pixels as 28x28).
  AugmentOptions augment = {};
  float background = 0;          // the pixel value of empty paper (0.01 with Rashid's scaling)
  bool monitor_training = false; // also measure cost and accuracy on the training set
  bool gradient_norms = false;   // record each parameter's mean gradient norm per epoch
  double average_decay = 0;      // weight averaging (train/averaging.h) for evaluation; 0: off
  // Micro-shards per mini-batch. 0: each batch in one piece, the classic loop. S > 0: each batch
  // is cut into S near-equal shards whose gradients are summed in shard order, which gives the
  // same bits on any number of processes (train/communicator.h). Dropout and augmentation then
  // draw from a generator per (step, shard). Under several processes, 0 means one per process.
  int shards = 0;
};

// A dataset the trainer evaluates on. The first one is "watched": it picks the best epoch and
// drives the plateau schedule and early stopping.
struct EvaluationSet {
  std::string name;  // "validation", "test"
  const Dataset* data = nullptr;
};

struct EpochResult {
  int epoch = 0;              // 0-based, printed as Nielsen does ("Epoch 0: ...")
  double seconds = 0;         // training time of this epoch, evaluation excluded
  double rate = 0;            // the learning rate used during this epoch
  double train_cost = 0;      // mean cost over the epoch's batches (without the penalty)
  double waiting_seconds = 0; // of `seconds`, spent waiting for other processes (several processes)
  bool evaluated = false;
  int64_t correct = 0;        // on the watched set, when evaluated
  int64_t total = 0;
  std::vector<SetMeasure> measures = {};  // "train" when monitored, then each evaluation set
  std::vector<std::pair<std::string, double>> gradient_norms = {};  // "0.weight" -> mean norm
};

struct TrainResult {
  std::vector<EpochResult> epochs = {};
  int best_epoch = -1;
  int64_t best_correct = 0;
  double best_cost = 0;  // the watched set's cost at the best epoch (what picks it for regression)
  bool stopped_early = false;
  std::string stop_reason = "epochs";  // "epochs", "early-stopping" or "rate-floor"
};

// Everything needed to continue a run exactly where it stopped, taken after an epoch. Together
// with the network's parameters and the optimiser's state it makes a checkpoint.
struct TrainState {
  int next_epoch = 0;
  std::vector<Rng::State> layer_generators;  // dropout masks
  Rng::State augment_generator{};
  nlohmann::json schedule, stopping;
  TrainResult result;  // the history so far
  // Weight averaging: the optimiser steps taken, and the other copy of the weights. Between
  // epochs (callbacks, checkpoints) the network holds the averaged weights, the ones evaluated,
  // and `other_weights` the training weights; during an epoch it is the other way round.
  int64_t steps = 0;
  std::vector<Tensor> other_weights;
};

// After each mini-batch: where the epoch stands and the batch's cost (before its step).
struct BatchProgress {
  int epoch = 0;
  int64_t done = 0;   // training samples of this epoch done so far
  int64_t total = 0;  // training samples per epoch
  double cost = 0;
};

struct TrainCallbacks {
  std::function<void(const EpochResult&)> on_epoch;
  // Progress; may be empty. It may block (a paused training waits there) or throw (a stopped
  // one): the network then holds the weights of the last completed step.
  std::function<void(const BatchProgress&)> on_batch;
  // After every epoch (after on_epoch); `best` says the watched accuracy just reached a new best.
  std::function<void(const TrainState&, bool best)> on_state;
};

// Trains from the network's current weights and the optimiser's current state. With `resume`,
// continues from that state (the network and optimiser must hold the matching checkpoint).
// With `world` of several processes (each calling train with the same data and options), they
// train one model: process 0's weights are sent to all, each computes its share of the shards of
// every batch, and all take the same steps. Process 0 evaluates and the others receive its
// results, so every process returns the same TrainResult.
TrainResult train(Network& net, const Cost& cost, Optimizer& optimizer, const Dataset& training,
                  std::span<const EvaluationSet> evaluation, const TrainOptions& options,
                  const TrainCallbacks& callbacks = {}, const TrainState* resume = nullptr,
                  Communicator* world = nullptr);
// The foundation's form: one evaluation set (or none), called "test".
TrainResult train(Network& net, const Cost& cost, Optimizer& optimizer, const Dataset& training,
                  const Dataset* evaluation, const TrainOptions& options, const TrainCallbacks& callbacks = {});

// JSON forms, for logs and checkpoints (the log's "epoch" records are to_json(EpochResult)).
nlohmann::json to_json(const EpochResult& epoch);
EpochResult epoch_result_from_json(const nlohmann::json& j);
nlohmann::json to_json(const TrainState& state);
TrainState train_state_from_json(const nlohmann::json& j);

}  // namespace neurite
