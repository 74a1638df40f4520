// neurite backprop: one training step of a tiny sigmoid network worked out number by number
// (the page's Backprop tab, in text): Mazur's 2-2-2, Rashid's 3-3-3 (seed 003), or the learner's
// own example as JSON. Each stage names its equation in seed 001's notation (BP1-BP4).
#include <cstdio>
#include <string>

#include "commands.h"
#include "neurite/error.h"
#include "neurite/io/file.h"
#include "neurite/io/json_input.h"
#include "neurite/playground/backprop_stepper.h"

namespace neurite::cli {

namespace {

using playground::BackpropTrace;
using playground::WorkedExample;

struct BackpropArgs {
  std::string example = "mazur";
  bool json = false;
};

WorkedExample example_named(const std::string& name) {
  if (name == "mazur") return playground::mazur_example();
  if (name == "rashid") return playground::rashid_example();
  const std::vector<uint8_t> bytes = read_file_bytes(name);
  const std::string text(bytes.begin(), bytes.end());
  require_json_depth(text, name);
  try {
    return playground::worked_example_from_json(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    throw Error(name + ": not JSON (" + e.what() + ")");
  } catch (const Error& e) {
    throw Error(name + ": " + e.what());
  }
}

// "w5" when the example names its weights, else "w[l]jk" with 1-based neurons.
std::string weight_name(const WorkedExample& e, std::size_t l, std::size_t j, std::size_t k) {
  std::size_t index = 0;
  for (std::size_t m = 0; m < l; ++m) index += e.weights[m].size() * e.weights[m][0].size();
  index += j * e.weights[l][j].size() + k;
  if (index < e.weight_names.size()) return e.weight_names[index];
  return "w[" + std::to_string(l + 1) + "]" + std::to_string(j + 1) + std::to_string(k + 1);
}

std::string joined(const std::vector<double>& values, const char* format, const char* between = ", ") {
  std::string text;
  char number[32];
  for (const double v : values) {
    std::snprintf(number, sizeof number, format, v);
    text += (text.empty() ? "" : between) + std::string(number);
  }
  return text;
}

void print_forward(const WorkedExample& e, const BackpropTrace& t) {
  std::printf("forward   z = sum_k w_jk a_k + b_j,  a = sigma(z)\n");
  for (std::size_t l = 0; l < t.forward.size(); ++l)
    for (std::size_t j = 0; j < t.forward[l].size(); ++j) {
      const playground::NeuronStep& n = t.forward[l][j];
      std::string symbols;
      for (std::size_t k = 0; k < n.products.size(); ++k)
        symbols += (k ? " + " : "") + weight_name(e, l, j, k) + " a" + std::to_string(k + 1);
      std::vector<double> terms = n.products;
      if (e.has_biases()) symbols += " + b", terms.push_back(n.bias);
      std::printf("  layer %zu neuron %zu: z = %s = %s = %.9g, a = %.9g\n", l + 1, j + 1, symbols.c_str(),
                  joined(terms, "%.9g", " + ").c_str(), n.z, n.a);
    }
}

void print_backward(const WorkedExample& e, const BackpropTrace& t) {
  const std::size_t last = t.deltas.size() - 1;
  std::printf("loss      C = sum_j 1/2 (y_j - a_j)^2\n");
  for (std::size_t j = 0; j < t.errors.size(); ++j) std::printf("  output %zu: %.9g\n", j + 1, t.errors[j]);
  std::printf("  total: %.9g\n", t.total_error);
  std::printf("  by hand, every layer's outputs rounded to 3 decimals before the next: outputs %s\n",
              joined(t.outputs_rounded_by_hand, "%.3f").c_str());
  for (std::size_t l = last + 1; l-- > 0;) {
    std::printf(l == last ? "BP1       delta = (a - y) sigma'(z), sigma'(z) = a (1 - a)\n"
                          : "BP2       delta = (w^T delta_next) sigma'(z)\n");
    for (std::size_t j = 0; j < t.deltas[l].size(); ++j)
      std::printf("  layer %zu neuron %zu: %.9g x %.9g = %.9g\n", l + 1, j + 1, t.activation_gradients[l][j],
                  t.slopes[l][j], t.deltas[l][j]);
  }
  std::printf("BP3, BP4  dC/db_j = delta_j, dC/dw_jk = a_k delta_j; beside it a central difference (step 1e-6)\n");
  for (std::size_t l = 0; l <= last; ++l)
    for (std::size_t j = 0; j < t.weight_gradients[l].size(); ++j) {
      for (std::size_t k = 0; k < t.weight_gradients[l][j].size(); ++k)
        std::printf("  %-8s %.9g  %.9g\n", weight_name(e, l, j, k).c_str(), t.weight_gradients[l][j][k],
                    t.weight_estimates[l][j][k]);
      if (e.has_biases())
        std::printf("  b[%zu]%zu    %.9g  %.9g\n", l + 1, j + 1, t.bias_gradients[l][j], t.bias_estimates[l][j]);
    }
}

void print_update(const WorkedExample& e, const BackpropTrace& t) {
  std::printf("update    w -> w - %g dC/dw%s\n", e.rate,
              e.has_biases() && !e.update_biases ? " (the biases are left as they are)" : "");
  for (std::size_t l = 0; l < e.weights.size(); ++l)
    for (std::size_t j = 0; j < e.weights[l].size(); ++j)
      for (std::size_t k = 0; k < e.weights[l][j].size(); ++k)
        std::printf("  %-8s %.9g -> %.9g\n", weight_name(e, l, j, k).c_str(), e.weights[l][j][k], t.new_weights[l][j][k]);
  if (e.has_biases() && e.update_biases)
    for (std::size_t l = 0; l < e.biases.size(); ++l)
      for (std::size_t j = 0; j < e.biases[l].size(); ++j)
        std::printf("  b[%zu]%zu    %.9g -> %.9g\n", l + 1, j + 1, e.biases[l][j], t.new_biases[l][j]);
  std::printf("new loss  %.9g (was %.9g), outputs %s\n", t.new_total_error, t.total_error,
              joined(t.new_outputs, "%.9g").c_str());
  std::printf("check     neurite's float32 layers give the same gradients to within %.1e\n", t.float_network_difference);
}

void run_backprop(const BackpropArgs& a) {
  const WorkedExample example = example_named(a.example);
  const BackpropTrace trace = playground::trace_backprop(example);
  if (a.json) {
    std::printf("%s\n", nlohmann::json{{"example", to_json(example)}, {"trace", to_json(trace)}}.dump(2).c_str());
    return;
  }
  std::printf("%s: inputs", example.name.c_str());
  for (const double x : example.inputs) std::printf(" %g", x);
  std::printf(", targets");
  for (const double y : example.targets) std::printf(" %g", y);
  std::printf(", rate %g\n", example.rate);
  print_forward(example, trace);
  print_backward(example, trace);
  print_update(example, trace);
}

}  // namespace

void add_backprop_command(CLI::App& app) {
  auto args = std::make_shared<BackpropArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backprop", "One backpropagation step of a tiny sigmoid network, number by number (BP1-BP4)");
  cmd->add_option("example", args->example,
                  "mazur (Mazur's 2-2-2), rashid (Rashid's 3-3-3) or a JSON file of your own (docs/web-api.md)")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the whole trace as JSON, as the page's API gives it");
  cmd->callback([args] { run_backprop(*args); });
}

}  // namespace neurite::cli
