// neurite ensemble: several saved models vote on the MNIST test set by averaging their outputs
// (the softmax probabilities), as Nielsen's chapter 6 does with five networks. Each model reads
// the images its own way (its input shape and pixel scale), so any mix of MLPs and CNNs works.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "resources.h"

namespace neurite::cli {

namespace {

// Each test image's outputs from one model, (N, classes), read in batches.
Tensor outputs_on_test_set(Model& model, const std::string& data) {
  const Dataset test = load_mnist_test(data, mnist_options(model));
  const int64_t n = test.size(), classes = model.network.output_shape().front();
  Tensor outputs({n, classes});
  model.network.set_training(false);
  constexpr int64_t kBatch = 200;
  Tensor x;
  for (int64_t start = 0; start < n; start += kBatch) {
    const int64_t count = std::min(kBatch, n - start);
    test.read_inputs(start, count, x);
    const Tensor& y = model.network.forward(x);
    std::copy_n(y.data(), count * classes, outputs.data() + start * classes);
  }
  return outputs;
}

int64_t count_correct(const Tensor& outputs, const std::vector<int32_t>& labels) {
  const int64_t classes = outputs.dim(1);
  int64_t correct = 0;
  for (int64_t i = 0; i < outputs.dim(0); ++i) {
    const float* o = outputs.data() + i * classes;
    correct += std::max_element(o, o + classes) - o == labels[static_cast<std::size_t>(i)];
  }
  return correct;
}

void run_ensemble(const std::vector<std::string>& paths, const std::string& given_data) {
  require(paths.size() >= 2, "an ensemble needs at least two models, got " + std::to_string(paths.size()));
  std::vector<Model> models;  // all loaded and checked before any work
  for (const std::string& path : paths) {
    models.push_back(load_model(path));
    require(models.back().network.output_shape() == Shape{10},
            path + ": the model gives " + to_string(models.back().network.output_shape()) + " outputs, not 10 digits");
  }
  const std::string data = mnist_folder(given_data);
  const std::vector<int32_t> labels = load_mnist_test(data).labels;
  Tensor sum;
  for (std::size_t m = 0; m < models.size(); ++m) {
    const std::string& path = paths[m];
    const Tensor outputs = outputs_on_test_set(models[m], data);
    const int64_t correct = count_correct(outputs, labels);
    std::printf("%s: %lld / %zu (%.2f%%)\n", path.c_str(), static_cast<long long>(correct), labels.size(),
                100.0 * static_cast<double>(correct) / static_cast<double>(labels.size()));
    if (sum.empty()) sum = Tensor(outputs.shape());
    for (int64_t i = 0; i < sum.size(); ++i) sum[i] += outputs[i];
  }
  const int64_t correct = count_correct(sum, labels);
  std::printf("ensemble of %zu models (mean output): %lld / %zu (%.2f%%), error rate %.2f%%\n", paths.size(),
              static_cast<long long>(correct), labels.size(),
              100.0 * static_cast<double>(correct) / static_cast<double>(labels.size()),
              100.0 * static_cast<double>(static_cast<int64_t>(labels.size()) - correct) /
                  static_cast<double>(labels.size()));
}

}  // namespace

void add_ensemble_command(CLI::App& app) {
  auto models = std::make_shared<std::vector<std::string>>();
  auto data = std::make_shared<std::string>();  // empty: looked up (resources.h)
  CLI::App* cmd = app.add_subcommand("ensemble", "Accuracy of several saved models voting together (mean output)");
  cmd->add_option("models", *models, "Two or more model files (.safetensors)")->required();
  cmd->add_option("--data", *data, kDataHelp);
  cmd->callback([=] { run_ensemble(*models, *data); });
}

}  // namespace neurite::cli
