// Tables as a data source: CSV, TSV and JSON records read (data/table.h), the target column(s)
// and task chosen, rows with missing values refused or dropped, split, and prepared (fitted on
// the training rows only); and files given to a trained table model read its way.
#include <algorithm>
#include <cmath>
#include <set>

#include "neurite/data/table.h"
#include "source_parts.h"

namespace neurite::source_parts {

namespace {

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

// A file given to a trained model (a test file, eval's or predict's input) is read as the
// training table was: with or without a header line as it had, and the columns trained as
// categories read as categories even where they hold numbers (a code such as "007" keeps its text).
Table read_table_for_model(const std::string& path, const std::string& format, const Preparation& p) {
  CsvOptions c{.header = p.header ? HeaderMode::Present : HeaderMode::Absent};
  if (format == "tsv") c.delimiter = '\t';
  for (const FeatureColumn& f : p.columns)
    if (f.type == ColumnType::Categorical) c.categorical.push_back(f.name);
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

}  // namespace

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
  if (!files.test.empty()) out.test = table_data_for_model(files.test, format, p, out.class_names, values);
  return out;
}

Dataset table_data_for_model(const std::string& path, const std::string& format, const Preparation& p,
                             const std::vector<std::string>& class_names, TargetValues values) {
  require(format == "csv" || format == "tsv" || format == "json", path + ": the model takes a table (csv, tsv or json)");
  const Table table = read_table_for_model(path, format, p);
  const Targets t = test_table_targets(table, p, class_names);
  const std::vector<int64_t> rows = all_rows(table.rows);
  return make_set(table_inputs(p, table, rows, p.missing), t, rows, p, values);
}

PredictionInputs table_inputs_for_model(const std::string& path, const std::string& format, const Preparation& p) {
  PredictionInputs out;
  const Table table = read_table_for_model(path, format, p);
  out.inputs = table_inputs(p, table, all_rows(table.rows), p.missing);
  for (int64_t r = 0; r < table.rows; ++r) out.names.push_back("row " + std::to_string(r + 1));
  return out;
}

}  // namespace neurite::source_parts
