// Arrays (.npy, .npz, IDX of any shape) and image folders as a data source: features and
// labels read, the task chosen, split, and scaled per channel or per feature (fitted on the
// training samples only); and files given to a trained array or image model read its way.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "neurite/data/idx.h"
#include "neurite/data/image_folder.h"
#include "neurite/data/numpy.h"
#include "neurite/data/picture.h"
#include "source_parts.h"

namespace neurite::source_parts {

namespace {

NdArray read_array(const std::string& path, const std::string& format) {
  return format == "idx" ? read_idx_array(path) : read_npy(path);
}

// The array's samples as floats (N, sample...).
Tensor array_values(const NdArray& a, const std::string& source) {
  require(a.shape.size() >= 1 && !a.is_text(), source + ": the features must be a numeric array of one sample per row");
  Tensor t(a.shape.size() == 1 ? Shape{a.shape[0], 1} : a.shape);
  if (!a.bytes.empty()) {
    std::copy(a.bytes.begin(), a.bytes.end(), t.data());
  } else {
    for (std::size_t i = 0; i < a.values.size(); ++i) {
      require(std::isfinite(a.values[i]), source + ": value " + std::to_string(i) + " is " + shortest(a.values[i]) +
                                              " (the data must be finite numbers)");
      t[static_cast<int64_t>(i)] = a.values[i];
    }
  }
  return t;
}

// A labels array's entries as text (class names) and as numbers, `per_row` of them per sample.
struct LabelValues {
  std::vector<std::string> texts = {};
  std::vector<float> numbers = {};
  int64_t per_row = 1;
};

LabelValues label_values(const NdArray& y, int64_t n, const std::string& source) {
  require(!y.shape.empty() && y.shape[0] == n, source + ": " + std::to_string(y.shape.empty() ? 0 : y.shape[0]) +
                                                   " labels for " + std::to_string(n) + " samples");
  LabelValues v{.per_row = y.size() / std::max<int64_t>(n, 1)};
  for (int64_t i = 0; i < y.size(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    const float x = !y.bytes.empty() ? y.bytes[k] : y.values.empty() ? 0.0f : y.values[k];
    require(y.is_text() || std::isfinite(x), source + ": label " + std::to_string(i) + " is " + shortest(x));
    v.numbers.push_back(x);
    v.texts.push_back(y.is_text() ? y.strings[k] : shortest(x));
  }
  return v;
}

Targets regression_targets(const LabelValues& v, int64_t n) {
  Targets t{.task = Task::Regression, .values = Tensor({n, v.per_row})};
  std::copy(v.numbers.begin(), v.numbers.end(), t.values.data());
  return t;
}

// The targets of a training labels array, its task decided (or named by `task_option`).
Targets array_targets(const NdArray& y, int64_t n, const std::string& task_option, const std::string& source,
                      std::vector<std::string>& notes) {
  const LabelValues v = label_values(y, n, source);
  const std::set<std::string> distinct(v.texts.begin(), v.texts.end());
  const Task task = decide_task(task_option, y.is_text(), {distinct.begin(), distinct.end()}, y.integral,
                                static_cast<std::size_t>(v.per_row), notes);
  if (task != Task::Regression) return class_targets(task, v.texts, std::vector<bool>(v.texts.size(), false));
  return regression_targets(v, n);
}

// The targets of another labels array in a trained model's terms: its classes matched by name.
Targets known_array_targets(const NdArray& y, int64_t n, Task task, const std::vector<std::string>& class_names,
                            const std::string& source) {
  const LabelValues v = label_values(y, n, source);
  if (task == Task::Regression) return regression_targets(v, n);
  return {.task = task, .class_names = class_names,
          .labels = match_classes(v.texts, std::vector<bool>(v.texts.size(), false), class_names, source)};
}

// Inputs (N, sample...) and raw labels of an array source.
struct ArrayData {
  Tensor inputs;
  NdArray labels;
  bool bytes = false;  // pixels: divided by 255, scaled per channel
  std::string source;  // the features' file
  std::string labels_source = {};
};

// The named members of an .npz (Keras's x_train / y_train / x_test / y_test, or x / y).
std::pair<ArrayData, std::optional<ArrayData>> read_npz_data(const std::string& path) {
  std::map<std::string, NdArray> members;
  std::string names;
  for (auto& [name, array] : read_npz(path)) {
    names += (names.empty() ? "" : ", ") + name;
    members[name] = std::move(array);
  }
  const auto take = [&](const std::string& x, const std::string& y) {
    const bool bytes = !members[x].bytes.empty();
    return ArrayData{array_values(members[x], path + ":" + x), members[y], bytes, path, path + ":" + y};
  };
  if (members.count("x") && members.count("y")) return {take("x", "y"), std::nullopt};
  require(members.count("x_train") && members.count("y_train"),
          path + ": expected arrays x and y, or x_train and y_train (it holds " + names + ")");
  if (members.count("x_test") && members.count("y_test")) return {take("x_train", "y_train"), take("x_test", "y_test")};
  return {take("x_train", "y_train"), std::nullopt};
}

ArrayData read_array_pair(const std::string& features, const std::string& labels, const std::string& format) {
  require(!labels.empty(), features + ": " + format + " features need a labels file (--labels)");
  const NdArray x = read_array(features, format);
  return {array_values(x, features), read_array(labels, format), !x.bytes.empty(), features, labels};
}

ArrayData image_folder_data(const ImageFolder& f) {
  Tensor inputs({static_cast<int64_t>(f.labels.size()), f.channels, f.height, f.width});
  std::copy(f.pixels.begin(), f.pixels.end(), inputs.data());
  NdArray labels{.shape = {static_cast<int64_t>(f.labels.size())}, .dtype = "|S"};
  for (const int32_t l : f.labels) labels.strings.push_back(f.class_names[static_cast<std::size_t>(l)]);
  return {std::move(inputs), std::move(labels), true, ""};
}

ImageFolderOptions folder_options(const SourceOptions& o) {
  require(o.colour == "auto" || o.colour == "grey" || o.colour == "gray" || o.colour == "rgb",
          "color '" + o.colour + "' is unknown (expected auto, grey or rgb)");
  return {.channels = o.colour == "rgb" ? 3 : o.colour == "auto" ? 0 : 1, .width = o.image_width, .height = o.image_height};
}

Tensor rows_of(const Tensor& all, const std::vector<int64_t>& rows) {
  const int64_t row = all.size() / std::max<int64_t>(all.dim(0), 1);
  Shape shape = all.shape();
  shape.front() = static_cast<int64_t>(rows.size());
  Tensor out(shape);
  for (std::size_t i = 0; i < rows.size(); ++i) std::copy_n(all.data() + rows[i] * row, row, out.data() + static_cast<int64_t>(i) * row);
  return out;
}

// Channels of a sample: images (C, H, W) and byte arrays are scaled per channel, other arrays per feature.
int64_t scaling_channels(const Tensor& inputs, bool bytes) {
  if (!bytes) return 0;
  return inputs.rank() == 4 ? inputs.dim(1) : 1;
}

}  // namespace

LoadedData load_array_data(const DataFiles& files, const std::string& format, const SourceOptions& o, TargetValues values,
                           uint64_t seed) {
  LoadedData out;
  ArrayData train, test;
  bool has_test = false;
  if (format == "npz") {
    auto [a, b] = read_npz_data(files.train);
    train = std::move(a);
    if (b) test = std::move(*b), has_test = true;
  } else if (format == "images") {
    const ImageFolder folder = read_image_folder(files.train, folder_options(o));
    train = image_folder_data(folder);
    train.source = train.labels_source = files.train;
    out.preparation.colour = folder.channels == 3;
  } else {
    train = read_array_pair(files.train, files.train_labels, format);
  }
  const int64_t n = train.inputs.dim(0);
  const Targets targets = array_targets(train.labels, n, o.task, train.labels_source, out.notes);
  const Split split = split_rows(all_rows(n), o, has_test || !files.test.empty(), targets, seed);
  Preparation& p = out.preparation;
  p.kind = format == "images" ? "image" : "array";
  p.task = targets.task;
  p.divisor = train.bytes ? 255.0f : 1.0f;
  p.sample_shape = Shape(train.inputs.shape().begin() + 1, train.inputs.shape().end());
  Tensor training_inputs = rows_of(train.inputs, split.training);
  for (float& v : training_inputs.span()) v /= p.divisor;
  fit_array_scaling(p, training_inputs, scaling_channels(train.inputs, train.bytes), o.normalize);
  if (targets.task == Task::Regression)
    in_file(train.labels_source, [&] { fit_target_scaling(p, cost_targets(targets, split.training, Preparation{}, values)); });
  const auto set = [&](const std::vector<int64_t>& rows) {
    Tensor inputs = rows_of(train.inputs, rows);
    apply_array_scaling(p, inputs);
    return make_set(std::move(inputs), targets, rows, p, values);
  };
  out.training = set(split.training);
  if (!split.validation.empty()) out.validation = set(split.validation);
  if (!split.test.empty()) out.test = set(split.test);
  out.class_names = targets.class_names;
  if (has_test) {
    const int64_t count = test.inputs.dim(0);
    const Targets t = known_array_targets(test.labels, count, targets.task, out.class_names, test.labels_source);
    apply_array_scaling(p, test.inputs);
    out.test = make_set(std::move(test.inputs), t, all_rows(count), p, values);
  } else if (!files.test.empty()) {
    out.test = array_data_for_model({.train = files.test, .train_labels = files.test_labels}, format, p, out.class_names, values);
  }
  return out;
}

Dataset array_data_for_model(const DataFiles& files, const std::string& format, const Preparation& p,
                             const std::vector<std::string>& class_names, TargetValues values) {
  ArrayData data;
  if (format == "images") {
    data = image_folder_data(read_image_folder(files.train, {.channels = p.colour ? 3 : 1, .width = p.sample_shape.back(),
                                                             .height = p.sample_shape[p.sample_shape.size() - 2]},
                                                class_names));
  } else if (format == "npz") {
    auto [a, b] = read_npz_data(files.train);
    data = b ? std::move(*b) : std::move(a);
  } else {
    data = read_array_pair(files.train, files.train_labels, format);
  }
  require(element_count(Shape(data.inputs.shape().begin() + 1, data.inputs.shape().end())) == p.input_size(),
          files.train + ": samples of shape " + to_string(Shape(data.inputs.shape().begin() + 1, data.inputs.shape().end())) +
              ", the model takes " + to_string(p.sample_shape));
  const int64_t n = data.inputs.dim(0);
  const Targets t = known_array_targets(data.labels, n, p.task, class_names,
                                       data.labels_source.empty() ? files.train : data.labels_source);
  apply_array_scaling(p, data.inputs);
  return make_set(std::move(data.inputs), t, all_rows(n), p, values);
}

PredictionInputs array_inputs_for_model(const std::string& path, const std::string& given_format, const Preparation& p) {
  PredictionInputs out;
  const std::string head = first_bytes(path, 8);
  const bool picture = head.starts_with("\x89PNG") || head.starts_with("\xFF\xD8\xFF");
  if (picture) {
    require(p.sample_shape.size() >= 2, path + ": the model does not take pictures");
    const int channels = p.colour ? 3 : 1;
    const Picture resized = resize_picture(read_picture(path, channels), p.sample_shape.back(), p.sample_shape[p.sample_shape.size() - 2]);
    const std::vector<uint8_t> planar = picture_to_planar(resized);
    Shape shape = p.sample_shape;
    shape.insert(shape.begin(), 1);
    out.inputs = Tensor(shape);
    std::copy(planar.begin(), planar.end(), out.inputs.data());
    out.names.push_back(path);
  } else {
    const NdArray a = read_array(path, data_format(path, given_format));
    out.inputs = array_values(a, path);
    require(out.inputs.size() % p.input_size() == 0 && (out.inputs.size() / p.input_size()) * p.input_size() == out.inputs.size(),
            path + ": " + to_string(a.shape) + " values are not samples of the model's shape " + to_string(p.sample_shape));
    Shape shape = p.sample_shape;
    shape.insert(shape.begin(), out.inputs.size() / p.input_size());
    out.inputs.reshape(shape);
    for (int64_t i = 0; i < shape[0]; ++i) out.names.push_back("sample " + std::to_string(i));
  }
  apply_array_scaling(p, out.inputs);
  return out;
}

}  // namespace neurite::source_parts
