#include "neurite/data/dataset.h"

#include <algorithm>

#include "neurite/error.h"

namespace neurite {

namespace {
Shape with_rows(Shape sample, int64_t rows) {
  sample.front() = rows;
  return sample;
}
}  // namespace

Dataset Dataset::slice(int64_t begin, int64_t end) const {
  require(0 <= begin && begin <= end && end <= size(),
          "dataset slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") outside " +
              std::to_string(size()) + " samples");
  Dataset out;
  const int64_t in_row = inputs.size() / std::max<int64_t>(size(), 1);
  const int64_t target_row = targets.size() / std::max<int64_t>(size(), 1);
  out.inputs = Tensor(with_rows(inputs.shape(), end - begin));
  out.targets = Tensor(with_rows(targets.shape(), end - begin));
  std::copy(inputs.data() + begin * in_row, inputs.data() + end * in_row, out.inputs.data());
  std::copy(targets.data() + begin * target_row, targets.data() + end * target_row, out.targets.data());
  out.labels.assign(labels.begin() + begin, labels.begin() + end);
  return out;
}

void Dataset::gather(std::span<const int64_t> rows, Tensor& inputs_out, Tensor& targets_out) const {
  const auto n = static_cast<int64_t>(rows.size());
  const int64_t in_row = inputs.size() / size();
  const int64_t target_row = targets.size() / size();
  inputs_out.resize(with_rows(inputs.shape(), n));
  targets_out.resize(with_rows(targets.shape(), n));
  for (int64_t r = 0; r < n; ++r) {
    const int64_t src = rows[static_cast<std::size_t>(r)];
    std::copy_n(inputs.data() + src * in_row, in_row, inputs_out.data() + r * in_row);
    std::copy_n(targets.data() + src * target_row, target_row, targets_out.data() + r * target_row);
  }
}

float scale_pixel(uint8_t value, InputScale scale) {
  const float unit = static_cast<float>(value) / 255.0f;
  switch (scale) {
    case InputScale::Unit: return unit;
    case InputScale::Rashid: return unit * 0.99f + 0.01f;
    case InputScale::Standard: return (unit - 0.1307f) / 0.3081f;
  }
  return unit;
}

Dataset make_dataset(std::span<const uint8_t> pixels, std::span<const uint8_t> labels,
                     const Shape& sample_shape, int classes, InputScale scale, TargetValues targets) {
  const auto n = static_cast<int64_t>(labels.size());
  const int64_t per_sample = element_count(sample_shape);
  require(static_cast<int64_t>(pixels.size()) == n * per_sample,
          "dataset: " + std::to_string(pixels.size()) + " pixel values for " + std::to_string(n) +
              " samples of shape " + to_string(sample_shape));
  Dataset d;
  Shape shape = sample_shape;
  shape.insert(shape.begin(), n);
  d.inputs = Tensor(shape);
  for (std::size_t i = 0; i < pixels.size(); ++i) d.inputs[static_cast<int64_t>(i)] = scale_pixel(pixels[i], scale);
  d.targets = Tensor({n, classes}, targets.off);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t label = labels[static_cast<std::size_t>(i)];
    require(label < classes, "label " + std::to_string(label) + " of sample " + std::to_string(i) +
                                 " is not below the " + std::to_string(classes) + " classes");
    d.targets[i * classes + label] = targets.on;
  }
  d.labels.assign(labels.begin(), labels.end());
  return d;
}

}  // namespace neurite
