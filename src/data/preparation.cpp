#include "neurite/data/preparation.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "neurite/error.h"
#include "neurite/io/json_input.h"

namespace neurite {

namespace {

template <class Enum, std::size_t N>
Enum parse_named(const std::string& name, const std::pair<const char*, Enum> (&names)[N], const std::string& what) {
  std::string expected;
  for (const auto& [text, value] : names) {
    if (name == text) return value;
    expected += (expected.empty() ? "" : ", ") + std::string(text);
  }
  throw Error(what + " '" + name + "' is unknown (expected " + expected + ")");
}

constexpr std::pair<const char*, Task> kTasks[] = {
    {"classification", Task::Classification}, {"binary", Task::Binary}, {"regression", Task::Regression}};

double median_of(std::vector<float> v) {
  if (v.empty()) return 0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2) return *mid;
  return 0.5 * (*mid + *std::max_element(v.begin(), mid));
}

// The training rows' present values of one numeric column, in double for the sums.
std::vector<float> present_values(const Table& table, int64_t column, const std::vector<int64_t>& rows) {
  std::vector<float> v;
  v.reserve(rows.size());
  for (const int64_t r : rows)
    if (const float x = table.at(r, column); !std::isnan(x)) v.push_back(x);
  return v;
}

// The shift and scale that map `values` to mean 0 / deviation 1, or to [0, 1]. A constant column
// keeps scale 1 (its input is then 0), rather than dividing by zero.
std::pair<float, float> fitted_scaling(const std::vector<float>& values, Normalization normalization) {
  if (normalization == Normalization::None || values.empty()) return {0.0f, 1.0f};
  if (normalization == Normalization::MinMax) {
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    return {*lo, *hi > *lo ? *hi - *lo : 1.0f};
  }
  double sum = 0, squares = 0;
  for (const float x : values) sum += x;
  const double mean = sum / static_cast<double>(values.size());
  for (const float x : values) squares += (x - mean) * (x - mean);
  const double deviation = std::sqrt(squares / static_cast<double>(values.size()));
  return {static_cast<float>(mean), deviation > 0 ? static_cast<float>(deviation) : 1.0f};
}

FeatureColumn fit_numeric(const Table& table, int64_t c, const std::vector<int64_t>& rows, Normalization normalization,
                          MissingRule missing) {
  const std::vector<float> present = present_values(table, c, rows);
  FeatureColumn f{.name = table.columns[static_cast<std::size_t>(c)].name};
  std::tie(f.shift, f.scale) = fitted_scaling(present, normalization);
  double sum = 0;
  for (const float x : present) sum += x;
  if ((missing == MissingRule::Mean || missing == MissingRule::Drop) && !present.empty()) f.fill = static_cast<float>(sum / static_cast<double>(present.size()));
  if (missing == MissingRule::Median) f.fill = static_cast<float>(median_of(present));
  return f;
}

// Categories sorted (as scikit-learn's OneHotEncoder sorts them), only those the training rows hold.
FeatureColumn fit_categorical(const Table& table, int64_t c, const std::vector<int64_t>& rows, MissingRule missing) {
  const Column& column = table.columns[static_cast<std::size_t>(c)];
  std::map<std::string, int64_t> counts;
  for (const int64_t r : rows)
    if (const float x = table.at(r, c); !std::isnan(x)) ++counts[column.categories[static_cast<std::size_t>(x)]];
  FeatureColumn f{.name = column.name, .type = ColumnType::Categorical};
  int64_t most = 0;
  for (const auto& [category, count] : counts) {
    f.categories.push_back(category);
    if (count > most) most = count, f.fill_category = category;
  }
  if (missing == MissingRule::Refuse || missing == MissingRule::Zero) f.fill_category.clear();
  return f;
}

[[noreturn]] void refuse_missing(const Table& table, int64_t row, const std::string& column) {
  throw Error(table.source + ", row " + std::to_string(row + 1) + ", column '" + column +
              "': missing value (choose a missing rule to fill it: drop, mean, median or zero)");
}

// Writes one column's inputs for one row at `out`.
void write_inputs(const FeatureColumn& f, const Table& table, const Column& column, int64_t row, int64_t c,
                  MissingRule missing, const std::vector<int>& codes, float* out) {
  const float x = table.at(row, c);
  const bool absent = std::isnan(x);
  if (absent && missing == MissingRule::Refuse) refuse_missing(table, row, f.name);
  if (f.type == ColumnType::Numeric) {
    out[0] = ((absent ? f.fill : x) - f.shift) / f.scale;
    return;
  }
  std::fill_n(out, f.inputs(), 0.0f);
  int code = -1;
  if (!absent) {
    code = codes[static_cast<std::size_t>(x)];
  } else if (!f.fill_category.empty()) {
    code = static_cast<int>(std::lower_bound(f.categories.begin(), f.categories.end(), f.fill_category) - f.categories.begin());
  }
  (void)column;
  if (code >= 0) out[code] = 1.0f;
}

// For each of the table's categories of `column`, its index among the fitted ones (or -1).
std::vector<int> category_codes(const FeatureColumn& f, const Column& column) {
  std::vector<int> codes;
  for (const std::string& category : column.categories) {
    const auto it = std::lower_bound(f.categories.begin(), f.categories.end(), category);
    codes.push_back(it != f.categories.end() && *it == category ? static_cast<int>(it - f.categories.begin()) : -1);
  }
  return codes;
}

}  // namespace

std::string task_name(Task task) {
  for (const auto& [name, value] : kTasks)
    if (value == task) return name;
  return "classification";
}

Task parse_task(const std::string& name) { return parse_named(name, kTasks, "task"); }

Normalization parse_normalization(const std::string& name) {
  constexpr std::pair<const char*, Normalization> names[] = {
      {"standard", Normalization::Standard}, {"minmax", Normalization::MinMax}, {"none", Normalization::None}};
  return parse_named(name, names, "normalize");
}

MissingRule parse_missing_rule(const std::string& name) {
  constexpr std::pair<const char*, MissingRule> names[] = {{"refuse", MissingRule::Refuse}, {"drop", MissingRule::Drop},
                                                           {"mean", MissingRule::Mean},     {"median", MissingRule::Median},
                                                           {"zero", MissingRule::Zero}};
  return parse_named(name, names, "missing");
}

Preparation fit_table(const Table& table, const std::vector<int64_t>& feature_columns, const std::vector<int64_t>& rows,
                      Normalization normalization, MissingRule missing) {
  Preparation p{.kind = "table", .header = table.header, .missing = missing};
  int64_t inputs = 0;
  for (const int64_t c : feature_columns) {
    const bool numeric = table.columns[static_cast<std::size_t>(c)].type == ColumnType::Numeric;
    p.columns.push_back(numeric ? fit_numeric(table, c, rows, normalization, missing) : fit_categorical(table, c, rows, missing));
    inputs += p.columns.back().inputs();
  }
  p.sample_shape = {inputs};
  return p;
}

Tensor table_inputs(const Preparation& p, const Table& table, const std::vector<int64_t>& rows, MissingRule missing) {
  struct Source {
    int64_t column;
    std::vector<int> codes;
  };
  std::vector<Source> sources;
  for (const FeatureColumn& f : p.columns) {
    const int64_t c = table.column_index(f.name);
    const Column& column = table.columns[static_cast<std::size_t>(c)];
    require(column.type == f.type || f.type == ColumnType::Categorical,
            table.source + ", column '" + f.name + "': holds text, but the model was trained on numbers there");
    sources.push_back({c, f.type == ColumnType::Categorical ? category_codes(f, column) : std::vector<int>{}});
  }
  const int64_t n = static_cast<int64_t>(rows.size());
  Tensor inputs({n, p.input_size()});
  for (int64_t i = 0; i < n; ++i) {
    float* out = inputs.data() + i * p.input_size();
    for (std::size_t k = 0; k < p.columns.size(); ++k) {
      const FeatureColumn& f = p.columns[k];
      const Column& column = table.columns[static_cast<std::size_t>(sources[k].column)];
      if (f.type == ColumnType::Categorical && column.type == ColumnType::Numeric) {
        // Numbers in a column trained as categories: look each up by its text.
        const std::string text = table.text(rows[static_cast<std::size_t>(i)], sources[k].column);
        std::fill_n(out, f.inputs(), 0.0f);
        const auto it = std::lower_bound(f.categories.begin(), f.categories.end(), text);
        if (it != f.categories.end() && *it == text) out[it - f.categories.begin()] = 1.0f;
      } else {
        write_inputs(f, table, column, rows[static_cast<std::size_t>(i)], sources[k].column, missing, sources[k].codes, out);
      }
      out += f.inputs();
    }
  }
  return inputs;
}

void fit_array_scaling(Preparation& p, const Tensor& values, int64_t channels, Normalization normalization) {
  const int64_t n = values.dim(0), row = values.size() / std::max<int64_t>(n, 1);
  if (channels <= 0) channels = row;
  require(row % channels == 0, "array scaling: " + std::to_string(row) + " values per sample do not split into " +
                                   std::to_string(channels) + " channels");
  const int64_t span = row / channels;
  p.shift.assign(static_cast<std::size_t>(channels), 0.0f);
  p.scale.assign(static_cast<std::size_t>(channels), 1.0f);
  if (normalization == Normalization::None) return;
  std::vector<float> channel;
  for (int64_t c = 0; c < channels; ++c) {
    channel.clear();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < span; ++k) channel.push_back(values[i * row + c * span + k]);
    std::tie(p.shift[static_cast<std::size_t>(c)], p.scale[static_cast<std::size_t>(c)]) = fitted_scaling(channel, normalization);
  }
}

void apply_array_scaling(const Preparation& p, Tensor& values) {
  const int64_t channels = static_cast<int64_t>(p.shift.size());
  if (channels == 0) return;
  const int64_t row = p.input_size(), span = row / channels, n = values.size() / row;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < channels; ++c) {
      const float shift = p.shift[static_cast<std::size_t>(c)], scale = p.scale[static_cast<std::size_t>(c)];
      float* v = values.data() + i * row + c * span;
      for (int64_t k = 0; k < span; ++k) v[k] = (v[k] / p.divisor - shift) / scale;
    }
}

void fit_target_scaling(Preparation& p, const Tensor& targets) {
  const int64_t n = targets.dim(0), t = targets.dim(1);
  p.target_shift.assign(static_cast<std::size_t>(t), 0.0f);
  p.target_scale.assign(static_cast<std::size_t>(t), 1.0f);
  for (int64_t k = 0; k < t; ++k) {
    std::vector<float> column(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) column[static_cast<std::size_t>(i)] = targets[i * t + k];
    const auto [lo, hi] = std::minmax_element(column.begin(), column.end());
    std::string name = "target " + std::to_string(k);
    if (p.target.size()) name = "column '" + p.target.substr(0, p.target.find(',')) + "'";  // the first, when several
    require(n > 0 && *hi > *lo, "regression " + name + ": every training value is " + std::to_string(n ? *lo : 0.0f) +
                                    " (nothing to learn)");
    std::tie(p.target_shift[static_cast<std::size_t>(k)], p.target_scale[static_cast<std::size_t>(k)]) =
        fitted_scaling(column, Normalization::Standard);
  }
}

void scale_targets(const Preparation& p, Tensor& targets) {
  const auto t = static_cast<int64_t>(p.target_shift.size());
  if (t == 0) return;  // not fitted yet: the targets as they are
  for (int64_t i = 0; i < targets.size(); ++i)
    targets[i] = (targets[i] - p.target_shift[static_cast<std::size_t>(i % t)]) / p.target_scale[static_cast<std::size_t>(i % t)];
}

void unscale_targets(const Preparation& p, Tensor& outputs) {
  const auto t = static_cast<int64_t>(p.target_shift.size());
  if (t == 0) return;
  for (int64_t i = 0; i < outputs.size(); ++i)
    outputs[i] = outputs[i] * p.target_scale[static_cast<std::size_t>(i % t)] + p.target_shift[static_cast<std::size_t>(i % t)];
}

nlohmann::json to_json(const Preparation& p) {
  nlohmann::json j = {{"kind", p.kind}, {"sample_shape", p.sample_shape}, {"task", task_name(p.task)}};
  if (p.kind == "table") {
    nlohmann::json columns = nlohmann::json::array();
    for (const FeatureColumn& f : p.columns) {
      if (f.type == ColumnType::Numeric)
        columns.push_back({{"name", f.name}, {"type", "numeric"}, {"fill", f.fill}, {"shift", f.shift}, {"scale", f.scale}});
      else
        columns.push_back({{"name", f.name}, {"type", "categorical"}, {"categories", f.categories}, {"fill", f.fill_category}});
    }
    j["columns"] = columns;
    j["target"] = p.target;
    j["header"] = p.header;
    constexpr const char* rules[] = {"refuse", "drop", "mean", "median", "zero"};
    j["missing"] = rules[static_cast<int>(p.missing)];
  } else if (p.kind != "pixels") {
    j.update({{"divisor", p.divisor}, {"shift", p.shift}, {"scale", p.scale}, {"colour", p.colour}});
  }
  if (p.task == Task::Regression) j.update({{"target_shift", p.target_shift}, {"target_scale", p.target_scale}});
  return j;
}

Preparation preparation_from_json(const nlohmann::json& j, const std::string& source) {
  try {
    Preparation p{.kind = j.at("kind").get<std::string>(), .sample_shape = shape_from_json(j.at("sample_shape"), "\"sample_shape\"")};
    require(p.kind == "pixels" || p.kind == "table" || p.kind == "array" || p.kind == "image",
            "preparation kind '" + p.kind + "' is unknown");
    p.task = parse_task(j.at("task").get<std::string>());
    if (p.kind == "table") {
      for (const nlohmann::json& c : j.at("columns")) {
        FeatureColumn f{.name = c.at("name").get<std::string>()};
        if (c.at("type") == "numeric") {
          f.fill = c.at("fill").get<float>(), f.shift = c.at("shift").get<float>(), f.scale = c.at("scale").get<float>();
        } else {
          f.type = ColumnType::Categorical;
          f.categories = c.at("categories").get<std::vector<std::string>>();
          f.fill_category = c.at("fill").get<std::string>();
          require(std::is_sorted(f.categories.begin(), f.categories.end()), "categories of '" + f.name + "' are not sorted");
        }
        p.columns.push_back(std::move(f));
      }
      p.target = j.at("target").get<std::string>();
      p.header = j.value("header", true);
      p.missing = parse_missing_rule(j.at("missing").get<std::string>());
    } else if (p.kind != "pixels") {
      p.divisor = j.at("divisor").get<float>();
      p.shift = j.at("shift").get<std::vector<float>>();
      p.scale = j.at("scale").get<std::vector<float>>();
      p.colour = j.at("colour").get<bool>();
      require(p.shift.size() == p.scale.size() && (p.shift.empty() || p.input_size() % static_cast<int64_t>(p.shift.size()) == 0),
              "preparation: channel statistics do not fit the sample shape");
    }
    if (p.task == Task::Regression) {
      p.target_shift = j.at("target_shift").get<std::vector<float>>();
      p.target_scale = j.at("target_scale").get<std::vector<float>>();
    }
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": preparation: " + e.what());
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
}

}  // namespace neurite
