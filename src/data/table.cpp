#include "neurite/data/table.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <cmath>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "neurite/data/idx.h"
#include "neurite/error.h"
#include "neurite/io/file.h"
#include "neurite/io/json_input.h"

namespace neurite {

namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
constexpr std::size_t kBlock = std::size_t{1} << 22;  // bytes read at a time

std::string shown(std::string_view field) {
  constexpr std::size_t kMax = 24;  // a runaway field must not flood the terminal
  return "'" + std::string(field.substr(0, kMax)) + (field.size() > kMax ? "...'" : "'");
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The whole field as a number (from_chars takes no '+' and no spaces; CSV writers emit both).
bool parse_number(std::string_view field, float& value) {
  field = trimmed(field);
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  if (field.empty()) return false;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec == std::errc::result_out_of_range) {  // beyond float: keep its sign, refused as infinite
    value = field.front() == '-' ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    return end == field.data() + field.size();
  }
  return ec == std::errc() && end == field.data() + field.size();
}

// A file read block by block, plain or gzip (zlib reads plain files through unchanged).
class BlockReader {
 public:
  explicit BlockReader(const std::string& path)
      : path_(path), size_(regular_file_size(path)), file_(gzopen(path.c_str(), "rb")) {
    require(file_ != nullptr, path + ": cannot open");
    // zlib's buffers (in, and twice that out): 1 MiB for a large file, no more than the file for
    // a small one, whose three readers would otherwise each allocate 3 MiB for a few bytes.
    gzbuffer(file_, static_cast<unsigned>(std::clamp<uint64_t>(size_, 8192, 1 << 20)));
  }
  ~BlockReader() { gzclose(file_); }
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;
  // Bytes to read at a time: kBlock, or less for a small plain file (a short table then costs
  // no 4 MiB buffer).
  std::size_t block() { return gzdirect(file_) ? std::min<std::size_t>(kBlock, size_ + 1) : kBlock; }
  // Appends up to `count` bytes to `out` at `at`; returns how many (0 at the end). A gzip file
  // stops at kMaxDecompressedBytes: a few megabytes of it can expand without limit.
  std::size_t read(char* at, std::size_t count) {
    const int n = gzread(file_, at, static_cast<unsigned>(std::min<std::size_t>(count, 1u << 30)));
    int err = Z_OK;
    const char* message = gzerror(file_, &err);
    require(n >= 0 && (err == Z_OK || err == Z_STREAM_END), path_ + ": cannot read (" + message + ")");
    read_ += static_cast<std::size_t>(n);
    require(gzdirect(file_) || read_ <= kMaxDecompressedBytes,
            path_ + ": expands to more than " + std::to_string(kMaxDecompressedBytes >> 20) +
                " MiB (kMaxDecompressedBytes); not read");
    return static_cast<std::size_t>(n);
  }

 private:
  std::string path_;
  uint64_t size_;         // of the file as stored
  std::size_t read_ = 0;  // bytes handed out so far
  gzFile file_;
};

// Splits CSV text into records of fields (RFC 4180: quoted fields may hold the delimiter, line
// ends and doubled quotes). Unquoted fields are views into the block; quoted ones into `scratch_`.
// Blank lines are skipped.
class CsvScanner {
 public:
  CsvScanner(const std::string& path, char delimiter) : path_(path), reader_(path), delimiter_(delimiter) {
    fill();
    const std::string_view bom = "\xEF\xBB\xBF";
    if (std::string_view(buffer_.data(), end_).starts_with(bom)) begin_ = bom.size();
  }

  // The next record's fields, or false at the end of the file.
  bool next(std::vector<std::string_view>& fields) {
    for (;;) {
      skip_blank_lines();
      if (begin_ == end_ && !fill()) return false;
      if (begin_ == end_) continue;
      const std::size_t consumed = scan_record(fields);
      if (consumed != 0) {
        begin_ += consumed;
        return true;
      }
      if (!fill()) {  // the last record has no line end: scan it as if it had one
        require(!at_eof_with_newline_, path_ + ", line " + std::to_string(line_ + 1) +
                                           ": a quoted field is never closed (a quote is missing)");
        buffer_.resize(end_ + 1);
        buffer_[end_++] = '\n';
        at_eof_with_newline_ = true;
      }
    }
  }
  int64_t line() const { return record_line_; }
  const std::string& path() const { return path_; }

 private:
  // Moves the unread bytes to the front and reads another block; false at the end of the file.
  bool fill() {
    if (at_eof_with_newline_) return false;  // the end of the file was reached already
    std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(begin_), buffer_.begin() + static_cast<std::ptrdiff_t>(end_),
              buffer_.begin());
    end_ -= begin_;
    begin_ = 0;
    const std::size_t block = reader_.block();
    if (buffer_.size() < end_ + block) buffer_.resize(end_ + block);
    const std::size_t n = reader_.read(buffer_.data() + end_, block);
    end_ += n;
    return n > 0;
  }

  void skip_blank_lines() {
    while (begin_ < end_ && (buffer_[begin_] == '\n' || buffer_[begin_] == '\r')) {
      if (buffer_[begin_] == '\n') ++line_;
      ++begin_;
    }
  }

  // Scans one record starting at begin_; returns the bytes it took, or 0 when the block ends
  // first (the caller reads more and scans the record again from its start).
  std::size_t scan_record(std::vector<std::string_view>& fields) {
    fields.clear();
    scratch_.clear();
    scratch_.reserve(end_ - begin_);  // unquoting only shrinks: views into it stay valid
    const char* const start = buffer_.data() + begin_;
    const char* const stop = buffer_.data() + end_;
    const char* p = start;
    int64_t lines = 0;
    for (;;) {
      if (p == stop) return 0;
      if (*p == '"') {
        p = scan_quoted(p + 1, stop, fields, lines);
        if (p == nullptr) return 0;
      } else {
        const char* q = p;
        while (q != stop && *q != delimiter_ && *q != '\n') ++q;
        if (q == stop) return 0;
        const char* e = q;
        if (*q == '\n' && e != p && e[-1] == '\r') --e;
        fields.emplace_back(p, static_cast<std::size_t>(e - p));
        p = q;
      }
      if (*p == delimiter_) {
        ++p;
        continue;
      }
      record_line_ = ++line_;
      line_ += lines;
      return static_cast<std::size_t>(p + 1 - start);  // past the '\n'
    }
  }

  // A quoted field from just after its opening quote; returns where the field ends (at the
  // delimiter or line end), or nullptr when the block ends first.
  const char* scan_quoted(const char* p, const char* stop, std::vector<std::string_view>& fields, int64_t& lines) {
    const std::size_t from = scratch_.size();
    for (;;) {
      const char* q = p;
      while (q != stop && *q != '"') ++q;
      if (q == stop || q + 1 == stop) return nullptr;
      lines += std::count(p, q, '\n');
      scratch_.append(p, q);
      if (q[1] == '"') {  // a doubled quote stands for one
        scratch_.push_back('"');
        p = q + 2;
        continue;
      }
      p = q + 1;
      if (*p == '\r' && p + 1 != stop && p[1] == '\n') ++p;
      if (*p != delimiter_ && *p != '\n')
        throw Error(path_ + ", line " + std::to_string(line_ + 1 + lines) + ": text after a closing quote (a quote inside "
                    "a quoted field is written twice: \"\")");
      fields.emplace_back(scratch_.data() + from, scratch_.size() - from);
      return p;
    }
  }

  std::string path_;
  BlockReader reader_;
  char delimiter_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
  std::string scratch_;
  int64_t line_ = 0, record_line_ = 0;
  bool at_eof_with_newline_ = false;
};

char delimiter_for(const std::string& path, const CsvOptions& options) {
  if (options.delimiter != 0) return options.delimiter;
  const std::string lower = [&] {
    std::string s = path;
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  }();
  if (lower.ends_with(".tsv") || lower.ends_with(".tsv.gz") || lower.ends_with(".tab")) return '\t';
  // Otherwise the most frequent of , ; and tab on the first line.
  BlockReader reader(path);
  std::string head(1 << 16, '\0');
  head.resize(reader.read(head.data(), head.size()));
  head = head.substr(0, head.find('\n'));
  char best = ',';
  std::ptrdiff_t most = 0;
  for (const char c : {',', ';', '\t'}) {
    const std::ptrdiff_t n = std::count(head.begin(), head.end(), c);
    if (n > most) most = n, best = c;
  }
  return best;
}

// What a reader knows of its input before the rows arrive.
struct Expected {
  int64_t records = 0;      // the header's included
  uint64_t most_cells = 0;  // the most values the input can fill
};

// Records in, a typed table out. The first `type_rows` records are kept as text until they have
// decided the header and the columns' types; every later record goes straight into the matrix.
class TableBuilder {
 public:
  // `expected`: the records the input holds (the header's included) and the most cells they can
  // fill, which bound the matrix reserved up front. `place`: what the numbers in messages count
  // ("line" in a CSV file, "record" in JSON).
  TableBuilder(std::string source, const CsvOptions& options, Expected expected, std::string place = "line")
      : options_(options), expected_(expected), place_(std::move(place)) {
    table_.source = std::move(source);
  }

  // `fields`: the record's values; a view with a null data() is a JSON null (missing).
  void add(std::span<const std::string_view> fields, int64_t line) {
    if (!typed_) {
      pending_.emplace_back();
      for (const std::string_view f : fields)
        pending_.back().push_back(f.data() ? std::optional<std::string>(f) : std::nullopt);
      pending_lines_.push_back(line);
      if (static_cast<int64_t>(pending_.size()) > options_.type_rows) decide_types();
      return;
    }
    append_row(fields, line);
  }

  Table finish() {
    if (!typed_) decide_types();
    require(!table_.columns.empty(), table_.source + ": empty file (no header and no rows)");
    require(table_.rows > 0, table_.source + ": no data rows (only a header)");
    table_.values.resize(static_cast<std::size_t>(table_.rows * table_.column_count()));
    return std::move(table_);
  }

 private:
  void decide_types() {
    typed_ = true;
    if (pending_.empty()) return;
    const bool header = has_header();
    table_.header = header;
    name_columns(header);
    const std::size_t first = header ? 1 : 0;
    for (std::size_t c = 0; c < table_.columns.size(); ++c) {
      if (forced_categorical(c)) {
        table_.columns[c].type = ColumnType::Categorical;
        continue;
      }
      bool numeric = true;
      float v;
      for (std::size_t r = first; r < pending_.size() && numeric; ++r)
        if (c < pending_[r].size() && pending_[r][c] && !is_missing(*pending_[r][c]))
          numeric = parse_number(*pending_[r][c], v);
      table_.columns[c].type = numeric ? ColumnType::Numeric : ColumnType::Categorical;
    }
    table_.values.reserve(reservation(header));
    std::vector<std::string_view> views;
    for (std::size_t r = first; r < pending_.size(); ++r) {
      views.clear();
      for (const auto& f : pending_[r]) views.push_back(f ? std::string_view(*f) : std::string_view());
      append_row(views, pending_lines_[r]);
    }
    pending_.clear();
    pending_lines_.clear();
  }

  // Auto: the first record is a header when none of its fields is a number.
  bool has_header() const {
    if (options_.header != HeaderMode::Auto) return options_.header == HeaderMode::Present;
    float v;
    for (const auto& f : pending_.front())
      if (!f || parse_number(*f, v)) return false;
    return true;
  }

  void name_columns(bool header) {
    const auto& first = pending_.front();
    std::unordered_map<std::string, int> seen;
    for (std::size_t c = 0; c < first.size(); ++c) {
      std::string name = header ? std::string(trimmed(first[c].value_or(""))) : std::to_string(c);
      if (name.empty()) name = "unnamed_" + std::to_string(c);
      if (const int n = seen[name]++; n > 0) name += "." + std::to_string(n);  // as pandas does
      table_.columns.push_back({name});
      index_.emplace_back();
    }
  }

  bool forced_categorical(std::size_t c) const {
    for (const std::string& name : options_.categorical)
      if (name == table_.columns[c].name || name == std::to_string(c)) return true;
    return false;
  }

  bool is_missing(std::string_view field) const {
    const std::string_view t = trimmed(field);
    return std::find(options_.missing.begin(), options_.missing.end(), t) != options_.missing.end();
  }

  [[noreturn]] void fail(int64_t line, std::size_t column, const std::string& why) const {
    throw Error(table_.source + ", " + place_ + " " + std::to_string(line) + " (row " + std::to_string(table_.rows + 1) +
                "), column '" + table_.columns[column].name + "': " + why);
  }

  // The matrix for the expected rows, but never more cells than the input can fill: a first row
  // of a million fields followed by a million short lines must not reserve a terabyte before the
  // second line is found short.
  std::size_t reservation(bool header) const {
    const auto columns = static_cast<uint64_t>(table_.column_count());
    const auto rows = static_cast<uint64_t>(std::max<int64_t>(expected_.records - (header ? 1 : 0), 0));
    if (columns == 0) return 0;
    return static_cast<std::size_t>(std::min(rows, expected_.most_cells / columns) * columns);
  }

  void append_row(std::span<const std::string_view> fields, int64_t line) {
    const std::size_t columns = table_.columns.size();
    if (fields.size() != columns)
      throw Error(table_.source + ", " + place_ + " " + std::to_string(line) + " (row " + std::to_string(table_.rows + 1) +
                  "): " + std::to_string(fields.size()) + " fields, the first " + place_ + " has " + std::to_string(columns));
    for (std::size_t c = 0; c < columns; ++c) table_.values.push_back(value_of(fields[c], c, line));
    ++table_.rows;
  }

  // Numbers are parsed first: the missing markers are looked up only for a field that is not
  // one (or always, when a marker is itself a number such as -999).
  float value_of(std::string_view field, std::size_t c, int64_t line) {
    if (field.data() == nullptr) return kMissing;
    if (table_.columns[c].type == ColumnType::Categorical)
      return is_missing(field) ? kMissing : category_code(trimmed(field), c);
    float v;
    if (!numeric_marker_ && parse_number(field, v)) {
      if (!std::isfinite(v)) fail(line, c, shown(field) + " is not a finite number");
      return v;
    }
    if (is_missing(field)) return kMissing;
    if (!parse_number(field, v))
      fail(line, c, shown(field) + " is not a number (the column's first rows are numbers; to read it as "
                    "categories, name it among the categorical columns)");
    if (!std::isfinite(v)) fail(line, c, shown(field) + " is not a finite number");
    return v;
  }

  float category_code(std::string_view value, std::size_t c) {
    auto& index = index_[c];
    auto it = index.find(std::string(value));
    if (it == index.end()) {
      auto& categories = table_.columns[c].categories;
      it = index.emplace(std::string(value), static_cast<int>(categories.size())).first;
      categories.emplace_back(value);
    }
    return static_cast<float>(it->second);
  }

  CsvOptions options_;
  bool numeric_marker_ = std::any_of(options_.missing.begin(), options_.missing.end(), [](const std::string& m) {
    float v;
    return parse_number(m, v);
  });
  Expected expected_;
  std::string place_;
  Table table_;
  bool typed_ = false;
  std::vector<std::vector<std::optional<std::string>>> pending_;
  std::vector<int64_t> pending_lines_;
  std::vector<std::unordered_map<std::string, int>> index_;  // per categorical column: value -> code
};

// Records in the file, counted quickly before reading (so the matrix is allocated once): line
// ends outside quotes, plus an unfinished last line. Blank lines are counted too; the few rows
// reserved for them cost nothing. A block without quotes is counted by the vectorised std::count.
// Every cell takes at least one byte of the (decompressed) text, so the bytes bound the cells.
Expected count_records(const std::string& path) {
  BlockReader reader(path);
  std::vector<char> block(reader.block());
  int64_t records = 0;
  uint64_t bytes = 0;
  bool quoted = false;
  char last = '\n';
  for (std::size_t n; (n = reader.read(block.data(), block.size())) > 0;) {
    bytes += n;
    const char* begin = block.data();
    if (!quoted && std::memchr(begin, '"', n) == nullptr) {
      records += std::count(begin, begin + n, '\n');
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        if (begin[i] == '"') quoted = !quoted;
        records += begin[i] == '\n' && !quoted;
      }
    }
    last = begin[n - 1];
  }
  return {.records = records + (last != '\n'), .most_cells = bytes};
}

}  // namespace

int64_t Table::column_index(const std::string& name_or_index) const {
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c].name == name_or_index) return static_cast<int64_t>(c);
  int64_t index = -1;
  const auto [end, ec] = std::from_chars(name_or_index.data(), name_or_index.data() + name_or_index.size(), index);
  if (ec == std::errc() && end == name_or_index.data() + name_or_index.size() && index >= 0 && index < column_count())
    return index;
  std::string names;
  for (const Column& c : columns) names += (names.empty() ? "" : ", ") + c.name;
  throw Error(source + ": no column '" + name_or_index + "' (columns: " + names + ")");
}

std::string Table::text(int64_t row, int64_t column) const {
  const float v = at(row, column);
  if (std::isnan(v)) return "";
  const Column& c = columns[static_cast<std::size_t>(column)];
  if (c.type == ColumnType::Categorical) return c.categories[static_cast<std::size_t>(v)];
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

Table read_csv(const std::string& path, const CsvOptions& options) {
  const char delimiter = delimiter_for(path, options);
  TableBuilder builder(path, options, count_records(path));
  CsvScanner scanner(path, delimiter);
  std::vector<std::string_view> fields;
  while (scanner.next(fields)) builder.add(fields, scanner.line());
  return builder.finish();
}

Table read_json_records(const std::string& path, const CsvOptions& options) {
  const std::vector<uint8_t> bytes = read_file_maybe_gzip(path);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<nlohmann::ordered_json> records;  // ordered: the columns keep the file's key order
  require_json_depth(text, path);
  try {
    const std::size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
    if (first != std::string_view::npos && text[first] == '[') {
      records = nlohmann::ordered_json::parse(text).get<std::vector<nlohmann::ordered_json>>();
    } else {  // JSON Lines
      for (std::size_t at = 0; at < text.size();) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        if (text.substr(at, end - at).find_first_not_of(" \t\r") != std::string_view::npos)
          records.push_back(nlohmann::ordered_json::parse(text.substr(at, end - at)));
        at = end + 1;
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not JSON records (" + std::string(e.what()) + ")");
  }
  // Columns are the keys in order of first sight; a header record names them.
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen;  // a lookup per key: records with many keys stay linear
  for (std::size_t r = 0; r < records.size(); ++r) {
    require(records[r].is_object(), path + ": record " + std::to_string(r + 1) + " is not an object");
    for (const auto& [key, value] : records[r].items())
      if (seen.insert(key).second) keys.push_back(key);
  }
  const auto rows = static_cast<int64_t>(records.size()), columns = static_cast<int64_t>(keys.size());
  require(columns == 0 || rows <= kMaxTableValues / columns,
          path + ": " + std::to_string(rows) + " records of " + std::to_string(columns) +
              " keys make more than 2^28 cells (kMaxTableValues)");
  CsvOptions typed = options;
  typed.header = HeaderMode::Present;
  TableBuilder builder(path, typed, {.records = rows + 1, .most_cells = static_cast<uint64_t>(rows * columns)}, "record");
  std::vector<std::string_view> fields(keys.begin(), keys.end());
  builder.add(fields, 0);
  std::vector<std::string> cells(keys.size());
  for (std::size_t r = 0; r < records.size(); ++r) {
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const auto it = records[r].find(keys[k]);
      const bool missing = it == records[r].end() || it->is_null();
      cells[k] = missing ? "" : it->is_string() ? it->get<std::string>() : it->dump();
      fields[k] = missing ? std::string_view() : std::string_view(cells[k]);
    }
    builder.add(fields, static_cast<int64_t>(r + 1));
  }
  return builder.finish();
}

}  // namespace neurite
