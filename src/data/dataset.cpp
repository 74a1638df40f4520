#include "neurite/data/dataset.h"

#include <algorithm>
#include <array>

#include "neurite/error.h"
#include "neurite/ops/gemm.h"  // num_threads

namespace neurite {

namespace {

// Fewer values than this are gathered on one thread: waking a second costs more.
constexpr int64_t kMinParallelValues = int64_t{1} << 15;

Shape with_rows(Shape sample, int64_t rows) {
  sample.front() = rows;
  return sample;
}


bool holds_pixels(const Dataset& d) { return d.inputs.empty() && !d.pixel_shape.empty(); }

// The 256 floats the pixel bytes stand for: one table per read instead of a branch per pixel.
std::array<float, 256> pixel_table(InputScale scale) {
  std::array<float, 256> table{};
  for (int v = 0; v < 256; ++v) table[static_cast<std::size_t>(v)] = scale_pixel(static_cast<uint8_t>(v), scale);
  return table;
}

// Copies one sample's inputs to `out` as floats.
class RowReader {
 public:
  explicit RowReader(const Dataset& d) : d_(d), row_(d.sample_size()) {
    if (holds_pixels(d) && d.scale != InputScale::Unit) table_ = pixel_table(d.scale);
  }
  int64_t row_size() const { return row_; }
  void copy(int64_t sample, float* out) const {
    if (!holds_pixels(d_)) {
      std::copy_n(d_.inputs.data() + sample * row_, row_, out);
      return;
    }
    const uint8_t* p = d_.pixels.data() + sample * row_;
    if (d_.scale == InputScale::Unit) {
      // scale_pixel's x / 255, correctly rounded like the table's entry, but in vector lanes:
      // this runs for every image of every batch.
      for (int64_t i = 0; i < row_; ++i) out[i] = static_cast<float>(p[i]) / 255.0f;
      return;
    }
    for (int64_t i = 0; i < row_; ++i) out[i] = table_[p[i]];
  }

 private:
  const Dataset& d_;
  int64_t row_;
  std::array<float, 256> table_{};
};
}  // namespace

Shape Dataset::sample_shape() const {
  if (holds_pixels(*this)) return pixel_shape;
  return Shape(inputs.shape().begin() + (inputs.rank() > 0 ? 1 : 0), inputs.shape().end());
}

void Dataset::read_inputs(int64_t begin, int64_t count, Tensor& out) const {
  require(0 <= begin && count >= 0 && begin + count <= size(),
          "dataset rows [" + std::to_string(begin) + ", " + std::to_string(begin + count) + ") outside " +
              std::to_string(size()) + " samples");
  Shape shape = sample_shape();
  shape.insert(shape.begin(), count);
  out.resize(shape);
  const RowReader reader(*this);
  for (int64_t r = 0; r < count; ++r) reader.copy(begin + r, out.data() + r * reader.row_size());
}

Dataset Dataset::slice(int64_t begin, int64_t end) const {
  require(0 <= begin && begin <= end && end <= size(),
          "dataset slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") outside " +
              std::to_string(size()) + " samples");
  Dataset out;
  const int64_t row = sample_size();
  const int64_t target_row = targets.size() / std::max<int64_t>(size(), 1);
  if (holds_pixels(*this)) {
    out.pixels.assign(pixels.begin() + begin * row, pixels.begin() + end * row);
    out.pixel_shape = pixel_shape;
    out.scale = scale;
  } else {
    out.inputs = Tensor(with_rows(inputs.shape(), end - begin));
    std::copy(inputs.data() + begin * row, inputs.data() + end * row, out.inputs.data());
  }
  out.targets = Tensor(with_rows(targets.shape(), end - begin));
  std::copy(targets.data() + begin * target_row, targets.data() + end * target_row, out.targets.data());
  if (!labels.empty()) out.labels.assign(labels.begin() + begin, labels.begin() + end);
  return out;
}

void Dataset::gather(std::span<const int64_t> rows, Tensor& inputs_out, Tensor& targets_out) const {
  const auto n = static_cast<int64_t>(rows.size());
  const int64_t target_row = targets.size() / size();
  Shape shape = sample_shape();
  shape.insert(shape.begin(), n);
  inputs_out.resize(shape);
  targets_out.resize(with_rows(targets.shape(), n));
  const RowReader reader(*this);
  // A mini-batch of images (64 x 784 values) is split between threads: each row is a plain copy,
  // so the split changes no value.
  const auto copy_row = [&](int64_t r) {
    const int64_t src = rows[static_cast<std::size_t>(r)];
    reader.copy(src, inputs_out.data() + r * reader.row_size());
    std::copy_n(targets.data() + src * target_row, target_row, targets_out.data() + r * target_row);
  };
  // Small batches stay out of OpenMP altogether: even a one-thread region cost the fused batch-10
  // step 2 us (the 784-30-10 epoch went from 35 to 45 ms).
  if (n * reader.row_size() < kMinParallelValues || num_threads() == 1) {
    for (int64_t r = 0; r < n; ++r) copy_row(r);
    return;
  }
#pragma omp parallel for num_threads(num_threads()) schedule(static)
  for (int64_t r = 0; r < n; ++r) copy_row(r);
}

void Dataset::prefetch(std::span<const int64_t> rows) const {
  constexpr int64_t kLine = 64;
  const auto bytes = [](const void* p) { return static_cast<const char*>(p); };
  const int64_t row_bytes = sample_size() * (holds_pixels(*this) ? 1 : static_cast<int64_t>(sizeof(float)));
  const char* base = holds_pixels(*this) ? bytes(pixels.data()) : bytes(inputs.data());
  for (const int64_t row : rows)
    for (int64_t offset = 0; offset < row_bytes; offset += kLine) __builtin_prefetch(base + row * row_bytes + offset);
}

InputScale parse_scale(const std::string& name) {
  if (name == "unit") return InputScale::Unit;
  if (name == "rashid") return InputScale::Rashid;
  if (name == "standard") return InputScale::Standard;
  throw Error("input scale '" + name + "': expected unit ([0,1]), rashid ([0.01,1]) or standard (mean 0, deviation 1)");
}

std::string scale_name(InputScale scale) {
  switch (scale) {
    case InputScale::Unit: return "unit";
    case InputScale::Rashid: return "rashid";
    case InputScale::Standard: return "standard";
  }
  return "unit";
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

namespace {

void require_pixel_count(int64_t pixel_count, int64_t samples, const Shape& sample_shape) {
  require(pixel_count == samples * element_count(sample_shape),
          "dataset: " + std::to_string(pixel_count) + " pixel values for " + std::to_string(samples) +
              " samples of shape " + to_string(sample_shape));
}

void set_labels(Dataset& d, std::span<const uint8_t> labels, int classes, TargetValues targets) {
  const auto n = static_cast<int64_t>(labels.size());
  d.targets = Tensor({n, classes}, targets.off);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t label = labels[static_cast<std::size_t>(i)];
    require(label < classes, "label " + std::to_string(label) + " of sample " + std::to_string(i) +
                                 " is not below the " + std::to_string(classes) + " classes");
    d.targets[i * classes + label] = targets.on;
  }
  d.labels.assign(labels.begin(), labels.end());
}

}  // namespace

Dataset make_dataset(std::span<const uint8_t> pixels, std::span<const uint8_t> labels,
                     const Shape& sample_shape, int classes, InputScale scale, TargetValues targets,
                     bool keep_pixels) {
  if (keep_pixels) {
    std::vector<uint8_t> copy;
    copy.reserve(pixels.size());
    prefer_huge_pages(copy.data(), copy.capacity());
    copy.assign(pixels.begin(), pixels.end());
    return make_dataset(std::move(copy), labels, sample_shape, classes, scale, targets);
  }
  const auto n = static_cast<int64_t>(labels.size());
  require_pixel_count(static_cast<int64_t>(pixels.size()), n, sample_shape);
  Dataset d;
  d.scale = scale;
  Shape shape = sample_shape;
  shape.insert(shape.begin(), n);
  d.inputs = Tensor(shape);
  const std::array<float, 256> table = pixel_table(scale);
  for (std::size_t i = 0; i < pixels.size(); ++i) d.inputs[static_cast<int64_t>(i)] = table[pixels[i]];
  set_labels(d, labels, classes, targets);
  return d;
}

Dataset make_dataset(std::vector<uint8_t>&& pixels, std::span<const uint8_t> labels, const Shape& sample_shape,
                     int classes, InputScale scale, TargetValues targets) {
  require_pixel_count(static_cast<int64_t>(pixels.size()), static_cast<int64_t>(labels.size()), sample_shape);
  Dataset d;
  d.scale = scale;
  d.pixels = std::move(pixels);
  d.pixel_shape = sample_shape;
  set_labels(d, labels, classes, targets);
  return d;
}

}  // namespace neurite
