// neurite eval: how well a saved model does. Classification: accuracy, the confusion matrix with
// the class names, and each class's precision, recall and F1. Regression: RMSE, MAE and R² per
// target, in the target's units. The data is MNIST for MNIST models; a model trained on other
// data re-reads and re-splits that data as training did, or takes --data FILE.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "common.h"
#include "neurite/data/source.h"
#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "neurite/train/metrics.h"
#include "neurite/train/run_config.h"
#include "resources.h"

namespace neurite::cli {

namespace {

struct EvalArgs {
  std::string model, data, labels, format = "auto", set = "test";  // data empty: looked up
};

void print_confusion(const ClassificationReport& r) {
  std::size_t width = 6;
  for (const ClassMetrics& c : r.classes) width = std::max(width, c.name.size() + 2);
  const int w = static_cast<int>(width);
  std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%*s", w, "");
  for (const ClassMetrics& c : r.classes) std::printf("%*s", w, c.name.c_str());
  std::printf("\n");
  for (std::size_t t = 0; t < r.classes.size(); ++t) {
    std::printf("%*s", w, r.classes[t].name.c_str());
    for (std::size_t p = 0; p < r.classes.size(); ++p) std::printf("%*lld", w, static_cast<long long>(r.confusion[t][p]));
    std::printf("\n");
  }
}

void print_class_metrics(const ClassificationReport& r) {
  std::size_t width = 9;
  for (const ClassMetrics& c : r.classes) width = std::max(width, c.name.size() + 1);
  const int w = static_cast<int>(width);
  std::printf("\n%-*s %9s %9s %9s %9s\n", w, "class", "precision", "recall", "f1", "support");
  for (const ClassMetrics& c : r.classes)
    std::printf("%-*s %9.3f %9.3f %9.3f %9lld\n", w, c.name.c_str(), c.precision, c.recall, c.f1,
                static_cast<long long>(c.support));
  std::printf("%-*s %29.3f %9lld\n", w, "macro f1", r.macro_f1, static_cast<long long>(r.total));
}

void report_classification(const std::string& model_path, Model& model, const Dataset& data, const std::string& what) {
  const std::size_t classes = std::max<std::size_t>(model.info.class_names.size(), model.info.task == "binary" ? 2 : 0);
  std::vector<std::string> names = model.info.class_names;
  for (std::size_t k = names.size(); k < std::max<std::size_t>(classes, static_cast<std::size_t>(model.network.output_shape().back())); ++k)
    names.push_back(std::to_string(k));
  const ClassificationReport r =
      classification_report(confusion_matrix(predict_classes(model.network, data), data.labels,
                                             static_cast<int64_t>(names.size())), names);
  std::printf("%s: %lld / %lld correct (%.2f%%) on %s\n", model_path.c_str(), static_cast<long long>(r.correct),
              static_cast<long long>(r.total), 100.0 * r.accuracy(), what.c_str());
  print_confusion(r);
  print_class_metrics(r);
}

void report_regression(const std::string& model_path, Model& model, const Dataset& data, const std::string& what) {
  const Preparation& p = model.info.preparation;
  Tensor targets = data.targets;
  unscale_targets(p, targets);
  const Tensor predicted = predict_outputs(model.network, data.inputs, ActivationKind::Identity, p);
  std::printf("%s: %lld samples of %s\n\n%-24s %12s %12s %8s\n", model_path.c_str(), static_cast<long long>(data.size()),
              what.c_str(), "target", "RMSE", "MAE", "R2");
  std::vector<std::string> names;
  for (std::size_t start = 0; start <= p.target.size();) {  // the target columns, comma-separated
    const std::size_t comma = std::min(p.target.find(',', start), p.target.size());
    names.push_back(p.target.substr(start, comma - start));
    start = comma + 1;
  }
  for (const TargetMetrics& m : regression_report(predicted, targets, names))
    std::printf("%-24s %12.4f %12.4f %8.4f\n", m.name.c_str(), m.rmse, m.mae, m.r2);
}

// A recorded (absolute) path as the user would write it from here: relative when below the
// current folder.
std::string shown_path(const std::string& path) {
  std::error_code error;
  const std::filesystem::path relative = std::filesystem::relative(path, error);
  return !error && !relative.empty() && !relative.string().starts_with("..") ? relative.string() : path;
}

// The set a model trained on other data was evaluated on: its data re-read and re-split with the
// run's own settings (the same seed gives the same split).
Dataset recorded_set(const Model& model, const std::string& set, std::string& what) {
  const DataFiles where = recorded_files(model.info);
  require(!where.train.empty(), "the model does not record its data: give --data FILE");
  Dataset chosen = recorded_data(model.info, set);
  const bool own_test = set == "test" && !where.test.empty();
  what = own_test ? shown_path(where.test) : "the " + set + " set of " + shown_path(where.train);
  return chosen;
}

void run_eval(const EvalArgs& a) {
  Model model = load_model(a.model);
  Dataset dataset;
  std::string what = "the " + a.set + " set";
  if (model.info.preparation.kind == "pixels") {
    const std::string data = mnist_folder(a.data);
    const MnistOptions options = mnist_options(model);
    if (a.set == "test") {
      dataset = load_mnist_test(data, options);
    } else {
      Mnist mnist = load_mnist(data, options);
      dataset = a.set == "validation" ? std::move(mnist.validation) : std::move(mnist.training);
    }
  } else if (a.data.empty()) {
    dataset = recorded_set(model, a.set, what);
  } else {
    dataset = load_data_for_model({.train = a.data, .train_labels = a.labels}, a.format, model.info.preparation,
                                  model.info.class_names, model.info.targets);
    what = a.data;
  }
  if (dataset.size() > 0 && dataset.sample_shape() != model.network.input_shape()) {
    Shape shape = model.network.input_shape();
    shape.insert(shape.begin(), dataset.size());
    require(element_count(shape) == dataset.inputs.size(), a.model + ": the model takes " + to_string(model.network.input_shape()) +
                                                               ", the data's samples are " + to_string(dataset.sample_shape()));
    dataset.inputs.reshape(shape);
  }
  if (model.info.task == "regression")
    report_regression(a.model, model, dataset, what);
  else
    report_classification(a.model, model, dataset, what);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Accuracy, confusion matrix and per-class precision / recall / F1 of a saved model (RMSE, MAE, R2 for regression)");
  cmd->add_option("model", a->model, "Model file (.safetensors)")->required();
  cmd->add_option("--data", a->data,
                  std::string(kDataHelp) + "; for a model trained on other data: a file to evaluate on (default: the "
                                           "training run's own split of its data)");
  cmd->add_option("--labels", a->labels, "The labels of .npy or IDX data");
  cmd->add_option("--format", a->format, "The data's format when its name does not say (csv, tsv, json, npy, npz, idx, images)")
      ->capture_default_str();
  cmd->add_option("--set", a->set, "test, validation or training")
      ->check(CLI::IsMember({"test", "validation", "training"}))->capture_default_str();
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace neurite::cli
