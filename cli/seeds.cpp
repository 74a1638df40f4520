// The seeds' small worked examples as subcommands, printing the numbers the seeds print:
//   neurite perceptron      the AND perceptron (seed 002)
//   neurite linear-unit     the salary linear unit (seed 002)
//   neurite rashid-example  Rashid's 3-3-3 forward pass (seed 003)
//   neurite csv             MNIST IDX -> CSV export and CSV checks (seed 003's data format)
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "neurite/classic/perceptron.h"
#include "neurite/classic/rashid.h"
#include "neurite/data/csv.h"
#include "neurite/data/idx.h"
#include "neurite/data/image.h"
#include "neurite/error.h"
#include "resources.h"

namespace neurite::cli {

namespace {

// Python's repr of a float: the shortest text that reads back as the same double, with ".0" on
// whole numbers, so the weights print as the seed shows them ("[0.1, 0.2]").
std::string python_repr(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

std::string python_list(const std::vector<double>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + python_repr(values[i]);
  return text + "]";
}

std::string fixed_list(const std::vector<double>& values, int decimals) {
  std::string text = "[";
  char buffer[64];
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::snprintf(buffer, sizeof buffer, "%s%.*f", i ? ", " : "", decimals, values[i]);
    text += buffer;
  }
  return text + "]";
}

void check_training(int iterations, double rate) {
  require(iterations >= 0, "--iterations must not be negative, got " + std::to_string(iterations));
  require(std::isfinite(rate), "--rate must be a finite number");
}

void run_perceptron(int iterations, double rate) {
  check_training(iterations, rate);
  const Perceptron p = train_and_perceptron(iterations, rate);
  std::printf("weights: %s\nbias: %s\n\n", python_list(p.weights()).c_str(), python_repr(p.bias()).c_str());
  for (const auto& [a, b] : {std::pair{1, 1}, std::pair{0, 0}, std::pair{1, 0}, std::pair{0, 1}}) {
    const double input[] = {static_cast<double>(a), static_cast<double>(b)};
    std::printf("%d and %d = %d\n", a, b, static_cast<int>(p.predict(input)));
  }
}

void run_linear_unit(int iterations, double rate) {
  check_training(iterations, rate);
  const Perceptron unit = train_salary_linear_unit(iterations, rate);
  std::printf("weights: %s\nbias: %.4f\n\n", fixed_list(unit.weights(), 4).c_str(), unit.bias());
  for (const double years : {3.4, 15.0, 1.5, 6.3}) {
    const double input[] = {years};
    std::printf("Work %g years, monthly salary = %.2f\n", years, unit.predict(input));
  }
}

std::vector<double> rounded(std::vector<double> values, int decimals) {
  const double scale = std::pow(10.0, decimals);
  for (double& v : values) v = std::round(v * scale) / scale;
  return values;
}

void print_rashid_example() {
  const RashidExample e = run_rashid_example();
  std::printf("input          I        = %s\n", fixed_list(e.input, 3).c_str());
  std::printf("hidden inputs  X_hidden = %s\n", fixed_list(e.hidden_input, 3).c_str());
  std::printf("hidden outputs O_hidden = %s\n", fixed_list(e.hidden, 3).c_str());
  std::printf("output inputs  X_output = %s\n", fixed_list(e.output_input, 3).c_str());
  std::printf("outputs        O_output = %s\n", fixed_list(e.output, 3).c_str());
  std::printf("exact outputs           = %s\n", fixed_list(e.output, 4).c_str());
  // The book rounds O_hidden to three decimals before the next step, which moves X_output to
  // (0.975, 0.888, 1.254) and the second output from 0.7086 to 0.708; show that path too so the
  // page's numbers are accounted for.
  Network net = make_rashid_network();
  const std::vector<double> book_hidden = rounded(e.hidden, 3);
  std::printf("with O_hidden rounded to 3 decimals first, as the book does:\n");
  std::printf("  X_output = %s\n", fixed_list(run_layers(net, 2, 3, book_hidden), 3).c_str());
  std::printf("  O_output = %s\n", fixed_list(run_layers(net, 2, 4, book_hidden), 3).c_str());
}

std::string find_idx(const std::string& folder, const std::string& name) {
  namespace fs = std::filesystem;
  for (const std::string& candidate : {name, name + ".gz"})
    if (fs::exists(fs::path(folder) / candidate)) return (fs::path(folder) / candidate).string();
  throw Error((fs::path(folder) / name).string() + ": missing MNIST file (pass --data FOLDER)");
}

struct ExportArgs {
  std::string data;  // empty: looked up (resources.h)
  std::string set = "test";
  std::string out;
  int64_t limit = 0;
};

void run_csv_export(const ExportArgs& a) {
  require(a.limit >= 0, "--limit must not be negative, got " + std::to_string(a.limit));
  const std::string data = mnist_folder(a.data);
  const std::string prefix = a.set == "train" ? "train" : "t10k";
  const IdxArray images = read_idx(find_idx(data, prefix + "-images-idx3-ubyte"), 3);
  const IdxArray labels = read_idx(find_idx(data, prefix + "-labels-idx1-ubyte"), 1);
  require(images.dims[0] == labels.dims[0] && images.dims[1] * images.dims[2] == kMnistPixels,
          data + ": the " + a.set + " images and labels do not match (" + std::to_string(images.dims[0]) +
              " images of " + std::to_string(images.dims[1] * images.dims[2]) + " pixels, " +
              std::to_string(labels.dims[0]) + " labels)");
  const int64_t n = a.limit > 0 ? std::min(a.limit, labels.dims[0]) : labels.dims[0];
  write_mnist_csv(a.out, std::span(labels.data).first(static_cast<std::size_t>(n)),
                  std::span(images.data).first(static_cast<std::size_t>(n * kMnistPixels)));
  std::printf("wrote %lld %s images to %s\n", static_cast<long long>(n), a.set.c_str(), a.out.c_str());
}

// MNIST digits as an image folder, out/<label>/<index>.png: data to try `train --data FOLDER` on.
void run_images_export(const ExportArgs& a) {
  require(a.limit >= 0, "--limit must not be negative, got " + std::to_string(a.limit));
  const std::string data = mnist_folder(a.data);
  const std::string prefix = a.set == "train" ? "train" : "t10k";
  const IdxArray images = read_idx(find_idx(data, prefix + "-images-idx3-ubyte"), 3);
  const IdxArray labels = read_idx(find_idx(data, prefix + "-labels-idx1-ubyte"), 1);
  require(images.dims[0] == labels.dims[0], data + ": the " + a.set + " images and labels do not match");
  const int64_t n = a.limit > 0 ? std::min(a.limit, labels.dims[0]) : labels.dims[0];
  const int64_t side = images.dims[1], pixels = images.dims[1] * images.dims[2];
  for (int64_t i = 0; i < n; ++i) {
    const std::filesystem::path folder = std::filesystem::path(a.out) / std::to_string(labels.data[static_cast<std::size_t>(i)]);
    std::filesystem::create_directories(folder);
    GrayImage picture{side, images.dims[2], {}};
    picture.pixels.assign(images.data.begin() + i * pixels, images.data.begin() + (i + 1) * pixels);
    write_png_gray((folder / (std::to_string(i) + ".png")).string(), picture);
  }
  std::printf("wrote %lld %s images as PNG files to %s/<digit>/\n", static_cast<long long>(n), a.set.c_str(), a.out.c_str());
}

void run_csv_check(const std::string& path) {
  const CsvDigits digits = read_mnist_csv(path);
  std::array<int64_t, 10> counts{};
  for (uint8_t label : digits.labels) ++counts[label];
  std::printf("%s: %lld images of %lld pixels, all well formed\n", path.c_str(),
              static_cast<long long>(digits.size()), static_cast<long long>(kMnistPixels));
  std::printf("label counts:");
  for (std::size_t d = 0; d < counts.size(); ++d) std::printf("  %zu: %lld", d, static_cast<long long>(counts[d]));
  std::printf("\n");
}

void add_training_options(CLI::App* cmd, int& iterations, double& rate) {
  cmd->add_option("--iterations", iterations, "Passes over the training samples")->capture_default_str();
  cmd->add_option("--rate", rate, "Learning rate")->capture_default_str();
}

void add_csv_command(CLI::App& app) {
  CLI::App* csv = app.add_subcommand("csv", "MNIST as CSV text, one \"label,784 pixels\" line per image");
  csv->require_subcommand(1);

  auto args = std::make_shared<ExportArgs>();
  CLI::App* exp = csv->add_subcommand("export", "Write MNIST IDX images and labels as CSV");
  exp->add_option("--data", args->data, kDataHelp);
  exp->add_option("--set", args->set, "test (10,000 images) or train (60,000)")
      ->check(CLI::IsMember({"test", "train"}))->capture_default_str();
  exp->add_option("--out", args->out, "CSV file to write")->required();
  exp->add_option("--limit", args->limit, "Write only the first N images (0: all)")->capture_default_str();
  exp->callback([args] { run_csv_export(*args); });

  auto path = std::make_shared<std::string>();
  CLI::App* check = csv->add_subcommand("check", "Read a CSV file strictly; print its size and label counts");
  check->add_option("file", *path, "CSV file (plain or .gz)")->required();
  check->callback([path] { run_csv_check(*path); });
}

void add_images_command(CLI::App& app) {
  CLI::App* group = app.add_subcommand("images", "MNIST digits as an image folder, data to try train --data FOLDER on");
  group->require_subcommand(1);
  auto args = std::make_shared<ExportArgs>();
  CLI::App* images = group->add_subcommand("export", "Write MNIST digits as PNG files: OUT/<digit>/<index>.png");
  images->add_option("--data", args->data, kDataHelp);
  images->add_option("--set", args->set, "test (10,000 images) or train (60,000)")
      ->check(CLI::IsMember({"test", "train"}))->capture_default_str();
  images->add_option("--out", args->out, "Folder to write into")->required();
  images->add_option("--limit", args->limit, "Write only the first N images (0: all)")->capture_default_str();
  images->callback([args] { run_images_export(*args); });

}

}  // namespace

void add_seed_commands(CLI::App& app) {
  auto and_args = std::make_shared<std::pair<int, double>>(10, 0.1);
  CLI::App* perceptron = app.add_subcommand("perceptron", "Train a perceptron on the AND truth table (seed 002)");
  add_training_options(perceptron, and_args->first, and_args->second);
  perceptron->callback([and_args] { run_perceptron(and_args->first, and_args->second); });

  auto lu_args = std::make_shared<std::pair<int, double>>(10, 0.01);
  CLI::App* linear = app.add_subcommand("linear-unit", "Fit salary to years of work with a linear unit (seed 002)");
  add_training_options(linear, lu_args->first, lu_args->second);
  linear->callback([lu_args] { run_linear_unit(lu_args->first, lu_args->second); });

  app.add_subcommand("rashid-example", "Rashid's 3-3-3 sigmoid network forward pass, by the book (seed 003)")
      ->callback([] { print_rashid_example(); });

  add_csv_command(app);
  add_images_command(app);
}

}  // namespace neurite::cli
