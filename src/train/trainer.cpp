#include "neurite/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>

#include "neurite/error.h"
#include "neurite/train/averaging.h"
#include "dense_chain.h"
#include "shard_reducer.h"

namespace neurite {

namespace {

// The height and width of the one-channel pictures augmentation distorts: (H, W) or (1, H, W)
// samples, or a flat sample of a square number of pixels.
std::pair<int64_t, int64_t> picture_size(const Shape& sample) {
  const bool flat = sample.size() == 1;
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(sample.front()))));
  if (flat && side * side == sample.front()) return {side, side};
  if (sample.size() == 2 || (sample.size() == 3 && sample[0] == 1))
    return {sample[sample.size() - 2], sample[sample.size() - 1]};
  throw Error("augmentation needs one-channel pictures ((H, W), (1, H, W) or a square number of pixels), the inputs are " +
              to_string(sample));
}

void validate(const Network& net, const Cost& cost, const Dataset& training, std::span<const EvaluationSet> evaluation,
              const TrainOptions& o) {
  predicting_architecture(net.architecture(), cost);  // the network must not end in the cost's own activation
  require(o.epochs > 0, "epochs must be positive, got " + std::to_string(o.epochs));
  require(o.batch > 0, "batch size must be positive, got " + std::to_string(o.batch));
  require(o.eval_every > 0, "evaluation interval must be positive, got " + std::to_string(o.eval_every));
  validate(o.regularization);
  validate(o.clipping);
  validate_average_decay(o.average_decay);
  require(training.size() > 0, "the training set is empty");
  const Shape sample = training.sample_shape();
  require(sample == net.input_shape(), "training inputs " + to_string(sample) +
                                           " do not match the network input " + to_string(net.input_shape()));
  Shape target(training.targets.shape().begin() + 1, training.targets.shape().end());
  require(target == net.output_shape(), "training targets " + to_string(target) +
                                            " do not match the network output " + to_string(net.output_shape()));
  if (o.augment.enabled()) picture_size(sample);  // throws unless the samples are pictures
  for (const EvaluationSet& set : evaluation) require(set.data != nullptr, "evaluation set " + set.name + " is missing");
  if (o.early_stopping.patience > 0)
    require(!evaluation.empty(), "early stopping needs an evaluation set to watch");
  require(o.shards >= 0 && o.shards <= kMaxShards,
          "shards must be 0 (whole batches) or from 1 to " + std::to_string(kMaxShards) + ", got " + std::to_string(o.shards));
}

// Shards draw their dropout masks and augmentation from a generator of their own, seeded by the
// step and the shard, so the process that computes a shard does not matter (splitmix64 mixing).
uint64_t shard_seed(uint64_t seed, int64_t step, int shard) {
  uint64_t z = seed ^ (static_cast<uint64_t>(step) * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(shard) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Sums of per-batch quantities over one epoch.
struct EpochSums {
  double cost = 0;
  int64_t batches = 0;
  std::vector<double> norms;
};

// What one epoch of mini-batches needs besides the network.
struct EpochContext {
  const Cost& cost;
  Optimizer& optimizer;
  const Dataset& training;
  const TrainOptions& options;
  Augmenter* augmenter;  // nullptr: no augmentation
  Rng& augment_rng;
  const TrainCallbacks& callbacks;
  const RateSchedule& schedule;
  TrainState& state;  // step count and weight average
  ShardReducer* reducer;  // nullptr: whole batches, the classic loop
  Communicator& world;
};

void require_finite(double cost, int epoch, const EpochSums& sums) {
  if (!std::isfinite(cost))
    throw Error("training diverged: cost is " + std::to_string(cost) + " at epoch " + std::to_string(epoch) +
                ", batch " + std::to_string(sums.batches) + " (try a smaller learning rate)");
}

// After the batch's gradient is complete: the penalty, the optimiser's step and max-norm.
void step(std::span<Parameter> params, double cost, const EpochContext& c, int epoch, EpochSums& sums) {
  require_finite(cost, epoch, sums);
  if (c.options.gradient_norms) {
    const std::vector<double> norms = gradient_norms(params);
    sums.norms.resize(norms.size(), 0.0);
    for (std::size_t i = 0; i < norms.size(); ++i) sums.norms[i] += norms[i];
  }
  add_penalty_gradient(params, c.options.regularization, c.training.size());
  if (c.options.clipping.active()) clip_gradients(params, c.options.clipping);
  c.optimizer.step(params);
  apply_max_norm(params, c.options.regularization.max_norm);
  sums.cost += cost;
  ++sums.batches;
}

// One mini-batch in one piece: forward, cost, backward, step. Returns the batch's cost.
double run_batch(Network& net, std::span<Parameter> params, const Tensor& x, const Tensor& y, const EpochContext& c,
                 int epoch, EpochSums& sums) {
  net.zero_grad();
  const Tensor& output = net.forward(x);
  const double cost = c.cost.value(output, y);
  c.cost.gradient(output, y, net.output_grad());
  net.backward();
  step(params, cost, c, epoch, sums);
  return cost;
}

// The same batch through the fused step of a small dense network (dense_chain.h), with the
// same penalty: L2's lambda / n per weight.
double run_fused_batch(DenseChain& chain, const Tensor& x, const Tensor& y, const EpochContext& c, int epoch,
                       EpochSums& sums) {
  const double cost = chain.forward(x, y, c.cost);
  require_finite(cost, epoch, sums);
  const Regularization& r = c.options.regularization;
  const auto l2 = static_cast<float>(r.penalizes() ? r.l2 / static_cast<double>(c.training.size()) : 0.0);
  chain.update(static_cast<float>(c.optimizer.rate()), l2);
  sums.cost += cost;
  ++sums.batches;
  return cost;
}

// Shard k of a batch, forward and backward, its output gradient weighted by the shard's share
// of the batch so that the shards' gradients sum to the batch's mean gradient. Its dropout masks
// and augmentation come from (step, shard); running statistics (batchnorm) follow the first
// shard only, which process 0 always computes. Returns the shard's mean cost.
double run_shard(Network& net, std::span<const int64_t> shard, int64_t batch_size, int k, int local, Tensor& x,
                 Tensor& y, const EpochContext& c) {
  c.training.gather(shard, x, y);
  const uint64_t seed = shard_seed(c.options.seed, c.state.steps, k);
  if (c.augmenter) {
    Rng augment_rng(seed, /*stream=*/2);
    c.augmenter->apply(x, augment_rng);
  }
  net.seed_generators(seed);
  net.set_buffer_updates(k == 0);
  net.zero_grad();
  const Tensor& output = net.forward(x);
  const double cost = c.cost.value(output, y);
  Tensor& output_grad = net.output_grad();
  c.cost.gradient(output, y, output_grad);
  const auto share = static_cast<float>(static_cast<double>(shard.size()) / static_cast<double>(batch_size));
  if (share != 1.0f)
    for (float& g : output_grad.span()) g *= share;
  net.backward(false, [&](std::size_t layer) { c.reducer->layer_done(layer, local); });
  return cost;
}

// One mini-batch in shards: this process's shards, the sum over every process's shards in shard
// order, then the same step everywhere. Returns the batch's cost.
double run_sharded_batch(Network& net, std::span<Parameter> params, std::span<const int64_t> batch, Tensor& x,
                         Tensor& y, const EpochContext& c, int epoch, EpochSums& sums) {
  ShardReducer& reducer = *c.reducer;
  const auto count = static_cast<int64_t>(batch.size());
  const int shards = c.options.shards;
  const auto shard_of = [&](int k) {
    const int64_t begin = part_begin(count, shards, k), end = part_begin(count, shards, k + 1);
    return batch.subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
  };
  std::vector<double> costs(static_cast<std::size_t>(shards), 0.0);
  struct BufferUpdatesBack {  // on again after the shards, even when one throws
    Network& net;
    ~BufferUpdatesBack() { net.set_buffer_updates(true); }
  } buffer_updates_back{net};
  for (int k = reducer.first_shard(); k < reducer.end_shard(); ++k) {
    const int local = k - reducer.first_shard();
    if (shard_of(k).empty()) reducer.empty_shard(local);  // a short last batch
    else costs[static_cast<std::size_t>(k)] = run_shard(net, shard_of(k), count, k, local, x, y, c);
  }
  reducer.finish();
  c.world.sum_exactly(costs);  // a diverged shard's NaN reaches every process, which all stop
  double cost = 0;
  for (int k = 0; k < shards; ++k)
    cost += costs[static_cast<std::size_t>(k)] * static_cast<double>(shard_of(k).size()) / static_cast<double>(count);
  step(params, cost, c, epoch, sums);
  return cost;
}

EpochSums run_epoch(Network& net, std::span<const int64_t> order, const EpochContext& c, int epoch) {
  std::vector<Parameter> params = net.parameters();
  const std::vector<Buffer> averaged = c.options.average_decay > 0 ? averaged_tensors(net) : std::vector<Buffer>{};
  Tensor x, y;
  EpochSums sums;
  const auto n = static_cast<int64_t>(order.size());
  net.set_training(true);
  // Holds the weights of a small dense network during the epoch (written back as it ends).
  std::unique_ptr<DenseChain> chain;
  if (!c.reducer && DenseChain::fits(net, c.optimizer, c.options)) chain = DenseChain::create(net);
  for (int64_t start = 0; start < n; start += c.options.batch) {
    const int64_t count = std::min(c.options.batch, n - start);
    const auto batch = order.subspan(static_cast<std::size_t>(start), static_cast<std::size_t>(count));
    if (c.schedule.changes_within_epochs())
      c.optimizer.set_rate(c.schedule.rate_at(epoch, static_cast<double>(start) / static_cast<double>(n)));
    double cost = 0;
    if (c.reducer) {
      cost = run_sharded_batch(net, params, batch, x, y, c, epoch, sums);
    } else {
      c.training.gather(batch, x, y);
      c.training.prefetch(order.subspan(static_cast<std::size_t>(start + count),
                                        static_cast<std::size_t>(std::min(c.options.batch, n - start - count))));
      if (c.augmenter) c.augmenter->apply(x, c.augment_rng);
      cost = chain ? run_fused_batch(*chain, x, y, c, epoch, sums) : run_batch(net, params, x, y, c, epoch, sums);
    }
    ++c.state.steps;
    if (c.options.average_decay > 0)
      update_average(c.state.other_weights, c.state.steps, c.options.average_decay, averaged);
    if (c.callbacks.on_batch) c.callbacks.on_batch({epoch, start + count, n, cost});
  }
  net.set_training(false);
  return sums;
}

// Measures the monitored sets; the watched set's counts go into r.correct / r.total.
void evaluate(Network& net, const Cost& cost, const Dataset& training, std::span<const EvaluationSet> evaluation,
              const TrainOptions& o, EpochResult& r) {
  r.evaluated = true;
  std::vector<Parameter> params = net.parameters();
  const double extra = penalty(params, o.regularization, training.size());
  if (o.monitor_training) r.measures.push_back(measure(net, cost, training, "train", extra));
  for (const EvaluationSet& set : evaluation) r.measures.push_back(measure(net, cost, *set.data, set.name, extra));
  const SetMeasure& watched = r.measures[o.monitor_training ? 1 : 0];
  r.correct = watched.correct;
  r.total = watched.total;
}

// Process 0 evaluated; the others take its measures, so every process decides alike (best
// epoch, schedule, early stopping).
void share_evaluation(Communicator& world, EpochResult& r) {
  if (world.size() == 1) return;
  std::string text;
  if (world.rank() == 0) {
    nlohmann::json sets = nlohmann::json::array();
    for (const SetMeasure& m : r.measures)
      sets.push_back({{"name", m.name}, {"cost", m.cost}, {"correct", m.correct}, {"total", m.total}});
    text = nlohmann::json{{"evaluated", r.evaluated}, {"correct", r.correct}, {"total", r.total}, {"sets", sets}}.dump();
  }
  broadcast_text(world, text, 0);
  if (world.rank() == 0) return;
  const nlohmann::json j = nlohmann::json::parse(text);
  r.evaluated = j["evaluated"].get<bool>();
  r.correct = j["correct"].get<int64_t>();
  r.total = j["total"].get<int64_t>();
  r.measures.clear();
  for (const nlohmann::json& m : j["sets"])
    r.measures.push_back({.name = m["name"].get<std::string>(), .cost = m["cost"].get<double>(),
                          .correct = m["correct"].get<int64_t>(), .total = m["total"].get<int64_t>()});
}

// Every process must train the same thing: process 0's weights, and the same data and settings.
void start_together(Network& net, const Dataset& training, const TrainOptions& o, int64_t steps, Communicator& world) {
  if (world.size() == 1) return;
  const std::string mine = nlohmann::json{{"training samples", training.size()}, {"batch", o.batch}, {"shards", o.shards},
                                          {"seed", o.seed}, {"epochs", o.epochs}, {"steps taken", steps},
                                          {"parameters", net.parameter_count()}}.dump();
  std::string first = mine;
  broadcast_text(world, first, 0);
  require(first == mine, "process " + std::to_string(world.rank()) + " was given other training than process 0: " +
                             mine + " against " + first);
  for (const Parameter& p : net.parameters()) broadcast_floats(world, p.value->span(), 0);
  for (const Buffer& b : net.buffers()) broadcast_floats(world, b.value->span(), 0);
}

std::vector<std::pair<std::string, double>> mean_norms(Network& net, const EpochSums& sums) {
  std::vector<std::pair<std::string, double>> named;
  const std::vector<Parameter> params = net.parameters();
  for (std::size_t i = 0; i < sums.norms.size(); ++i)
    named.emplace_back(params[i].name, sums.norms[i] / static_cast<double>(sums.batches));
  return named;
}

}  // namespace

TrainResult train(Network& net, const Cost& cost, Optimizer& optimizer, const Dataset& training,
                  std::span<const EvaluationSet> evaluation, const TrainOptions& given,
                  const TrainCallbacks& callbacks, const TrainState* resume, Communicator* world_given) {
  LocalWorld alone;
  Communicator& world = world_given ? *world_given : alone;
  TrainOptions options = given;
  if (options.shards == 0 && world.size() > 1) options.shards = world.size();
  validate(net, cost, training, evaluation, options);
  validate(options.augment);
  RateSchedule schedule(options.schedule, optimizer.rate(), options.epochs);
  EarlyStopping stopping(options.early_stopping);
  std::optional<Augmenter> augmenter;
  if (options.augment.enabled()) {
    const auto [height, width] = picture_size(training.sample_shape());
    augmenter.emplace(options.augment, height, width, options.background);
  }

  TrainState state;
  Rng augment_rng(options.seed, /*stream=*/2);
  net.seed_generators(options.seed);
  if (resume) {
    state = *resume;
    net.set_generator_states(state.layer_generators);
    augment_rng.set_state(state.augment_generator);
    schedule.load_state(state.schedule);
    stopping.load_state(state.stopping);
  }
  // Each epoch shuffles the previous epoch's order, as Nielsen's code does; a resumed run
  // replays the earlier shuffles, which costs microseconds and stores nothing.
  Rng shuffle_rng(options.seed, /*stream=*/1);
  std::vector<int64_t> order(static_cast<std::size_t>(training.size()));
  std::iota(order.begin(), order.end(), 0);
  for (int e = 0; e < state.next_epoch; ++e) shuffle_rng.shuffle(std::span<int64_t>(order));

  TrainResult& result = state.result;
  if (result.stopped_early) return result;  // a checkpoint of a run that had already stopped
  start_together(net, training, options, state.steps, world);
  std::optional<ShardReducer> reducer;
  if (options.shards > 0) {
    std::vector<std::vector<Parameter>> layers;
    for (std::size_t i = 0; i < net.layer_count(); ++i) layers.push_back(net.layer(i).parameters());
    reducer.emplace(std::move(layers), options.shards, world);
  }
  const EpochContext context{cost,     optimizer, training, options, augmenter ? &*augmenter : nullptr, augment_rng,
                             callbacks, schedule, state,   reducer ? &*reducer : nullptr, world};
  for (int epoch = state.next_epoch; epoch < options.epochs; ++epoch) {
    optimizer.set_rate(schedule.rate_for_epoch(epoch));
    shuffle_rng.shuffle(std::span<int64_t>(order));
    EpochResult r{.epoch = epoch, .rate = optimizer.rate()};
    const auto start = std::chrono::steady_clock::now();
    const double waited_before = reducer ? reducer->waited_seconds() : 0.0;
    // With weight averaging the network holds the average between epochs: train the real weights.
    if (!state.other_weights.empty()) swap_weights(averaged_tensors(net), state.other_weights);
    const EpochSums sums = run_epoch(net, order, context, epoch);
    if (!state.other_weights.empty()) swap_weights(averaged_tensors(net), state.other_weights);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (world.size() > 1) {
      r.waiting_seconds = reducer->waited_seconds() - waited_before;
      for (const Buffer& b : net.buffers()) broadcast_floats(world, b.value->span(), 0);  // process 0's statistics
    }
    r.train_cost = sums.cost / static_cast<double>(sums.batches);
    if (options.gradient_norms) r.gradient_norms = mean_norms(net, sums);

    const bool due = (epoch + 1) % options.eval_every == 0 || epoch + 1 == options.epochs;
    bool best = false;
    std::optional<double> watched;
    if (!evaluation.empty() && due) {
      if (world.rank() == 0) evaluate(net, cost, training, evaluation, options, r);
      share_evaluation(world, r);
      // Classification watches the accuracy; regression (no labels) the cost, lower being better.
      const SetMeasure& set = r.measures[options.monitor_training ? 1 : 0];
      watched = r.total ? static_cast<double>(r.correct) / static_cast<double>(r.total) : -set.cost;
      best = result.best_epoch < 0 || (r.total ? r.correct > result.best_correct : set.cost < result.best_cost);
      if (best) {
        result.best_correct = r.correct;
        result.best_cost = set.cost;
        result.best_epoch = epoch;
      }
    }
    result.epochs.push_back(r);
    if (callbacks.on_epoch) callbacks.on_epoch(r);

    const bool schedule_continues = schedule.end_epoch(epoch, watched);
    const bool stop_now = watched && stopping.enabled() && stopping.should_stop(*watched);
    if (!schedule_continues || stop_now) {
      result.stopped_early = true;
      result.stop_reason = stop_now ? "early-stopping" : "rate-floor";
    }
    state.next_epoch = epoch + 1;
    state.layer_generators = net.generator_states();
    state.augment_generator = augment_rng.state();
    state.schedule = schedule.state();
    state.stopping = stopping.state();
    if (callbacks.on_state) callbacks.on_state(state, best);
    if (result.stopped_early) break;
  }
  return result;
}

TrainResult train(Network& net, const Cost& cost, Optimizer& optimizer, const Dataset& training,
                  const Dataset* evaluation, const TrainOptions& options, const TrainCallbacks& callbacks) {
  std::vector<EvaluationSet> sets;
  if (evaluation) sets.push_back({"test", evaluation});
  return train(net, cost, optimizer, training, sets, options, callbacks);
}

}  // namespace neurite
