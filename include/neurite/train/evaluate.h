// Measuring a network on a dataset: predicted classes, accuracy, cost, the confusion matrix.
// Every function runs the network in evaluation mode (no dropout) in batches of 1,000.
#pragma once
#include <array>
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
SetMeasure measure(Network& net, const Cost& cost, const Dataset& data, const std::string& name,
                   double penalty = 0);

// Index of the largest output in each row: the predicted class.
// batch 0: as many samples at once as keep the activations small (up to 1000).
std::vector<int> predict_classes(Network& net, const Tensor& inputs, int64_t batch = 0);
std::vector<int> predict_classes(Network& net, const Dataset& data);
int64_t count_correct(Network& net, const Dataset& data);
// confusion[label][predicted]
using ConfusionMatrix = std::array<std::array<int64_t, 10>, 10>;
ConfusionMatrix confusion_matrix(Network& net, const Dataset& data);
ConfusionMatrix confusion_matrix(const std::vector<int>& predicted, const std::vector<uint8_t>& labels);

}  // namespace neurite
