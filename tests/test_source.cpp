// Data sources (data/source.h) on small files the tests write: tables for classification, binary
// and regression (one target or several), seeded stratified splits, a preparation fitted on the
// training rows only, categories, missing-value rules, normalisations, ignored columns, the
// preparation's JSON form, format detection, .npy / .npz arrays (written by Debian's numpy, skipped
// without it) and image folders; then what `neurite eval` reports (train/metrics.h) and the
// regression costs (cost.h) against hand-computed values and central differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>

#include "neurite/cost.h"
#include "neurite/data/picture.h"
#include "neurite/data/source.h"
#include "neurite/error.h"
#include "neurite/train/metrics.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::temp_dir;

std::string write_text(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

LoadedData load(const std::string& path, const SourceOptions& o, uint64_t seed = 1, TargetValues values = {}) {
  return load_data({.train = path}, o, values, seed);
}

// Row i of a dataset's inputs.
std::vector<float> row(const Dataset& d, int64_t i) {
  const int64_t width = d.inputs.size() / d.inputs.dim(0);
  return {d.inputs.data() + i * width, d.inputs.data() + (i + 1) * width};
}

// Column k of every row of a (N, K) tensor.
std::vector<float> column(const Tensor& t, int64_t k) {
  std::vector<float> v;
  for (int64_t i = 0; i < t.dim(0); ++i) v.push_back(t[i * t.dim(1) + k]);
  return v;
}

double mean_of(const std::vector<float>& v) {
  double s = 0;
  for (const float x : v) s += x;
  return s / static_cast<double>(v.size());
}

double deviation_of(const std::vector<float>& v) {  // the population's, as the preparation uses
  const double m = mean_of(v);
  double s = 0;
  for (const float x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- tables: targets -----------------------------------------------------------------------------

TEST(Source, ClassificationSortsClassNamesAndOneHotsTheTargets) {
  const std::string dir = temp_dir();
  const std::string path = write_text(dir, "fruit.csv", "x,fruit\n1,pear\n2,apple\n3,fig\n4,pear\n5,apple\n6,fig\n");
  const LoadedData d = load(path, {.test_split = 0}, 1, {0.1f, 0.9f});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"apple", "fig", "pear"}));
  EXPECT_EQ(d.preparation.task, Task::Classification);
  EXPECT_EQ(d.preparation.target, "fruit");
  ASSERT_EQ(d.training.size(), 6);
  EXPECT_EQ(d.validation.size(), 0);
  EXPECT_EQ(d.test.size(), 0);
  EXPECT_EQ(d.training.labels, (std::vector<int32_t>{2, 0, 1, 2, 0, 1}));  // rows in file order
  ASSERT_EQ(d.training.targets.shape(), (Shape{6, 3}));
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t k = 0; k < 3; ++k)
      EXPECT_EQ(d.training.targets[i * 3 + k], k == d.training.labels[static_cast<std::size_t>(i)] ? 0.9f : 0.1f);
  ASSERT_FALSE(d.notes.empty());
  EXPECT_TRUE(contains(d.notes.front(), "task: classification (3 classes")) << d.notes.front();

  // Class names that are numbers sort as numbers, not as text.
  const std::string numbers = write_text(dir, "n.csv", "x,grade\n1,10\n2,2\n3,33\n4,2\n5,10\n6,33\n");
  EXPECT_EQ(load(numbers, {.test_split = 0}).class_names, (std::vector<std::string>{"2", "10", "33"}));
}

TEST(Source, TwoClassesAreBinaryWithOneZeroOneTarget) {
  const std::string dir = temp_dir();
  const std::string path = write_text(dir, "b.csv", "x,answer\n1,yes\n2,no\n3,no\n4,yes\n5,yes\n");
  const LoadedData d = load(path, {.test_split = 0});
  EXPECT_EQ(d.preparation.task, Task::Binary);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"no", "yes"}));
  ASSERT_EQ(d.training.targets.shape(), (Shape{5, 1}));
  EXPECT_EQ(column(d.training.targets, 0), (std::vector<float>{1, 0, 0, 1, 1}));
  EXPECT_EQ(d.training.labels, (std::vector<int32_t>{1, 0, 0, 1, 1}));
  EXPECT_TRUE(contains(d.notes.front(), "binary")) << d.notes.front();

  // A 0/1 number column is binary too; told to classify, two classes take two outputs.
  const std::string numeric = write_text(dir, "n.csv", "x,y\n1,0\n2,1\n3,1\n4,0\n");
  EXPECT_EQ(load(numeric, {.test_split = 0}).preparation.task, Task::Binary);
  const LoadedData two = load(numeric, {.task = "classification", .test_split = 0});
  EXPECT_EQ(two.preparation.task, Task::Classification);
  EXPECT_EQ(two.training.targets.shape(), (Shape{4, 2}));
  // Told binary with three classes, or regression on text: an error naming the count / the text.
  const std::string three = write_text(dir, "three.csv", "x,c\n1,a\n2,b\n3,c\n");
  EXPECT_TRUE(contains(error_of([&] { load(three, {.task = "binary", .test_split = 0}); }), "3 classes")) ;
  EXPECT_TRUE(contains(error_of([&] { load(three, {.task = "regression", .test_split = 0}); }), "text"));
}

TEST(Source, RegressionTargetsAreStandardisedOnTheTrainingSplitAndMapBackExactly) {
  const std::string dir = temp_dir();
  std::string text = "id,x,y\n";
  std::map<int, float> y_of;
  for (int i = 0; i < 40; ++i) {
    const float y = 3.25f * static_cast<float>(i % 9) + 0.5f * static_cast<float>(i) + 100.125f;
    y_of[i] = y;
    text += std::to_string(i) + "," + std::to_string(i % 5) + ".5," + std::to_string(y) + "\n";
  }
  const std::string path = write_text(dir, "r.csv", text);
  const LoadedData d = load(path, {.normalize = Normalization::None, .test_split = 0.25});
  ASSERT_EQ(d.preparation.task, Task::Regression);
  EXPECT_TRUE(d.class_names.empty());
  EXPECT_TRUE(d.training.labels.empty());
  ASSERT_EQ(d.training.size(), 30);
  ASSERT_EQ(d.test.size(), 10);
  // The training rows' raw targets, found by their id (input 0, not scaled).
  std::vector<float> raw;
  for (int64_t i = 0; i < d.training.size(); ++i) raw.push_back(y_of.at(static_cast<int>(row(d.training, i)[0])));
  ASSERT_EQ(d.preparation.target_shift.size(), 1u);
  EXPECT_NEAR(d.preparation.target_shift[0], mean_of(raw), 1e-4);
  EXPECT_NEAR(d.preparation.target_scale[0], deviation_of(raw), 1e-4);
  const std::vector<float> scaled = column(d.training.targets, 0);
  EXPECT_NEAR(mean_of(scaled), 0.0, 1e-5);
  EXPECT_NEAR(deviation_of(scaled), 1.0, 1e-5);
  // unscale_targets gives back the values of the file, for training and test rows alike.
  for (const Dataset* set : {&d.training, &d.test}) {
    Tensor back = set->targets;
    unscale_targets(d.preparation, back);
    for (int64_t i = 0; i < set->size(); ++i)
      EXPECT_NEAR(back[i], y_of.at(static_cast<int>(row(*set, i)[0])), 1e-4) << "row " << i;
    Tensor again = back;
    scale_targets(d.preparation, again);
    for (int64_t i = 0; i < set->size(); ++i) EXPECT_NEAR(again[i], set->targets[i], 1e-5);
  }
  EXPECT_TRUE(contains(d.notes.front(), "task: regression")) << d.notes.front();
}

TEST(Source, SeveralRegressionTargetsAreScaledEachOnItsOwn) {
  const std::string dir = temp_dir();
  const std::string path = write_text(dir, "m.csv", "x,a,b\n1,10,0.5\n2,20,0.25\n3,30,1.5\n4,40,0.75\n");
  const LoadedData d = load(path, {.target = "a,b", .test_split = 0});
  EXPECT_EQ(d.preparation.task, Task::Regression);
  EXPECT_EQ(d.preparation.target, "a,b");
  ASSERT_EQ(d.training.targets.shape(), (Shape{4, 2}));
  EXPECT_EQ(d.preparation.sample_shape, (Shape{1}));  // only x is an input
  ASSERT_EQ(d.preparation.target_shift.size(), 2u);
  EXPECT_NEAR(d.preparation.target_shift[0], 25.0, 1e-5);
  EXPECT_NEAR(d.preparation.target_scale[0], std::sqrt(125.0), 1e-4);
  EXPECT_NEAR(d.preparation.target_shift[1], 0.75, 1e-6);
  EXPECT_NEAR(d.preparation.target_scale[1], deviation_of({0.5f, 0.25f, 1.5f, 0.75f}), 1e-6);
  for (int64_t k = 0; k < 2; ++k) {
    EXPECT_NEAR(mean_of(column(d.training.targets, k)), 0.0, 1e-6);
    EXPECT_NEAR(deviation_of(column(d.training.targets, k)), 1.0, 1e-5);
  }
  Tensor back = d.training.targets;
  unscale_targets(d.preparation, back);
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(back[i * 2], 10.0f * static_cast<float>(i + 1), 1e-4);
  }
  EXPECT_NEAR(back[1], 0.5, 1e-6);
  EXPECT_NEAR(back[7], 0.75, 1e-6);
  // The target columns by index work too; text in a regression target is refused by name.
  EXPECT_EQ(load(path, {.target = "1,2", .test_split = 0}).preparation.target, "a,b");
  const std::string text = write_text(dir, "t.csv", "x,a,b\n1,10,p\n2,20,q\n3,30,p\n");
  EXPECT_TRUE(contains(error_of([&] { load(text, {.target = "a,b", .test_split = 0}); }), "'b'"));
}

TEST(Source, ConstantRegressionTargetIsRefused) {
  const std::string dir = temp_dir();
  const std::string path = write_text(dir, "c.csv", "x,y\n1,2.5\n2,2.5\n3,2.5\n4,2.5\n");
  const std::string message = error_of([&] { load(path, {.test_split = 0}); });
  EXPECT_TRUE(contains(message, "2.5")) << message;
  EXPECT_TRUE(contains(message, "nothing to learn")) << message;
}

// ---- splits ----------------------------------------------------------------------------------------

// 200 rows: class a 100, b 60, c 40, interleaved; the id is input 0 (not scaled).
std::string three_class_table(const std::string& dir) {
  std::string text = "id,x,cls\n";
  for (int i = 0; i < 200; ++i) {
    const char* cls = i % 10 < 5 ? "a" : i % 10 < 8 ? "b" : "c";
    text += std::to_string(i) + "," + std::to_string((i * 7) % 13) + "," + cls + "\n";
  }
  return write_text(dir, "s.csv", text);
}

std::vector<int> ids_of(const Dataset& d) {
  std::vector<int> ids;
  for (int64_t i = 0; i < d.size(); ++i) ids.push_back(static_cast<int>(row(d, i)[0]));
  return ids;
}

TEST(Source, SplitIsSeededStratifiedAndCoversEveryRowOnce) {
  const std::string path = three_class_table(temp_dir());
  const SourceOptions o{.normalize = Normalization::None, .validation_split = 0.2, .test_split = 0.25};
  const LoadedData one = load(path, o, 7), again = load(path, o, 7), other = load(path, o, 8);
  EXPECT_EQ(ids_of(one.test), ids_of(again.test));
  EXPECT_EQ(ids_of(one.validation), ids_of(again.validation));
  EXPECT_EQ(ids_of(one.training), ids_of(again.training));
  EXPECT_NE(ids_of(one.test), ids_of(other.test));
  EXPECT_NE(ids_of(one.validation), ids_of(other.validation));

  // Every row exactly once; the sizes add up.
  EXPECT_EQ(one.training.size() + one.validation.size() + one.test.size(), 200);
  std::vector<int> all;
  for (const Dataset* set : {&one.training, &one.validation, &one.test}) {
    const std::vector<int> ids = ids_of(*set);
    all.insert(all.end(), ids.begin(), ids.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<int> expected(200);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);

  // Stratified: each class's share of the test set within one sample of test_split x its count,
  // and of the validation set within one of validation_split x what the test split left.
  const std::map<int32_t, int> counts = {{0, 100}, {1, 60}, {2, 40}};
  for (const auto& [label, count] : counts) {
    const auto in = [&, label = label](const Dataset& d) { return std::count(d.labels.begin(), d.labels.end(), label); };
    EXPECT_LE(std::abs(static_cast<double>(in(one.test)) - 0.25 * count), 1.0) << "class " << label;
    const double left = static_cast<double>(count - in(one.test));
    EXPECT_LE(std::abs(static_cast<double>(in(one.validation)) - 0.2 * left), 1.0) << "class " << label;
    // The labels belong to their rows.
    for (const Dataset* set : {&one.training, &one.validation, &one.test})
      for (int64_t i = 0; i < set->size(); ++i) {
        const int id = static_cast<int>(row(*set, i)[0]);
        const int32_t truth = id % 10 < 5 ? 0 : id % 10 < 8 ? 1 : 2;
        ASSERT_EQ(set->labels[static_cast<std::size_t>(i)], truth) << "row id " << id;
      }
  }
}

TEST(Source, SplitFractionsAreChecked) {
  const std::string path = three_class_table(temp_dir());
  EXPECT_TRUE(contains(error_of([&] { load(path, {.test_split = 1}); }), "test_split"));
  EXPECT_TRUE(contains(error_of([&] { load(path, {.validation_split = -0.1}); }), "validation_split"));
  const LoadedData none = load(path, {.test_split = 0});
  EXPECT_EQ(none.training.size(), 200);
  EXPECT_EQ(none.test.size(), 0);
}

TEST(Source, PreparationIsFittedOnTheTrainingRowsOnly) {
  const std::string dir = temp_dir();
  // A split: x = id squared, so the last rows pull the mean of all rows far from the training one.
  std::string text = "id,x,cls\n";
  for (int i = 0; i < 50; ++i) text += std::to_string(i) + "," + std::to_string(i * i) + "," + (i % 2 ? "p" : "q") + "\n";
  const std::string split_path = write_text(dir, "split.csv", text);
  const LoadedData d = load(split_path, {.test_split = 0.3});
  const FeatureColumn& id = d.preparation.columns[0];
  const FeatureColumn& x = d.preparation.columns[1];
  ASSERT_EQ(x.name, "x");
  std::vector<float> training_x;
  for (int64_t i = 0; i < d.training.size(); ++i) {
    const float raw_id = row(d.training, i)[0] * id.scale + id.shift;
    training_x.push_back(std::round(raw_id) * std::round(raw_id));
  }
  EXPECT_NEAR(x.shift, mean_of(training_x), 1e-3);
  EXPECT_NEAR(x.scale, deviation_of(training_x), 1e-3);
  EXPECT_GT(std::abs(x.shift - 49.0 * 99.0 / 6.0), 10.0);  // not the mean of every row (808.5)

  // A test file of its own, with a mean a hundred times the training file's: the shift is 10.
  const std::string train = write_text(dir, "train.csv", "x,cls\n8,p\n12,q\n9,p\n11,q\n10,p\n");
  const std::string test = write_text(dir, "test.csv", "x,cls\n1000,p\n1001,q\n999,q\n");
  const LoadedData own = load_data({.train = train, .test = test}, {}, {}, 1);
  EXPECT_FLOAT_EQ(own.preparation.columns[0].shift, 10.0f);
  EXPECT_FLOAT_EQ(own.preparation.columns[0].scale, std::sqrt(2.0f));
  EXPECT_EQ(own.training.size(), 5);  // a test file means no test split
  ASSERT_EQ(own.test.size(), 3);
  EXPECT_FLOAT_EQ(own.test.inputs[0], (1000.0f - 10.0f) / std::sqrt(2.0f));
  EXPECT_EQ(own.test.labels, (std::vector<int32_t>{0, 1, 1}));
}

// ---- tables: inputs --------------------------------------------------------------------------------

TEST(Source, CategoriesAreOneHotSortedAndAnUnseenOneIsAllZero) {
  const std::string dir = temp_dir();
  const std::string train = write_text(dir, "train.csv", "size,colour,y\n1,red,p\n2,blue,q\n3,green,p\n4,red,q\n");
  const std::string test = write_text(dir, "test.csv", "colour,size,y\npurple,2,p\nblue,1,q\n");
  const LoadedData d = load_data({.train = train, .test = test}, {.normalize = Normalization::None}, {}, 1);
  ASSERT_EQ(d.preparation.columns.size(), 2u);
  const FeatureColumn& colour = d.preparation.columns[1];
  EXPECT_EQ(colour.type, ColumnType::Categorical);
  EXPECT_EQ(colour.categories, (std::vector<std::string>{"blue", "green", "red"}));
  EXPECT_EQ(d.preparation.sample_shape, (Shape{4}));
  EXPECT_EQ(row(d.training, 0), (std::vector<float>{1, 0, 0, 1}));
  EXPECT_EQ(row(d.training, 1), (std::vector<float>{2, 1, 0, 0}));
  EXPECT_EQ(row(d.training, 2), (std::vector<float>{3, 0, 1, 0}));
  // The test file orders its columns otherwise; 'purple' was never seen in training.
  ASSERT_EQ(d.test.size(), 2);
  EXPECT_EQ(row(d.test, 0), (std::vector<float>{2, 0, 0, 0}));
  EXPECT_EQ(row(d.test, 1), (std::vector<float>{1, 1, 0, 0}));

  // A number column named categorical is one-hot too; the categories are only the training rows'.
  const std::string zips = write_text(dir, "zip.csv", "zip,y\n10,p\n2,q\n33,p\n2,q\n");
  const LoadedData z = load(zips, {.categorical = {"zip"}, .test_split = 0});
  EXPECT_EQ(z.preparation.columns[0].type, ColumnType::Categorical);
  EXPECT_EQ(z.preparation.columns[0].categories.size(), 3u);
  EXPECT_EQ(z.preparation.sample_shape, (Shape{3}));
  for (int64_t i = 0; i < 4; ++i) {
    const std::vector<float> r = row(z.training, i);
    EXPECT_EQ(std::count(r.begin(), r.end(), 1.0f), 1) << "row " << i;
  }
  EXPECT_EQ(row(z.training, 1), row(z.training, 3));
}

// A test file, and eval's or predict's input, is read with the training table's settings: no
// header line when it had none (a first line of words is data, not names), and a column trained
// as categories keeps its codes' text ("007" stays "007", not the number 7).
TEST(Source, FilesForAModelAreReadWithTheTrainingTablesSettings) {
  const std::string dir = temp_dir();
  const std::string train = write_text(dir, "train.csv", "red,007,p\nblue,7,q\nred,12,p\nblue,007,q\n");
  const std::string test = write_text(dir, "test.csv", "blue,abc,q\nred,007,p\n");
  const LoadedData d = load_data({.train = train, .test = test},
                                 {.categorical = {"1"}, .header = "no", .normalize = Normalization::None}, {}, 1);
  EXPECT_FALSE(d.preparation.header);
  ASSERT_EQ(d.preparation.columns.size(), 2u);
  EXPECT_EQ(d.preparation.columns[1].categories, (std::vector<std::string>{"007", "12", "7"}));
  ASSERT_EQ(d.test.size(), 2);  // both lines are rows; auto-detection would have taken the first as names
  EXPECT_EQ(row(d.test, 0), (std::vector<float>{1, 0, 0, 0, 0}));  // "abc": no category of training's
  EXPECT_EQ(row(d.test, 1), (std::vector<float>{0, 1, 1, 0, 0}));
  const PredictionInputs in = load_inputs_for_model(test, "auto", d.preparation);
  ASSERT_EQ(in.inputs.shape(), (Shape{2, 5}));
  EXPECT_EQ(row(d.test, 0), std::vector<float>(in.inputs.data(), in.inputs.data() + 5));
  // The setting survives the model file's JSON.
  EXPECT_FALSE(preparation_from_json(to_json(d.preparation), "model").header);
}

TEST(Source, PredictionInputsFindColumnsByNameWithoutTheTarget) {
  const std::string dir = temp_dir();
  const std::string train = write_text(dir, "train.csv", "a,colour,b,y\n1,red,5,p\n2,blue,7,q\n3,red,9,p\n");
  const LoadedData d = load(train, {.test_split = 0});
  const std::string unlabelled = write_text(dir, "new.csv", "b,colour,a\n5,red,1\n9,red,3\n");
  const PredictionInputs in = load_inputs_for_model(unlabelled, "auto", d.preparation);
  ASSERT_EQ(in.inputs.shape(), (Shape{2, 4}));
  EXPECT_EQ(in.names, (std::vector<std::string>{"row 1", "row 2"}));
  for (int64_t k = 0; k < 4; ++k) {
    EXPECT_FLOAT_EQ(in.inputs[k], d.training.inputs[k]);
    EXPECT_FLOAT_EQ(in.inputs[4 + k], d.training.inputs[8 + k]);
  }
  // A column the model takes is missing: named.
  const std::string short_file = write_text(dir, "short.csv", "a,colour\n1,red\n");
  EXPECT_TRUE(contains(error_of([&] { load_inputs_for_model(short_file, "auto", d.preparation); }), "'b'"));
  // A labelled file for eval: a class the model does not know is named, with the known ones.
  const std::string foreign = write_text(dir, "foreign.csv", "a,colour,b,y\n1,red,5,p\n2,blue,7,zebra\n");
  const std::string message =
      error_of([&] { load_data_for_model({.train = foreign}, "auto", d.preparation, d.class_names, {}); });
  EXPECT_TRUE(contains(message, "foreign.csv")) << message;
  EXPECT_TRUE(contains(message, "row 2")) << message;
  EXPECT_TRUE(contains(message, "'zebra'")) << message;
  EXPECT_TRUE(contains(message, "p, q")) << message;
}

// x: 1, missing, 4, 10, 5; colour: red, blue, missing, red, red.
std::string missing_table(const std::string& dir) {
  return write_text(dir, "missing.csv", "x,colour,y\n1,red,p\n,blue,q\n4,,p\n10,red,q\n5,red,p\n");
}

TEST(Source, MissingValuesAreRefusedByDefaultWithFileRowAndColumn) {
  const std::string path = missing_table(temp_dir());
  const std::string message = error_of([&] { load(path, {.test_split = 0}); });
  EXPECT_TRUE(contains(message, "missing.csv, row 2, column 'x'")) << message;
  EXPECT_TRUE(contains(message, "missing value")) << message;
  // A missing target with the refuse rule names its row.
  const std::string target = write_text(temp_dir(), "t.csv", "x,y\n1,p\n2,q\n3,\n4,p\n");
  const std::string t = error_of([&] { load(target, {.test_split = 0}); });
  EXPECT_TRUE(contains(t, "t.csv, row 3: the target is missing")) << t;
}

TEST(Source, MissingRulesFillWithExactValues) {
  const std::string path = missing_table(temp_dir());
  const auto with = [&](MissingRule rule) {
    return load(path, {.missing = rule, .normalize = Normalization::None, .test_split = 0});
  };
  // inputs: x, then blue, red (one-hot, sorted)
  const LoadedData drop = with(MissingRule::Drop);
  ASSERT_EQ(drop.training.size(), 3);  // rows 2 and 3 each miss a value; blue went with row 2
  EXPECT_EQ(drop.preparation.columns[1].categories, (std::vector<std::string>{"red"}));
  EXPECT_EQ(row(drop.training, 0), (std::vector<float>{1, 1}));
  EXPECT_EQ(row(drop.training, 1), (std::vector<float>{10, 1}));
  EXPECT_EQ(row(drop.training, 2), (std::vector<float>{5, 1}));
  EXPECT_NE(std::find(drop.notes.begin(), drop.notes.end(), "2 rows with missing values dropped"), drop.notes.end());
  EXPECT_FLOAT_EQ(drop.preparation.columns[0].fill, 16.0f / 3);  // eval and predict fill the training mean

  const LoadedData mean = with(MissingRule::Mean);
  ASSERT_EQ(mean.training.size(), 5);
  EXPECT_EQ(row(mean.training, 1), (std::vector<float>{5, 1, 0}));  // (1 + 4 + 10 + 5) / 4; blue as given
  EXPECT_EQ(row(mean.training, 2), (std::vector<float>{4, 0, 1}));  // the most frequent colour
  EXPECT_EQ(mean.preparation.columns[1].fill_category, "red");

  const LoadedData median = with(MissingRule::Median);
  EXPECT_EQ(row(median.training, 1), (std::vector<float>{4.5f, 1, 0}));  // between 4 and 5
  EXPECT_EQ(row(median.training, 2), (std::vector<float>{4, 0, 1}));

  const LoadedData zero = with(MissingRule::Zero);
  EXPECT_EQ(row(zero.training, 1), (std::vector<float>{0, 1, 0}));
  EXPECT_EQ(row(zero.training, 2), (std::vector<float>{4, 0, 0}));  // no category at all

  // An odd count's median is its middle value; the fill comes before the scaling.
  const std::string odd = write_text(temp_dir(), "odd.csv", "x,y\n7,p\n,q\n1,p\n100,q\n");
  const LoadedData m = load(odd, {.missing = MissingRule::Median, .normalize = Normalization::MinMax, .test_split = 0});
  EXPECT_FLOAT_EQ(m.preparation.columns[0].fill, 7.0f);
  EXPECT_FLOAT_EQ(m.training.inputs[1], (7.0f - 1.0f) / 99.0f);
  // A missing target is dropped by any rule but refuse.
  const std::string target = write_text(temp_dir(), "t.csv", "x,y\n1,p\n2,q\n3,\n4,p\n");
  EXPECT_EQ(load(target, {.missing = MissingRule::Zero, .test_split = 0}).training.size(), 3);
}

TEST(Source, NormalizationsStandardMinMaxAndNone) {
  const std::string path = write_text(temp_dir(), "n.csv", "x,k,y\n1,5,p\n2,5,q\n3,5,p\n4,5,q\n");
  const auto x_inputs = [&](Normalization n) {
    const LoadedData d = load(path, {.normalize = n, .test_split = 0});
    std::vector<float> x, k;
    for (int64_t i = 0; i < 4; ++i) x.push_back(row(d.training, i)[0]), k.push_back(row(d.training, i)[1]);
    return std::make_pair(x, k);
  };
  const auto [standard, constant] = x_inputs(Normalization::Standard);
  const float sd = std::sqrt(1.25f);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(standard[static_cast<std::size_t>(i)], (static_cast<float>(i + 1) - 2.5f) / sd, 1e-6);
  EXPECT_EQ(constant, (std::vector<float>{0, 0, 0, 0}));  // a constant column is 0, not NaN
  const auto [minmax, constant_minmax] = x_inputs(Normalization::MinMax);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(minmax[static_cast<std::size_t>(i)], static_cast<float>(i) / 3.0f, 1e-6);
  EXPECT_EQ(constant_minmax, (std::vector<float>{0, 0, 0, 0}));
  const auto [none, constant_none] = x_inputs(Normalization::None);
  EXPECT_EQ(none, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(constant_none, (std::vector<float>{5, 5, 5, 5}));
  EXPECT_TRUE(contains(error_of([] { parse_normalization("zscore"); }), "zscore"));
  EXPECT_TRUE(contains(error_of([] { parse_missing_rule("guess"); }), "guess"));
}

TEST(Source, IgnoredColumnsAreNotInputs) {
  const std::string dir = temp_dir();
  const std::string path = write_text(dir, "i.csv", "date,a,Cost Total $,b,y\n2012-01-01,1,5,2,p\n2012-01-02,3,6,4,q\n");
  const LoadedData d = load(path, {.ignore = {"date", "3"}, .normalize = Normalization::None, .test_split = 0});
  ASSERT_EQ(d.preparation.columns.size(), 2u);
  EXPECT_EQ(d.preparation.columns[0].name, "a");
  EXPECT_EQ(d.preparation.columns[1].name, "Cost Total $");
  EXPECT_EQ(row(d.training, 1), (std::vector<float>{3, 6}));
  // The messy header names a target as well.
  EXPECT_EQ(load(path, {.target = "Cost Total $", .ignore = {"date", "y"}, .test_split = 0}).preparation.task, Task::Binary);
  // An unknown column is named with the table's columns; ignoring everything is refused.
  const std::string unknown = error_of([&] { load(path, {.ignore = {"dat"}, .test_split = 0}); });
  EXPECT_TRUE(contains(unknown, "'dat'")) << unknown;
  EXPECT_TRUE(contains(unknown, "Cost Total $")) << unknown;
  EXPECT_TRUE(contains(error_of([&] { load(path, {.target = "nope", .test_split = 0}); }), "'nope'"));
  EXPECT_TRUE(contains(error_of([&] { load(path, {.ignore = {"date", "a", "Cost Total $", "b"}, .test_split = 0}); }),
                       "no input columns"));
}

// JSON records: the columns are the keys in order of first sight (table.h), so the default target
// is the last key of the records, as it is the last column of a CSV file.
TEST(Source, JsonRecordsKeepTheirKeyOrderForTheDefaultTarget) {
  const std::string path = write_text(temp_dir(), "r.json",
                                      R"([{"x2": 1, "x1": 2, "cls": "p"}, {"x2": 3, "x1": 1, "cls": "q"},
                                          {"x2": 2, "x1": 5, "cls": "p"}, {"x2": 0, "x1": 2, "cls": "q"}])");
  const LoadedData d = load(path, {.normalize = Normalization::None, .test_split = 0});
  EXPECT_EQ(d.preparation.target, "cls");
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"p", "q"}));
  ASSERT_EQ(d.preparation.columns.size(), 2u);
  EXPECT_EQ(d.preparation.columns[0].name, "x2");
  EXPECT_EQ(row(d.training, 0), (std::vector<float>{1, 2}));
}

TEST(Source, JsonRecordsAreATable) {
  const std::string path = write_text(temp_dir(), "r.json",
                                      R"([{"w": 1, "origin": "EU", "mpg": 20.5}, {"w": 3, "origin": "US", "mpg": 11},
                                          {"w": 2, "origin": "EU", "mpg": null}, {"w": 4, "origin": "JP", "mpg": 30}])");
  const LoadedData d = load(path, {.target = "mpg", .missing = MissingRule::Drop, .test_split = 0});
  EXPECT_EQ(d.preparation.task, Task::Regression);
  EXPECT_EQ(d.training.size(), 3);
  EXPECT_EQ(d.preparation.sample_shape, (Shape{4}));  // w and three origins
}

// ---- the preparation's JSON form -------------------------------------------------------------------

void expect_same(const Preparation& a, const Preparation& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.sample_shape, b.sample_shape);
  EXPECT_EQ(a.task, b.task);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.missing, b.missing);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (std::size_t k = 0; k < a.columns.size(); ++k) {
    EXPECT_EQ(a.columns[k].name, b.columns[k].name);
    EXPECT_EQ(a.columns[k].type, b.columns[k].type);
    EXPECT_EQ(a.columns[k].fill, b.columns[k].fill);
    EXPECT_EQ(a.columns[k].shift, b.columns[k].shift);
    EXPECT_EQ(a.columns[k].scale, b.columns[k].scale);
    EXPECT_EQ(a.columns[k].categories, b.columns[k].categories);
    EXPECT_EQ(a.columns[k].fill_category, b.columns[k].fill_category);
  }
  EXPECT_EQ(a.divisor, b.divisor);
  EXPECT_EQ(a.shift, b.shift);
  EXPECT_EQ(a.scale, b.scale);
  EXPECT_EQ(a.colour, b.colour);
  EXPECT_EQ(a.target_shift, b.target_shift);
  EXPECT_EQ(a.target_scale, b.target_scale);
}

TEST(Source, PreparationSurvivesItsJsonForm) {
  const std::string dir = temp_dir();
  const std::string path = write_text(dir, "p.csv", "x,colour,a,b\n1.1,red,10,0.5\n,blue,20,0.25\n3.3,red,30,1.5\n");
  const LoadedData table = load(path, {.target = "a,b", .missing = MissingRule::Median, .test_split = 0});
  const Preparation back = preparation_from_json(nlohmann::json::parse(to_json(table.preparation).dump()), "model.safetensors");
  expect_same(table.preparation, back);
  EXPECT_EQ(back.missing, MissingRule::Median);

  Preparation image{.kind = "image", .sample_shape = {3, 2, 2}, .divisor = 255, .shift = {0.1f, 0.2f, 0.3f},
                    .scale = {0.5f, 0.25f, 0.125f}, .colour = true, .task = Task::Binary};
  expect_same(image, preparation_from_json(nlohmann::json::parse(to_json(image).dump()), "m"));

  // Damaged forms are errors naming the source.
  nlohmann::json bad = to_json(table.preparation);
  bad["kind"] = "spreadsheet";
  EXPECT_TRUE(contains(error_of([&] { preparation_from_json(bad, "m.safetensors"); }), "m.safetensors"));
  nlohmann::json unsorted = to_json(table.preparation);
  unsorted["columns"][1]["categories"] = {"red", "blue"};
  EXPECT_TRUE(contains(error_of([&] { preparation_from_json(unsorted, "m.safetensors"); }), "not sorted"));
  nlohmann::json channels = to_json(image);
  channels["shift"] = {0.1, 0.2, 0.3, 0.4, 0.5};
  channels["scale"] = {1, 1, 1, 1, 1};
  EXPECT_TRUE(contains(error_of([&] { preparation_from_json(channels, "m"); }), "channel"));
  nlohmann::json incomplete = to_json(table.preparation);
  incomplete.erase("target_shift");
  EXPECT_TRUE(contains(error_of([&] { preparation_from_json(incomplete, "m.safetensors"); }), "m.safetensors"));
}

// ---- formats ---------------------------------------------------------------------------------------

TEST(Source, DataFormatIsToldByContentThenName) {
  const std::string dir = temp_dir();
  EXPECT_EQ(data_format(write_text(dir, "a.csv", "x,y\n1,2\n"), "auto"), "csv");
  EXPECT_EQ(data_format(write_text(dir, "a.txt", "x,y\n1,2\n"), "auto"), "csv");
  EXPECT_EQ(data_format(write_text(dir, "a.CSV", "x,y\n1,2\n"), "auto"), "csv");
  EXPECT_EQ(data_format(write_text(dir, "a.tsv", "x\ty\n1\t2\n"), "auto"), "tsv");
  EXPECT_EQ(data_format(write_text(dir, "a.json", "[]"), "auto"), "json");
  EXPECT_EQ(data_format(write_text(dir, "a.jsonl", "{}"), "auto"), "json");
  EXPECT_EQ(data_format(write_text(dir, "a.csv.gz", "\x1f\x8b\x08"), "auto"), "csv");
  // The first bytes win over the name.
  EXPECT_EQ(data_format(write_text(dir, "features.bin", "\x93NUMPY\x01"), "auto"), "npy");
  EXPECT_EQ(data_format(write_text(dir, "data.csv", "\x93NUMPY\x01"), "auto"), "npy");
  EXPECT_EQ(data_format(write_text(dir, "arrays.dat", std::string("PK\x03\x04", 4) + "rest"), "auto"), "npz");
  EXPECT_EQ(data_format(write_text(dir, "images.raw", std::string("\0\0\x08\x03\0\0\0\x01", 8)), "auto"), "idx");
  EXPECT_EQ(data_format(write_text(dir, "floats.raw", std::string("\0\0\x0D\x02\0\0\0\x01", 8)), "auto"), "idx");
  EXPECT_EQ(data_format(write_text(dir, "train-images-idx3-ubyte.gz", "\x1f\x8b\x08"), "auto"), "idx");
  // Folders: MNIST's files make it "mnist", anything else is a folder of class folders.
  write_text(dir, "digits/train-images-idx3-ubyte", "");
  EXPECT_EQ(data_format(dir + "/digits", "auto"), "mnist");
  write_text(dir, "zipped/t10k-images-idx3-ubyte.gz", "");
  EXPECT_EQ(data_format(dir + "/zipped", "auto"), "mnist");
  fs::create_directories(dir + "/pets/cat");
  EXPECT_EQ(data_format(dir + "/pets", "auto"), "images");
  // Told, unknown, missing.
  EXPECT_EQ(data_format(dir + "/a.csv", "tsv"), "tsv");
  EXPECT_EQ(data_format(dir + "/nowhere", "csv"), "csv");
  EXPECT_TRUE(contains(error_of([&] { data_format(dir + "/a.csv", "xlsx"); }), "'xlsx'"));
  EXPECT_TRUE(contains(error_of([&] { data_format(dir + "/nowhere.csv", "auto"); }), dir + "/nowhere.csv"));
  const std::string unknown = error_of([&] { data_format(write_text(dir, "data.parquet", "PAR1"), "auto"); });
  EXPECT_TRUE(contains(unknown, "data.parquet")) << unknown;
  EXPECT_TRUE(contains(unknown, "cannot tell")) << unknown;
  // load_data leaves MNIST's folder to load_mnist.
  EXPECT_TRUE(contains(error_of([&] { load(dir + "/digits", {}); }), "MNIST"));
}

// ---- arrays ----------------------------------------------------------------------------------------

bool have_numpy() {
  static const bool ok = testing::run_shell("/usr/bin/python3 -c 'import numpy'").exit_code == 0;
  return ok;
}
constexpr const char* kNoNumpy = "Debian's numpy is not installed (/usr/bin/python3 cannot import numpy)";

void run_python(const std::string& dir, const std::string& script) {
  std::ofstream(dir + "/make.py") << "import numpy as np\n" << script;
  const testing::CommandResult r = testing::run_shell("cd '" + dir + "' && /usr/bin/python3 make.py");
  ASSERT_EQ(r.exit_code, 0) << script << "\n" << r.output;
}

TEST(Source, NpyFeaturesWithLabels) {
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  const std::string dir = temp_dir();
  run_python(dir, R"py(
x = np.array([[i, 10.0 * (i % 3), 0.5] for i in range(12)], dtype=np.float64)
np.save('x.npy', x)
np.save('y.npy', np.array([i % 3 for i in range(12)], dtype=np.int64))
np.save('names.npy', np.array(['owl', 'cat', 'ant'] * 4))
np.save('values.npy', np.array([0.5 * i + 0.25 for i in range(12)], dtype=np.float32))
np.save('short.npy', np.array([0, 1, 2], dtype=np.int64))
np.save('xt.npy', np.array([[100.0, 0.0, 0.5], [1.0, 20.0, 0.5]]))
np.save('yt.npy', np.array([2, 0], dtype=np.int64))
)py");
  const LoadedData d = load_data({.train = dir + "/x.npy", .train_labels = dir + "/y.npy"}, {.test_split = 0.25}, {}, 1);
  EXPECT_EQ(d.preparation.kind, "array");
  EXPECT_EQ(d.preparation.task, Task::Classification);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(d.preparation.sample_shape, (Shape{3}));
  EXPECT_EQ(d.training.size(), 9);
  EXPECT_EQ(d.test.size(), 3);
  EXPECT_EQ(d.preparation.divisor, 1.0f);
  ASSERT_EQ(d.preparation.shift.size(), 3u);  // per feature
  // Each feature standardised on the training rows: mean 0, deviation 1 (the constant one stays 0).
  for (int64_t k = 0; k < 2; ++k) {
    EXPECT_NEAR(mean_of(column(d.training.inputs, k)), 0.0, 1e-5);
    EXPECT_NEAR(deviation_of(column(d.training.inputs, k)), 1.0, 1e-5);
  }
  EXPECT_EQ(column(d.training.inputs, 2), std::vector<float>(9, 0.0f));
  for (int64_t i = 0; i < d.training.size(); ++i) {  // label i % 3 goes with feature 1 = 10 (i % 3)
    const float f1 = row(d.training, i)[1] * d.preparation.scale[1] + d.preparation.shift[1];
    EXPECT_NEAR(f1, 10.0f * static_cast<float>(d.training.labels[static_cast<std::size_t>(i)]), 1e-4);
  }

  const LoadedData names = load_data({.train = dir + "/x.npy", .train_labels = dir + "/names.npy"}, {.test_split = 0}, {}, 1);
  EXPECT_EQ(names.class_names, (std::vector<std::string>{"ant", "cat", "owl"}));
  EXPECT_EQ(names.training.labels[0], 2);

  const LoadedData values = load_data({.train = dir + "/x.npy", .train_labels = dir + "/values.npy"}, {.test_split = 0}, {}, 1);
  EXPECT_EQ(values.preparation.task, Task::Regression);
  EXPECT_NEAR(values.preparation.target_shift[0], 3.0, 1e-5);

  // A test set of its own, scaled as the training set.
  const LoadedData own = load_data({.train = dir + "/x.npy", .train_labels = dir + "/y.npy", .test = dir + "/xt.npy",
                                    .test_labels = dir + "/yt.npy"}, {}, {}, 1);
  EXPECT_EQ(own.training.size(), 12);
  ASSERT_EQ(own.test.size(), 2);
  EXPECT_EQ(own.test.labels, (std::vector<int32_t>{2, 0}));
  EXPECT_NEAR(own.test.inputs[0], (100.0f - own.preparation.shift[0]) / own.preparation.scale[0], 1e-4);

  // Without labels, or with labels for other samples: named.
  EXPECT_TRUE(contains(error_of([&] { load_data({.train = dir + "/x.npy"}, {}, {}, 1); }), "--labels"));
  const std::string count = error_of([&] { load_data({.train = dir + "/x.npy", .train_labels = dir + "/short.npy"}, {}, {}, 1); });
  EXPECT_TRUE(contains(count, "3 labels for 12 samples")) << count;
}

// A test set (or the data `neurite eval --data` reads) may hold one class only: its labels are
// matched to the training classes, as a table's are.
TEST(Source, ArrayTestSetOfOneClass) {
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  const std::string dir = temp_dir();
  run_python(dir, R"py(
np.save('x.npy', np.array([[i, 10.0 * (i % 3)] for i in range(12)], dtype=np.float32))
np.save('y.npy', np.array([i % 3 for i in range(12)], dtype=np.int64))
np.save('xt.npy', np.array([[1.0, 20.0], [4.0, 20.0]], dtype=np.float32))
np.save('yt.npy', np.array([2, 2], dtype=np.int64))
)py");
  const LoadedData own = load_data({.train = dir + "/x.npy", .train_labels = dir + "/y.npy", .test = dir + "/xt.npy",
                                    .test_labels = dir + "/yt.npy"}, {}, {}, 1);
  EXPECT_EQ(own.test.labels, (std::vector<int32_t>{2, 2}));
  const Dataset eval = load_data_for_model({.train = dir + "/xt.npy", .train_labels = dir + "/yt.npy"}, "auto",
                                           own.preparation, own.class_names, {});
  EXPECT_EQ(eval.labels, (std::vector<int32_t>{2, 2}));
}

TEST(Source, NpzWithKerasTrainAndTestArrays) {
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  const std::string dir = temp_dir();
  run_python(dir, R"py(
rng = np.random.default_rng(5)
x_train = rng.integers(0, 256, size=(20, 4, 4), dtype=np.uint8)
y_train = np.array([i % 2 for i in range(20)], dtype=np.uint8)
x_test = rng.integers(0, 256, size=(6, 4, 4), dtype=np.uint8)
y_test = np.array([1, 0, 1, 1, 0, 0], dtype=np.uint8)
np.savez_compressed('keras.npz', x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
np.savez('xy.npz', x=x_train.reshape(20, 16).astype(np.float32), y=y_train)
np.savez('other.npz', features=x_train, labels=y_train)
m = (x_train / 255.0).mean(); s = (x_train / 255.0).std()
with open('stats.txt', 'w') as f: f.write(f'{m!r} {s!r} {x_test[0, 0, 0]}')
)py");
  const LoadedData d = load_data({.train = dir + "/keras.npz"}, {}, {}, 1);
  EXPECT_EQ(d.preparation.task, Task::Binary);
  EXPECT_EQ(d.training.size(), 20);  // the archive's test set: nothing split off
  ASSERT_EQ(d.test.size(), 6);
  EXPECT_EQ(d.test.labels, (std::vector<int32_t>{1, 0, 1, 1, 0, 0}));
  EXPECT_EQ(d.preparation.sample_shape, (Shape{4, 4}));
  EXPECT_EQ(d.preparation.divisor, 255.0f);
  ASSERT_EQ(d.preparation.shift.size(), 1u);  // bytes: one channel
  double mean = 0, sd = 0;
  int first = 0;
  std::ifstream(dir + "/stats.txt") >> mean >> sd >> first;
  EXPECT_NEAR(d.preparation.shift[0], mean, 1e-5);
  EXPECT_NEAR(d.preparation.scale[0], sd, 1e-5);
  EXPECT_NEAR(d.test.inputs[0], (static_cast<float>(first) / 255.0f - mean) / sd, 1e-4);

  const LoadedData xy = load_data({.train = dir + "/xy.npz"}, {.test_split = 0.25}, {}, 1);
  EXPECT_EQ(xy.training.size() + xy.test.size(), 20);
  EXPECT_GE(xy.test.size(), 4);
  EXPECT_LE(xy.test.size(), 6);
  const std::string other = error_of([&] { load_data({.train = dir + "/other.npz"}, {}, {}, 1); });
  EXPECT_TRUE(contains(other, "x_train")) << other;
  EXPECT_TRUE(contains(other, "features, labels")) << other;
}

// ---- image folders ---------------------------------------------------------------------------------

TEST(Source, ImageFolderWithPerChannelStatistics) {
  const std::string dir = temp_dir();
  // Two classes of two 2x2 RGB pictures: red is 10 * index, green 100, blue 200 + picture number.
  std::vector<float> red, green, blue;
  for (int p = 0; p < 4; ++p) {
    Picture pic{.width = 2, .height = 2, .channels = 3, .pixels = {}};
    for (int i = 0; i < 4; ++i) {
      const auto r = static_cast<uint8_t>(10 * i + p), g = uint8_t{100}, b = static_cast<uint8_t>(200 + p * 10);
      pic.pixels.insert(pic.pixels.end(), {r, g, b});
      red.push_back(r / 255.0f), green.push_back(g / 255.0f), blue.push_back(b / 255.0f);
    }
    fs::create_directories(dir + "/pets/" + (p < 2 ? "cat" : "dog"));
    write_png(dir + "/pets/" + (p < 2 ? "cat/" : "dog/") + std::to_string(p) + ".png", pic);
  }
  const LoadedData d = load(dir + "/pets", {.test_split = 0});
  EXPECT_EQ(d.preparation.kind, "image");
  EXPECT_TRUE(d.preparation.colour);
  EXPECT_EQ(d.preparation.sample_shape, (Shape{3, 2, 2}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(d.training.labels, (std::vector<int32_t>{0, 0, 1, 1}));
  EXPECT_EQ(d.preparation.divisor, 255.0f);
  ASSERT_EQ(d.preparation.shift.size(), 3u);
  EXPECT_NEAR(d.preparation.shift[0], mean_of(red), 1e-6);
  EXPECT_NEAR(d.preparation.scale[0], deviation_of(red), 1e-6);
  EXPECT_NEAR(d.preparation.shift[1], 100 / 255.0, 1e-6);
  EXPECT_EQ(d.preparation.scale[1], 1.0f);  // a constant channel is not divided by zero
  EXPECT_NEAR(d.preparation.shift[2], mean_of(blue), 1e-6);
  EXPECT_NEAR(d.preparation.scale[2], deviation_of(blue), 1e-6);
  // Planar (C, H, W): picture 0's red at pixel 3 is 30.
  EXPECT_NEAR(d.training.inputs[3], (30 / 255.0f - mean_of(red)) / deviation_of(red), 1e-5);
  EXPECT_NEAR(d.training.inputs[4], 0.0f, 1e-6);  // green

  // Grey pictures are one channel; a picture of another size is resized to the first one's.
  Picture grey{.width = 2, .height = 2, .channels = 1, .pixels = {0, 255, 255, 0}};
  fs::create_directories(dir + "/grey/a");
  fs::create_directories(dir + "/grey/b");
  write_png(dir + "/grey/a/1.png", grey);
  write_png(dir + "/grey/b/1.png", resize_picture(grey, 4, 4));
  const LoadedData g = load(dir + "/grey", {.test_split = 0});
  EXPECT_FALSE(g.preparation.colour);
  EXPECT_EQ(g.preparation.sample_shape, (Shape{1, 2, 2}));
  EXPECT_EQ(g.preparation.shift.size(), 1u);
  // One picture for the trained model, of any size.
  const PredictionInputs in = load_inputs_for_model(dir + "/grey/b/1.png", "auto", g.preparation);
  EXPECT_EQ(in.inputs.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(in.names, (std::vector<std::string>{dir + "/grey/b/1.png"}));
}

// ---- metrics ---------------------------------------------------------------------------------------

TEST(Source, MetricsClassificationReportOnAHandComputedMatrix) {
  // rows: true class, columns: predicted
  const ConfusionMatrix m = {{5, 1, 0}, {2, 3, 1}, {1, 0, 7}};
  const ClassificationReport r = classification_report(m, {"ant", "bee"});
  ASSERT_EQ(r.classes.size(), 3u);
  EXPECT_EQ(r.classes[0].name, "ant");
  EXPECT_EQ(r.classes[2].name, "2");  // no name given: the index
  EXPECT_EQ(r.correct, 15);
  EXPECT_EQ(r.total, 20);
  EXPECT_DOUBLE_EQ(r.accuracy(), 0.75);
  EXPECT_EQ(r.classes[0].support, 6);
  EXPECT_EQ(r.classes[1].support, 6);
  EXPECT_EQ(r.classes[2].support, 8);
  EXPECT_DOUBLE_EQ(r.classes[0].precision, 5.0 / 8);
  EXPECT_DOUBLE_EQ(r.classes[1].precision, 3.0 / 4);
  EXPECT_DOUBLE_EQ(r.classes[2].precision, 7.0 / 8);
  EXPECT_DOUBLE_EQ(r.classes[0].recall, 5.0 / 6);
  EXPECT_DOUBLE_EQ(r.classes[1].recall, 1.0 / 2);
  EXPECT_DOUBLE_EQ(r.classes[2].recall, 7.0 / 8);
  EXPECT_NEAR(r.classes[0].f1, 5.0 / 7, 1e-12);
  EXPECT_NEAR(r.classes[1].f1, 3.0 / 5, 1e-12);
  EXPECT_NEAR(r.classes[2].f1, 7.0 / 8, 1e-12);
  EXPECT_NEAR(r.macro_f1, (5.0 / 7 + 3.0 / 5 + 7.0 / 8) / 3, 1e-12);
  EXPECT_EQ(r.confusion, m);

  // A class never predicted and one never present: 0, not NaN.
  const ClassificationReport z = classification_report({{4, 0, 1}, {2, 0, 0}, {0, 0, 0}}, {"a", "b", "c"});
  EXPECT_EQ(z.classes[1].precision, 0.0);
  EXPECT_EQ(z.classes[1].recall, 0.0);
  EXPECT_EQ(z.classes[1].f1, 0.0);
  EXPECT_EQ(z.classes[2].support, 0);
  EXPECT_EQ(z.classes[2].recall, 0.0);
  EXPECT_EQ(z.classes[2].precision, 0.0);
  EXPECT_DOUBLE_EQ(z.classes[0].precision, 4.0 / 6);
  EXPECT_DOUBLE_EQ(z.classes[0].recall, 4.0 / 5);
  EXPECT_NEAR(z.macro_f1, (2 * (4.0 / 6) * (4.0 / 5) / (4.0 / 6 + 4.0 / 5)) / 3, 1e-12);
  EXPECT_FALSE(std::isnan(z.macro_f1));
}

TEST(Source, MetricsRegressionReportOnHandComputedValues) {
  // Target 0: errors 0, -1, 1, -2 around a mean of 3; target 1 is constant.
  const Tensor predictions = Tensor::from({4, 2}, {1, 5, 2, 5, 3, 6, 4, 4});
  const Tensor targets = Tensor::from({4, 2}, {1, 5, 3, 5, 2, 5, 6, 5});
  const std::vector<TargetMetrics> r = regression_report(predictions, targets, {"mpg", "hp"});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].name, "mpg");
  EXPECT_NEAR(r[0].rmse, std::sqrt(6.0 / 4), 1e-12);
  EXPECT_NEAR(r[0].mae, 4.0 / 4, 1e-12);
  EXPECT_NEAR(r[0].r2, 1 - 6.0 / 14, 1e-12);
  EXPECT_EQ(r[1].name, "hp");
  EXPECT_NEAR(r[1].rmse, std::sqrt(2.0 / 4), 1e-12);
  EXPECT_NEAR(r[1].mae, 2.0 / 4, 1e-12);
  EXPECT_EQ(r[1].r2, 0.0);  // no variance to explain: 0, not -inf
  // Perfect predictions, and predicting the mean: R² 1 and 0.
  EXPECT_DOUBLE_EQ(regression_report(targets, targets, {})[0].r2, 1.0);
  const Tensor mean = Tensor::from({4, 1}, {3, 3, 3, 3});
  EXPECT_NEAR(regression_report(mean, Tensor::from({4, 1}, {1, 3, 2, 6}), {})[0].r2, 0.0, 1e-12);
  EXPECT_EQ(regression_report(mean, Tensor::from({4, 1}, {1, 3, 2, 6}), {})[0].name, "0");
  EXPECT_TRUE(contains(error_of([&] { regression_report(predictions, mean, {}); }), "(4, 1)"));
}

// ---- regression costs ------------------------------------------------------------------------------

TEST(Source, RegressionCostValuesOnHandComputedExamples) {
  // a - y = 1, 0, -2, 3, 0.5, -0.25 over a batch of 3 samples of 2 outputs
  const Tensor a = Tensor::from({3, 2}, {1, 2, 3, 4, 1.5f, 0});
  const Tensor y = Tensor::from({3, 2}, {0, 2, 5, 1, 1, 0.25f});
  EXPECT_NEAR(make_cost("mse")->value(a, y), (1 + 0 + 4 + 9 + 0.25 + 0.0625) / 6, 1e-12);
  EXPECT_NEAR(make_cost("mae")->value(a, y), (1 + 0 + 2 + 3 + 0.5 + 0.25) / 6, 1e-12);
  EXPECT_NEAR(make_cost("huber")->value(a, y), (0.5 + 0 + 1.5 + 2.5 + 0.125 + 0.03125) / 6, 1e-12);
  for (const char* name : {"mse", "mae", "huber"}) {
    const auto cost = make_cost(name);
    EXPECT_EQ(cost->name(), name);
    EXPECT_EQ(cost->output_activation(), ActivationKind::Identity);
    EXPECT_EQ(cost->value(y, y), 0.0);
    EXPECT_TRUE(contains(error_of([&] { cost->value(a, Tensor({2, 3})); }), "shape")) << name;
  }
  Tensor g;
  make_cost("mse")->gradient(a, y, g);
  testing::expect_values(g, {3, 2}, {2.0f / 6, 0, -4.0f / 6, 6.0f / 6, 1.0f / 6, -0.5f / 6});
  make_cost("mae")->gradient(a, y, g);
  testing::expect_values(g, {3, 2}, {1.0f / 6, 0, -1.0f / 6, 1.0f / 6, 1.0f / 6, -1.0f / 6});
  make_cost("huber")->gradient(a, y, g);
  testing::expect_values(g, {3, 2}, {1.0f / 6, 0, -1.0f / 6, 1.0f / 6, 0.5f / 6, -0.25f / 6});
}

// Central differences of the value against the gradient, away from the kinks of |d| (0) and of
// Huber's (|d| = 1), for a batch of 4 samples of 3 outputs: a missing factor 2 or 1/N fails.
TEST(Source, RegressionCostGradientsMatchCentralDifferences) {
  Tensor a = testing::random_tensor({4, 3}, 11, -3.0f, 3.0f);
  Tensor y = testing::random_tensor({4, 3}, 12, -3.0f, 3.0f);
  for (int64_t i = 0; i < a.size(); ++i) {  // keep |a - y| off 0 and 1 by at least 0.1
    const float d = a[i] - y[i], m = std::abs(d);
    if (m < 0.1f || std::abs(m - 1.0f) < 0.1f) a[i] = y[i] + (d < 0 ? -1.5f : 0.6f);
  }
  constexpr float h = 1e-2f;
  for (const char* name : {"mse", "mae", "huber"}) {
    const auto cost = make_cost(name);
    Tensor g;
    cost->gradient(a, y, g);
    ASSERT_EQ(g.shape(), a.shape());
    double largest = 0;
    for (int64_t i = 0; i < a.size(); ++i) {
      Tensor plus = a, minus = a;
      plus[i] += h;
      minus[i] -= h;
      const double numeric = (cost->value(plus, y) - cost->value(minus, y)) / (static_cast<double>(plus[i]) - minus[i]);
      EXPECT_NEAR(g[i], numeric, 1e-4) << name << " at " << i;
      largest = std::max(largest, std::abs(numeric));
    }
    EXPECT_GT(largest, 0.05) << name;  // the check is not vacuous
  }
  EXPECT_TRUE(contains(error_of([] { make_cost("rmse"); }), "'rmse'"));
}

}  // namespace
}  // namespace neurite
