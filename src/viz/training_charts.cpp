#include "neurite/viz/training_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "neurite/error.h"

namespace neurite {

namespace {

const char* const kSets[] = {"train", "validation", "test"};

std::string percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", fraction * 100);
  return buffer;
}

// "784-100-10 sigmoid · 30 epochs, stopped early (best: epoch 27, 98.11%)" or "... still running".
std::string run_summary(const TrainingLog& log) {
  std::string text = log.network.empty() ? "" : log.network + "  ·  ";
  if (!log.end) return text + std::to_string(log.epochs.size()) + " epochs so far (still running)";
  text += std::to_string(log.end->epochs_run) + " epochs";
  if (log.end->stopped == "early-stopping") text += ", stopped early";
  if (log.end->stopped == "rate-floor") text += ", stopped at the learning-rate floor";
  if (log.end->best_epoch && log.end->best_accuracy)
    text += " (best: epoch " + std::to_string(*log.end->best_epoch) + ", " + percent(*log.end->best_accuracy) + ")";
  return text;
}

using MetricOf = std::optional<double> (*)(const SetMetrics&);

// Train, validation and test as series of `metric` times `scale`; sets never measured are left out.
std::vector<Series> set_series(const TrainingLog& log, MetricOf metric, double scale) {
  std::vector<Series> all;
  for (const char* set : kSets) {
    Series series{set, {}, {}};
    for (const EpochRecord& epoch : log.epochs) {
      const auto it = epoch.sets.find(set);
      if (it == epoch.sets.end() || !metric(it->second)) continue;
      series.x.push_back(static_cast<double>(epoch.epoch));
      series.y.push_back(*metric(it->second) * scale);
    }
    if (!series.x.empty()) all.push_back(std::move(series));
  }
  return all;
}

LineChart epoch_chart(const TrainingLog& log, std::string title, std::string y_label) {
  LineChart chart;
  chart.title = std::move(title);
  chart.subtitle = run_summary(log);
  chart.x_label = "epoch";
  chart.y_label = std::move(y_label);
  return chart;
}

// The layer index of "3.weight", or nothing for a parameter that is not a layer's weight.
std::optional<int> weight_layer(const std::string& parameter) {
  const std::string suffix = ".weight";
  if (parameter.size() <= suffix.size() || !parameter.ends_with(suffix)) return std::nullopt;
  const std::string index = parameter.substr(0, parameter.size() - suffix.size());
  if (index.size() > 6 || !std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoi(index);
}

std::vector<int> weight_layers(const TrainingLog& log) {
  std::vector<int> layers;
  for (const EpochRecord& epoch : log.epochs)
    for (const auto& [parameter, norm] : epoch.grad_norms)
      if (const auto layer = weight_layer(parameter)) layers.push_back(*layer);
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
  return layers;
}

int64_t total_of(const std::vector<std::vector<int64_t>>& counts, bool diagonal_only) {
  int64_t total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r)
    for (std::size_t c = 0; c < counts.size(); ++c)
      if (!diagonal_only || r == c) total += counts[r][c];
  return total;
}

// The side of a square picture of `pixels` pixels, or 0 when there is none.
int64_t square_side(int64_t pixels) {
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(pixels))));
  return side > 0 && side * side == pixels ? side : 0;
}

}  // namespace

LineChart cost_chart(const TrainingLog& log) {
  LineChart chart = epoch_chart(log, "Cost per epoch", "cost");
  chart.series = set_series(log, [](const SetMetrics& m) { return m.cost; }, 1.0);
  return chart;
}

LineChart accuracy_chart(const TrainingLog& log) {
  LineChart chart = epoch_chart(log, "Accuracy per epoch", "accuracy (%)");
  chart.series = set_series(log, [](const SetMetrics& m) { return m.accuracy; }, 100.0);
  return chart;
}

LineChart gradient_norm_chart(const TrainingLog& log) {
  LineChart chart = epoch_chart(log, "Gradient norm per layer", "mean weight-gradient L2 norm (log scale)");
  chart.y_scale = AxisScale::Log;
  for (int layer : weight_layers(log)) {
    Series series{"layer " + std::to_string(layer), {}, {}};
    const std::string parameter = std::to_string(layer) + ".weight";
    for (const EpochRecord& epoch : log.epochs) {
      const auto it = epoch.grad_norms.find(parameter);
      if (it == epoch.grad_norms.end()) continue;
      series.x.push_back(static_cast<double>(epoch.epoch));
      series.y.push_back(it->second);
    }
    chart.series.push_back(std::move(series));
  }
  return chart;
}

const EvaluationRecord* last_confusion(const TrainingLog& log) {
  for (auto it = log.evaluations.rbegin(); it != log.evaluations.rend(); ++it)
    if (!it->confusion.empty()) return &*it;
  return nullptr;
}

ConfusionChart confusion_chart(const TrainingLog& log, const EvaluationRecord& evaluation) {
  ConfusionChart chart;
  const std::string set = evaluation.set.empty() ? "" : evaluation.set + " set, ";
  chart.title = "Confusion matrix: " + set + "epoch " + std::to_string(evaluation.epoch);
  const int64_t total = total_of(evaluation.confusion, false), right = total_of(evaluation.confusion, true);
  chart.subtitle = (log.network.empty() ? "" : log.network + "  ·  ") + std::to_string(right) + " of " +
                   std::to_string(total) + " right" +
                   (total > 0 ? " (" + percent(static_cast<double>(right) / static_cast<double>(total)) + ")" : "");
  chart.counts = evaluation.confusion;
  return chart;
}

ImageGrid misclassified_grid(const TrainingLog& log, const EvaluationRecord& evaluation, const Dataset& images,
                             const std::string& log_name, std::size_t most) {
  const int64_t pixels = images.sample_size();
  const int64_t side = square_side(pixels);
  require(side > 0, "the evaluated images of " + std::to_string(pixels) + " pixels are not square pictures");
  const std::size_t shown = std::min(most, evaluation.misclassified.size());
  ImageGrid grid;
  grid.title = "Misclassified " + (evaluation.set.empty() ? std::string() : evaluation.set + " ") +
               "digits, epoch " + std::to_string(evaluation.epoch);
  grid.subtitle = (log.network.empty() ? "" : log.network + "  ·  ") + "true label → predicted  ·  " +
                  std::to_string(shown) + " of " + std::to_string(evaluation.misclassified.size()) + " shown";
  for (std::size_t i = 0; i < shown; ++i) {
    const Misclassified& m = evaluation.misclassified[i];
    require(m.index < images.size(), log_name + ": misclassified index " + std::to_string(m.index) +
                                         " is outside the " + std::to_string(images.size()) + " images");
    std::vector<uint8_t> ink(static_cast<std::size_t>(pixels));
    Tensor digit;
    images.read_inputs(m.index, 1, digit);  // unit scale: pixel / 255
    const float* row = digit.data();
    for (int64_t p = 0; p < pixels; ++p)
      ink[static_cast<std::size_t>(p)] = static_cast<uint8_t>(std::lround(std::clamp(row[p], 0.0f, 1.0f) * 255));
    grid.images.push_back(digit_picture(ink, side, side));
    grid.captions.push_back(std::to_string(m.label) + " → " + std::to_string(m.predicted));
  }
  return grid;
}

std::optional<ImageGrid> weight_grid(const Tensor& weight, std::size_t most) {
  if (weight.rank() != 2) return std::nullopt;
  const int64_t units = weight.dim(0), inputs = weight.dim(1), side = square_side(inputs);
  if (side == 0 || units == 0) return std::nullopt;
  const int64_t shown = std::min<int64_t>(units, static_cast<int64_t>(most));
  ImageGrid grid;
  grid.title = "First-layer weights: " + std::to_string(shown) + " of " + std::to_string(units) + " hidden units";
  grid.subtitle = "one " + std::to_string(side) + "×" + std::to_string(side) +
                  " tile per unit, each from its own most negative (black) to most positive (white) weight";
  for (int64_t u = 0; u < shown; ++u) {
    const std::span<const float> unit(weight.data() + u * inputs, static_cast<std::size_t>(inputs));
    grid.images.push_back(normalized_picture(unit, side, side));
  }
  return grid;
}

}  // namespace neurite
