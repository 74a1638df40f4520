// neurite train: builds a network (from flags or a model spec file), trains it on MNIST or on any
// data source (data/source.h) and prints "Epoch j: N / 10000" after every evaluation, like the
// seeds; optionally monitors costs, gradient norms, writes a JSON-lines log and checkpoints, and
// resumes from a checkpoint.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "commands.h"
#include "common.h"
#include "neurite/error.h"
#include "neurite/io/checkpoint.h"
#include "neurite/io/model_file.h"
#include "neurite/ops/gemm.h"
#include "processes.h"
#include "resources.h"
#include "train_log.h"
#include "neurite/train/run_config.h"
#include "train_flags.h"

namespace neurite::cli {

namespace {

// Flags that are not training settings: where things go, and how to resume.
struct RunArgs {
  std::string spec, data, out, log, checkpoint_dir, resume;  // data: empty, looked up (resources.h)
  std::string labels, test, test_labels;  // labels files of array data; a test set of its own
  int checkpoint_every = 1;
  int threads = 0;
};

// Configuration flags a resumed run may change: it may be given more epochs.
const std::set<std::string> kResumable = {"epochs"};
// Flags that describe the network, which a spec file describes instead.
const std::set<std::string> kNetworkFlags = {"layers", "activation", "output", "no_bias", "dropout", "input_dropout"};

// A folder that does not exist is taken for MNIST's, so the settings are checked before it is named.
bool reads_mnist(const RunArgs& run, const nlohmann::json& typed) {
  const std::string format = typed.value("format", std::string("auto"));
  if (format != "auto") return format == "mnist";
  if (run.data.empty()) return true;
  if (!std::filesystem::exists(run.data)) return std::filesystem::path(run.data).extension().empty();
  return data_format(run.data, "auto") == "mnist";
}

// The checkpoint's configuration or the spec's, with the flags typed on top; checked.
RunConfig merge_config(const CLI::App& cmd, const ConfigFlagValues& flags, const RunArgs& run, Checkpoint* resumed) {
  const nlohmann::json typed = typed_config_flags(cmd, flags);
  // Other data than MNIST's folder starts from modern defaults (ReLU, Adam, ...); MNIST keeps Nielsen's.
  nlohmann::json merged = reads_mnist(run, typed) ? nlohmann::json::object() : own_data_defaults();
  std::string source = "settings";
  if (resumed) {
    require(run.spec.empty(), "--model cannot be given with --resume: the checkpoint holds the network");
    for (const auto& [key, value] : typed.items())
      require(kResumable.count(key) == 1, flag_of(key) + " cannot be changed when resuming: the checkpoint's settings are used");
    merged = resumed->settings;
    source = run.resume;
  } else if (!run.spec.empty()) {
    for (const auto& [key, value] : typed.items())
      require(kNetworkFlags.count(key) == 0, flag_of(key) + " cannot be combined with --model: the spec file's layers are the network");
    const ModelSpec spec = read_model_spec(run.spec);
    for (const std::string& key : kNetworkFlags) merged.erase(key);  // the spec's layers are the network
    merged.update(spec.training);
    merged["architecture"] = spec.architecture;
    source = run.spec;
  }
  merged.update(typed);
  try {
    RunConfig config = run_config_from_json(merged);
    validate(config);
    return config;
  } catch (const Error& e) {
    throw Error(name_the_source(e.what(), typed, source));
  }
}

// The data of a run: MNIST's folder, or another source with the preparation fitted to it.
struct RunData {
  Dataset training, validation, test;
  Preparation preparation;  // kind "pixels" for MNIST
  std::vector<std::string> class_names;
  std::string where;
  DataFiles files = {};  // other data than MNIST: where it came from, for `neurite eval`
};

// What a model file or checkpoint records: the run, its data's preparation and where the data is.
ModelInfo run_record(const RunConfig& config, const TrainResult* result, const RunData& data) {
  return model_info(config, result, data.preparation, data.class_names, data.files);
}

int64_t output_count(const LoadedData& d) {
  if (d.preparation.task == Task::Regression) return d.training.targets.dim(1);
  return d.preparation.task == Task::Binary ? 1 : static_cast<int64_t>(d.class_names.size());
}

// Each dataset's samples in the shape the network takes ((784) or (1, 28, 28): the same values).
void shape_for(const Network& net, Dataset& d) {
  if (d.size() == 0 || d.sample_shape() == net.input_shape()) return;
  require(d.sample_size() == element_count(net.input_shape()),
          "the network takes " + to_string(net.input_shape()) + ", but each sample is " + to_string(d.sample_shape()));
  Shape shape = net.input_shape();
  shape.insert(shape.begin(), d.size());
  d.inputs.reshape(shape);
}

// Fits the configuration to the data; a spec without an input builds its layers only now, so
// their errors name the spec file.
void fit_spec_to_data(const RunArgs& run, RunConfig& config, const Shape& sample_shape, int64_t outputs, Task task,
                      bool pixels) {
  try {
    fit_to_data(config, sample_shape, outputs, task, pixels);
  } catch (const Error& e) {
    if (run.spec.empty()) throw;
    throw Error(run.spec + ": " + e.what());
  }
}

// Reads the data (MNIST by default) and fits the configuration to it: the cost, the network's
// ends. MNIST needs the network first (its samples take the network's input shape).
RunData load_run_data(const RunArgs& run, RunConfig& config) {
  if (reads_mnist(run, {{"format", config.data.source.format}})) {
    fit_spec_to_data(run, config, {kMnistSide * kMnistSide}, 10, Task::Classification, true);
    const std::string folder = mnist_folder(run.data);
    Mnist m = load_mnist(folder, mnist_options(config, build_network(config).input_shape()));
    return {std::move(m.training), std::move(m.validation), std::move(m.test), {}, {}, folder};
  }
  LoadedData d = load_data({run.data, run.labels, run.test, run.test_labels}, config.data.source, config.data.targets,
                           config.training.seed);
  fit_spec_to_data(run, config, d.preparation.sample_shape, output_count(d), d.preparation.task, false);
  for (const std::string& note : d.notes) std::printf("%s\n", note.c_str());  // once the data fits the network
  return {std::move(d.training), std::move(d.validation), std::move(d.test), std::move(d.preparation),
          std::move(d.class_names), run.data, {run.data, run.labels, run.test, run.test_labels}};
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

// A cosine or one-cycle schedule changes the rate every epoch, so it is shown on the epoch's line; step and
// plateau cuts are events worth a line of their own.
void print_epoch(const EpochResult& r, double previous_rate, bool rate_every_epoch) {
  if (!rate_every_epoch && r.rate != previous_rate && r.epoch > 0) std::printf("learning rate now %g\n", r.rate);
  char rate[96] = "";
  if (rate_every_epoch) std::snprintf(rate, sizeof rate, ", rate %.3g", r.rate);
  if (r.waiting_seconds > 0)  // several processes: the part of the epoch spent waiting for the others
    std::snprintf(rate + std::strlen(rate), sizeof rate - std::strlen(rate), ", %.2f s waiting", r.waiting_seconds);
  if (r.evaluated && r.total == 0)  // regression: the watched set's cost
    std::printf("Epoch %d: cost %.5f  (%.2f s%s)\n", r.epoch, r.measures.back().cost, r.seconds, rate);
  else if (r.evaluated)
    std::printf("Epoch %d: %lld / %lld  (%.2f s%s)\n", r.epoch, static_cast<long long>(r.correct),
                static_cast<long long>(r.total), r.seconds, rate);
  else
    std::printf("Epoch %d complete  (%.2f s%s)\n", r.epoch, r.seconds, rate);
  for (const SetMeasure& m : r.measures)
    if (r.measures.size() > 1 && m.total == 0)  // with one set the line above says it all
      std::printf("  %-10s cost %.5f\n", m.name.c_str(), m.cost);
    else if (r.measures.size() > 1)
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

// The evaluation sets: the watched one first, then (when monitoring) the other held-out set. Data
// without a test set watches its validation set.
std::vector<EvaluationSet> evaluation_sets(const RunData& mnist, const RunConfig& config) {
  const bool has_validation = mnist.validation.size() > 0;
  const bool on_test = config.data.eval_on == WatchedSet::Test && mnist.test.size() > 0, monitor = config.training.monitor_training;
  if (!on_test && !has_validation) return {};
  require(on_test || has_validation, "--eval-on validation: --train-size leaves no validation images");
  std::vector<EvaluationSet> sets;
  if (on_test) sets.push_back({"test", &mnist.test});
  else sets.push_back({"validation", &mnist.validation});
  if (monitor && on_test && has_validation) sets.push_back({"validation", &mnist.validation});
  if (monitor && !on_test) sets.push_back({"test", &mnist.test});
  return sets;
}

// Checkpoints every N epochs and the best model so far, both written atomically.
class Checkpointer {
 public:
  Checkpointer(const RunArgs& run, const RunConfig& config, const RunData& data, Network& net, Optimizer& optimizer)
      : run_(run), config_(config), data_(data), net_(net), optimizer_(optimizer) {
  }
  static void create_folder(const std::string& dir) {
    std::error_code error;
    if (!std::filesystem::create_directories(dir, error) && error)
      throw Error(dir + ": cannot create the checkpoint folder: " + error.message());
  }
  std::string last_path() const { return run_.checkpoint_dir + "/checkpoint.safetensors"; }
  std::string best_path() const { return run_.checkpoint_dir + "/best.safetensors"; }

  void on_state(const TrainState& state, bool best) {
    if (run_.checkpoint_dir.empty()) return;
    const ModelInfo record = run_record(config_, &state.result, data_);
    if (best) save_model(best_path(), net_, record);
    const bool due = state.next_epoch % run_.checkpoint_every == 0 || state.next_epoch == config_.training.epochs ||
                     state.result.stopped_early;
    if (due) save_checkpoint(last_path(), net_, record, optimizer_, to_json(config_), state);
  }

 private:
  const RunArgs& run_;
  const RunConfig& config_;
  const RunData& data_;
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
  if (test.labels.empty()) return {{"epoch", epoch}, {"set", "test"}};
  const std::vector<int> predicted = predict_classes(net, test, cost.output_activation());
  const ConfusionMatrix confusion = confusion_matrix(predicted, test.labels);
  nlohmann::json wrong = nlohmann::json::array();
  for (std::size_t i = 0; i < predicted.size() && wrong.size() < 300; ++i)
    if (predicted[i] != test.labels[i])
      wrong.push_back({{"index", i}, {"label", test.labels[i]}, {"predicted", predicted[i]}});
  return {{"epoch", epoch}, {"set", "test"}, {"confusion", confusion}, {"misclassified", wrong}};
}

void print_summary(const TrainResult& result, int64_t evaluated) {
  if (result.best_epoch < 0) return;  // nothing was evaluated
  const EpochResult& last = result.epochs.back();
  const bool regression = last.total == 0;
  if (regression)
    std::printf("best: cost %.5f after epoch %d", result.best_cost, result.best_epoch);
  else
    std::printf("best: %lld / %lld (%s) after epoch %d", static_cast<long long>(result.best_correct),
                static_cast<long long>(evaluated), percent(result.best_correct, evaluated).c_str(), result.best_epoch);
  if (result.stop_reason == "early-stopping")
    std::printf("; stopped early: the watched %s stopped improving", regression ? "cost" : "accuracy");
  if (result.stop_reason == "rate-floor") std::printf("; stopped: the learning rate fell below its floor");
  std::printf("\n");
  if (last.evaluated && !regression)
    std::printf("final error rate: %.2f%%\n",
                100.0 * static_cast<double>(last.total - last.correct) / static_cast<double>(last.total));
}

// A resumed run without --data reads the data its checkpoint records.
RunArgs with_recorded_data(RunArgs run, const Checkpoint& checkpoint) {
  const DataFiles files = recorded_files(checkpoint.model.info);
  if (!run.data.empty() || files.train.empty()) return run;
  run.data = files.train;
  run.labels = files.train_labels;
  run.test = files.test;
  run.test_labels = files.test_labels;
  return run;
}

// Under mpirun only process 0 writes files; the others train alongside it.
RunArgs for_this_process(RunArgs run) {
  if (process_rank() == 0) return run;
  run.out.clear();
  run.log.clear();
  run.checkpoint_dir.clear();
  return run;
}

// With several processes, the shards default to one per process and are recorded in the
// settings, so a checkpoint resumed on another number of processes keeps them.
void print_processes(RunConfig& config) {
  if (process_count() == 1) return;
  if (config.training.shards == 0) config.training.shards = process_count();
  std::printf("training on %d processes, %d thread%s each; %d shards per batch of %lld\n", process_count(),
              num_threads(), num_threads() == 1 ? "" : "s", config.training.shards,
              static_cast<long long>(config.training.batch));
}

void run_train(const CLI::App& cmd, const ConfigFlagValues& flags, const RunArgs& typed) {
  const RunArgs given = for_this_process(typed);
  std::optional<Checkpoint> checkpoint;
  if (!given.resume.empty()) checkpoint = load_checkpoint(given.resume);
  const RunArgs run = checkpoint ? with_recorded_data(given, *checkpoint) : given;
  RunConfig config = merge_config(cmd, flags, given, checkpoint ? &*checkpoint : nullptr);  // checked before data is read
  require(run.checkpoint_every > 0, "--checkpoint-every must be positive, got " + std::to_string(run.checkpoint_every));
  if (run.threads > 0 || process_count() > 1) set_num_threads(threads_per_process(run.threads));
  print_processes(config);

  if (!run.checkpoint_dir.empty()) Checkpointer::create_folder(run.checkpoint_dir);  // before the data is read
  RunData data = load_run_data(run, config);
  const std::unique_ptr<Cost> cost = build_cost(config);
  Network net = build_network(config);
  for (Dataset* d : {&data.training, &data.validation, &data.test}) shape_for(net, *d);
  const std::unique_ptr<Optimizer> optimizer = make_optimizer(config.optimizer);
  if (checkpoint) {
    require(trained_architecture(checkpoint->model.network.architecture(), *cost) == net.architecture(),
            run.resume + ": the checkpoint's network differs from the one its settings describe");
    checkpoint->restore_optimizer(*optimizer);
    net.copy_parameters_from(checkpoint->model.network);
  }
  Checkpointer checkpointer(run, config, data, net, *optimizer);
  const RunData& mnist = data;
  const std::vector<EvaluationSet> sets = evaluation_sets(mnist, config);
  const char* samples = data.preparation.kind == "pixels" ? "images" : "samples";
  std::printf("network %s, %lld parameters; %lld training %s", predicting_summary(net, *cost).c_str(),
              static_cast<long long>(net.parameter_count()), static_cast<long long>(mnist.training.size()), samples);
  if (!sets.empty())
    std::printf(", evaluating on %lld %s %s", static_cast<long long>(sets.front().data->size()), sets.front().name.c_str(), samples);
  std::printf("\n");
  if (checkpoint) std::printf("resuming from %s after epoch %d\n", run.resume.c_str(), checkpoint->state.next_epoch - 1);
  std::fflush(stdout);

  TrainingLogWriter log;
  if (!run.log.empty()) {
    std::vector<nlohmann::json> earlier;
    if (checkpoint)
      for (const EpochResult& r : checkpoint->state.result.epochs) earlier.push_back(to_json(r));
    const nlohmann::json start = {
        {"version", 1}, {"network", predicting_summary(net, *cost)},
        {"architecture", predicting_architecture(net.architecture(), *cost)}, {"settings", to_json(config)},
        {"schedule", RateSchedule(config.training.schedule, config.optimizer.rate, config.training.epochs).describe()},
        {"data", data.where}, {"model", run.out.empty() ? nlohmann::json() : nlohmann::json(run.out)},
        {"checkpoint_dir", run.checkpoint_dir.empty() ? nlohmann::json() : nlohmann::json(run.checkpoint_dir)},
        {"sets", {{"train", mnist.training.size()}, {"validation", mnist.validation.size()}, {"test", mnist.test.size()}}}};
    log.open(run.log, start, earlier);
  }

  ProgressBar bar;
  double previous_rate = config.optimizer.rate;
  const int epochs = config.training.epochs;
  const std::string schedule = kind_name(config.training.schedule);
  const bool rate_every_epoch = schedule.starts_with("cosine") || schedule == "one-cycle";
  TrainCallbacks callbacks;
  ProgressRecords progress(log);
  callbacks.on_batch = [&](const BatchProgress& p) {
    bar.update(p.epoch, epochs, p.done, p.total, p.cost);
    progress.add(p);
  };
  callbacks.on_epoch = [&](const EpochResult& r) {
    bar.clear();
    print_epoch(r, previous_rate, rate_every_epoch);
    previous_rate = r.rate;
    log.write("epoch", to_json(r));
  };
  callbacks.on_state = [&](const TrainState& state, bool best) { checkpointer.on_state(state, best); };
  const TrainResult result = train(net, *cost, *optimizer, mnist.training, sets, config.training, callbacks,
                                   checkpoint ? &checkpoint->state : nullptr, processes());

  print_summary(result, sets.empty() ? 0 : sets.front().data->size());
  if (log.is_open() && mnist.test.size() > 0)
    log.write("evaluation", test_evaluation(net, *cost, mnist.test, result.epochs.back().epoch));
  if (!run.out.empty()) {
    save_model(run.out, net, run_record(config, &result, data));
    std::printf("saved %s\n", run.out.c_str());
  }
  const int64_t watched = sets.empty() ? 0 : sets.front().data->size();
  const double best_accuracy = watched ? static_cast<double>(result.best_correct) / static_cast<double>(watched) : 0.0;
  log.write("end", {{"epochs_run", result.epochs.size()}, {"best_epoch", result.best_epoch},
                    {"best_accuracy", best_accuracy}, {"stopped", result.stop_reason}});
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto flags = std::make_shared<ConfigFlagValues>();
  auto run = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train a network on MNIST or on your own data (a table, arrays, image folders)");
  add_config_flags(cmd, *flags);
  cmd->add_option("--model,--spec", run->spec,
                  "Model spec (JSON): the layers and training settings; a file, or a shipped spec by name "
                  "(seed001-cnn: models/seed001-cnn.json)");
  cmd->add_option("--data", run->data,
                  "The training data: MNIST's folder (the default), a CSV / TSV / JSON table, an .npy / .npz / IDX "
                  "file, or a folder of class folders of images (--format names it when its name does not)");
  cmd->add_option("--labels", run->labels, "The labels of .npy or IDX features");
  cmd->add_option("--test", run->test, "A test set of its own (the same format), instead of --test-split");
  cmd->add_option("--test-labels", run->test_labels, "The labels of an .npy or IDX test set");
  cmd->add_option("--out", run->out, "Save the trained model here (safetensors)");
  cmd->add_option("--log", run->log, "Write a JSON-lines training log here (for neurite plot)");
  cmd->add_option("--checkpoint-dir", run->checkpoint_dir, "Write checkpoint.safetensors and best.safetensors here");
  cmd->add_option("--checkpoint-every", run->checkpoint_every, "Epochs between checkpoints")->capture_default_str();
  cmd->add_option("--resume", run->resume, "Continue the run saved in this checkpoint");
  cmd->add_option("--threads", run->threads, "Worker threads (default: every core)");
  cmd->callback([cmd, flags, run] {
    if (!run->spec.empty()) run->spec = find_model_spec(run->spec);  // a bare name is a shipped spec
    run_train(*cmd, *flags, *run);
  });
}

}  // namespace neurite::cli
