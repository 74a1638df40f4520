// What the table and array sources share (private to src/data): the targets and the task they
// imply, seeded stratified splits, datasets made from prepared inputs, and each source's entry
// points, which data/source.cpp dispatches to by format.
#pragma once
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "neurite/data/source.h"
#include "neurite/error.h"

namespace neurite::source_parts {

std::string lowercase(std::string s);
std::vector<std::string> split_commas(const std::string& text);
std::string first_bytes(const std::string& path, std::size_t n);
std::string shortest(float v);

// The targets of every row: class indices, or numbers for regression.
struct Targets {
  Task task = Task::Classification;
  std::vector<std::string> class_names = {};
  std::vector<int32_t> labels = {};  // classification: per row, -1 when missing
  Tensor values = {};                // regression: (rows, targets), NaN when missing
  bool missing(int64_t row) const {
    if (task != Task::Regression) return labels[static_cast<std::size_t>(row)] < 0;
    const int64_t t = values.dim(1);
    for (int64_t k = 0; k < t; ++k)
      if (std::isnan(values[row * t + k])) return true;
    return false;
  }
};

// The task the option names, or the one the targets suggest: text or few whole numbers are
// classes (two of them: binary), anything else is regression.
Task decide_task(const std::string& option, bool text, const std::vector<std::string>& distinct, bool whole,
                 std::size_t targets, std::vector<std::string>& notes);
// Labels from the text of each row's class; classes seen are sorted and numbered.
Targets class_targets(Task task, const std::vector<std::string>& texts, const std::vector<bool>& absent);
// Labels of another file matched to known classes by name.
std::vector<int32_t> match_classes(const std::vector<std::string>& texts, const std::vector<bool>& absent,
                                   const std::vector<std::string>& class_names, const std::string& source);

// Runs `f`, naming `source` at the start of any Error it throws.
template <class F>
void in_file(const std::string& source, F f) {
  try {
    f();
  } catch (const Error& e) {
    throw Error(source + ", " + e.what());
  }
}

struct Split {
  std::vector<int64_t> training, validation = {}, test = {};
};
// The test split (unless the data has its own test set), then the validation split, seeded and
// stratified by class.
Split split_rows(const std::vector<int64_t>& rows, const SourceOptions& o, bool own_test, const Targets& targets,
                 uint64_t seed);
std::vector<int64_t> all_rows(int64_t n);

// Targets for the cost: one-hot rows, one 0/1 column for binary, scaled numbers for regression.
Tensor cost_targets(const Targets& t, const std::vector<int64_t>& rows, const Preparation& p, TargetValues values);
Dataset make_set(Tensor inputs, const Targets& t, const std::vector<int64_t>& rows, const Preparation& p,
                 TargetValues values);

// Tables: CSV, TSV, JSON records (table_source.cpp).
LoadedData load_table_data(const DataFiles& files, const std::string& format, const SourceOptions& o, TargetValues values,
                           uint64_t seed);
Dataset table_data_for_model(const std::string& path, const std::string& format, const Preparation& p,
                             const std::vector<std::string>& class_names, TargetValues values);
PredictionInputs table_inputs_for_model(const std::string& path, const std::string& format, const Preparation& p);

// Arrays (.npy, .npz, IDX) and image folders (array_source.cpp).
LoadedData load_array_data(const DataFiles& files, const std::string& format, const SourceOptions& o, TargetValues values,
                           uint64_t seed);
Dataset array_data_for_model(const DataFiles& files, const std::string& format, const Preparation& p,
                             const std::vector<std::string>& class_names, TargetValues values);
// A picture file (PNG, JPEG) resized as in training, or an array of samples.
PredictionInputs array_inputs_for_model(const std::string& path, const std::string& given_format, const Preparation& p);

}  // namespace neurite::source_parts
