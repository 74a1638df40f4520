// Datasets as Python sees them: neurite's Dataset plus what a model trained on it must record
// (how the data was prepared, the class names), so that a model saved from Python is read by the
// CLI with the same preparation.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "arrays.h"
#include "neurite/data/dataset.h"
#include "neurite/data/preparation.h"

namespace neurite::python {

// Where a dataset came from, shared by the training, validation and test sets of one load.
struct DataOrigin {
  Preparation preparation;               // kind "pixels": MNIST's folder with `scale`, `targets`
  std::vector<std::string> class_names;  // empty: classes are their indices
  InputScale scale = InputScale::Unit;
  TargetValues targets = {};
  std::string where;                     // the file or folder, for messages
};

struct PyDataset {
  Dataset data;
  std::shared_ptr<const DataOrigin> origin;  // null: made from arrays in memory
};

// Arrays (x, y) as a dataset for a network with `outputs` outputs (0: not known yet). Integer y
// holds class labels, one-hot encoded with `targets` (one output: binary 0 / 1 targets); float y
// holds the target values themselves, (N,) or (N, K), and for a classification cost its rows'
// largest entries are the labels. `classification`: whether accuracy is measured.
PyDataset dataset_from_arrays(py::handle x, py::handle y, int64_t outputs, TargetValues targets, bool classification,
                              const char* what);
// Labels as one-hot rows of `classes` values `targets.off` / `targets.on` (one class: the label
// itself, 0 or 1, the target of a single sigmoid output).
Tensor one_hot(const std::vector<int32_t>& labels, int64_t classes, TargetValues targets, const char* what);
// Nielsen's lists of (x, y) pairs, x a column vector, y a column vector of targets or an integer
// label: converted in one pass.
PyDataset dataset_from_pairs(py::handle pairs, int64_t classes, const char* what);

void bind_data(py::module_& m);

}  // namespace neurite::python
