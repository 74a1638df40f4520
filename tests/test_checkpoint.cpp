// Checkpoints: a run stopped after any epoch and resumed from its checkpoint file ends with the
// same bits as the uninterrupted run (Adam's moments, dropout masks, augmentation, the schedule
// and early stopping all carried over); corrupt, truncated and mismatched checkpoints are
// rejected with the file named.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "neurite/io/checkpoint.h"
#include "neurite/io/file.h"
#include "neurite/io/safetensors.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

// 4x4 random "images" in 10 classes.
Dataset images(int64_t n, uint64_t seed) { return testing::random_dataset(n, 16, seed); }

Network network() {
  Network net = make_mlp(MlpOptions{.sizes = {16, 12, 10}, .hidden = ActivationKind::ReLU,
                                    .output = ActivationKind::Identity, .dropout = 0.3, .input_dropout = 0.1});
  Rng rng(4, 0);
  net.initialize({.kind = Initializer::Kind::He}, rng);
  return net;
}

// `averaging`: weight averaging on, with the per-batch cosine schedule.
TrainOptions options(bool averaging = false) {
  TrainOptions o{.epochs = 6, .batch = 8, .seed = 9};
  o.regularization = {.l2 = 0.5, .max_norm = 3.0};
  o.schedule = CosineSchedule{};
  o.early_stopping.patience = 50;
  o.augment = augment_options_from_text("rotate=10,shift=1");
  o.gradient_norms = true;
  if (averaging) {
    o.average_decay = 0.9;
    o.schedule = CosineStepsSchedule{};
  }
  return o;
}

std::vector<uint8_t> parameter_bytes(Network& net) {
  std::vector<uint8_t> bytes;
  for (const Parameter& p : net.parameters()) {
    const auto* b = reinterpret_cast<const uint8_t*>(p.value->data());
    bytes.insert(bytes.end(), b, b + p.value->size() * 4);
  }
  return bytes;
}

struct RunOutcome {
  std::vector<uint8_t> weights;
  TrainResult result;
};

// Trains for all epochs, or stops after `stop_after` epochs (having saved a checkpoint there)
// and resumes in fresh objects from the file, as a killed and restarted process would.
RunOutcome run_training(int stop_after, const std::string& dir, bool averaging = false) {
  const Dataset train_set = images(64, 1), test_set = images(32, 2);
  const std::vector<EvaluationSet> sets{{"test", &test_set}};
  const SoftmaxLogLikelihoodCost cost;
  const OptimizerOptions adam{.rate = 0.01, .kind = AdamOptions{}};
  Network net = network();
  std::unique_ptr<Optimizer> optimizer = make_optimizer(adam);
  const std::string path = dir + "/checkpoint.safetensors";
  struct Stop {};
  TrainCallbacks callbacks;
  callbacks.on_state = [&](const TrainState& state, bool) {
    save_checkpoint(path, net, ModelInfo{.cost = "log-likelihood"}, *optimizer, {{"note", "test"}}, state);
    if (state.next_epoch == stop_after) throw Stop{};
  };
  try {
    const TrainResult result = train(net, cost, *optimizer, train_set, sets, options(averaging), callbacks);
    return {parameter_bytes(net), result};
  } catch (const Stop&) {
  }
  Checkpoint c = load_checkpoint(path);
  EXPECT_EQ(c.settings["note"], "test");
  EXPECT_EQ(c.state.next_epoch, stop_after);
  std::unique_ptr<Optimizer> resumed = make_optimizer(adam);
  c.restore_optimizer(*resumed);
  Network restored = trained_network(c.model);
  const TrainResult result = train(restored, cost, *resumed, train_set, sets, options(averaging), {}, &c.state);
  return {parameter_bytes(restored), result};
}

TEST(Checkpoint, ResumeAfterAnyEpochIsBitIdentical) {
  const std::string dir = testing::temp_dir();
  const RunOutcome straight = run_training(-1, dir);
  ASSERT_EQ(straight.result.epochs.size(), 6u);
  for (int stop_after : {1, 3, 5}) {
    const RunOutcome resumed = run_training(stop_after, dir);
    EXPECT_TRUE(resumed.weights == straight.weights) << "resumed after epoch " << stop_after;
    ASSERT_EQ(resumed.result.epochs.size(), straight.result.epochs.size());
    for (std::size_t e = 0; e < straight.result.epochs.size(); ++e) {
      EXPECT_EQ(resumed.result.epochs[e].correct, straight.result.epochs[e].correct) << e;
      EXPECT_EQ(resumed.result.epochs[e].rate, straight.result.epochs[e].rate) << e;
      EXPECT_EQ(resumed.result.epochs[e].train_cost, straight.result.epochs[e].train_cost) << e;
    }
    EXPECT_EQ(resumed.result.best_epoch, straight.result.best_epoch);
  }
}

// Weight averaging keeps two copies of the weights; both must survive the checkpoint, and the
// model in it (what eval would use) is the averaged one.
TEST(Checkpoint, ResumeWithWeightAveragingIsBitIdentical) {
  const std::string dir = testing::temp_dir();
  const RunOutcome straight = run_training(-1, dir, true);
  const RunOutcome plain = run_training(-1, dir, false);
  EXPECT_FALSE(straight.weights == plain.weights) << "averaging changed nothing";
  for (int stop_after : {2, 4}) {
    const RunOutcome resumed = run_training(stop_after, dir, true);
    EXPECT_TRUE(resumed.weights == straight.weights) << "resumed after epoch " << stop_after;
    for (std::size_t e = 0; e < straight.result.epochs.size(); ++e)
      EXPECT_EQ(resumed.result.epochs[e].correct, straight.result.epochs[e].correct) << e;
  }
  const Checkpoint c = load_checkpoint(dir + "/checkpoint.safetensors");
  EXPECT_EQ(c.state.other_weights.size(), 4u);  // two weights, two biases
  EXPECT_EQ(c.state.steps, 4 * 8);  // written when the last run stopped after epoch 4: 8 batches each
}

TEST(Checkpoint, WithoutTheOptimizerStateTheRunDiverges) {
  // Proof that the test above can fail: a resume with fresh Adam moments ends elsewhere.
  const std::string dir = testing::temp_dir();
  const RunOutcome straight = run_training(-1, dir);
  const Dataset train_set = images(64, 1), test_set = images(32, 2);
  const std::vector<EvaluationSet> sets{{"test", &test_set}};
  run_training(3, dir);  // leaves the epoch-6 checkpoint; make one at epoch 3 again
  Network net = network();
  std::unique_ptr<Optimizer> optimizer = make_optimizer({.rate = 0.01, .kind = AdamOptions{}});
  TrainCallbacks callbacks;
  struct Stop {};
  callbacks.on_state = [&](const TrainState& state, bool) {
    if (state.next_epoch == 3) {
      save_checkpoint(dir + "/c.safetensors", net, ModelInfo{.cost = "log-likelihood"}, *optimizer, {}, state);
      throw Stop{};
    }
  };
  EXPECT_THROW(train(net, SoftmaxLogLikelihoodCost(), *optimizer, train_set, sets, options(), callbacks), Stop);
  Checkpoint c = load_checkpoint(dir + "/c.safetensors");
  std::unique_ptr<Optimizer> fresh = make_optimizer({.rate = 0.01, .kind = AdamOptions{}});
  Network restored = trained_network(c.model);
  train(restored, SoftmaxLogLikelihoodCost(), *fresh, train_set, sets, options(), {}, &c.state);
  EXPECT_FALSE(parameter_bytes(restored) == straight.weights);
}

TEST(Checkpoint, OpensAsAModelFile) {
  const std::string dir = testing::temp_dir();
  run_training(2, dir);
  const Model m = load_model(dir + "/checkpoint.safetensors");
  EXPECT_EQ(m.network.summary(), network().summary() + " -> softmax");  // the cost's output activation appended
}

TEST(Checkpoint, TruncatedCorruptAndForeignFilesAreRejected) {
  const std::string dir = testing::temp_dir();
  run_training(2, dir);
  const std::string path = dir + "/checkpoint.safetensors";
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  {
    std::ofstream(dir + "/truncated.safetensors", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size() / 2));
  }
  EXPECT_NE(error_of([&] { load_checkpoint(dir + "/truncated.safetensors"); }).find("truncated.safetensors"),
            std::string::npos);
  // A plain model file is not a checkpoint.
  Network net = network();
  save_model(dir + "/model.safetensors", net, ModelInfo{});
  EXPECT_NE(error_of([&] { load_checkpoint(dir + "/model.safetensors"); }).find("not a training checkpoint"),
            std::string::npos);
  // A checkpoint whose tensors belong to another architecture.
  SafetensorsFile file = read_safetensors(path);
  for (auto& [name, t] : file.tensors)
    if (name == "1.weight") t = Tensor({12, 15});
  write_safetensors(dir + "/other.safetensors", file);
  EXPECT_NE(error_of([&] { load_checkpoint(dir + "/other.safetensors"); }).find("'1.weight' has shape"),
            std::string::npos);
  // Optimizer state that does not fit the parameters.
  file = read_safetensors(path);
  for (auto& [name, t] : file.tensors)
    if (name.starts_with("optimizer.") && name.ends_with(".m")) t = Tensor({3});
  write_safetensors(dir + "/moments.safetensors", file);
  Checkpoint c = load_checkpoint(dir + "/moments.safetensors");
  std::unique_ptr<Optimizer> adam = make_optimizer({.rate = 0.01, .kind = AdamOptions{}});
  EXPECT_FALSE(error_of([&] { c.restore_optimizer(*adam); }).empty());
}

}  // namespace
}  // namespace neurite
