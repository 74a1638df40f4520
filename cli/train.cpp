// neurite train: builds a network (from flags or a model spec file), trains it on MNIST and
// prints "Epoch j: N / 10000" after every evaluation, like the seeds; optionally monitors costs,
// gradient norms, writes a JSON-lines log and checkpoints, and resumes from a checkpoint.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>

#include "commands.h"
#include "common.h"
#include "neurite/error.h"
#include "neurite/io/checkpoint.h"
#include "neurite/io/model_file.h"
#include "neurite/ops/gemm.h"
#include "resources.h"
#include "train_log.h"
#include "train_settings.h"

namespace neurite::cli {

namespace {

// Flags that are not training settings: where things go, and how to resume.
struct RunArgs {
  std::string spec, data, out, log, checkpoint_dir, resume;  // data: empty, looked up (resources.h)
  int checkpoint_every = 1;
  int threads = 0;
};

// Settings flags a resumed run may change: it may be given more epochs.
const std::set<std::string> kResumable = {"epochs"};
// Flags that describe the network, which a spec file describes instead.
const std::set<std::string> kNetworkFlags = {"layers", "activation", "output", "no_bias", "dropout", "input_dropout"};

// Defaults, then the spec's "training", then the flags typed (or, resuming, the checkpoint's).
TrainSettings merge_settings(const CLI::App& cmd, const TrainSettings& typed, const RunArgs& run, Checkpoint* resumed) {
  nlohmann::json merged = TrainSettings{};
  if (resumed) {
    require(run.spec.empty(), "--model cannot be given with --resume: the checkpoint holds the network");
    merged = resumed->settings;
  } else if (!run.spec.empty()) {
    const ModelSpec spec = read_model_spec(run.spec);
    merged.update(with_json_keys(spec.training));
    merged["architecture"] = spec.architecture;
  }
  const nlohmann::json typed_json = typed;
  for (const CLI::Option* option : cmd.get_options()) {
    if (option->count() == 0 || option->get_lnames().empty()) continue;
    std::string key = option->get_lnames().front();
    for (char& c : key)
      if (c == '-') c = '_';
    if (!typed_json.contains(key)) continue;  // not a training setting
    require(!resumed || kResumable.count(key) == 1,
            "--" + option->get_lnames().front() + " cannot be changed when resuming: the checkpoint's settings are used");
    require(run.spec.empty() || kNetworkFlags.count(key) == 0,
            "--" + option->get_lnames().front() + " cannot be combined with --model: the spec file's layers are the network");
    merged[key] = typed_json[key];
  }
  return settings_from_json(merged, resumed ? run.resume : "settings");
}

// The network as the model file will hold it: with the output activation the cost applies.
std::string predicting_summary(const Network& net, const Cost& cost) {
  const ActivationKind output = cost.output_activation();
  return net.summary() + (output == ActivationKind::Identity ? "" : " -> " + activation_name(output));
}

std::string percent(int64_t correct, int64_t total) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", 100.0 * static_cast<double>(correct) / static_cast<double>(total));
  return text;
}

// A cosine schedule changes the rate every epoch, so it is shown on the epoch's line; step and
// plateau cuts are events worth a line of their own.
void print_epoch(const EpochResult& r, double previous_rate, bool rate_every_epoch) {
  if (!rate_every_epoch && r.rate != previous_rate && r.epoch > 0) std::printf("learning rate now %g\n", r.rate);
  char rate[48] = "";
  if (rate_every_epoch) std::snprintf(rate, sizeof rate, ", rate %.3g", r.rate);
  if (r.evaluated)
    std::printf("Epoch %d: %lld / %lld  (%.2f s%s)\n", r.epoch, static_cast<long long>(r.correct),
                static_cast<long long>(r.total), r.seconds, rate);
  else
    std::printf("Epoch %d complete  (%.2f s%s)\n", r.epoch, r.seconds, rate);
  for (const SetMeasure& m : r.measures)
    if (r.measures.size() > 1)  // with one set the line above says it all
      std::printf("  %-10s cost %.4f  accuracy %lld / %lld (%s)\n", m.name.c_str(), m.cost,
                static_cast<long long>(m.correct), static_cast<long long>(m.total), percent(m.correct, m.total).c_str());
  if (!r.gradient_norms.empty()) {
    std::printf("  gradient norms:");
    for (const auto& [name, norm] : r.gradient_norms)
      if (name.ends_with(".weight")) std::printf(" %s %.3g", name.c_str(), norm);
    std::printf("\n");
  }
  std::fflush(stdout);
}

// The evaluation sets: the watched one first, then (when monitoring) the other held-out set.
std::vector<EvaluationSet> evaluation_sets(const Mnist& mnist, const TrainSettings& s) {
  const bool has_validation = mnist.validation.size() > 0;
  require(s.eval_on == "test" || has_validation, "--eval-on validation: --train-size leaves no validation images");
  std::vector<EvaluationSet> sets;
  if (s.eval_on == "validation") sets.push_back({"validation", &mnist.validation});
  else sets.push_back({"test", &mnist.test});
  if (s.monitor && s.eval_on == "test" && has_validation) sets.insert(sets.begin() + 1, {"validation", &mnist.validation});
  if (s.monitor && s.eval_on == "validation") sets.push_back({"test", &mnist.test});
  return sets;
}

// Checkpoints every N epochs and the best model so far, both written atomically.
class Checkpointer {
 public:
  Checkpointer(const RunArgs& run, const TrainSettings& settings, Network& net, Optimizer& optimizer)
      : run_(run), settings_(settings), net_(net), optimizer_(optimizer) {
    std::error_code error;
    if (!run.checkpoint_dir.empty() && !std::filesystem::create_directories(run.checkpoint_dir, error) && error)
      throw Error(run.checkpoint_dir + ": cannot create the checkpoint folder: " + error.message());
  }
  std::string last_path() const { return run_.checkpoint_dir + "/checkpoint.safetensors"; }
  std::string best_path() const { return run_.checkpoint_dir + "/best.safetensors"; }

  void on_state(const TrainState& state, bool best) {
    if (run_.checkpoint_dir.empty()) return;
    const ModelInfo record = training_record(settings_, &state.result);
    if (best) save_model(best_path(), net_, record);
    const bool due = state.next_epoch % run_.checkpoint_every == 0 || state.next_epoch == settings_.epochs ||
                     state.result.stopped_early;
    if (due) save_checkpoint(last_path(), net_, record, optimizer_, settings_, state);
  }

 private:
  const RunArgs& run_;
  const TrainSettings& settings_;
  Network& net_;
  Optimizer& optimizer_;
};

// "progress" records for the log, at most two a second: a reader watching a running training
// (neurite serve --watch-log) sees it move within an epoch. Each carries the mean cost of the
// batches since the previous record.
class ProgressRecords {
 public:
  explicit ProgressRecords(TrainingLogWriter& log) : log_(log) {}
  void add(const BatchProgress& p) {
    if (!log_.is_open()) return;
    cost_sum_ += p.cost;
    ++batches_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < kEvery && p.done < p.total) return;
    log_.write("progress", {{"epoch", p.epoch}, {"done", p.done}, {"total", p.total},
                            {"cost", cost_sum_ / static_cast<double>(batches_)}});
    last_ = now;
    cost_sum_ = 0;
    batches_ = 0;
  }

 private:
  static constexpr std::chrono::milliseconds kEvery{500};
  TrainingLogWriter& log_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  double cost_sum_ = 0;
  int64_t batches_ = 0;
};

nlohmann::json test_evaluation(Network& net, const Cost& cost, const Dataset& test, int epoch) {
  const std::vector<int> predicted = predict_classes(net, test, cost.output_activation());
  const ConfusionMatrix confusion = confusion_matrix(predicted, test.labels);
  nlohmann::json wrong = nlohmann::json::array();
  for (std::size_t i = 0; i < predicted.size() && wrong.size() < 300; ++i)
    if (predicted[i] != test.labels[i])
      wrong.push_back({{"index", i}, {"label", test.labels[i]}, {"predicted", predicted[i]}});
  return {{"epoch", epoch}, {"set", "test"}, {"confusion", confusion}, {"misclassified", wrong}};
}

void print_summary(const TrainResult& result, int64_t evaluated) {
  std::printf("best: %lld / %lld (%s) after epoch %d", static_cast<long long>(result.best_correct),
              static_cast<long long>(evaluated), percent(result.best_correct, evaluated).c_str(), result.best_epoch);
  if (result.stop_reason == "early-stopping") std::printf("; stopped early: the watched accuracy stopped improving");
  if (result.stop_reason == "rate-floor") std::printf("; stopped: the learning rate fell below its floor");
  std::printf("\n");
  const EpochResult& last = result.epochs.back();
  if (last.evaluated)
    std::printf("final error rate: %.2f%%\n",
                100.0 * static_cast<double>(last.total - last.correct) / static_cast<double>(last.total));
}

void run_train(const CLI::App& cmd, const TrainSettings& typed, const RunArgs& run) {
  std::optional<Checkpoint> checkpoint;
  if (!run.resume.empty()) checkpoint = load_checkpoint(run.resume);
  const TrainSettings s = merge_settings(cmd, typed, run, checkpoint ? &*checkpoint : nullptr);
  validate(s);  // everything the user typed is checked before the data is read
  require(run.checkpoint_every > 0, "--checkpoint-every must be positive, got " + std::to_string(run.checkpoint_every));
  if (run.threads > 0) set_num_threads(run.threads);

  const std::unique_ptr<Cost> cost = build_cost(s);
  Network net = build_network(s, *cost);
  const std::unique_ptr<Optimizer> optimizer = build_optimizer(s);
  if (checkpoint) {
    require(trained_architecture(checkpoint->model.network.architecture(), *cost) == net.architecture(),
            run.resume + ": the checkpoint's network differs from the one its settings describe");
    checkpoint->restore_optimizer(*optimizer);
    net.copy_parameters_from(checkpoint->model.network);
  }
  Checkpointer checkpointer(run, s, net, *optimizer);  // creates its folder before the data is read
  MnistOptions data_options = build_data_options(s);
  data_options.sample_shape = net.input_shape();  // (1, 28, 28) for convolutional networks
  const std::string data = mnist_folder(run.data);
  const Mnist mnist = load_mnist(data, data_options);
  const std::vector<EvaluationSet> sets = evaluation_sets(mnist, s);
  std::printf("network %s, %lld parameters; %lld training images, evaluating on %lld %s images\n",
              predicting_summary(net, *cost).c_str(), static_cast<long long>(net.parameter_count()),
              static_cast<long long>(mnist.training.size()), static_cast<long long>(sets.front().data->size()),
              sets.front().name.c_str());
  if (checkpoint) std::printf("resuming from %s after epoch %d\n", run.resume.c_str(), checkpoint->state.next_epoch - 1);
  std::fflush(stdout);

  TrainingLogWriter log;
  if (!run.log.empty()) {
    std::vector<nlohmann::json> earlier;
    if (checkpoint)
      for (const EpochResult& r : checkpoint->state.result.epochs) earlier.push_back(to_json(r));
    const nlohmann::json start = {
        {"version", 1}, {"network", predicting_summary(net, *cost)},
        {"architecture", predicting_architecture(net.architecture(), *cost)}, {"settings", s},
        {"data", data}, {"model", run.out.empty() ? nlohmann::json() : nlohmann::json(run.out)},
        {"checkpoint_dir", run.checkpoint_dir.empty() ? nlohmann::json() : nlohmann::json(run.checkpoint_dir)},
        {"sets", {{"train", mnist.training.size()}, {"validation", mnist.validation.size()}, {"test", mnist.test.size()}}}};
    log.open(run.log, start, earlier);
  }

  ProgressBar bar;
  double previous_rate = s.rate;
  TrainCallbacks callbacks;
  ProgressRecords progress(log);
  callbacks.on_batch = [&](const BatchProgress& p) {
    bar.update(p.epoch, s.epochs, p.done, p.total, p.cost);
    progress.add(p);
  };
  callbacks.on_epoch = [&](const EpochResult& r) {
    bar.clear();
    print_epoch(r, previous_rate, s.schedule.starts_with("cosine"));
    previous_rate = r.rate;
    log.write("epoch", to_json(r));
  };
  callbacks.on_state = [&](const TrainState& state, bool best) { checkpointer.on_state(state, best); };
  const TrainResult result = train(net, *cost, *optimizer, mnist.training, sets, build_train_options(s), callbacks,
                                   checkpoint ? &checkpoint->state : nullptr);

  print_summary(result, sets.front().data->size());
  if (log.is_open()) log.write("evaluation", test_evaluation(net, *cost, mnist.test, result.epochs.back().epoch));
  if (!run.out.empty()) {
    save_model(run.out, net, training_record(s, &result));
    std::printf("saved %s\n", run.out.c_str());
  }
  const double best_accuracy = static_cast<double>(result.best_correct) / static_cast<double>(sets.front().data->size());
  log.write("end", {{"epochs_run", result.epochs.size()}, {"best_epoch", result.best_epoch},
                    {"best_accuracy", best_accuracy}, {"stopped", result.stop_reason}});
}

void add_setting_options(CLI::App* cmd, TrainSettings& s) {
  cmd->add_option("--layers", s.layers, "Layer sizes, input first")->capture_default_str();
  cmd->add_option("--activation", s.activation, "Hidden (and by default output) activation: step, identity, sigmoid, tanh, relu")
      ->capture_default_str();
  cmd->add_option("--output", s.output, "Output activation (softmax for --cost log-likelihood); default: --activation");
  cmd->add_option("--init", s.init, "nielsen N(0,1), nielsen-scaled N(0,1/n_in), xavier, he, rashid, uniform or pytorch U(+-1/sqrt(n_in))")
      ->capture_default_str();
  cmd->add_option("--uniform-limit", s.uniform_limit, "With --init uniform: weights from [-limit, limit]")->capture_default_str();
  cmd->add_flag("--no-bias", s.no_bias, "Dense layers without biases (Rashid's network)");
  cmd->add_option("--dropout", s.dropout, "Dropout probability after each hidden layer")->capture_default_str();
  cmd->add_option("--input-dropout", s.input_dropout, "Dropout probability on the input pixels")->capture_default_str();
  cmd->add_option("--targets", s.targets, "One-hot off,on values: 0,1  0.1,0.9  0.01,0.99")->capture_default_str();
  cmd->add_option("--scale", s.scale, "Pixel scaling: unit [0,1], rashid [0.01,1] or standard (mean 0, deviation 1)")->capture_default_str();
  cmd->add_option("--train-size", s.train_size, "Training images (the rest of 60,000 is validation)")->capture_default_str();
  cmd->add_option("--eval-on", s.eval_on, "The watched set: test or validation")->capture_default_str();
  cmd->add_option("--augment", s.augment, "On-the-fly augmentation, e.g. rotate=10,shift=1,scale=0.1,shear=0.1,p=0.5");
  cmd->add_option("--cost", s.cost, "quadratic, cross-entropy (sigmoid outputs) or log-likelihood (softmax)")->capture_default_str();
  cmd->add_option("--optimizer", s.optimizer, "sgd, adam, adamw or rmsprop")->capture_default_str();
  cmd->add_option("--rate", s.rate, "Learning rate eta")->capture_default_str();
  cmd->add_option("--momentum", s.momentum, "SGD momentum")->capture_default_str();
  cmd->add_flag("--nesterov", s.nesterov, "Nesterov momentum");
  cmd->add_option("--beta1", s.beta1, "Adam's first-moment decay")->capture_default_str();
  cmd->add_option("--beta2", s.beta2, "Adam's second-moment decay")->capture_default_str();
  cmd->add_option("--eps", s.eps, "Adam / RMSprop epsilon")->capture_default_str();
  cmd->add_option("--weight-decay", s.weight_decay, "AdamW's decoupled weight decay")->capture_default_str();
  cmd->add_option("--l2", s.l2, "L2 regularisation lambda (Nielsen's, divided by the training-set size)")->capture_default_str();
  cmd->add_option("--l1", s.l1, "L1 regularisation lambda")->capture_default_str();
  cmd->add_option("--max-norm", s.max_norm, "Clip each unit's incoming weight vector to this norm")->capture_default_str();
  cmd->add_option("--clip-norm", s.clip_norm, "Rescale the gradients when their global L2 norm exceeds this")
      ->check(positive_number());
  cmd->add_option("--clip-value", s.clip_value, "Clamp every gradient entry to [-v, v]")->check(positive_number());
  cmd->add_option("--epochs", s.epochs, "Passes over the training set")->capture_default_str();
  cmd->add_option("--batch", s.batch, "Mini-batch size")->capture_default_str();
  cmd->add_option("--seed", s.seed, "Seed for the weights, shuffles, dropout and augmentation")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--eval-every", s.eval_every, "Evaluate every k epochs")->capture_default_str();
  cmd->add_option("--schedule", s.schedule, "Learning-rate schedule: constant, step, plateau, cosine (per epoch) or cosine-steps (per mini-batch)")->capture_default_str();
  cmd->add_option("--step-every", s.step_every, "step: epochs between rate cuts")->capture_default_str();
  cmd->add_option("--step-factor", s.step_factor, "step: the rate's factor at each cut")->capture_default_str();
  cmd->add_option("--plateau-patience", s.plateau_patience, "plateau: evaluations without improvement before halving")
      ->capture_default_str();
  cmd->add_option("--plateau-factor", s.plateau_factor, "plateau: the rate's factor at each cut")->capture_default_str();
  cmd->add_option("--cosine-min-rate", s.cosine_min_rate, "cosine: the final rate")->capture_default_str();
  cmd->add_option("--patience", s.patience, "Early stopping: evaluations without a new best before stopping")
      ->check(positive_number());
  cmd->add_flag("--stop-when-worse", s.stop_when_worse, "Stop when an evaluation is worse than the previous one (seed 002)");
  cmd->add_option("--ema", s.ema,
                  "Weight averaging: evaluate and save an exponential moving average of the weights with this "
                  "decay per step (e.g. 0.999); 0: off")
      ->capture_default_str();
  cmd->add_flag("--monitor", s.monitor, "Also measure cost and accuracy on the training and the other held-out set");
  cmd->add_flag("--grad-norms", s.grad_norms, "Record each layer's mean gradient norm per epoch");
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto settings = std::make_shared<TrainSettings>();
  auto run = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train a network on MNIST");
  add_setting_options(cmd, *settings);
  cmd->add_option("--model,--spec", run->spec,
                  "Model spec (JSON): the layers and training settings; a file, or a shipped spec by name "
                  "(seed001-cnn: models/seed001-cnn.json)");
  cmd->add_option("--data", run->data, kDataHelp);
  cmd->add_option("--out", run->out, "Save the trained model here (safetensors)");
  cmd->add_option("--log", run->log, "Write a JSON-lines training log here (for neurite plot)");
  cmd->add_option("--checkpoint-dir", run->checkpoint_dir, "Write checkpoint.safetensors and best.safetensors here");
  cmd->add_option("--checkpoint-every", run->checkpoint_every, "Epochs between checkpoints")->capture_default_str();
  cmd->add_option("--resume", run->resume, "Continue the run saved in this checkpoint");
  cmd->add_option("--threads", run->threads, "Worker threads (default: every core)");
  cmd->callback([cmd, settings, run] {
    if (!run->spec.empty()) run->spec = find_model_spec(run->spec);  // a bare name is a shipped spec
    run_train(*cmd, *settings, *run);
  });
}

}  // namespace neurite::cli
