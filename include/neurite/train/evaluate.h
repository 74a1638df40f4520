// Measuring a network on a dataset: predicted classes, accuracy, cost, the confusion matrix.
// Every function runs the network in evaluation mode (no dropout) in batches of 1,000.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/cost.h"
#include "neurite/data/dataset.h"
#include "neurite/network.h"

namespace neurite {

// One dataset's cost and accuracy, as Nielsen's network2 monitors them.
struct SetMeasure {
  std::string name = {};  // "train", "validation", "test"
  double cost = 0;   // mean cost per sample, plus the regularisation penalty when there is one
  int64_t correct = 0;
  int64_t total = 0;
  double accuracy() const { return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
};

// Cost (the mean of `cost` over all samples, plus `penalty`) and accuracy of `net` on `data`.
// The predicted class is the largest of the cost's predictions (its output activation applied).
SetMeasure measure(Network& net, const Cost& cost, const Dataset& data, const std::string& name,
                   double penalty = 0);

// Index of the largest prediction in each row: the predicted class (a single output: 1 from 0.5). `output` is applied to the
// network's outputs first (the output activation of a cost that takes logits; ties between
// saturated outputs then go to the first, as they do for a model file that ends in it).
// batch 0: as many samples at once as keep the activations small (up to 1000).
std::vector<int> predict_classes(Network& net, const Tensor& inputs, int64_t batch = 0,
                                 ActivationKind output = ActivationKind::Identity);
std::vector<int> predict_classes(Network& net, const Dataset& data, ActivationKind output = ActivationKind::Identity);
int64_t count_correct(Network& net, const Dataset& data);

// confusion[label][predicted], classes x classes.
using ConfusionMatrix = std::vector<std::vector<int64_t>>;
// classes 0: one more than the largest label or prediction.
ConfusionMatrix confusion_matrix(const std::vector<int>& predicted, const std::vector<int32_t>& labels,
                                 int64_t classes = 0);
ConfusionMatrix confusion_matrix(Network& net, const Dataset& data);
int64_t diagonal_sum(const ConfusionMatrix& m);  // the correct predictions

}  // namespace neurite
