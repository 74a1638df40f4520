// neurite train: builds a fully connected network, trains it on MNIST with mini-batch SGD and
// prints "Epoch j: N / 10000" after every evaluation, like the seeds.
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "neurite/ops/gemm.h"
#include "neurite/train/trainer.h"

namespace neurite::cli {

namespace {

struct TrainArgs {
  std::string layers = "784,30,10";
  std::string activation = "sigmoid";
  std::string cost = "quadratic";
  std::string init = "nielsen";
  double uniform_limit = 0.5;
  std::string targets = "0,1";
  std::string scale = "unit";
  std::string data = "data/mnist";
  std::string out;
  std::string eval_on = "test";
  int epochs = 30;
  int64_t batch = 10;
  double rate = 3.0;
  uint64_t seed = 1;
  int64_t train_size = 50000;
  int eval_every = 1;
  bool stop_when_worse = false;
  bool no_bias = false;
  int threads = 0;
};

const Dataset& evaluation_set(const Mnist& mnist, const std::string& name) {
  if (name == "test") return mnist.test;
  if (name == "validation") {
    require(mnist.validation.size() > 0, "--eval-on validation: --train-size leaves no validation images");
    return mnist.validation;
  }
  throw Error("--eval-on " + name + ": expected test or validation");
}

void run_train(const TrainArgs& a) {
  // Everything the user typed is checked before the data is read.
  const std::vector<int64_t> sizes = parse_sizes(a.layers);
  const ActivationKind activation = parse_activation(a.activation);
  const std::unique_ptr<Cost> cost = make_cost(a.cost);
  const Initializer init{.kind = parse_init(a.init), .uniform_limit = a.uniform_limit};
  require(a.uniform_limit > 0, "--uniform-limit must be positive, got " + std::to_string(a.uniform_limit));
  MnistOptions data_options{.scale = parse_scale(a.scale), .targets = parse_targets(a.targets),
                            .train_size = a.train_size};
  Sgd sgd(a.rate);
  const TrainOptions options{.epochs = a.epochs, .batch = a.batch, .seed = a.seed,
                             .eval_every = a.eval_every, .stop_when_worse = a.stop_when_worse};
  require(a.epochs > 0, "--epochs must be positive, got " + std::to_string(a.epochs));
  require(a.eval_every > 0, "--eval-every must be positive, got " + std::to_string(a.eval_every));
  require(a.eval_on == "test" || a.eval_on == "validation", "--eval-on " + a.eval_on + ": expected test or validation");
  require(a.cost != "cross-entropy" || activation == ActivationKind::Sigmoid,
          "--cost cross-entropy needs sigmoid outputs (their values must lie in (0, 1)), got --activation " + a.activation);
  require(a.batch > 0, "--batch must be positive, got " + std::to_string(a.batch));
  require(sizes.front() == 784, "--layers " + a.layers + ": the input size must be 784 for 28x28 MNIST images, got " +
                                    std::to_string(sizes.front()));
  require(sizes.back() == 10, "--layers " + a.layers + ": the output size must be 10 for the ten digits, got " +
                                  std::to_string(sizes.back()));
  if (a.threads > 0) set_num_threads(a.threads);

  const Mnist mnist = load_mnist(a.data, data_options);
  const Dataset& evaluation = evaluation_set(mnist, a.eval_on);
  Network net = make_mlp(sizes, activation, !a.no_bias);
  Rng init_rng(a.seed, /*stream=*/0);
  net.initialize(init, init_rng);
  std::printf("network %s, %lld parameters; %lld training images, evaluating on %lld %s images\n",
              a.layers.c_str(), static_cast<long long>(net.parameter_count()),
              static_cast<long long>(mnist.training.size()), static_cast<long long>(evaluation.size()),
              a.eval_on.c_str());
  std::fflush(stdout);

  ProgressBar bar;
  TrainCallbacks callbacks;
  callbacks.on_batch = [&](int64_t done, int64_t total) { bar.update(done, total); };
  callbacks.on_epoch = [&](const EpochResult& r) {
    bar.clear();
    if (r.evaluated)
      std::printf("Epoch %d: %lld / %lld  (%.2f s)\n", r.epoch, static_cast<long long>(r.correct),
                  static_cast<long long>(r.total), r.seconds);
    else
      std::printf("Epoch %d complete  (%.2f s)\n", r.epoch, r.seconds);
    std::fflush(stdout);
  };
  const TrainResult result = train(net, *cost, sgd, mnist.training, &evaluation, options, callbacks);

  const double best = 100.0 * static_cast<double>(result.best_correct) / static_cast<double>(evaluation.size());
  std::printf("best: %lld / %lld (%.2f%%) after epoch %d%s\n", static_cast<long long>(result.best_correct),
              static_cast<long long>(evaluation.size()), best, result.best_epoch,
              result.stopped_early ? "; stopped early: the error rate rose" : "");
  const EpochResult& last = result.epochs.back();
  if (last.evaluated)
    std::printf("final error rate: %.2f%%\n",
                100.0 * static_cast<double>(last.total - last.correct) / static_cast<double>(last.total));
  if (!a.out.empty()) {
    const nlohmann::json training = {
        {"layers", sizes}, {"activation", a.activation}, {"cost", cost->name()}, {"init", a.init},
        {"scale", scale_name(data_options.scale)}, {"targets", {data_options.targets.off, data_options.targets.on}},
        {"epochs_run", result.epochs.size()}, {"batch", a.batch}, {"rate", a.rate}, {"seed", a.seed},
        {"evaluated_on", a.eval_on}, {"final_correct", last.correct}, {"best_correct", result.best_correct}};
    save_model(a.out, net, training);
    std::printf("saved %s\n", a.out.c_str());
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train a fully connected network on MNIST");
  cmd->add_option("--layers", args->layers, "Layer sizes, input first")->capture_default_str();
  cmd->add_option("--activation", args->activation, "step, identity, sigmoid, tanh or relu")->capture_default_str();
  cmd->add_option("--cost", args->cost, "quadratic or cross-entropy")->capture_default_str();
  cmd->add_option("--init", args->init, "nielsen N(0,1), rashid N(0,1/sqrt(n)) or uniform [-0.5,0.5]")->capture_default_str();
  cmd->add_option("--uniform-limit", args->uniform_limit, "With --init uniform: weights from [-limit, limit]")
      ->capture_default_str();
  cmd->add_option("--targets", args->targets, "One-hot off,on values: 0,1  0.1,0.9  0.01,0.99")->capture_default_str();
  cmd->add_option("--scale", args->scale, "Pixel scaling: unit [0,1] or rashid [0.01,1]")->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "Passes over the training set")->capture_default_str();
  cmd->add_option("--batch", args->batch, "Mini-batch size")->capture_default_str();
  cmd->add_option("--rate", args->rate, "Learning rate eta")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed for the weights and the shuffles")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--train-size", args->train_size, "Training images (the rest of 60,000 is validation)")->capture_default_str();
  cmd->add_option("--eval-on", args->eval_on, "test or validation")->capture_default_str();
  cmd->add_option("--eval-every", args->eval_every, "Evaluate every k epochs")->capture_default_str();
  cmd->add_flag("--stop-when-worse", args->stop_when_worse, "Stop when an evaluation is worse than the previous one");
  cmd->add_flag("--no-bias", args->no_bias, "Dense layers without biases (Rashid's network)");
  cmd->add_option("--threads", args->threads, "Worker threads (default: every core)");
  cmd->add_option("--data", args->data, "Folder with the four MNIST IDX files")->capture_default_str();
  cmd->add_option("--out", args->out, "Save the trained model here (safetensors)");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace neurite::cli
