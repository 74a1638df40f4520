// neurite plot: pictures from a training log (`neurite train --log FILE`): cost, accuracy and
// gradient norms per epoch, the confusion matrix, the misclassified digits and the first layer's
// weights. Each picture is drawn only when the log (and the data or model it names) has what it
// needs; otherwise one line says what was skipped and why.
#include "neurite/data/source.h"
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "neurite/data/mnist.h"
#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/io/model_file.h"
#include "neurite/viz/training_charts.h"

namespace neurite::cli {

namespace {

namespace fs = std::filesystem;

struct PlotArgs {
  std::string log;
  std::string out;
  std::string format = "png";
  std::string model;
  std::string data;
};

// The pictures, drawn in memory first and written only once all are drawn: bad input then stops
// the command before it replaces any picture, and the report lists them in a fixed order.
class Output {
 public:
  Output(fs::path folder, std::vector<ImageFormat> chart_formats)
      : folder_(std::move(folder)), chart_formats_(std::move(chart_formats)) {}

  const std::vector<ImageFormat>& chart_formats() const { return chart_formats_; }

  void add(const std::string& file, std::vector<uint8_t> bytes) {
    items_.push_back({folder_ / file, std::move(bytes), {}});
  }
  void skip(const std::string& files, const std::string& why) { items_.push_back({files, {}, why}); }
  // "cost.png" or "cost.png and cost.svg": the files a skipped chart would have been.
  void skip_chart(const std::string& stem, const std::string& why) {
    std::string files;
    for (ImageFormat format : chart_formats_) files += (files.empty() ? "" : " and ") + stem + extension_of(format);
    skip(files, why);
  }

  void write_all() const {
    create_folder();
    for (const Item& item : items_) {
      if (!item.skipped.empty()) {
        std::printf("skipped %s: %s\n", item.path.string().c_str(), item.skipped.c_str());
        continue;
      }
      write_file_atomically(item.path.string(), item.bytes);
      std::printf("wrote %s\n", item.path.string().c_str());
    }
  }

 private:
  struct Item {
    fs::path path;  // the file written, or the files skipped
    std::vector<uint8_t> bytes;
    std::string skipped;  // why, when nothing is written
  };

  // An empty folder is the current one: files are then named without a "./" in front.
  void create_folder() const {
    if (folder_.empty()) return;
    std::error_code error;
    fs::create_directories(folder_, error);
    require(!error && fs::is_directory(folder_), folder_.string() + ": cannot create the output folder" +
                                                     (error ? " (" + error.message() + ")" : std::string()));
  }

  fs::path folder_;
  std::vector<ImageFormat> chart_formats_;
  std::vector<Item> items_;
};

void plot_line_chart(Output& out, const std::string& stem, const LineChart& chart, const std::string& lacking) {
  if (chart.series.empty()) return out.skip_chart(stem, "the log has no " + lacking);
  for (ImageFormat format : out.chart_formats()) out.add(stem + extension_of(format), render_line_chart(chart, format));
}

void plot_confusion(Output& out, const TrainingLog& log) {
  const EvaluationRecord* evaluation = last_confusion(log);
  if (!evaluation) return out.skip_chart("confusion", "the log has no evaluation with a confusion matrix");
  const ConfusionChart chart = confusion_chart(log, *evaluation);
  for (ImageFormat format : out.chart_formats())
    out.add("confusion" + extension_of(format), render_confusion_chart(chart, format));
}

// The log records paths as the training command was given them, relative to where it ran.
// plot usually runs from the same place; failing that, the log's own folder is the best guess.
std::string find_recorded_path(const std::string& recorded, const fs::path& log_folder) {
  if (fs::exists(recorded) || fs::path(recorded).is_absolute()) return recorded;
  const fs::path beside_log = log_folder / recorded;
  return fs::exists(beside_log) ? beside_log.string() : recorded;
}

void plot_misclassified(Output& out, const TrainingLog& log, const PlotArgs& a) {
  const std::string file = "misclassified.png";
  if (log.evaluations.empty()) return out.skip(file, "the log has no evaluation record");
  const EvaluationRecord& evaluation = log.evaluations.back();
  if (evaluation.misclassified.empty()) return out.skip(file, "the last evaluation lists no misclassified digits");
  if (evaluation.set != "test")
    return out.skip(file, "the last evaluation is of the " + evaluation.set + " set; only test digits are drawn");
  std::string folder = a.data;
  if (folder.empty()) {
    if (log.data.empty()) return out.skip(file, "the log names no MNIST folder (pass --data DIR)");
    folder = find_recorded_path(log.data, fs::path(a.log).parent_path());
    if (!fs::exists(folder)) return out.skip(file, "MNIST folder " + log.data + " not found (pass --data DIR)");
    if (data_format(folder, "auto") != "mnist")
      return out.skip(file, "the log's data, " + log.data + ", is not MNIST's folder: only MNIST digits are drawn");
  }
  const Dataset test = load_mnist_test(folder);  // unit scale: pixel / 255, undone when drawn
  out.add(file, render_image_grid(misclassified_grid(log, evaluation, test, a.log)));
}

void plot_weights(Output& out, const TrainingLog& log, const PlotArgs& a) {
  const std::string file = "weights.png";
  std::string path = a.model;
  if (path.empty()) {
    if (log.model.empty()) return out.skip(file, "the log names no model file (pass --model FILE)");
    path = find_recorded_path(log.model, fs::path(a.log).parent_path());
    if (!fs::is_regular_file(path)) return out.skip(file, "model file " + log.model + " not found (pass --model FILE)");
  }
  Model model = load_model(path);
  for (const Parameter& p : model.network.parameters()) {
    if (!p.name.ends_with(".weight") || p.value->rank() != 2) continue;
    const auto grid = weight_grid(*p.value);
    if (!grid)
      return out.skip(file, "the first layer's " + std::to_string(p.value->dim(1)) + " inputs are not a square picture");
    return out.add(file, render_image_grid(*grid));
  }
  out.skip(file, path + " has no dense layer");
}

Output output_for(const PlotArgs& a) {
  std::vector<ImageFormat> chart_formats;
  if (a.format != "svg") chart_formats.push_back(ImageFormat::Png);
  if (a.format != "png") chart_formats.push_back(ImageFormat::Svg);
  return {a.out.empty() ? fs::path(a.log).parent_path() : fs::path(a.out), chart_formats};
}

void run_plot(const PlotArgs& a) {
  // Files named explicitly are checked before any picture is written.
  require(a.model.empty() || fs::is_regular_file(a.model), a.model + ": cannot open: no such model file");
  require(a.data.empty() || fs::is_directory(a.data), a.data + ": no such MNIST folder");
  const TrainingLog log = read_training_log(a.log);
  if (log.ignored_last_line)
    std::printf("note: ignored the unfinished last line of %s (still training?)\n", a.log.c_str());
  Output out = output_for(a);
  plot_line_chart(out, "cost", cost_chart(log), "costs");
  plot_line_chart(out, "accuracy", accuracy_chart(log), "accuracies");
  plot_line_chart(out, "gradient-norms", gradient_norm_chart(log), "weight-gradient norms (grad_norms)");
  plot_confusion(out, log);
  plot_misclassified(out, log, a);
  plot_weights(out, log, a);
  out.write_all();
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto args = std::make_shared<PlotArgs>();
  CLI::App* cmd = app.add_subcommand("plot", "Draw charts and pictures from a training log (neurite train --log)");
  cmd->add_option("log", args->log, "Training log (JSON lines)")->required();
  cmd->add_option("--out", args->out, "Folder for the pictures (default: the log's folder)");
  cmd->add_option("--format", args->format, "Charts as png, svg or both (picture grids are always PNG)")
      ->check(CLI::IsMember({"png", "svg", "both"}))
      ->capture_default_str();
  cmd->add_option("--model", args->model, "Model file for weights.png (default: the one the log names)");
  cmd->add_option("--data", args->data, "MNIST folder for misclassified.png (default: the one the log names)");
  cmd->callback([args] { run_plot(*args); });
}

}  // namespace neurite::cli
