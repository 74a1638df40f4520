#include "neurite/data/source.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>

#include "neurite/data/idx.h"
#include "neurite/data/image_folder.h"
#include "neurite/data/numpy.h"
#include "neurite/data/picture.h"
#include "neurite/error.h"
#include "neurite/rng.h"

namespace neurite {

namespace fs = std::filesystem;

namespace {

// A numeric target with at most this many distinct whole values is taken for class labels.
constexpr std::size_t kMaxIntegerClasses = 20;

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

std::string first_bytes(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string head(n, '\0');
  in.read(head.data(), static_cast<std::streamsize>(n));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

std::string shortest(float v) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

// ---- what the targets are ----------------------------------------------------------------------

// The targets of every row: class indices, or numbers for regression.
struct Targets {
  Task task = Task::Classification;
  std::vector<std::string> class_names = {};
  std::vector<int32_t> labels = {};  // classification: per row, -1 when missing
  Tensor values = {};                // regression: (rows, targets), NaN when missing
  bool missing(int64_t row) const {
    if (task != Task::Regression) return labels[static_cast<std::size_t>(row)] < 0;
    const int64_t t = values.dim(1);
    for (int64_t k = 0; k < t; ++k)
      if (std::isnan(values[row * t + k])) return true;
    return false;
  }
};

// Sorted as numbers when every name is one, else as text (scikit-learn's LabelEncoder order).
void sort_class_names(std::vector<std::string>& names) {
  const auto number = [](const std::string& s, double& v) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size();
  };
  double a, b;
  if (std::all_of(names.begin(), names.end(), [&](const std::string& s) { return number(s, a); }))
    std::sort(names.begin(), names.end(), [&](const std::string& x, const std::string& y) {
      number(x, a), number(y, b);
      return a < b;
    });
  else
    std::sort(names.begin(), names.end());
}

// The task the option names, or the one the targets suggest: text or few whole numbers are
// classes (two of them: binary), anything else is regression.
Task decide_task(const std::string& option, bool text, const std::vector<std::string>& distinct, bool whole,
                 std::size_t targets, std::vector<std::string>& notes) {
  if (option != "auto") {
    const Task task = parse_task(option);
    require(task == Task::Regression || targets == 1, "task " + option + ": give one target column, not " + std::to_string(targets));
    require(task != Task::Regression || !text, "task regression: the target holds text, not numbers");
    return task;
  }
  Task task = Task::Regression;
  if (targets == 1 && (text || (whole && distinct.size() <= kMaxIntegerClasses)))
    task = distinct.size() == 2 ? Task::Binary : Task::Classification;
  notes.push_back("task: " + task_name(task) + " (" +
                  (task == Task::Regression ? std::string("numeric target")
                                            : std::to_string(distinct.size()) + " classes in the target") +
                  "; --task to choose)");
  return task;
}

// Labels from the text of each row's class; classes seen are sorted and numbered.
Targets class_targets(Task task, const std::vector<std::string>& texts, const std::vector<bool>& absent) {
  Targets t{.task = task};
  std::set<std::string> distinct;
  for (std::size_t r = 0; r < texts.size(); ++r)
    if (!absent[r]) distinct.insert(texts[r]);
  t.class_names.assign(distinct.begin(), distinct.end());
  sort_class_names(t.class_names);
  std::map<std::string, int32_t> index;
  for (std::size_t k = 0; k < t.class_names.size(); ++k) index[t.class_names[k]] = static_cast<int32_t>(k);
  for (std::size_t r = 0; r < texts.size(); ++r) t.labels.push_back(absent[r] ? -1 : index[texts[r]]);
  require(t.class_names.size() >= 2, "the target has " + std::to_string(t.class_names.size()) +
                                         " class (nothing to tell apart)");
  require(task != Task::Binary || t.class_names.size() == 2,
          "task binary: the target has " + std::to_string(t.class_names.size()) + " classes, not 2");
  return t;
}

// Labels of another file matched to known classes by name.
std::vector<int32_t> match_classes(const std::vector<std::string>& texts, const std::vector<bool>& absent,
                                   const std::vector<std::string>& class_names, const std::string& source) {
  std::vector<int32_t> labels;
  for (std::size_t r = 0; r < texts.size(); ++r) {
    require(!absent[r], source + ", row " + std::to_string(r + 1) + ": the target is missing");
    const auto it = std::find(class_names.begin(), class_names.end(), texts[r]);
    if (it == class_names.end()) {
      std::string known;
      for (const std::string& c : class_names) known += (known.empty() ? "" : ", ") + c;
      throw Error(source + ", row " + std::to_string(r + 1) + ": class '" + texts[r] +
                  "' is not among the training data's classes (" + known + ")");
    }
    labels.push_back(static_cast<int32_t>(it - class_names.begin()));
  }
  return labels;
}

// Runs `f`, naming `source` at the start of any Error it throws.
template <class F>
void in_file(const std::string& source, F f) {
  try {
    f();
  } catch (const Error& e) {
    throw Error(source + ", " + e.what());
  }
}

// ---- splitting ---------------------------------------------------------------------------------

struct Split {
  std::vector<int64_t> training, validation = {}, test = {};
};

// Takes `fraction` of `rows` (of each class when `labels` is given), seeded; both parts sorted.
std::pair<std::vector<int64_t>, std::vector<int64_t>> take_fraction(const std::vector<int64_t>& rows, double fraction,
                                                                    const std::vector<int32_t>* labels, Rng& rng) {
  std::map<int32_t, std::vector<int64_t>> groups;
  for (const int64_t r : rows) groups[labels ? (*labels)[static_cast<std::size_t>(r)] : 0].push_back(r);
  std::vector<int64_t> kept, taken;
  for (auto& [label, group] : groups) {
    rng.shuffle(std::span<int64_t>(group));
    auto n = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(group.size())));
    if (labels && n == group.size() && n > 0) --n;  // every class keeps a training sample
    taken.insert(taken.end(), group.begin(), group.begin() + static_cast<std::ptrdiff_t>(n));
    kept.insert(kept.end(), group.begin() + static_cast<std::ptrdiff_t>(n), group.end());
  }
  std::sort(kept.begin(), kept.end());
  std::sort(taken.begin(), taken.end());
  return {kept, taken};
}

Split split_rows(const std::vector<int64_t>& rows, const SourceOptions& o, bool own_test, const Targets& targets,
                 uint64_t seed) {
  Rng rng(seed, /*stream=*/3);
  const std::vector<int32_t>* labels = targets.task == Task::Regression ? nullptr : &targets.labels;
  Split s{.training = rows};
  if (!own_test && o.test_split > 0) std::tie(s.training, s.test) = take_fraction(s.training, o.test_split, labels, rng);
  if (o.validation_split > 0)
    std::tie(s.training, s.validation) = take_fraction(s.training, o.validation_split, labels, rng);
  require(!s.training.empty(), "no training rows are left after the splits");
  return s;
}

// ---- datasets ----------------------------------------------------------------------------------

// Targets for the cost: one-hot rows, one 0/1 column for binary, scaled numbers for regression.
Tensor cost_targets(const Targets& t, const std::vector<int64_t>& rows, const Preparation& p, TargetValues values) {
  const auto n = static_cast<int64_t>(rows.size());
  if (t.task == Task::Regression) {
    const int64_t k = t.values.dim(1);
    Tensor y({n, k});
    for (int64_t i = 0; i < n; ++i) std::copy_n(t.values.data() + rows[static_cast<std::size_t>(i)] * k, k, y.data() + i * k);
    scale_targets(p, y);
    return y;
  }
  const int64_t k = t.task == Task::Binary ? 1 : static_cast<int64_t>(t.class_names.size());
  Tensor y({n, k}, values.off);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t label = t.labels[static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])];
    if (t.task == Task::Binary)
      y[i] = label == 1 ? values.on : values.off;
    else
      y[i * k + label] = values.on;
  }
  return y;
}

Dataset make_set(Tensor inputs, const Targets& t, const std::vector<int64_t>& rows, const Preparation& p,
                 TargetValues values) {
  Dataset d;
  d.inputs = std::move(inputs);
  d.targets = cost_targets(t, rows, p, values);
  if (t.task != Task::Regression)
    for (const int64_t r : rows) d.labels.push_back(t.labels[static_cast<std::size_t>(r)]);
  return d;
}

// ---- tables ------------------------------------------------------------------------------------

CsvOptions csv_options(const SourceOptions& o) {
  CsvOptions c{.categorical = o.categorical};
  if (o.header != "auto") {
    require(o.header == "yes" || o.header == "no", "header '" + o.header + "' is unknown (expected auto, yes or no)");
    c.header = o.header == "yes" ? HeaderMode::Present : HeaderMode::Absent;
  }
  return c;
}

Table read_table(const std::string& path, const std::string& format, const SourceOptions& o) {
  CsvOptions c = csv_options(o);
  if (format == "tsv") c.delimiter = '\t';
  return format == "json" ? read_json_records(path, c) : read_csv(path, c);
}

std::vector<int64_t> target_columns(const Table& table, const std::string& target) {
  if (target.empty()) return {table.column_count() - 1};
  std::vector<int64_t> columns;
  for (const std::string& name : split_commas(target)) columns.push_back(table.column_index(name));
  return columns;
}

std::vector<int64_t> feature_columns(const Table& table, const std::vector<int64_t>& targets, const SourceOptions& o) {
  std::set<int64_t> excluded(targets.begin(), targets.end());
  for (const std::string& name : o.ignore) excluded.insert(table.column_index(name));
  std::vector<int64_t> features;
  for (int64_t c = 0; c < table.column_count(); ++c)
    if (!excluded.count(c)) features.push_back(c);
  require(!features.empty(), table.source + ": no input columns are left (every column is the target or ignored)");
  return features;
}

// The text of each row's target cell and whether it is missing.
std::pair<std::vector<std::string>, std::vector<bool>> target_texts(const Table& table, int64_t column) {
  std::vector<std::string> texts;
  std::vector<bool> absent;
  for (int64_t r = 0; r < table.rows; ++r) {
    absent.push_back(std::isnan(table.at(r, column)));
    texts.push_back(table.text(r, column));
  }
  return {texts, absent};
}

Targets table_targets(const Table& table, const std::vector<int64_t>& columns, const std::string& task_option,
                      std::vector<std::string>& notes) {
  const Column& first = table.columns[static_cast<std::size_t>(columns.front())];
  const bool text = first.type == ColumnType::Categorical;
  auto [texts, absent] = target_texts(table, columns.front());
  std::set<std::string> distinct;
  bool whole = true;
  for (int64_t r = 0; r < table.rows; ++r) {
    if (absent[static_cast<std::size_t>(r)]) continue;
    distinct.insert(texts[static_cast<std::size_t>(r)]);
    if (!text) whole = whole && std::floor(table.at(r, columns.front())) == table.at(r, columns.front());
  }
  const Task task = decide_task(task_option, text, {distinct.begin(), distinct.end()}, whole, columns.size(), notes);
  if (task != Task::Regression) return class_targets(task, texts, absent);
  Targets t{.task = task, .values = Tensor({table.rows, static_cast<int64_t>(columns.size())})};
  for (std::size_t k = 0; k < columns.size(); ++k) {
    require(table.columns[static_cast<std::size_t>(columns[k])].type == ColumnType::Numeric,
            table.source + ", column '" + table.columns[static_cast<std::size_t>(columns[k])].name +
                "': a regression target must hold numbers");
    for (int64_t r = 0; r < table.rows; ++r)
      t.values[r * static_cast<int64_t>(columns.size()) + static_cast<int64_t>(k)] = table.at(r, columns[k]);
  }
  return t;
}

// Rows that take part: a missing target is refused or its row dropped; with the drop rule a
// missing input drops its row too.
std::vector<int64_t> usable_rows(const Table& table, const Targets& t, const std::vector<int64_t>& features,
                                 MissingRule missing, std::vector<std::string>& notes) {
  std::vector<int64_t> rows;
  int64_t dropped = 0;
  for (int64_t r = 0; r < table.rows; ++r) {
    bool keep = !t.missing(r);
    require(keep || missing != MissingRule::Refuse,
            table.source + ", row " + std::to_string(r + 1) + ": the target is missing (a missing rule other than "
                                                              "refuse drops such rows)");
    if (keep && missing == MissingRule::Drop)
      keep = std::none_of(features.begin(), features.end(), [&](int64_t c) { return std::isnan(table.at(r, c)); });
    if (keep) rows.push_back(r); else ++dropped;
  }
  if (dropped) notes.push_back(std::to_string(dropped) + " rows with missing values dropped");
  return rows;
}

std::vector<int64_t> all_rows(int64_t n) {
  std::vector<int64_t> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

// A test table's targets in the training data's terms.
Targets test_table_targets(const Table& table, const Preparation& p, const std::vector<std::string>& class_names) {
  const std::vector<int64_t> columns = target_columns(table, p.target);
  Targets t{.task = p.task, .class_names = class_names};
  if (p.task != Task::Regression) {
    auto [texts, absent] = target_texts(table, columns.front());
    t.labels = match_classes(texts, absent, class_names, table.source);
    return t;
  }
  std::vector<std::string> ignored;
  Targets numbers = table_targets(table, columns, "regression", ignored);
  for (int64_t r = 0; r < table.rows; ++r)
    require(!numbers.missing(r), table.source + ", row " + std::to_string(r + 1) + ": the target is missing");
  return numbers;
}

LoadedData load_table_data(const DataFiles& files, const std::string& format, const SourceOptions& o, TargetValues values,
                           uint64_t seed) {
  LoadedData out;
  const Table table = read_table(files.train, format, o);
  const std::vector<int64_t> target = target_columns(table, o.target);
  const std::vector<int64_t> features = feature_columns(table, target, o);
  const Targets targets = table_targets(table, target, o.task, out.notes);
  const Split split = split_rows(usable_rows(table, targets, features, o.missing, out.notes), o, !files.test.empty(), targets, seed);
  out.preparation = fit_table(table, features, split.training, o.normalize, o.missing);
  out.preparation.task = targets.task;
  for (const int64_t c : target) out.preparation.target += (out.preparation.target.empty() ? "" : ",") + table.columns[static_cast<std::size_t>(c)].name;
  if (targets.task == Task::Regression) {
    const Tensor train_targets = cost_targets(targets, split.training, Preparation{}, values);
    in_file(table.source, [&] { fit_target_scaling(out.preparation, train_targets); });
  }
  const Preparation& p = out.preparation;
  const auto set = [&](const std::vector<int64_t>& rows) {
    return make_set(table_inputs(p, table, rows, o.missing), targets, rows, p, values);
  };
  out.training = set(split.training);
  if (!split.validation.empty()) out.validation = set(split.validation);
  if (!split.test.empty()) out.test = set(split.test);
  out.class_names = targets.class_names;
  if (!files.test.empty()) out.test = load_data_for_model({.train = files.test}, format, p, out.class_names, values);
  return out;
}

// ---- arrays (.npy, .npz, IDX) and image folders ------------------------------------------------

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
    out.test = load_data_for_model({.train = files.test, .train_labels = files.test_labels}, format, p, out.class_names, values);
  }
  return out;
}

}  // namespace

std::string data_format(const std::string& path, const std::string& given) {
  if (given != "auto") {
    static const std::set<std::string> formats = {"csv", "tsv", "json", "npy", "npz", "idx", "images", "mnist"};
    require(formats.count(given), "format '" + given + "' is unknown (expected auto, csv, tsv, json, npy, npz, idx, images or mnist)");
    return given;
  }
  require(fs::exists(path), path + ": no such file or folder");
  if (fs::is_directory(path)) {
    for (const char* name : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte",
                             "t10k-images-idx3-ubyte.gz"})
      if (fs::exists(fs::path(path) / name)) return "mnist";
    return "images";
  }
  const std::string head = first_bytes(path, 8);
  if (head.starts_with("\x93NUMPY")) return "npy";
  if (head.starts_with("PK\x03\x04")) return "npz";
  if (head.size() >= 4 && head[0] == 0 && head[1] == 0 && head[2] >= 8 && head[2] <= 0x0E) return "idx";
  const std::string lower = lowercase(path);
  if (lower.find("-ubyte") != std::string::npos || lower.ends_with(".idx")) return "idx";  // gzip IDX
  if (lower.ends_with(".tsv") || lower.ends_with(".tsv.gz") || lower.ends_with(".tab")) return "tsv";
  if (lower.ends_with(".json") || lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json.gz"))
    return "json";
  if (lower.ends_with(".csv") || lower.ends_with(".csv.gz") || lower.ends_with(".txt")) return "csv";
  throw Error(path + ": cannot tell the data format (name it: csv, tsv, json, npy, npz, idx, images or mnist)");
}

LoadedData load_data(const DataFiles& files, const SourceOptions& options, TargetValues targets, uint64_t seed) {
  require(std::isfinite(options.test_split) && options.test_split >= 0 && options.test_split < 1,
          "test_split must be in [0, 1), got " + shortest(static_cast<float>(options.test_split)));
  require(std::isfinite(options.validation_split) && options.validation_split >= 0 && options.validation_split < 1,
          "validation_split must be in [0, 1), got " + shortest(static_cast<float>(options.validation_split)));
  const std::string format = data_format(files.train, options.format);
  require(format != "mnist", files.train + ": MNIST's folder is read by load_mnist (data/mnist.h)");
  if (format == "csv" || format == "tsv" || format == "json") return load_table_data(files, format, options, targets, seed);
  return load_array_data(files, format, options, targets, seed);
}

Dataset load_data_for_model(const DataFiles& files, const std::string& given_format, const Preparation& p,
                            const std::vector<std::string>& class_names, TargetValues values) {
  const std::string format = data_format(files.train, given_format);
  if (p.kind == "table") {
    require(format == "csv" || format == "tsv" || format == "json", files.train + ": the model takes a table (csv, tsv or json)");
    const Table table = read_table(files.train, format, {});
    const Targets t = test_table_targets(table, p, class_names);
    const std::vector<int64_t> rows = all_rows(table.rows);
    return make_set(table_inputs(p, table, rows, p.missing), t, rows, p, values);
  }
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

PredictionInputs load_inputs_for_model(const std::string& path, const std::string& given_format, const Preparation& p) {
  PredictionInputs out;
  const std::string lower = lowercase(path);
  const std::string head = first_bytes(path, 8);
  const bool picture = head.starts_with("\x89PNG") || head.starts_with("\xFF\xD8\xFF");
  if (p.kind == "table") {
    const std::string format = data_format(path, given_format);
    const Table table = read_table(path, format, {});
    const std::vector<int64_t> rows = all_rows(table.rows);
    out.inputs = table_inputs(p, table, rows, p.missing);
    for (int64_t r = 0; r < table.rows; ++r) out.names.push_back("row " + std::to_string(r + 1));
    return out;
  }
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

}  // namespace neurite
