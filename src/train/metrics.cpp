#include "neurite/train/metrics.h"

#include <algorithm>
#include <cmath>

#include "neurite/error.h"
#include "neurite/layers/activation.h"

namespace neurite {

namespace {
double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }
}  // namespace

ClassificationReport classification_report(const ConfusionMatrix& m, const std::vector<std::string>& names) {
  ClassificationReport r{.confusion = m};
  const std::size_t k = m.size();
  for (std::size_t c = 0; c < k; ++c) {
    int64_t support = 0, predicted = 0;
    for (std::size_t o = 0; o < k; ++o) {
      support += m[c][o];
      predicted += m[o][c];
    }
    ClassMetrics cm{.name = c < names.size() ? names[c] : std::to_string(c), .support = support};
    cm.precision = ratio(static_cast<double>(m[c][c]), static_cast<double>(predicted));
    cm.recall = ratio(static_cast<double>(m[c][c]), static_cast<double>(support));
    cm.f1 = ratio(2 * cm.precision * cm.recall, cm.precision + cm.recall);
    r.correct += m[c][c];
    r.total += support;
    r.macro_f1 += cm.f1 / static_cast<double>(k);
    r.classes.push_back(cm);
  }
  return r;
}

std::vector<TargetMetrics> regression_report(const Tensor& predictions, const Tensor& targets,
                                             const std::vector<std::string>& names) {
  require(predictions.shape() == targets.shape() && targets.rank() == 2,
          "regression report: predictions " + to_string(predictions.shape()) + " and targets " + to_string(targets.shape()) +
              " differ");
  const int64_t n = targets.dim(0), t = targets.dim(1);
  std::vector<TargetMetrics> out;
  for (int64_t k = 0; k < t; ++k) {
    double mean = 0, squared = 0, absolute = 0, total = 0;
    for (int64_t i = 0; i < n; ++i) mean += targets[i * t + k] / static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) {
      const double y = targets[i * t + k], error = predictions[i * t + k] - y;
      squared += error * error;
      absolute += std::abs(error);
      total += (y - mean) * (y - mean);
    }
    out.push_back({.name = static_cast<std::size_t>(k) < names.size() ? names[static_cast<std::size_t>(k)] : std::to_string(k),
                   .rmse = std::sqrt(ratio(squared, static_cast<double>(n))),
                   .mae = ratio(absolute, static_cast<double>(n)),
                   .r2 = total > 0 ? 1 - squared / total : 0.0});
  }
  return out;
}

Tensor predict_outputs(Network& net, const Tensor& inputs, ActivationKind output, const Preparation& preparation) {
  net.set_training(false);
  const int64_t n = inputs.dim(0), row = inputs.size() / std::max<int64_t>(n, 1);
  constexpr int64_t kBatch = 1000;
  Tensor batch, activated, all;
  for (int64_t start = 0; start < n; start += kBatch) {
    const int64_t count = std::min(kBatch, n - start);
    Shape shape = inputs.shape();
    shape.front() = count;
    batch.resize(shape);
    std::copy_n(inputs.data() + start * row, count * row, batch.data());
    const Tensor& out = net.forward(batch);
    if (all.empty()) all = Tensor({n, out.size() / count});
    if (output == ActivationKind::Identity) {
      std::copy_n(out.data(), out.size(), all.data() + start * all.dim(1));
    } else {
      activate(output, out, activated);
      std::copy_n(activated.data(), activated.size(), all.data() + start * all.dim(1));
    }
  }
  if (preparation.task == Task::Regression) unscale_targets(preparation, all);
  return all;
}

}  // namespace neurite
