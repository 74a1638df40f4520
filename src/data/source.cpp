#include "neurite/data/source.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>

#include "neurite/error.h"
#include "neurite/rng.h"
#include "source_parts.h"

namespace neurite {

namespace fs = std::filesystem;

namespace source_parts {

namespace {

// A numeric target with at most this many distinct whole values is taken for class labels.
constexpr std::size_t kMaxIntegerClasses = 20;

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

}  // namespace

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

// ---- splitting ---------------------------------------------------------------------------------

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

std::vector<int64_t> all_rows(int64_t n) {
  std::vector<int64_t> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

// ---- datasets ----------------------------------------------------------------------------------

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

}  // namespace source_parts

using namespace source_parts;

std::string data_format(const std::string& path, const std::string& given) {
  if (given != "auto") {
    static const std::set<std::string> formats = {"csv", "tsv", "json", "npy", "npz", "idx", "images", "mnist"};
    require(formats.count(given), "format '" + given + "' is unknown (expected auto, csv, tsv, json, npy, npz, idx, images or mnist)");
    return given;
  }
  // status() with an error code: a symbolic-link loop or a forbidden folder is the user's path
  // to name in one line, not an exception from the standard library.
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  require(status.type() != fs::file_type::not_found, path + ": no such file or folder");
  require(!error, path + ": cannot open (" + error.message() + ")");
  if (fs::is_directory(status)) {
    for (const char* name : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte",
                             "t10k-images-idx3-ubyte.gz"})
      if (fs::exists(fs::path(path) / name, error)) return "mnist";
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
  if (p.kind == "table") return table_data_for_model(files.train, format, p, class_names, values);
  return array_data_for_model(files, format, p, class_names, values);
}

PredictionInputs load_inputs_for_model(const std::string& path, const std::string& given_format, const Preparation& p) {
  if (p.kind == "table") return table_inputs_for_model(path, data_format(path, given_format), p);
  return array_inputs_for_model(path, given_format, p);
}

}  // namespace neurite
