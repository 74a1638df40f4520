// `neurite train / eval / predict` on data of the user's own, end to end on real files: the
// vega-datasets tables (NEURITE_VEGA: seattle-weather.csv, birdstrikes.csv, cars.json),
// Fashion-MNIST's gzip IDX files (NEURITE_FASHION_MNIST; a subset the test writes), MNIST digits
// written as a folder of PNG files (NEURITE_MNIST), and .npy / .npz files written by Debian's numpy.
// Each test skips when the data it needs is not named. Few epochs and small networks keep each
// under a few seconds; the accuracy and R² floors sit well under what these settings reach.
// Training runs take --threads 1: these networks are small, and on a busy machine OpenMP's
// threads made an epoch of 6,000 images take 2 s instead of 0.02 s.
// Bad input fails with one line naming the file, row, column or value, and leaves an existing
// --out file as it was.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "neurite/data/idx.h"
#include "neurite/data/mnist.h"
#include "neurite/data/picture.h"
#include "neurite/io/file.h"
#include "neurite/io/model_file.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::expect_one_line_error;
using testing::run_cli;

// A folder named by an environment variable, or "" when it is unset.
std::string env_dir(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : std::string();
}

// Single-quoted for the shell (the names hold spaces and '$').
std::string q(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> fields_of(const std::string& line) {  // no quoted fields in these files
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
    fields.push_back(line.substr(start, comma - start));
  fields.push_back(line.substr(start));
  return fields;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The figure a floor is checked against, printed for the record.
double measured(const char* what, double value) {
  std::printf("  measured %s: %.4f\n", what, value);
  return value;
}

// Runs `neurite <args>` and expects success.
std::string ok(const std::string& args) {
  const CommandResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << "neurite " << args << "\n" << r.output;
  return r.output;
}

// The accuracy `neurite eval` prints: "m.safetensors: 239 / 292 correct (81.85%) on ...".
struct Accuracy {
  int64_t correct = -1, total = -1;
  double value() const { return total > 0 ? static_cast<double>(correct) / static_cast<double>(total) : -1; }
};
Accuracy eval_accuracy(const std::string& output) {
  std::smatch m;
  Accuracy a;
  if (std::regex_search(output, m, std::regex(R"((\d+) / (\d+) correct)"))) a = {std::stoll(m[1]), std::stoll(m[2])};
  return a;
}

// "N training samples, evaluating on M test samples" as `neurite train` prints it.
std::pair<int64_t, int64_t> train_sizes(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex(R"((\d+) training samples(, evaluating on (\d+) )?)"))) return {-1, -1};
  return {std::stoll(m[1]), m[3].matched ? std::stoll(m[3]) : 0};
}

// The confusion matrix and per-class table `neurite eval` prints, checked against the class names:
// a header of the names, one row per class starting with its name, counts that add up to `total`,
// then "class precision recall f1 support" with one line per class and the macro F1.
void expect_classification_report(const std::string& output, const std::vector<std::string>& classes, int64_t total) {
  const std::vector<std::string> lines = lines_of(output);
  const auto at = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return contains(l, "confusion matrix"); });
  ASSERT_NE(at, lines.end()) << output;
  ASSERT_GT(lines.end() - at, static_cast<std::ptrdiff_t>(classes.size() + 1)) << output;
  std::istringstream header(*(at + 1));
  for (const std::string& name : classes) {
    std::string word;
    header >> word;
    EXPECT_EQ(word, name) << output;
  }
  int64_t sum = 0;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    std::istringstream row(*(at + 2 + static_cast<std::ptrdiff_t>(k)));
    std::string name;
    row >> name;
    EXPECT_EQ(name, classes[k]) << output;
    int64_t count = 0, columns = 0;
    while (row >> count) sum += count, ++columns;
    EXPECT_EQ(columns, static_cast<int64_t>(classes.size())) << output;
  }
  EXPECT_EQ(sum, total) << output;
  const auto table = std::find_if(at, lines.end(), [](const std::string& l) {
    return std::regex_search(l, std::regex(R"(^class\s+precision\s+recall\s+f1\s+support$)"));
  });
  ASSERT_NE(table, lines.end()) << output;
  ASSERT_GT(lines.end() - table, static_cast<std::ptrdiff_t>(classes.size() + 1)) << output;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    std::istringstream row(*(table + 1 + static_cast<std::ptrdiff_t>(k)));
    std::string name;
    double precision = -1, recall = -1, f1 = -1;
    int64_t support = -1;
    row >> name >> precision >> recall >> f1 >> support;
    EXPECT_EQ(name, classes[k]) << output;
    for (const double v : {precision, recall, f1}) {
      EXPECT_GE(v, 0.0) << output;
      EXPECT_LE(v, 1.0) << output;
    }
    EXPECT_GE(support, 0) << output;
  }
  EXPECT_TRUE(contains(*(table + 1 + static_cast<std::ptrdiff_t>(classes.size())), "macro f1")) << output;
}

// Predictions CSV of a classifier: header sample,predicted,p(c)...; every row's probabilities sum
// to 1 and the predicted class is the most probable one. Returns the rows.
std::vector<std::vector<std::string>> expect_class_predictions(const std::string& csv, const std::vector<std::string>& classes) {
  const std::vector<std::string> lines = lines_of(csv);
  EXPECT_FALSE(lines.empty());
  if (lines.empty()) return {};
  std::string header = "sample,predicted";
  for (const std::string& c : classes) header += ",p(" + c + ")";
  EXPECT_EQ(lines[0], header);
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> f = fields_of(lines[i]);
    EXPECT_EQ(f.size(), classes.size() + 2) << lines[i];
    if (f.size() != classes.size() + 2) continue;
    double sum = 0, best = -1;
    std::string most;
    for (std::size_t k = 0; k < classes.size(); ++k) {
      const double p = std::stod(f[2 + k]);
      EXPECT_GE(p, 0.0) << lines[i];
      sum += p;
      if (p > best) best = p, most = classes[k];
    }
    EXPECT_NEAR(sum, 1.0, 1e-4) << lines[i];
    EXPECT_EQ(f[1], most) << lines[i];
    rows.push_back(f);
  }
  return rows;
}

class CliOwnData : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::temp_dir(); }
  // A vega-datasets file, or "" (the test then skips).
  static std::string vega(const std::string& name) {
    const std::string folder = env_dir("NEURITE_VEGA");
    return folder.empty() ? folder : folder + "/" + name;
  }
  std::string dir_;
};

#define NEED_VEGA() \
  if (env_dir("NEURITE_VEGA").empty()) GTEST_SKIP() << "NEURITE_VEGA is not set (scripts/test.sh sets it)"

bool have_numpy() {
  static const bool yes = testing::run_shell("/usr/bin/python3 -c 'import numpy'").exit_code == 0;
  return yes;
}

void run_python(const std::string& dir, const std::string& script) {
  std::ofstream(dir + "/make.py") << "import numpy as np\n" << script;
  const CommandResult r = testing::run_shell("cd " + q(dir) + " && /usr/bin/python3 make.py");
  ASSERT_EQ(r.exit_code, 0) << script << "\n" << r.output;
}

const std::vector<std::string> kWeather = {"drizzle", "fog", "rain", "snow", "sun"};
// A small network that reaches ~82% on seattle-weather's test split (seed 1: 81.85%).
const std::string kWeatherRun =
    " --ignore date --epochs 20 --optimizer adam --rate 0.01 --batch 16 --layers in,32,out --activation relu --init he --seed 1";

// ---- the real files ----------------------------------------------------------------------------

TEST_F(CliOwnData, SeattleWeatherTrainsEvaluatesAndPredicts) {
  NEED_VEGA();
  const std::string model = dir_ + "/weather.safetensors";
  const std::string out = ok("train --threads 1 --data " + q(vega("seattle-weather.csv")) + kWeatherRun + " --out " + model);
  EXPECT_TRUE(contains(out, "task: classification (5 classes")) << out;
  EXPECT_TRUE(contains(out, "network (4) -> dense(32) -> relu -> dense(5) -> softmax")) << out;
  const auto [training, test] = train_sizes(out);
  EXPECT_EQ(training + test, 1461) << out;
  EXPECT_EQ(test, 292) << out;  // 20%, class by class

  const std::string eval = ok("eval " + model);
  const Accuracy a = eval_accuracy(eval);
  EXPECT_EQ(a.total, 292) << eval;
  EXPECT_GE(measured("seattle-weather accuracy", a.value()), 0.75) << eval;  // measured 81.85% (seeds 1-6: 81.8-83.9%)
  EXPECT_TRUE(contains(eval, "on the test set of")) << eval;
  expect_classification_report(eval, kWeather, 292);

  // The whole file, with and without the target column; printed and written.
  const std::string csv = ok("predict " + model + " --input " + q(vega("seattle-weather.csv")));
  const auto rows = expect_class_predictions(csv, kWeather);
  ASSERT_EQ(rows.size(), 1461u);
  EXPECT_EQ(rows.front()[0], "row 1");
  EXPECT_EQ(rows.back()[0], "row 1461");
  std::string features = "precipitation,temp_max,wind,temp_min\n";  // other order, no date, no weather
  for (const std::string& line : lines_of(read_text(vega("seattle-weather.csv")))) {
    const std::vector<std::string> f = fields_of(line);
    if (f[0] != "date") features += f[1] + "," + f[2] + "," + f[4] + "," + f[3] + "\n";
  }
  write_text(dir_ + "/features.csv", features);
  const std::string written = ok("predict " + model + " --input " + dir_ + "/features.csv --out " + dir_ + "/p.csv");
  EXPECT_TRUE(contains(written, "1461 predictions written to " + dir_ + "/p.csv")) << written;
  EXPECT_EQ(read_text(dir_ + "/p.csv"), csv);  // the same predictions
}

// Two classes: one sigmoid output, reported and predicted as two classes.
TEST_F(CliOwnData, SeattleRainOrSunIsBinary) {
  NEED_VEGA();
  std::string two;
  for (const std::string& line : lines_of(read_text(vega("seattle-weather.csv"))))
    if (line.starts_with("date,") || line.ends_with(",rain") || line.ends_with(",sun")) two += line + "\n";
  write_text(dir_ + "/rain-or-sun.csv", two);
  const std::string model = dir_ + "/binary.safetensors";
  const std::string out = ok("train --threads 1 --data " + dir_ + "/rain-or-sun.csv --ignore date --epochs 10 --optimizer adam"
                             " --rate 0.01 --batch 32 --layers in,16,out --activation relu --init he --seed 1 --out " + model);
  EXPECT_TRUE(contains(out, "task: binary (2 classes")) << out;
  EXPECT_TRUE(contains(out, "-> dense(1) -> sigmoid")) << out;
  const auto [training, test] = train_sizes(out);
  EXPECT_EQ(training + test, 1281) << out;
  const std::string eval = ok("eval " + model);
  EXPECT_GE(measured("rain-or-sun accuracy", eval_accuracy(eval).value()), 0.8) << eval;  // measured 89.1%
  expect_classification_report(eval, {"rain", "sun"}, test);
  const auto rows = expect_class_predictions(ok("predict " + model + " --input " + dir_ + "/rain-or-sun.csv"), {"rain", "sun"});
  EXPECT_EQ(rows.size(), 1281u);
}

TEST_F(CliOwnData, BirdstrikesCategoriesMissingValuesAndAMessyHeader) {
  NEED_VEGA();
  const std::string data = q(vega("birdstrikes.csv"));
  const std::string model = dir_ + "/size.safetensors";
  const std::string out =
      ok("train --threads 1 --data " + data + " --target 'Wildlife Size' --ignore 'Flight Date' --missing mean --epochs 2"
         " --optimizer adam --rate 0.003 --batch 32 --layers in,32,out --activation relu --init he --out " + model);
  EXPECT_TRUE(contains(out, "task: classification (3 classes")) << out;
  const auto [training, test] = train_sizes(out);
  EXPECT_EQ(training + test, 10000) << out;
  const Model m = load_model(model);
  EXPECT_EQ(m.info.class_names, (std::vector<std::string>{"Large", "Medium", "Small"}));
  const std::vector<FeatureColumn>& columns = m.info.preparation.columns;
  ASSERT_EQ(columns.size(), 12u);  // 14 columns less the target and the date
  EXPECT_EQ(std::count_if(columns.begin(), columns.end(), [](const FeatureColumn& c) { return c.type == ColumnType::Categorical; }),
            8);
  EXPECT_EQ(m.info.preparation.missing, MissingRule::Mean);
  const std::string eval = ok("eval " + model);
  EXPECT_GE(measured("birdstrikes accuracy", eval_accuracy(eval).value()), 0.95) << eval;  // measured 99.95% (seeds 1-3: 99.85-99.95%)
  expect_classification_report(eval, {"Large", "Medium", "Small"}, test);

  // "Cost Total $" as a regression target.
  const std::string cost = dir_ + "/cost.safetensors";
  const std::string r = ok("train --threads 1 --data " + data + " --target 'Cost Total $' --ignore 'Flight Date,Cost Other,Cost Repair'"
                           " --missing mean --epochs 1 --layers in,16,out --out " + cost);
  EXPECT_TRUE(contains(r, "task: regression")) << r;
  const std::string e = ok("eval " + cost);
  EXPECT_TRUE(std::regex_search(e, std::regex(R"(\nCost Total \$\s+[0-9.]+\s+[0-9.]+\s+-?[0-9.]+\n)"))) << e;
  const std::string p = ok("predict " + cost + " --input " + data);
  EXPECT_EQ(lines_of(p).front(), "sample,Cost Total $");
  EXPECT_EQ(lines_of(p).size(), 10001u);
}

TEST_F(CliOwnData, CarsJsonRegression) {
  NEED_VEGA();
  const std::string data = q(vega("cars.json"));
  const std::string model = dir_ + "/mpg.safetensors";
  const std::string out =
      ok("train --threads 1 --data " + data + " --target Miles_per_Gallon --ignore Name,Year --missing drop --epochs 40"
         " --optimizer adam --rate 0.003 --batch 16 --layers in,16,out --activation relu --init he --seed 1 --out " + model);
  EXPECT_TRUE(contains(out, "task: regression")) << out;
  EXPECT_TRUE(contains(out, "14 rows with missing values dropped")) << out;
  EXPECT_TRUE(contains(out, "-> identity")) << out;
  const auto [training, test] = train_sizes(out);
  EXPECT_EQ(training + test, 406 - 14) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(Epoch 39: cost [0-9.]+)"))) << out;

  const std::string eval = ok("eval " + model);
  EXPECT_TRUE(contains(eval, std::to_string(test) + " samples of the test set")) << eval;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(eval, m, std::regex(R"(target\s+RMSE\s+MAE\s+R2\nMiles_per_Gallon\s+([0-9.]+)\s+([0-9.]+)\s+(-?[0-9.]+))")))
      << eval;
  const double rmse = std::stod(m[1]), mae = std::stod(m[2]), r2 = std::stod(m[3]);
  EXPECT_GE(measured("cars R2", r2), 0.6) << eval;  // measured 0.741 (seeds 1-4: 0.70-0.75)
  EXPECT_LT(rmse, 6.0) << eval;  // miles per gallon, in its own units (sd about 7.8)
  EXPECT_LE(mae, rmse) << eval;
  EXPECT_GT(mae, 0.5) << eval;

  // One value per record, rows with missing values included (filled as in training).
  const std::vector<std::string> lines = lines_of(ok("predict " + model + " --input " + data));
  ASSERT_EQ(lines.size(), 407u);
  EXPECT_EQ(lines[0], "sample,Miles_per_Gallon");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> f = fields_of(lines[i]);
    ASSERT_EQ(f.size(), 2u) << lines[i];
    EXPECT_EQ(f[0], "row " + std::to_string(i));
    const double mpg = std::stod(f[1]);
    EXPECT_TRUE(mpg > 0 && mpg < 70) << lines[i];
  }
}

// The first `n` items of a real IDX file written as a gzip IDX file.
void write_gzip_idx_subset(const std::string& from, const std::string& to, int64_t n) {
  const NdArray a = read_idx_array(from);
  ASSERT_FALSE(a.bytes.empty()) << from;
  IdxArray subset{.dims = a.shape, .data = {}};
  subset.dims[0] = n;
  const int64_t item = a.size() / a.shape[0];
  subset.data.assign(a.bytes.begin(), a.bytes.begin() + n * item);
  const std::string plain = to + ".plain";
  write_idx(plain, subset);
  const std::vector<uint8_t> bytes = read_file_bytes(plain);
  gzFile gz = gzopen(to.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(gz);
  fs::remove(plain);
}

TEST_F(CliOwnData, FashionMnistGzipIdxFiles) {
  const std::string fashion = env_dir("NEURITE_FASHION_MNIST");
  if (fashion.empty()) GTEST_SKIP() << "NEURITE_FASHION_MNIST is not set";
  const std::string d = dir_ + "/fashion/";
  fs::create_directories(d);
  write_gzip_idx_subset(fashion + "/train-images-idx3-ubyte.gz", d + "train-images-idx3-ubyte.gz", 6000);
  write_gzip_idx_subset(fashion + "/train-labels-idx1-ubyte.gz", d + "train-labels-idx1-ubyte.gz", 6000);
  write_gzip_idx_subset(fashion + "/t10k-images-idx3-ubyte.gz", d + "t10k-images-idx3-ubyte.gz", 1000);
  write_gzip_idx_subset(fashion + "/t10k-labels-idx1-ubyte.gz", d + "t10k-labels-idx1-ubyte.gz", 1000);
  const std::string model = dir_ + "/fashion.safetensors";
  const std::string out = ok("train --threads 1 --data " + d + "train-images-idx3-ubyte.gz --labels " + d + "train-labels-idx1-ubyte.gz"
                             " --test " + d + "t10k-images-idx3-ubyte.gz --test-labels " + d + "t10k-labels-idx1-ubyte.gz"
                             " --epochs 2 --optimizer adam --rate 0.002 --batch 32 --layers in,64,out --activation relu"
                             " --init he --seed 1 --out " + model);
  EXPECT_TRUE(contains(out, "task: classification (10 classes")) << out;
  EXPECT_TRUE(contains(out, "network (28, 28) -> ") || contains(out, "network (784) -> ")) << out;
  EXPECT_EQ(train_sizes(out), std::make_pair(int64_t{6000}, int64_t{1000})) << out;
  const std::string eval = ok("eval " + model);
  const Accuracy a = eval_accuracy(eval);
  EXPECT_EQ(a.total, 1000) << eval;
  EXPECT_GE(measured("Fashion-MNIST subset accuracy", a.value()), 0.72) << eval;  // measured 80.3%
  expect_classification_report(eval, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, 1000);
  // eval --data on the test files, as any labelled IDX pair.
  const std::string again = ok("eval " + model + " --data " + d + "t10k-images-idx3-ubyte.gz --labels " + d +
                               "t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(eval_accuracy(again).correct, a.correct) << again;
}

TEST_F(CliOwnData, MnistDigitsAsAFolderOfPngFiles) {
  const std::string mnist = env_dir("NEURITE_MNIST");
  if (mnist.empty()) GTEST_SKIP() << "NEURITE_MNIST is not set";
  const Dataset digits = load_mnist_test(mnist, {.keep_pixels = true});
  const std::string root = dir_ + "/digits";
  constexpr int64_t kCount = 500, kSide = kMnistSide * kMnistSide;
  const auto picture = [&](int64_t i) {
    const auto first = digits.pixels.begin() + i * kSide;
    return Picture{kMnistSide, kMnistSide, 1, {first, first + kSide}};
  };
  for (int64_t i = 0; i < kCount; ++i) {
    const std::string name = std::to_string(1000 + i).substr(1);
    fs::create_directories(root + "/" + std::to_string(digits.labels[static_cast<std::size_t>(i)]));
    write_png(root + "/" + std::to_string(digits.labels[static_cast<std::size_t>(i)]) + "/" + name + ".png", picture(i));
  }
  const std::string model = dir_ + "/digits.safetensors";
  const std::string out = ok("train --threads 1 --data " + root + " --epochs 15 --optimizer adam --rate 0.002 --batch 16"
                             " --layers in,64,out --activation relu --init he --seed 1 --out " + model);
  EXPECT_TRUE(contains(out, "task: classification (10 classes")) << out;
  const auto [training, test] = train_sizes(out);
  EXPECT_EQ(training + test, kCount) << out;
  const std::string eval = ok("eval " + model);
  const std::vector<std::string> names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  EXPECT_GE(measured("MNIST PNG folder accuracy", eval_accuracy(eval).value()), 0.7) << eval;  // measured 86%
  expect_classification_report(eval, names, test);
  const Model m = load_model(model);
  EXPECT_EQ(m.info.preparation.kind, "image");
  EXPECT_EQ(m.info.preparation.sample_shape, (Shape{1, 28, 28}));
  EXPECT_EQ(m.info.preparation.shift.size(), 1u);  // one grey channel

  // A picture of another size (test digit 600, not trained on), upscaled to 56x56.
  const std::string big = dir_ + "/big.png";
  write_png(big, resize_picture(picture(600), 56, 56));
  const auto rows = expect_class_predictions(ok("predict " + model + " --image " + big), names);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], big);
  EXPECT_NE(std::find(names.begin(), names.end(), rows[0][1]), names.end());
}

TEST_F(CliOwnData, NpyAndNpzArrays) {
  NEED_VEGA();
  if (!have_numpy()) GTEST_SKIP() << "Debian's numpy is not installed (/usr/bin/python3 cannot import numpy)";
  run_python(dir_, R"py(
import csv
rows = list(csv.DictReader(open(')py" + vega("seattle-weather.csv") + R"py(')))
x = np.array([[float(r[k]) for k in ('precipitation', 'temp_max', 'temp_min', 'wind')] for r in rows], dtype=np.float32)
y = np.array([r['weather'] for r in rows])
np.save('x.npy', x)
np.save('y.npy', y)
np.savez('weather.npz', x_train=x[:1100], y_train=y[:1100], x_test=x[1100:], y_test=y[1100:])
)py");
  const std::string model = dir_ + "/npy.safetensors";
  const std::string out = ok("train --threads 1 --data " + dir_ + "/x.npy --labels " + dir_ + "/y.npy --epochs 10 --optimizer adam"
                             " --rate 0.01 --batch 16 --layers in,32,out --activation relu --init he --out " + model);
  EXPECT_TRUE(contains(out, "task: classification (5 classes")) << out;
  const std::string eval = ok("eval " + model);
  EXPECT_GE(measured(".npy accuracy", eval_accuracy(eval).value()), 0.7) << eval;  // the table's data: as the CSV run
  expect_classification_report(eval, kWeather, train_sizes(out).second);
  const auto rows = expect_class_predictions(ok("predict " + model + " --input " + dir_ + "/x.npy"), kWeather);
  ASSERT_EQ(rows.size(), 1461u);
  EXPECT_EQ(rows[0][0], "sample 0");

  const std::string npz = dir_ + "/npz.safetensors";
  const std::string z = ok("train --threads 1 --data " + dir_ + "/weather.npz --epochs 10 --optimizer adam --rate 0.01 --batch 16"
                           " --layers in,32,out --activation relu --init he --out " + npz);
  EXPECT_EQ(train_sizes(z), std::make_pair(int64_t{1100}, int64_t{361})) << z;  // the archive's own test set
  const std::string e = ok("eval " + npz);
  EXPECT_EQ(eval_accuracy(e).total, 361) << e;
  EXPECT_GE(measured(".npz accuracy", eval_accuracy(e).value()), 0.6) << e;  // a later, other year: measured ~80%
}

TEST_F(CliOwnData, SpecWithoutInputTakesTheDataShape) {
  NEED_VEGA();
  write_text(dir_ + "/spec.json", R"({"layers": [{"type": "dense", "out": 16}, {"type": "relu"},
                                                 {"type": "dense", "out": 5}, {"type": "softmax"}]})");
  const std::string model = dir_ + "/spec.safetensors";
  const std::string out = ok("train --threads 1 --model " + dir_ + "/spec.json --data " + q(vega("seattle-weather.csv")) +
                             " --ignore date --epochs 3 --optimizer adam --rate 0.01 --out " + model);
  EXPECT_TRUE(contains(out, "network (4) -> dense(16) -> relu -> dense(5) -> softmax")) << out;
  const Model m = load_model(model);
  EXPECT_EQ(m.network.input_shape(), (Shape{4}));
  EXPECT_EQ(m.info.class_names, kWeather);
  expect_classification_report(ok("eval " + model), kWeather, 292);
  // A spec whose outputs do not match the data's classes: the error names the spec file.
  write_text(dir_ + "/seven.json", R"({"layers": [{"type": "dense", "out": 7}, {"type": "softmax"}]})");
  const CommandResult wrong = run_cli("train --threads 1 --model " + dir_ + "/seven.json --data " + q(vega("seattle-weather.csv")) +
                                      " --ignore date --epochs 1");
  EXPECT_NE(wrong.exit_code, 0) << wrong.output;
  EXPECT_TRUE(contains(wrong.output, "seven.json: the network gives (7), but the data needs 5 outputs")) << wrong.output;
}

// ---- runs: checkpoints, resuming, early stopping, logs, splits -----------------------------------

TEST_F(CliOwnData, ClassificationCheckpointsResumeEarlyStoppingAndPlot) {
  NEED_VEGA();
  const std::string data = q(vega("seattle-weather.csv"));
  const std::string ck = dir_ + "/ck", log = dir_ + "/run.jsonl";
  const std::string first = ok("train --threads 1 --data " + data + " --ignore date --epochs 3 --optimizer adam --rate 0.01"
                               " --checkpoint-dir " + ck + " --log " + log);
  EXPECT_TRUE(fs::exists(ck + "/checkpoint.safetensors"));
  EXPECT_TRUE(fs::exists(ck + "/best.safetensors"));
  // The best model so far evaluates on its own recorded data.
  expect_classification_report(ok("eval " + ck + "/best.safetensors"), kWeather, 292);
  const std::string resumed = ok("train --threads 1 --resume " + ck + "/checkpoint.safetensors --data " + data + " --epochs 5 --out " +
                                 dir_ + "/resumed.safetensors");
  EXPECT_TRUE(contains(resumed, "after epoch 2")) << resumed;
  EXPECT_FALSE(contains(resumed, "Epoch 2:")) << resumed;
  EXPECT_TRUE(contains(resumed, "Epoch 3:")) << resumed;
  EXPECT_TRUE(contains(resumed, "Epoch 4:")) << resumed;
  EXPECT_FALSE(contains(resumed, "Epoch 5:")) << resumed;
  EXPECT_EQ(eval_accuracy(ok("eval " + dir_ + "/resumed.safetensors")).total, 292);

  // The log: its sets, and the charts `neurite plot` draws from it.
  const std::vector<std::string> records = lines_of(read_text(log));
  ASSERT_FALSE(records.empty());
  const nlohmann::json start = nlohmann::json::parse(records.front());
  EXPECT_EQ(start["sets"]["train"].get<int64_t>() + start["sets"]["test"].get<int64_t>(), 1461);
  const std::string plot = ok("plot " + log + " --out " + dir_ + "/plots");
  EXPECT_TRUE(fs::exists(dir_ + "/plots/cost.png")) << plot;
  EXPECT_TRUE(fs::exists(dir_ + "/plots/accuracy.png")) << plot;
  EXPECT_TRUE(fs::exists(dir_ + "/plots/confusion.png")) << plot;

  // Early stopping: far fewer than 300 epochs.
  const std::string early = ok("train --threads 1 --data " + data + " --ignore date --epochs 300 --patience 2 --optimizer adam"
                               " --rate 0.01 --layers in,16,out");
  EXPECT_TRUE(contains(early, "stopped early")) << early;
  EXPECT_FALSE(contains(early, "Epoch 299:")) << early;
}

TEST_F(CliOwnData, RegressionCheckpointsResumeEarlyStoppingAndPlot) {
  NEED_VEGA();
  const std::string data = q(vega("cars.json"));
  const std::string flags = " --target Miles_per_Gallon --ignore Name,Year --missing drop --layers in,16,out";
  const std::string ck = dir_ + "/ck", log = dir_ + "/run.jsonl";
  ok("train --threads 1 --data " + data + flags + " --epochs 3 --checkpoint-dir " + ck + " --log " + log);
  ASSERT_TRUE(fs::exists(ck + "/checkpoint.safetensors"));
  EXPECT_TRUE(contains(ok("eval " + ck + "/best.safetensors"), "Miles_per_Gallon"));
  const std::string resumed = ok("train --threads 1 --resume " + ck + "/checkpoint.safetensors --data " + data + " --epochs 5 --out " +
                                 dir_ + "/resumed.safetensors");
  EXPECT_TRUE(contains(resumed, "after epoch 2")) << resumed;
  EXPECT_TRUE(std::regex_search(resumed, std::regex(R"(Epoch 4: cost [0-9.]+)"))) << resumed;
  EXPECT_FALSE(contains(resumed, "Epoch 1:")) << resumed;
  const std::string eval = ok("eval " + dir_ + "/resumed.safetensors");
  EXPECT_TRUE(std::regex_search(eval, std::regex(R"(Miles_per_Gallon\s+[0-9.]+\s+[0-9.]+\s+-?[0-9.]+)"))) << eval;
  const std::string plot = ok("plot " + log + " --out " + dir_ + "/plots");
  EXPECT_TRUE(fs::exists(dir_ + "/plots/cost.png")) << plot;

  // Early stopping on the watched cost: the log's end says so.
  const std::string stop_log = dir_ + "/stop.jsonl";
  const std::string early = ok("train --threads 1 --data " + data + flags + " --epochs 400 --patience 2 --log " + stop_log);
  EXPECT_FALSE(contains(early, "Epoch 399:")) << early;
  const nlohmann::json end = nlohmann::json::parse(lines_of(read_text(stop_log)).back());
  EXPECT_EQ(end["type"], "end");
  EXPECT_EQ(end["stopped"], "early-stopping");
  EXPECT_LT(end["epochs_run"].get<int>(), 400);
}

TEST_F(CliOwnData, SplitSizesAddUpAndATestFileIsUsed) {
  NEED_VEGA();
  const std::string data = q(vega("seattle-weather.csv"));
  const std::string log = dir_ + "/run.jsonl";
  const std::string out = ok("train --threads 1 --data " + data + " --ignore date --epochs 1 --validation-split 0.2 --test-split 0.2"
                             " --log " + log + " --out " + dir_ + "/m.safetensors");
  const nlohmann::json sets = nlohmann::json::parse(lines_of(read_text(log)).front())["sets"];
  const int64_t train = sets["train"], validation = sets["validation"], test = sets["test"];
  EXPECT_EQ(train + validation + test, 1461);
  EXPECT_NEAR(static_cast<double>(test), 0.2 * 1461, 5.0);  // within a sample per class
  EXPECT_NEAR(static_cast<double>(validation), 0.2 * (1461 - test), 5.0);
  EXPECT_EQ(train_sizes(out), std::make_pair(train, test)) << out;
  EXPECT_EQ(eval_accuracy(ok("eval " + dir_ + "/m.safetensors --set validation")).total, validation);
  EXPECT_EQ(eval_accuracy(ok("eval " + dir_ + "/m.safetensors --set training")).total, train);

  // --test FILE: that file is the test set, and nothing is split off for one.
  const std::vector<std::string> lines = lines_of(read_text(vega("seattle-weather.csv")));
  std::string head;
  for (std::size_t i = 0; i <= 100; ++i) head += lines[i] + "\n";
  write_text(dir_ + "/first100.csv", head);
  const std::string own = ok("train --threads 1 --data " + data + " --test " + dir_ + "/first100.csv --ignore date --epochs 1 --out " +
                             dir_ + "/own.safetensors");
  EXPECT_EQ(train_sizes(own), std::make_pair(int64_t{1461}, int64_t{100})) << own;
  const std::string eval = ok("eval " + dir_ + "/own.safetensors");
  EXPECT_EQ(eval_accuracy(eval).total, 100) << eval;
}

// ---- bad input -----------------------------------------------------------------------------------

// Runs `neurite train <args> --out M` where M already holds a model: one error line naming
// `must_name`, and M byte for byte as it was.
class CliOwnDataErrors : public CliOwnData {
 protected:
  void SetUp() override {
    CliOwnData::SetUp();
    model_ = dir_ + "/existing.safetensors";
    Network net = make_mlp({4, 3, 5}, ActivationKind::Sigmoid);
    save_model(model_, net, ModelInfo{});
    before_ = read_text(model_);
  }
  void expect_refused(const std::string& args, const std::string& must_name) {
    SCOPED_TRACE("neurite train " + args);
    expect_one_line_error(run_cli("train --threads 1 " + args + " --epochs 1 --out " + model_), must_name);
    EXPECT_EQ(read_text(model_), before_) << "the existing --out file was changed";
  }
  std::string file(const std::string& name, const std::string& text) {
    write_text(dir_ + "/" + name, text);
    return dir_ + "/" + name;
  }
  std::string model_, before_;
};

TEST_F(CliOwnDataErrors, Tables) {
  // Each table has an id column to ignore, so the run reaches what is wrong with it.
  expect_refused("--data " + file("ragged.csv", "id,a,b,y\n1,1,2,x\n2,3,4\n3,5,6,y\n") + " --ignore id",
                 "ragged.csv, line 3 (row 2): 3 fields, the first line has 4");
  std::string late = "id,a,b,y\n";
  for (int i = 0; i < 1200; ++i) late += std::to_string(i) + "," + std::to_string(i % 7) + ",1," + (i % 2 ? "p" : "q") + "\n";
  late += "1200,seven,1,p\n";
  expect_refused("--data " + file("late.csv", late) + " --ignore id",
                 "late.csv, line 1202 (row 1201), column 'a': 'seven' is not a number");
  const std::string good = file("good.csv", "id,a,b,y\n1,1,2,x\n2,3,4,y\n3,5,6,x\n4,7,8,y\n5,9,1,x\n6,2,2,y\n");
  expect_refused("--data " + good + " --ignore id --target nope", "no column 'nope' (columns: id, a, b, y)");
  expect_refused("--data " + good + " --ignore idd", "no column 'idd'");
  expect_refused("--data " + good + " --ignore id --test " + file("test.csv", "id,a,b,y\n1,1,2,x\n2,3,4,z\n"),
                 "test.csv, row 2: class 'z' is not among the training data's classes (x, y)");
  expect_refused("--data " + file("empty.csv", "") + " --ignore id", "empty.csv: empty file");
  expect_refused("--data " + file("header.csv", "id,a,b,y\n") + " --ignore id", "header.csv: no data rows");
  expect_refused("--data " + file("missing.csv", "id,a,b,y\n1,1,2,x\n2,3,,y\n3,5,6,x\n4,7,8,y\n") + " --ignore id",
                 "missing.csv, row 2, column 'b': missing value");
  expect_refused("--data " + file("notarget.csv", "id,a,b,y\n1,1,2,x\n2,3,4,\n3,5,6,x\n4,7,8,y\n") + " --ignore id",
                 "notarget.csv, row 2: the target is missing");
  expect_refused("--data " + file("nan.csv", "id,a,b,y\n1,1,nan,1.5\n2,3,4,2.5\n3,5,6,0.5\n") + " --ignore id",
                 "nan.csv, line 2 (row 1), column 'b': 'nan' is not a finite number");
  expect_refused("--data " + file("inf.csv", "id,a,b,y\n1,1,2,1.5\n2,-Infinity,4,2.5\n3,5,6,0.5\n") + " --ignore id",
                 "inf.csv, line 3 (row 2), column 'a': '-Infinity' is not a finite number");
  expect_refused("--data " + file("flat.csv", "id,a,b,y\n1,1,2,1.5\n2,3,4,1.5\n3,5,6,1.5\n4,7,8,1.5\n5,1,1,1.5\n") +
                     " --ignore id --task regression",
                 "every training value is 1.5");
}

// A regression target that never changes is named by its file and column.
TEST_F(CliOwnDataErrors, ConstantRegressionTargetNamesFileAndColumn) {
  expect_refused("--data " + file("flat.csv", "id,a,b,price\n1,1,2,1.5\n2,3,4,1.5\n3,5,6,1.5\n4,7,8,1.5\n5,1,1,1.5\n") +
                     " --ignore id --task regression",
                 "flat.csv");
  expect_refused("--data " + dir_ + "/flat.csv --ignore id --task regression", "'price'");
}

TEST_F(CliOwnDataErrors, ImageFolders) {
  fs::create_directories(dir_ + "/none");
  expect_refused("--data " + dir_ + "/none", "none: no class sub-folders");
  const Picture grey{4, 4, 1, std::vector<uint8_t>(16, 90)};
  fs::create_directories(dir_ + "/onlyone/cat");
  fs::create_directories(dir_ + "/onlyone/dog");
  write_png(dir_ + "/onlyone/cat/1.png", grey);
  write_text(dir_ + "/onlyone/dog/notes.txt", "no pictures");
  expect_refused("--data " + dir_ + "/onlyone", "onlyone/dog: no .png or .jpg images");

  fs::create_directories(dir_ + "/corrupt/cat");
  fs::create_directories(dir_ + "/corrupt/dog");
  write_png(dir_ + "/corrupt/cat/1.png", grey);
  write_png(dir_ + "/corrupt/dog/1.png", grey);
  std::vector<uint8_t> png = encode_png(grey);
  for (std::size_t i = 40; i < png.size() - 12; ++i) png[i] ^= 0x5A;  // the pixel data scrambled
  write_bytes(dir_ + "/corrupt/dog/2.png", png);
  expect_refused("--data " + dir_ + "/corrupt", "corrupt/dog/2.png");

  fs::create_directories(dir_ + "/cut/cat");
  fs::create_directories(dir_ + "/cut/dog");
  write_png(dir_ + "/cut/cat/1.png", grey);
  Picture photo{32, 32, 3, std::vector<uint8_t>(32 * 32 * 3)};
  for (std::size_t i = 0; i < photo.pixels.size(); ++i) photo.pixels[i] = static_cast<uint8_t>(i * 7);
  const std::vector<uint8_t> jpeg = encode_jpeg(photo, 90);
  write_bytes(dir_ + "/cut/dog/1.jpg", std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2)));
  expect_refused("--data " + dir_ + "/cut", "cut/dog/1.jpg");
}

TEST_F(CliOwnDataErrors, NpyFiles) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's numpy is not installed (/usr/bin/python3 cannot import numpy)";
  run_python(dir_, R"py(
np.save('y.npy', np.array([0, 1, 0, 1, 0, 1]))
np.save('complex.npy', np.zeros((6, 2), dtype=np.complex64))
x = np.arange(12, dtype=np.float32).reshape(6, 2)
np.save('x.npy', x)
open('truncated.npy', 'wb').write(open('x.npy', 'rb').read()[:-5])
n = x.copy(); n[2, 1] = np.nan; np.save('nan.npy', n)
i = x.copy(); i[3, 0] = -np.inf; np.save('inf.npy', i)
np.save('ynan.npy', np.array([0.5, 1.5, np.nan, 2.5, 0.5, 1.0]))
)py");
  const std::string y = " --labels " + dir_ + "/y.npy";
  expect_refused("--data " + dir_ + "/complex.npy" + y, "complex.npy: element type '<c8' (complex) is not supported");
  expect_refused("--data " + dir_ + "/truncated.npy" + y, "truncated.npy: body has 43 bytes, the header's shape (6, 2) of '<f4' needs 48");
  expect_refused("--data " + dir_ + "/nan.npy" + y, "nan.npy: value 5 is nan");
  expect_refused("--data " + dir_ + "/inf.npy" + y, "inf.npy: value 6 is -inf");
  expect_refused("--data " + dir_ + "/x.npy --labels " + dir_ + "/ynan.npy", "label 2 is nan");
  expect_refused("--data " + dir_ + "/x.npy", "--labels");
}

// A label that is not a number is named with the labels file it is in.
TEST_F(CliOwnDataErrors, NanLabelNamesTheLabelsFile) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's numpy is not installed (/usr/bin/python3 cannot import numpy)";
  run_python(dir_, R"py(
np.save('x.npy', np.arange(12, dtype=np.float32).reshape(6, 2))
np.save('ynan.npy', np.array([0.5, 1.5, np.nan, 2.5, 0.5, 1.0]))
)py");
  expect_refused("--data " + dir_ + "/x.npy --labels " + dir_ + "/ynan.npy", "ynan.npy: label 2 is nan");
}

// ---- bugs found ----------------------------------------------------------------------------------

// A table run names no --ignore: every column but the target is an input.
TEST_F(CliOwnData, TableWithoutIgnore) {
  write_text(dir_ + "/t.csv", "a,b,y\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,1,x\n2,2,y\n");
  const std::string out = ok("train --threads 1 --data " + dir_ + "/t.csv --epochs 1 --test-split 0");
  EXPECT_TRUE(contains(out, "network (2) -> ")) << out;
}

// A checkpoint of a run on other data records where the data is; resuming without --data reads it.
TEST_F(CliOwnData, ResumeWithoutDataReadsTheRecordedData) {
  NEED_VEGA();
  const std::string ck = dir_ + "/ck";
  ok("train --threads 1 --data " + q(vega("seattle-weather.csv")) + " --ignore date --epochs 2 --checkpoint-dir " + ck);
  const std::string resumed = ok("train --threads 1 --resume " + ck + "/checkpoint.safetensors --epochs 3");
  EXPECT_TRUE(contains(resumed, "Epoch 2:")) << resumed;
}

// Regression runs say they stopped early, as classification runs do.
TEST_F(CliOwnData, RegressionSummarySaysItStoppedEarly) {
  NEED_VEGA();
  const std::string out = ok("train --threads 1 --data " + q(vega("cars.json")) + " --target Miles_per_Gallon --ignore Name,Year"
                             " --missing drop --layers in,16,out --epochs 400 --patience 2");
  EXPECT_TRUE(contains(out, "stopped early")) << out;
}

// `neurite train --help` describes the data flags.
TEST_F(CliOwnData, TrainHelpDescribesTheDataFlags) {
  const std::string help = ok("train --threads 1 --help");
  for (const std::string& line : lines_of(help))
    if (line.starts_with("  --target") || line.starts_with("  --ignore") || line.starts_with("  --missing")) {
      EXPECT_FALSE(contains(line, "optimizer or schedule")) << line;
    }
}

}  // namespace
}  // namespace neurite
