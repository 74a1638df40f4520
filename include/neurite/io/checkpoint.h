// Training checkpoints: a model file (so eval and predict open it too) plus the optimiser's
// state as tensors named "optimizer.<parameter>.<slot>" and, under the metadata key
// "neurite_checkpoint", a JSON string with the run's settings, the optimiser's scalars and the
// trainer's state (epoch, generator states, schedule, early stopping, history). Written
// atomically: a run killed while saving leaves the previous checkpoint intact.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "neurite/io/model_file.h"
#include "neurite/optim/optimizer.h"
#include "neurite/train/trainer.h"

namespace neurite {

constexpr int kCheckpointFormatVersion = 1;

struct Checkpoint {
  Model model;
  nlohmann::json settings;  // what the caller stored: enough to rebuild the run
  TrainState state;
  nlohmann::json optimizer_scalars;
  std::vector<std::pair<std::string, Tensor>> optimizer_tensors;  // names without "optimizer."

  // Loads the saved optimiser state into `optimizer` (built from the same settings), matching
  // the tensors to the parameters of `model.network`.
  void restore_optimizer(Optimizer& optimizer);
};

void save_checkpoint(const std::string& path, Network& network, const ModelInfo& info,
                     const Optimizer& optimizer, const nlohmann::json& settings, const TrainState& state);
// Throws an Error naming the file when it is missing, truncated, not a checkpoint, or
// inconsistent with its own architecture.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace neurite
