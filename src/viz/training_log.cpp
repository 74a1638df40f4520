#include "neurite/viz/training_log.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "neurite/error.h"
#include "neurite/io/file.h"
#include "neurite/io/json_input.h"

namespace neurite {

namespace {

using nlohmann::json;

// Where a record came from, for error messages: "out/log.jsonl:7".
struct Where {
  const std::string& name;
  int line;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(name + ":" + std::to_string(line) + ": " + what);
  }
};

// Absent and null both mean "no value": a non-finite cost is written as null.
std::optional<double> optional_number(const json& object, const char* key, const Where& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) where.fail(std::string("\"") + key + "\" is not a number");
  return it->get<double>();
}

// Whole numbers in a log count epochs, samples and classes: from -1 (no best epoch) to 2^31 - 1.
// Larger ones are corrupt, and would overflow the arithmetic that draws them.
constexpr int64_t kLargestLogInteger = std::numeric_limits<int32_t>::max();

constexpr double kLargestConfusionTotal = 9007199254740992.0;  // 2^53

int64_t whole_number(const json& value, const char* key, const Where& where) {
  if (!value.is_number_integer() || value.get<double>() < -1 || value.get<double>() > kLargestLogInteger)
    where.fail(std::string("\"") + key + "\" is not a whole number from -1 to " + std::to_string(kLargestLogInteger));
  return value.get<int64_t>();
}

int64_t required_integer(const json& object, const char* key, const Where& where) {
  const auto it = object.find(key);
  if (it == object.end()) where.fail(std::string("missing \"") + key + "\"");
  return whole_number(*it, key, where);
}

std::optional<int64_t> optional_integer(const json& object, const char* key, const Where& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  return whole_number(*it, key, where);
}

std::string optional_string(const json& object, const char* key, const Where& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) where.fail(std::string("\"") + key + "\" is not a string");
  return it->get<std::string>();
}

const json* optional_object(const json& object, const char* key, const Where& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  if (!it->is_object()) where.fail(std::string("\"") + key + "\" is not an object");
  return &*it;
}

std::map<std::string, double> read_grad_norms(const json& norms, const Where& where) {
  std::map<std::string, double> out;
  for (const auto& [parameter, value] : norms.items()) {
    if (value.is_null()) continue;  // a non-finite norm
    if (!value.is_number()) where.fail("grad_norms \"" + parameter + "\" is not a number");
    out[parameter] = value.get<double>();
  }
  return out;
}

EpochRecord read_epoch(const json& record, const Where& where) {
  EpochRecord epoch;
  epoch.epoch = required_integer(record, "epoch", where);
  epoch.seconds = optional_number(record, "seconds", where);
  epoch.rate = optional_number(record, "rate", where);
  for (const char* set : {"train", "validation", "test"}) {
    const json* metrics = optional_object(record, set, where);
    if (metrics == nullptr) continue;
    epoch.sets[set] = {optional_number(*metrics, "cost", where), optional_number(*metrics, "accuracy", where)};
  }
  if (const json* norms = optional_object(record, "grad_norms", where))
    epoch.grad_norms = read_grad_norms(*norms, where);
  return epoch;
}

std::vector<std::vector<int64_t>> read_confusion(const json& matrix, const Where& where) {
  if (!matrix.is_array() || matrix.empty()) where.fail("\"confusion\" is not a non-empty array of rows");
  std::vector<std::vector<int64_t>> rows;
  double total = 0;
  for (const json& row : matrix) {
    if (!row.is_array() || row.size() != matrix.size())
      where.fail("\"confusion\" is not square (" + std::to_string(matrix.size()) + " rows)");
    std::vector<int64_t> counts;
    for (const json& count : row) {
      if (!count.is_number_integer() || count.get<double>() < 0)
        where.fail("\"confusion\" holds " + quoted_prefix(count) + ", not a count");
      // The chart adds the counts up (per row, in all): their total is held to 2^53, so no sum
      // overflows and every one is exact as a double.
      total += count.get<double>();
      if (total > kLargestConfusionTotal) where.fail("\"confusion\" counts add up to more than 2^53");
      counts.push_back(count.get<int64_t>());
    }
    rows.push_back(std::move(counts));
  }
  return rows;
}

std::vector<Misclassified> read_misclassified(const json& list, const Where& where) {
  if (!list.is_array()) where.fail("\"misclassified\" is not an array");
  std::vector<Misclassified> out;
  for (const json& item : list) {
    if (!item.is_object()) where.fail("\"misclassified\" holds " + quoted_prefix(item) + ", not an object");
    const int64_t index = required_integer(item, "index", where);
    const int64_t label = required_integer(item, "label", where);
    const int64_t predicted = required_integer(item, "predicted", where);
    if (index < 0 || label < 0 || predicted < 0) where.fail("\"misclassified\" holds a negative number");
    out.push_back({index, static_cast<int>(label), static_cast<int>(predicted)});
  }
  return out;
}

EvaluationRecord read_evaluation(const json& record, const Where& where) {
  EvaluationRecord evaluation;
  evaluation.epoch = required_integer(record, "epoch", where);
  evaluation.set = optional_string(record, "set", where);
  if (record.contains("confusion")) evaluation.confusion = read_confusion(record["confusion"], where);
  if (record.contains("misclassified")) evaluation.misclassified = read_misclassified(record["misclassified"], where);
  return evaluation;
}

EndRecord read_end(const json& record, const Where& where) {
  EndRecord end;
  end.epochs_run = required_integer(record, "epochs_run", where);
  end.best_epoch = optional_integer(record, "best_epoch", where);
  end.best_accuracy = optional_number(record, "best_accuracy", where);
  end.stopped = optional_string(record, "stopped", where);
  return end;
}

void read_start(const json& record, const Where& where, TrainingLog& log) {
  log.network = optional_string(record, "network", where);
  log.data = optional_string(record, "data", where);
  log.model = optional_string(record, "model", where);
}

// Adds one record to the log; records of a type this version does not know are skipped.
void add_record(const json& record, const Where& where, TrainingLog& log) {
  if (!record.is_object()) where.fail("not a JSON object");
  const auto type = record.find("type");
  if (type == record.end() || !type->is_string()) where.fail("no \"type\" string");
  const std::string& kind = type->get_ref<const std::string&>();
  if (kind == "start") read_start(record, where, log);
  if (kind == "epoch") log.epochs.push_back(read_epoch(record, where));
  if (kind == "evaluation") log.evaluations.push_back(read_evaluation(record, where));
  if (kind == "end") log.end = read_end(record, where);
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace

TrainingLog parse_training_log(std::string_view text, const std::string& name) {
  const std::vector<std::string_view> lines = split_lines(text);
  std::size_t last = lines.size();
  while (last > 0 && is_blank(lines[last - 1])) --last;  // lines [0, last) hold the records

  TrainingLog log;
  bool any_record = false;
  for (std::size_t i = 0; i < last; ++i) {
    if (is_blank(lines[i])) continue;
    const Where where{name, static_cast<int>(i + 1)};
    if (json_too_deep(lines[i]))
      where.fail("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels (the limit, kMaxJsonDepth)");
    const json record = json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded()) {
      // A training still running may have written half of its newest line.
      if (i + 1 == last) {
        log.ignored_last_line = true;
        break;
      }
      where.fail("not valid JSON");
    }
    add_record(record, where, log);
    any_record = true;
  }
  require(any_record, name + ": empty training log (no complete record)");
  return log;
}

TrainingLog read_training_log(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return parse_training_log({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, path);
}

}  // namespace neurite
