// neurite plot: reading training logs (finished, still running, corrupt), the axis ticks, the
// charts as real PNG and SVG pictures with the data the right way up, and the command end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "neurite/data/idx.h"
#include "neurite/data/image.h"
#include "neurite/io/file.h"
#include "neurite/io/model_file.h"
#include "neurite/viz/plot.h"
#include "neurite/viz/training_charts.h"
#include "neurite/viz/training_log.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::run_cli;
using testing::temp_dir;

// Three epochs of a 784-30-30-10 network: validation every other epoch, one cost that diverged
// (null), a record type and fields this version does not know, an evaluation and the end.
const char* const kFinishedLog = R"({"type":"start","version":1,"network":"784-30-30-10 sigmoid","data":null,"model":"nowhere/model.safetensors","sets":{"train":50000,"validation":10000,"test":10000},"future_field":[1,2]}
{"type":"epoch","epoch":0,"seconds":3.2,"rate":0.5,"train":{"cost":0.5,"accuracy":0.90},"validation":{"cost":0.45,"accuracy":0.91},"test":{"cost":0.46,"accuracy":0.905},"grad_norms":{"0.weight":0.002,"0.bias":0.001,"2.weight":0.02,"4.weight":0.2}}
{"type":"checkpoint","epoch":0,"path":"somewhere"}
{"type":"epoch","epoch":1,"seconds":3.1,"rate":0.5,"train":{"cost":0.3,"accuracy":0.94},"test":{"cost":null,"accuracy":0.93},"grad_norms":{"0.weight":0.0015,"2.weight":0.015,"4.weight":0.15}}
{"type":"epoch","epoch":2,"seconds":3.0,"rate":0.25,"train":{"cost":0.2,"accuracy":0.96},"validation":{"cost":0.25,"accuracy":0.95},"test":{"cost":0.26,"accuracy":0.948},"grad_norms":{"0.weight":0.001,"2.weight":0.01,"4.weight":0.1}}
{"type":"evaluation","epoch":2,"set":"test","confusion":[[5,1,0],[0,6,2],[1,0,7]],"misclassified":[{"index":1,"label":0,"predicted":1},{"index":3,"label":1,"predicted":2},{"index":4,"label":2,"predicted":0}]}
{"type":"end","epochs_run":3,"best_epoch":2,"best_accuracy":0.948,"stopped":"epochs"}
)";

// A training still running: no end record, and the newest line half written.
const char* const kRunningLog = R"({"type":"start","version":1,"network":"784-30-10 sigmoid","data":"data/mnist","model":null}
{"type":"epoch","epoch":0,"train":{"cost":0.5,"accuracy":0.9}}
{"type":"epoch","epoch":1,"train":{"cost":0.4,"accuracy":0.92}}
{"type":"epoch","epoch":2,"train":{"cost":0.3,"acc)";

std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string text_of(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

TEST(TrainingLog, ParsesEveryRecordAndIgnoresWhatItDoesNotKnow) {
  const TrainingLog log = parse_training_log(kFinishedLog, "log.jsonl");
  EXPECT_EQ(log.network, "784-30-30-10 sigmoid");
  EXPECT_EQ(log.data, "");
  EXPECT_EQ(log.model, "nowhere/model.safetensors");
  ASSERT_EQ(log.epochs.size(), 3u);
  EXPECT_EQ(log.epochs[1].epoch, 1);
  EXPECT_DOUBLE_EQ(*log.epochs[2].rate, 0.25);
  EXPECT_DOUBLE_EQ(*log.epochs[0].sets.at("validation").accuracy, 0.91);
  EXPECT_EQ(log.epochs[1].sets.count("validation"), 0u);
  EXPECT_FALSE(log.epochs[1].sets.at("test").cost.has_value());  // null: diverged
  EXPECT_DOUBLE_EQ(*log.epochs[1].sets.at("test").accuracy, 0.93);
  EXPECT_DOUBLE_EQ(log.epochs[0].grad_norms.at("2.weight"), 0.02);
  ASSERT_EQ(log.evaluations.size(), 1u);
  EXPECT_EQ(log.evaluations[0].set, "test");
  EXPECT_EQ(log.evaluations[0].confusion[1][2], 2);
  ASSERT_EQ(log.evaluations[0].misclassified.size(), 3u);
  EXPECT_EQ(log.evaluations[0].misclassified[1].index, 3);
  EXPECT_EQ(log.evaluations[0].misclassified[1].predicted, 2);
  ASSERT_TRUE(log.end.has_value());
  EXPECT_EQ(log.end->epochs_run, 3);
  EXPECT_EQ(*log.end->best_epoch, 2);
  EXPECT_EQ(log.end->stopped, "epochs");
  EXPECT_FALSE(log.ignored_last_line);
}

TEST(TrainingLog, RunningLogWithHalfWrittenLastLineParses) {
  const TrainingLog log = parse_training_log(kRunningLog, "log.jsonl");
  EXPECT_EQ(log.epochs.size(), 2u);
  EXPECT_FALSE(log.end.has_value());
  EXPECT_TRUE(log.ignored_last_line);
  EXPECT_EQ(log.model, "");
}

TEST(TrainingLog, CorruptLineElsewhereNamesFileAndLine) {
  std::string log = kFinishedLog;  // line 3 becomes half a record, with more lines after it
  log.insert(log.find("{\"type\":\"checkpoint\""), "{\"type\":\"epoch\",\n");
  EXPECT_EQ(error_of([&] { parse_training_log(log, "out/log.jsonl"); }), "out/log.jsonl:3: not valid JSON");
  EXPECT_NE(error_of([&] { parse_training_log("[1,2]\n{}\n", "log.jsonl"); }).find("log.jsonl:1: not a JSON object"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_training_log("{\"type\":\"epoch\",\"epoch\":\"one\"}\n{}", "log.jsonl"); })
                .find("log.jsonl:1: \"epoch\" is not a whole number from -1 to 2147483647"),
            std::string::npos);
  const std::string bad_confusion = "{\"type\":\"evaluation\",\"epoch\":0,\"confusion\":[[1,2],[3]]}\n";
  EXPECT_NE(error_of([&] { parse_training_log(bad_confusion, "log.jsonl"); }).find("log.jsonl:1:"), std::string::npos);
}

TEST(TrainingLog, MissingOrEmptyLogIsAnError) {
  const std::string dir = temp_dir();
  EXPECT_NE(error_of([&] { read_training_log(dir + "/absent.jsonl"); }).find(dir + "/absent.jsonl"), std::string::npos);
  const std::string empty = write_text(dir + "/empty.jsonl", "\n  \n");
  EXPECT_NE(error_of([&] { read_training_log(empty); }).find("empty training log"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_training_log("{\"type\":\"ep", "log.jsonl"); }).find("empty"), std::string::npos);
}

void expect_ticks(const std::vector<double>& got, const std::vector<double>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-9 * std::abs(expected[i]) + 1e-12);
}

TEST(Axis, LinearTicksAreRoundAndEncloseTheRange) {
  expect_ticks(nice_ticks(0, 10, AxisScale::Linear), {0, 2, 4, 6, 8, 10});
  expect_ticks(nice_ticks(85.2, 98.1, AxisScale::Linear), {85, 90, 95, 100});
  expect_ticks(nice_ticks(0.05, 0.43, AxisScale::Linear), {0, 0.1, 0.2, 0.3, 0.4, 0.5});
  expect_ticks(nice_ticks(0, 3, AxisScale::Linear, 8, /*integers=*/true), {0, 1, 2, 3});
  const auto single = nice_ticks(5, 5, AxisScale::Linear);
  EXPECT_LT(single.front(), 5);
  EXPECT_GT(single.back(), 5);
}

TEST(Axis, LogTicksAreDecades) {
  expect_ticks(nice_ticks(0.001, 0.3, AxisScale::Log), {0.001, 0.01, 0.1, 1});
  expect_ticks(nice_ticks(2e-6, 0.04, AxisScale::Log), {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1});
  // Under three decades, 2x and 5x fill in.
  expect_ticks(nice_ticks(0.02, 0.08, AxisScale::Log), {0.02, 0.05, 0.1});
  EXPECT_NE(error_of([] { nice_ticks(0, 1, AxisScale::Log); }).find("log axis"), std::string::npos);
}

TEST(Axis, TickLabels) {
  EXPECT_EQ(tick_label(0.25, 0.25, AxisScale::Linear), "0.25");
  EXPECT_EQ(tick_label(0.30000000000000004, 0.1, AxisScale::Linear), "0.3");
  EXPECT_EQ(tick_label(95, 5, AxisScale::Linear), "95");
  EXPECT_EQ(tick_label(0.001, 0, AxisScale::Log), "0.001");
  EXPECT_EQ(tick_label(100, 0, AxisScale::Log), "100");
  EXPECT_EQ(tick_label(1e-5, 0, AxisScale::Log), "10⁻⁵");
  EXPECT_EQ(tick_label(2e-6, 0, AxisScale::Log), "2×10⁻⁶");
}

LineChart rising_chart() {
  LineChart chart;
  chart.title = "rising";
  chart.x_label = "x";
  chart.y_label = "y";
  chart.series.push_back({"up", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}});
  return chart;
}

TEST(LineChart, WritesPngOfItsSizeAndSvg) {
  const LineChart chart = rising_chart();
  const GrayImage png = decode_gray_image(render_line_chart(chart, ImageFormat::Png), "chart.png");
  EXPECT_EQ(png.width, chart.width);
  EXPECT_EQ(png.height, chart.height);
  const std::string svg = text_of(render_line_chart(chart, ImageFormat::Svg));
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

// Pixels darker than the light grid inside [x0, x1) x [y0, y1).
int ink_in(const GrayImage& image, double x0, double x1, double y0, double y1) {
  int ink = 0;
  for (auto y = static_cast<int64_t>(y0); y < static_cast<int64_t>(y1); ++y)
    for (auto x = static_cast<int64_t>(x0); x < static_cast<int64_t>(x1); ++x) ink += image.at(x, y) < 200;
  return ink;
}

TEST(LineChart, RisingSeriesRunsFromLowerLeftToUpperRight) {
  const LineChart chart = rising_chart();
  const GrayImage png = decode_gray_image(render_line_chart(chart, ImageFormat::Png), "chart.png");
  const Rect area = plot_area_of(chart);
  // Quadrants of the data area, kept clear of the axes and of the centre the line crosses.
  const double inset = 8, middle_x = (area.left + area.right) / 2, middle_y = (area.top + area.bottom) / 2;
  const double left[2] = {area.left + inset, middle_x - 30}, right[2] = {middle_x + 30, area.right - inset};
  const double top[2] = {area.top + inset, middle_y - 30}, bottom[2] = {middle_y + 30, area.bottom - inset};
  EXPECT_GT(ink_in(png, left[0], left[1], bottom[0], bottom[1]), 50);
  EXPECT_GT(ink_in(png, right[0], right[1], top[0], top[1]), 50);
  EXPECT_EQ(ink_in(png, left[0], left[1], top[0], top[1]), 0);
  EXPECT_EQ(ink_in(png, right[0], right[1], bottom[0], bottom[1]), 0);
}

TEST(LineChart, NothingToDrawIsAnError) {
  LineChart chart = rising_chart();
  chart.y_scale = AxisScale::Log;
  chart.series[0].y.assign(11, 0.0);  // nothing positive for a log axis
  EXPECT_NE(error_of([&] { render_line_chart(chart, ImageFormat::Png); }).find("no point"), std::string::npos);
}

TEST(ConfusionChart, WritesPngAndSvg) {
  const ConfusionChart chart{"confusion", "", {{50, 2, 0}, {1, 60, 3}, {0, 4, 70}}};
  const GrayImage png = decode_gray_image(render_confusion_chart(chart, ImageFormat::Png), "confusion.png");
  EXPECT_GT(png.width, 300);
  EXPECT_GT(png.height, 300);
  EXPECT_NE(text_of(render_confusion_chart(chart, ImageFormat::Svg)).find("<svg"), std::string::npos);
  const ConfusionChart ragged{"ragged", "", {{1, 2}, {3}}};
  EXPECT_NE(error_of([&] { render_confusion_chart(ragged, ImageFormat::Png); }).find("not square"), std::string::npos);
}

TEST(ImageGrid, DigitsAndNormalizedTiles) {
  const std::vector<uint8_t> ink = {0, 255, 128, 0};
  EXPECT_EQ(digit_picture(ink, 2, 2).pixels, (std::vector<uint8_t>{255, 0, 127, 255}));  // dark on white
  const std::vector<float> weights = {-2, 0, 2, 1};
  EXPECT_EQ(normalized_picture(weights, 2, 2).pixels, (std::vector<uint8_t>{0, 128, 255, 191}));
  const std::vector<float> constant(4, 0.5f);
  EXPECT_EQ(normalized_picture(constant, 2, 2).pixels, (std::vector<uint8_t>(4, 128)));

  ImageGrid grid{"digits", "", {digit_picture(ink, 2, 2), digit_picture(ink, 2, 2)}, {"1 → 2", "3 → 4"}, 10, 3};
  const GrayImage png = decode_gray_image(render_image_grid(grid), "grid.png");
  EXPECT_GT(png.width, 0);
  grid.captions.pop_back();
  EXPECT_NE(error_of([&] { render_image_grid(grid); }).find("1 captions for 2 pictures"), std::string::npos);
}

TEST(TrainingCharts, SeriesComeFromTheLog) {
  const TrainingLog log = parse_training_log(kFinishedLog, "log.jsonl");
  const LineChart cost = cost_chart(log);
  ASSERT_EQ(cost.series.size(), 3u);
  EXPECT_EQ(cost.series[0].label, "train");
  EXPECT_EQ(cost.series[1].x, (std::vector<double>{0, 2}));  // validation measured every other epoch
  EXPECT_EQ(cost.series[2].x, (std::vector<double>{0, 2}));  // test's null cost left out
  const LineChart accuracy = accuracy_chart(log);
  EXPECT_NEAR(accuracy.series[2].y[1], 93.0, 1e-9);  // percent
  const LineChart norms = gradient_norm_chart(log);
  EXPECT_EQ(norms.y_scale, AxisScale::Log);
  ASSERT_EQ(norms.series.size(), 3u);  // weights only, no biases
  EXPECT_EQ(norms.series[0].label, "layer 0");
  EXPECT_EQ(norms.series[2].label, "layer 4");
  EXPECT_LT(norms.series[0].y[0], norms.series[2].y[0]);
  const EvaluationRecord* evaluation = last_confusion(log);
  ASSERT_NE(evaluation, nullptr);
  EXPECT_NE(confusion_chart(log, *evaluation).subtitle.find("18 of 22 right"), std::string::npos);
}

TEST(TrainingCharts, WeightTilesNeedSquareInputs) {
  const auto grid = weight_grid(testing::random_tensor({120, 784}, 7));
  ASSERT_TRUE(grid.has_value());
  ASSERT_EQ(grid->images.size(), 100u);  // at most 100 units
  EXPECT_EQ(grid->images[0].width, 28);
  EXPECT_FALSE(weight_grid(testing::random_tensor({16, 50}, 7)).has_value());
}

// A stand-in for the MNIST test set: `count` 28x28 digits whose ink is their index, labels i % 10.
std::string write_fake_mnist_test(const std::string& dir, int64_t count) {
  IdxArray images{{count, 28, 28}, std::vector<uint8_t>(static_cast<std::size_t>(count * 784))};
  IdxArray labels{{count}, {}};
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t p = 300; p < 480; ++p)
      images.data[static_cast<std::size_t>(i * 784 + p)] = static_cast<uint8_t>(i * 40);
    labels.data.push_back(static_cast<uint8_t>(i % 10));
  }
  write_idx(dir + "/t10k-images-idx3-ubyte", images);
  write_idx(dir + "/t10k-labels-idx1-ubyte", labels);
  return dir;
}

std::string tiny_model(const std::string& path) {
  Network net = make_mlp({784, 16, 10}, ActivationKind::Sigmoid);
  Rng rng(3);
  net.initialize({}, rng);
  save_model(path, net, ModelInfo{.scale = InputScale::Unit});
  return path;
}

void expect_png(const std::string& path, int64_t width = 0) {
  SCOPED_TRACE(path);
  ASSERT_TRUE(fs::exists(path));
  const GrayImage image = read_gray_image(path);
  if (width > 0) {
    EXPECT_EQ(image.width, width);
  }
}

TEST(PlotCli, WritesEveryChartTheLogAllows) {
  const std::string dir = temp_dir();
  const std::string data = write_fake_mnist_test(dir, 6);
  const std::string log = write_text(dir + "/log.jsonl", kFinishedLog);
  const auto r = run_cli("plot " + log + " --out " + dir + "/pictures --data " + data);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"cost", "accuracy", "gradient-norms"}) {
    expect_png(dir + "/pictures/" + name + ".png", 960);
    EXPECT_NE(r.output.find("wrote " + dir + "/pictures/" + name + ".png\n"), std::string::npos) << r.output;
  }
  expect_png(dir + "/pictures/confusion.png");
  expect_png(dir + "/pictures/misclassified.png");
  EXPECT_FALSE(fs::exists(dir + "/pictures/weights.png"));
  EXPECT_NE(r.output.find("skipped weights.png: model file nowhere/model.safetensors not found"), std::string::npos)
      << r.output;
  for (const auto& entry : fs::directory_iterator(dir + "/pictures"))  // no temporary left behind
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(PlotCli, SvgChartsAndDefaultFolder) {
  const std::string dir = temp_dir();
  const std::string log = write_text(dir + "/log.jsonl", kRunningLog);
  const auto r = run_cli("plot " + log + " --format svg");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ignored the unfinished last line"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir + "/cost.svg"));
  EXPECT_FALSE(fs::exists(dir + "/cost.png"));
  EXPECT_EQ(text_of(read_file_bytes(dir + "/accuracy.svg")).rfind("<?xml", 0), 0u);
  EXPECT_NE(r.output.find("skipped gradient-norms.svg: the log has no"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("skipped confusion.svg"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("skipped weights.png: the log names no model"), std::string::npos) << r.output;
}

TEST(PlotCli, WeightsFromAModel) {
  const std::string dir = temp_dir();
  const std::string model = tiny_model(dir + "/model.safetensors");
  const std::string log = write_text(dir + "/log.jsonl", kRunningLog);
  const auto r = run_cli("plot " + log + " --model " + model + " --format both");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  expect_png(dir + "/weights.png");
  EXPECT_TRUE(fs::exists(dir + "/cost.png"));
  EXPECT_TRUE(fs::exists(dir + "/cost.svg"));

  // A relative model path the log records is also looked for beside the log.
  fs::remove(dir + "/weights.png");
  std::string names_model = kRunningLog;
  names_model.replace(names_model.find("\"model\":null"), 12, "\"model\":\"model.safetensors\"");
  write_text(log, names_model);
  const auto beside = run_cli("plot " + log);
  EXPECT_EQ(beside.exit_code, 0) << beside.output;
  expect_png(dir + "/weights.png");
}

// Exit 1 with one line naming the problem (2 for a bad flag value).
void expect_plot_error(const std::string& args, int exit_code, const std::string& must_name) {
  SCOPED_TRACE("neurite plot " + args);
  const auto r = run_cli("plot " + args);
  EXPECT_EQ(r.exit_code, exit_code) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_NE(r.output.find(must_name), std::string::npos) << r.output;
}

TEST(PlotCli, BadInputIsOneLine) {
  const std::string dir = temp_dir();
  expect_plot_error(dir + "/absent.jsonl", 1, dir + "/absent.jsonl");
  const std::string corrupt = write_text(dir + "/corrupt.jsonl", "{\"type\":\"epoch\",\"epoch\":0}\n{oops\n{}\n");
  expect_plot_error(corrupt, 1, "corrupt.jsonl:2: not valid JSON");
  const std::string log = write_text(dir + "/log.jsonl", kRunningLog);
  expect_plot_error(log + " --format gif", 2, "gif");
  expect_plot_error(log + " --model " + dir + "/absent.safetensors", 1, "absent.safetensors");

  // An index beyond the data stops the command before any picture is written.
  std::string far = kFinishedLog;
  far.replace(far.find("\"index\":4"), 9, "\"index\":6");
  const std::string pictures = dir + "/pictures";
  expect_plot_error(write_text(dir + "/far.jsonl", far) + " --out " + pictures + " --data " +
                        write_fake_mnist_test(dir, 6),
                    1, "far.jsonl: misclassified index 6 is outside the 6 images");
  EXPECT_FALSE(fs::exists(pictures + "/cost.png"));
}

TEST(PlotCli, MisclassifiedRealDigits) {
  const std::string mnist = testing::mnist_dir();
  if (mnist.empty()) GTEST_SKIP() << "MNIST not found (set NEURITE_MNIST)";
  const std::string dir = temp_dir();
  std::string log = kFinishedLog;
  log.replace(log.find("\"index\":4"), 9, "\"index\":9999");
  write_text(dir + "/log.jsonl", log);
  const auto r = run_cli("plot " + dir + "/log.jsonl --data " + mnist);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  expect_png(dir + "/misclassified.png");
  log.replace(log.find("\"index\":9999"), 12, "\"index\":10000");
  write_text(dir + "/log.jsonl", log);
  expect_plot_error(dir + "/log.jsonl --data " + mnist, 1, "misclassified index 10000");
}

}  // namespace
}  // namespace neurite
