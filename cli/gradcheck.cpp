// neurite gradcheck: compares backprop with central differences for every parameter and the
// input of a small network, a spec's network or a saved model, on random data; exits 1 if any
// error is too big. The table comes a row at a time as each tensor is done, with a progress line
// on a terminal: a CNN's check takes a while.
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "common.h"
#include "neurite/error.h"
#include "neurite/gradcheck.h"
#include "neurite/io/model_file.h"
#include "resources.h"
#include "neurite/train/run_config.h"

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

// A row of the report's table, or its header for nullptr: the library's own format.
std::string table_line(const GradCheckEntry* entry) {
  GradCheckReport one;
  if (entry) one.entries.push_back(*entry);
  const std::string table = one.describe();
  return entry ? table.substr(table.find('\n') + 1) : table;
}

// Streams the table: each tensor's row once it is checked, and meanwhile on a terminal a line
// saying which tensor is being checked and how far along it is.
class TableStream {
 public:
  explicit TableStream(std::size_t tensors) : tensors_(tensors) { print(table_line(nullptr)); }
  void on_entry(const GradCheckEntry& e, int64_t to_check) {
    if (e.checked == to_check) return finish(e);
    if (!line_.due()) return;
    char counts[96];
    std::snprintf(counts, sizeof counts, " %lld/%lld entries, tensor %zu of %zu", static_cast<long long>(e.checked),
                  static_cast<long long>(to_check), rows_ + 1, tensors_);
    line_.show("checking " + e.name + " (" + e.layer + ") " + bar_text(e.checked, to_check, 24) + counts);
  }
  // Rows not printed yet: tensors with no entries to check never report progress.
  void finish_all(const GradCheckReport& report) {
    while (rows_ < report.entries.size()) finish(report.entries[rows_]);
  }

 private:
  void finish(const GradCheckEntry& e) {
    line_.clear();
    print(table_line(&e));
    ++rows_;
  }
  static void print(const std::string& text) {
    std::printf("%s", text.c_str());
    std::fflush(stdout);
  }

  StatusLine line_;
  std::size_t tensors_, rows_ = 0;
};

// --model names a spec when it is a .json file, or no file but a bare name (a shipped spec).
bool names_spec(const std::string& model) {
  const std::filesystem::path path(model);
  return path.extension() == ".json" || (!path.has_extension() && !std::filesystem::exists(path));
}

// The flags' network, a spec's (both get fresh weights below) or a saved model's.
Network network_to_check(const GradcheckArgs& a, ActivationKind output) {
  if (a.model.empty())
    return make_mlp(MlpOptions{.sizes = layer_sizes_from_text(a.layers),
                               .hidden = parse_activation(a.activation),
                               .output = output,
                               .dropout = a.dropout});
  if (names_spec(a.model)) return Network::from_architecture(read_model_spec(find_model_spec(a.model)).architecture);
  return std::move(load_model(a.model).network);
}

// A deep network of ReLUs and max-pools has thousands of kinks; a nudge that crosses one makes
// the central difference meaningless for that entry, however right backprop is.
std::string kink_note(Network& net) {
  int kinks = 0;
  for (std::size_t i = 0; i < net.layer_count(); ++i) kinks += net.layer(i).type() == "relu" || net.layer(i).type() == "maxpool2d";
  if (kinks < 2) return "";
  return " (the network has " + std::to_string(kinks) +
         " ReLU / max-pool layers: on a network this deep, nudges cross their kinks and the central differences "
         "mean little; the test suite checks each of these layers in small networks, ctest -R GradCheck)";
}

void run_gradcheck(const GradcheckArgs& a) {
  require(a.batch > 0, "--batch must be positive, got " + std::to_string(a.batch));
  const std::unique_ptr<Cost> cost = make_cost(a.cost);
  const ActivationKind output = parse_activation(a.output.empty() ? a.activation : a.output);
  require(a.dropout >= 0 && a.dropout < 1, "--dropout must be in [0, 1), got " + std::to_string(a.dropout));
  Rng rng(a.seed, /*stream=*/3);
  Network predicting = network_to_check(a, output);
  // The network the cost trains: without the output activation a cost that takes logits applies.
  Network net = trained_network(predicting, *cost);
  // Dropout layers check in training mode: the checker replays the same masks in every pass.
  net.seed_generators(a.seed);
  net.set_training(true);
  if (a.model.empty() || names_spec(a.model)) {
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

  std::printf("%s, %s cost, batch %lld\n", net.summary().c_str(), cost->name().c_str(),
              static_cast<long long>(a.batch));
  TableStream table(net.parameters().size() + 1);  // and the input
  const GradCheckReport report =
      gradient_check(net, *cost, x, y, {.tolerance = a.tolerance, .max_per_tensor = a.max_per_tensor, .seed = a.seed},
                     [&table](const GradCheckEntry& e, int64_t to_check) { table.on_entry(e, to_check); });
  table.finish_all(report);
  std::printf("largest relative error %.3e: %s (tolerance %.0e)\n", report.max_error,
              report.passed ? "PASS" : "FAIL", a.tolerance);
  if (!report.passed) throw Error("gradient check failed: largest relative error " + std::to_string(report.max_error) +
                                   kink_note(net));
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
  cmd->add_option("--model", args->model,
                  "Check a saved model (its weights) or a model spec (a .json file or a shipped spec's name: "
                  "seed001-cnn) instead");
  cmd->add_option("--batch", args->batch, "Random samples in the batch")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed for the weights and data")->capture_default_str();
  cmd->add_option("--max-per-tensor", args->max_per_tensor, "Entries checked per tensor (0: all)")->capture_default_str();
  cmd->add_option("--tolerance", args->tolerance, "Largest relative error that passes")->capture_default_str();
  cmd->callback([args] { run_gradcheck(*args); });
}

}  // namespace neurite::cli
