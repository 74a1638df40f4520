// neurite eval: accuracy and confusion matrix of a saved model on the MNIST test set.
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "neurite/io/model_file.h"
#include "neurite/train/trainer.h"
#include "resources.h"

namespace neurite::cli {

namespace {

void run_eval(const std::string& model_path, const std::string& given_data, const std::string& set) {
  Model model = load_model(model_path);
  const std::string data = mnist_folder(given_data);
  const MnistOptions options = mnist_options(model);
  Dataset dataset;
  if (set == "test") {
    dataset = load_mnist_test(data, options);
  } else {
    Mnist mnist = load_mnist(data, options);
    dataset = set == "validation" ? std::move(mnist.validation) : std::move(mnist.training);
  }
  const ConfusionMatrix m = confusion_matrix(model.network, dataset);
  const int64_t correct = diagonal_sum(m);
  std::printf("%s: %lld / %lld correct (%.2f%%) on the %s set\n", model_path.c_str(),
              static_cast<long long>(correct), static_cast<long long>(dataset.size()),
              100.0 * static_cast<double>(correct) / static_cast<double>(dataset.size()), set.c_str());
  std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n     ");
  for (std::size_t p = 0; p < m.size(); ++p) std::printf("%6s", model.info.class_name(static_cast<int64_t>(p)).c_str());
  std::printf("\n");
  for (std::size_t t = 0; t < m.size(); ++t) {
    std::printf("%4s ", model.info.class_name(static_cast<int64_t>(t)).c_str());
    for (std::size_t p = 0; p < m.size(); ++p) std::printf("%6lld", static_cast<long long>(m[t][p]));
    std::printf("\n");
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();  // empty: looked up (resources.h)
  auto set = std::make_shared<std::string>("test");
  CLI::App* cmd = app.add_subcommand("eval", "Accuracy and confusion matrix of a saved model");
  cmd->add_option("model", *model, "Model file (.safetensors)")->required();
  cmd->add_option("--data", *data, kDataHelp);
  cmd->add_option("--set", *set, "test, validation or training")
      ->check(CLI::IsMember({"test", "validation", "training"}))->capture_default_str();
  cmd->callback([=] { run_eval(*model, *data, *set); });
}

}  // namespace neurite::cli
