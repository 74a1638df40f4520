// neurite gradcheck: compares backprop with central differences for every parameter and the
// input of a small network (or a saved model) on random data; exits 1 if any error is too big.
#include <cstdio>

#include <optional>

#include "commands.h"
#include "common.h"
#include "neurite/error.h"
#include "neurite/gradcheck.h"
#include "neurite/io/model_file.h"

namespace neurite::cli {

namespace {

struct GradcheckArgs {
  std::string layers = "6,5,4,3";
  std::string activation = "sigmoid";
  std::string output;  // empty: the same as activation
  double dropout = 0;
  std::string cost = "quadratic";
  std::string model;
  std::string init = "rashid";
  int64_t batch = 4;
  uint64_t seed = 1;
  int64_t max_per_tensor = 200;
  double tolerance = 1e-2;
};

void run_gradcheck(const GradcheckArgs& a) {
  require(a.batch > 0, "--batch must be positive, got " + std::to_string(a.batch));
  const std::unique_ptr<Cost> cost = make_cost(a.cost);
  const ActivationKind output = parse_activation(a.output.empty() ? a.activation : a.output);
  require(a.dropout >= 0 && a.dropout < 1, "--dropout must be in [0, 1), got " + std::to_string(a.dropout));
  Rng rng(a.seed, /*stream=*/3);
  std::optional<Model> model;
  if (!a.model.empty()) model = load_model(a.model);
  const nlohmann::json architecture =
      model ? model->network.architecture()
            : make_mlp(MlpOptions{.sizes = parse_sizes(a.layers), .hidden = parse_activation(a.activation),
                                  .output = output, .dropout = a.dropout}).architecture();
  // The network the cost trains: without the output activation a cost that takes logits applies.
  Network net = Network::from_architecture(trained_architecture(architecture, *cost));
  if (model) net.copy_parameters_from(model->network);
  // Dropout layers check in training mode: the checker replays the same masks in every pass.
  net.seed_generators(a.seed);
  net.set_training(true);
  if (a.model.empty()) {
    net.initialize({.kind = parse_init(a.init)}, rng);
    // Random biases: with zero biases a unit behind dead ReLUs sits exactly on the kink.
    for (Parameter& p : net.parameters())
      if (p.name.ends_with(".bias"))
        for (float& b : p.value->span()) b = static_cast<float>(rng.uniform(-0.5, 0.5));
  }

  Shape in_shape = net.input_shape(), out_shape = net.output_shape();
  in_shape.insert(in_shape.begin(), a.batch);
  out_shape.insert(out_shape.begin(), a.batch);
  Tensor x(in_shape), y(out_shape);
  for (float& v : x.span()) v = static_cast<float>(rng.uniform());
  for (float& v : y.span()) v = static_cast<float>(rng.uniform());

  const GradCheckReport report = gradient_check(
      net, *cost, x, y, {.tolerance = a.tolerance, .max_per_tensor = a.max_per_tensor, .seed = a.seed});
  std::printf("%s, %s cost, batch %lld\n%s", net.summary().c_str(), cost->name().c_str(),
              static_cast<long long>(a.batch), report.describe().c_str());
  std::printf("largest relative error %.3e: %s (tolerance %.0e)\n", report.max_error,
              report.passed ? "PASS" : "FAIL", a.tolerance);
  if (!report.passed) throw Error("gradient check failed: largest relative error " + std::to_string(report.max_error));
}

}  // namespace

void add_gradcheck_command(CLI::App& app) {
  auto args = std::make_shared<GradcheckArgs>();
  CLI::App* cmd = app.add_subcommand("gradcheck", "Check backprop against numerical gradients");
  cmd->add_option("--layers", args->layers, "Layer sizes of a network to check")->capture_default_str();
  cmd->add_option("--activation", args->activation, "step, identity, sigmoid, tanh or relu")->capture_default_str();
  cmd->add_option("--output", args->output, "Output activation (softmax for log-likelihood); default: --activation");
  cmd->add_option("--dropout", args->dropout, "Dropout after each hidden layer, checked with fixed masks")
      ->capture_default_str();
  cmd->add_option("--cost", args->cost, "quadratic, cross-entropy or log-likelihood")->capture_default_str();
  cmd->add_option("--init", args->init,
                  "Weights: rashid keeps outputs away from saturation, where float costs get noisy")
      ->capture_default_str();
  cmd->add_option("--model", args->model, "Check a saved model instead");
  cmd->add_option("--batch", args->batch, "Random samples in the batch")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed for the weights and data")->capture_default_str();
  cmd->add_option("--max-per-tensor", args->max_per_tensor, "Entries checked per tensor (0: all)")->capture_default_str();
  cmd->add_option("--tolerance", args->tolerance, "Largest relative error that passes")->capture_default_str();
  cmd->callback([args] { run_gradcheck(*args); });
}

}  // namespace neurite::cli
