// Preparation: how raw data becomes the network's inputs and targets, fitted on the training
// split only and stored in the model file, so `eval` and `predict` apply it themselves.
//   tables: a missing value filled, numbers standardised or scaled to [0, 1], categories one-hot;
//   arrays and images: pixel bytes / 255, then each channel (or feature) standardised;
//   regression targets: standardised for training, mapped back for every figure reported.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "neurite/data/table.h"
#include "neurite/tensor.h"

namespace neurite {

enum class Task {
  Classification,  // one output per class, softmax
  Binary,          // two classes, one sigmoid output: the probability of the second
  Regression,      // one identity output per numeric target
};
std::string task_name(Task task);  // "classification", "binary", "regression"
Task parse_task(const std::string& name);

enum class Normalization { Standard, MinMax, None };  // "standard", "minmax", "none"
Normalization parse_normalization(const std::string& name);

// What a missing table value becomes: an error naming it, a dropped row, or a value fitted on
// the training split (a categorical column takes its most frequent category for mean / median).
enum class MissingRule { Refuse, Drop, Mean, Median, Zero };  // "refuse", "drop", "mean", ...
MissingRule parse_missing_rule(const std::string& name);

// One column of a table as the network takes it.
struct FeatureColumn {
  std::string name;
  ColumnType type = ColumnType::Numeric;
  float fill = 0;                 // numeric: what a missing value becomes (before scaling)
  float shift = 0, scale = 1;     // numeric: input = (value - shift) / scale
  std::vector<std::string> categories = {};  // one input per category; an unseen one is all zero
  std::string fill_category = {};  // categorical: what a missing value becomes ("" : all zero)
  int64_t inputs() const { return type == ColumnType::Numeric ? 1 : static_cast<int64_t>(categories.size()); }
};

struct Preparation {
  std::string kind = "pixels";  // "pixels" (MNIST's fixed scale), "table", "array" or "image"
  Shape sample_shape = {};      // one sample as the network takes it
  // table
  std::vector<FeatureColumn> columns = {};
  std::string target = {};      // the target column
  bool header = true;           // the training table's first line named its columns
  // What a missing value became in training; eval and predict do the same (a dropped row's
  // values are filled with the training mean there, as a row to predict cannot be dropped).
  MissingRule missing = MissingRule::Refuse;
  // array / image: values are divided by `divisor` (255 for bytes), then channel c becomes
  // (v - shift[c]) / scale[c]; a channel is sample_size / shift.size() consecutive values.
  float divisor = 1;
  std::vector<float> shift = {}, scale = {};
  bool colour = false;          // image: pictures are read as RGB (else grey)
  // the outputs
  Task task = Task::Classification;
  std::vector<float> target_shift = {}, target_scale = {};  // regression, per target

  int64_t input_size() const { return element_count(sample_shape); }
};

nlohmann::json to_json(const Preparation& p);
Preparation preparation_from_json(const nlohmann::json& json, const std::string& source);

// Tables. `feature_columns` are the table's columns that become inputs, `rows` the training
// split's rows; the fill values, scaling and category lists are fitted on those rows only.
Preparation fit_table(const Table& table, const std::vector<int64_t>& feature_columns, const std::vector<int64_t>& rows,
                      Normalization normalization, MissingRule missing);
// The inputs of `rows` (N, inputs). Columns are found by name, so a test file may order them
// differently. A missing value the rule cannot fill is an Error naming file, row and column.
Tensor table_inputs(const Preparation& p, const Table& table, const std::vector<int64_t>& rows, MissingRule missing);

// Arrays: per-channel (channels > 0) or per-feature (channels 0) statistics of the training rows.
// `values` is (N, sample...) already divided by the divisor.
void fit_array_scaling(Preparation& p, const Tensor& values, int64_t channels, Normalization normalization);
// Divides and scales every sample in place.
void apply_array_scaling(const Preparation& p, Tensor& values);

// Regression targets (N, T): fit on the training rows, map to training units and back.
void fit_target_scaling(Preparation& p, const Tensor& targets);
void scale_targets(const Preparation& p, Tensor& targets);
void unscale_targets(const Preparation& p, Tensor& outputs);

}  // namespace neurite
