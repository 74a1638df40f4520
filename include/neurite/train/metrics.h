// What `neurite eval` reports: for classification the confusion matrix with each class's
// precision, recall and F1 (as scikit-learn's classification_report); for regression each
// target's RMSE, MAE and R², in the target's own units.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/data/dataset.h"
#include "neurite/data/preparation.h"
#include "neurite/network.h"
#include "neurite/train/evaluate.h"

namespace neurite {

struct ClassMetrics {
  std::string name;
  int64_t support = 0;  // samples of this class
  double precision = 0, recall = 0, f1 = 0;  // 0 where undefined (no predictions, no samples)
};

struct ClassificationReport {
  ConfusionMatrix confusion;  // confusion[true][predicted]
  std::vector<ClassMetrics> classes = {};
  int64_t correct = 0, total = 0;
  double macro_f1 = 0;  // the mean of the classes' F1
  double accuracy() const { return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
};

// `names`: one per class (a missing name is the class's index).
ClassificationReport classification_report(const ConfusionMatrix& confusion, const std::vector<std::string>& names);

struct TargetMetrics {
  std::string name;
  double rmse = 0, mae = 0, r2 = 0;
};

// Predictions and targets (N, T) in the same units.
std::vector<TargetMetrics> regression_report(const Tensor& predictions, const Tensor& targets,
                                             const std::vector<std::string>& names);

// The network's outputs for every sample of `data` (N, outputs), in evaluation mode, with
// `output` (the cost's activation) applied; regression outputs mapped back to the target's units.
Tensor predict_outputs(Network& net, const Tensor& inputs, ActivationKind output, const Preparation& preparation);

}  // namespace neurite
