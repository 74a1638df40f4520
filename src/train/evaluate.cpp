#include "neurite/train/evaluate.h"

#include <algorithm>

namespace neurite {

namespace {
// Evaluation runs in batches of up to 1000 samples, fewer when a network's activations are big
// (a conv net keeps ~44,000 floats per sample): the buffers stay within about 16 MB.
constexpr int64_t kMaxEvalBatch = 1000;
constexpr int64_t kEvalActivationBudget = int64_t{4} << 20;  // floats

int64_t eval_batch(const Network& net) {
  const int64_t per_sample = std::max<int64_t>(net.activation_floats_per_sample(), 1);
  return std::clamp<int64_t>(kEvalActivationBudget / per_sample, 1, kMaxEvalBatch);
}

// Copies rows [start, start + count) of `from` into `to`, keeping the sample shape.
void copy_rows(const Tensor& from, int64_t start, int64_t count, Tensor& to) {
  const int64_t row = from.size() / std::max<int64_t>(from.dim(0), 1);
  Shape shape = from.shape();
  shape.front() = count;
  to.resize(shape);
  std::copy_n(from.data() + start * row, count * row, to.data());
}

// The largest entry of each row; a single output is a probability, its class 1 from 0.5 up.
void argmax_rows(const Tensor& out, int64_t count, int* classes) {
  const int64_t k = out.size() / count;
  if (k == 1) {
    for (int64_t i = 0; i < count; ++i) classes[i] = out[i] >= 0.5f;
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    const float* o = out.data() + i * k;
    classes[i] = static_cast<int>(std::max_element(o, o + k) - o);
  }
}

// The classes of one batch: the output activation applied, then the largest entry of each row.
void classify(const Tensor& output, ActivationKind activation, int64_t count, Tensor& scratch, int* classes) {
  if (activation == ActivationKind::Identity) return argmax_rows(output, count, classes);
  activate(activation, output, scratch);
  argmax_rows(scratch, count, classes);
}
}  // namespace

SetMeasure measure(Network& net, const Cost& cost, const Dataset& data, const std::string& name, double penalty) {
  SetMeasure m{.name = name, .total = data.labels.empty() ? 0 : data.size()};  // no labels: regression
  net.set_training(false);
  const int64_t batch = eval_batch(net);
  std::vector<int> classes(static_cast<std::size_t>(batch));
  Tensor x, y, predictions;
  double cost_sum = 0;
  for (int64_t start = 0; start < data.size(); start += batch) {
    const int64_t count = std::min(batch, data.size() - start);
    data.read_inputs(start, count, x);
    copy_rows(data.targets, start, count, y);
    const Tensor& output = net.forward(x);
    cost_sum += cost.value(output, y) * static_cast<double>(count);
    if (data.labels.empty()) continue;
    classify(output, cost.output_activation(), count, predictions, classes.data());
    for (int64_t i = 0; i < count; ++i)
      m.correct += classes[static_cast<std::size_t>(i)] == data.labels[static_cast<std::size_t>(start + i)];
  }
  m.cost = (data.size() ? cost_sum / static_cast<double>(data.size()) : 0.0) + penalty;
  return m;
}

std::vector<int> predict_classes(Network& net, const Dataset& data, ActivationKind output) {
  const int64_t n = data.size(), batch = eval_batch(net);
  std::vector<int> classes(static_cast<std::size_t>(n));
  net.set_training(false);
  Tensor x, scratch;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t count = std::min(batch, n - start);
    data.read_inputs(start, count, x);
    classify(net.forward(x), output, count, scratch, classes.data() + start);
  }
  return classes;
}

std::vector<int> predict_classes(Network& net, const Tensor& inputs, int64_t batch, ActivationKind output) {
  const int64_t n = inputs.dim(0);
  if (batch <= 0) batch = eval_batch(net);
  std::vector<int> classes(static_cast<std::size_t>(n));
  net.set_training(false);
  Tensor x, scratch;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t count = std::min(batch, n - start);
    copy_rows(inputs, start, count, x);
    classify(net.forward(x), output, count, scratch, classes.data() + start);
  }
  return classes;
}

int64_t count_correct(Network& net, const Dataset& data) {
  const std::vector<int> predicted = predict_classes(net, data);
  int64_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == data.labels[i];
  return correct;
}

ConfusionMatrix confusion_matrix(const std::vector<int>& predicted, const std::vector<int32_t>& labels, int64_t classes) {
  for (std::size_t i = 0; i < predicted.size() && i < labels.size(); ++i)
    classes = std::max<int64_t>({classes, int64_t{labels[i]} + 1, int64_t{predicted[i]} + 1});
  ConfusionMatrix m(static_cast<std::size_t>(classes), std::vector<int64_t>(static_cast<std::size_t>(classes), 0));
  for (std::size_t i = 0; i < predicted.size() && i < labels.size(); ++i)
    if (predicted[i] >= 0) ++m[labels[i]][static_cast<std::size_t>(predicted[i])];
  return m;
}

ConfusionMatrix confusion_matrix(Network& net, const Dataset& data) {
  const Shape& out = net.output_shape();
  return confusion_matrix(predict_classes(net, data), data.labels, out.empty() ? 0 : out.back());
}

int64_t diagonal_sum(const ConfusionMatrix& m) {
  int64_t sum = 0;
  for (std::size_t i = 0; i < m.size(); ++i) sum += m[i][i];
  return sum;
}

}  // namespace neurite
