// Tables: CSV / TSV text (RFC 4180) and JSON records, read into one row-major float matrix.
// A numeric column holds its numbers, a categorical column the index of each value in its
// categories, and a missing value (an empty field, NA, ?, or JSON null) is NaN.
//
// A column's type comes from its first rows (CsvOptions::type_rows): numeric when every value
// there that is not missing is a number. A later value that is not a number is then an error
// naming the row and column, as Arrow's CSV reader does; CsvOptions::categorical forces a column
// to categories. Reading streams the file in blocks, so the memory it needs is the matrix.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/tensor.h"

namespace neurite {

enum class ColumnType { Numeric, Categorical };

struct Column {
  std::string name;
  ColumnType type = ColumnType::Numeric;
  std::vector<std::string> categories = {};  // categorical: the values in order of first sight
};

enum class HeaderMode { Auto, Present, Absent };

struct CsvOptions {
  char delimiter = 0;                    // 0: tab for a .tsv file, otherwise told from the first line
  HeaderMode header = HeaderMode::Auto;  // Auto: a header when the first line has no number in it
  std::vector<std::string> categorical = {};  // columns (names or 0-based indices) read as categories
  std::vector<std::string> missing = {"", "NA", "?"};  // the text of a missing value
  int64_t type_rows = 1000;              // rows that decide a column's type
};

struct Table {
  std::string source;            // the file, for messages
  std::vector<Column> columns;
  int64_t rows = 0;
  std::vector<float> values;     // rows x columns, row-major
  bool header = true;            // the first line named the columns (else they are "0", "1", ...)

  int64_t column_count() const { return static_cast<int64_t>(columns.size()); }
  float at(int64_t row, int64_t column) const {
    return values[static_cast<std::size_t>(row * column_count() + column)];
  }
  // A column by name, or by 0-based index when the text is a number that is no column's name.
  // Throws an Error naming the table and listing its columns.
  int64_t column_index(const std::string& name_or_index) const;
  // The text of cell (row, column): the number as written shortest, the category, or "" (missing).
  std::string text(int64_t row, int64_t column) const;
};

// Reads CSV or TSV, plain or gzip. Quoted fields may hold the delimiter, doubled quotes and line
// ends; a UTF-8 byte-order mark and CRLF line ends are accepted. Errors name the file, the data
// row (1-based, the header not counted) and the column.
Table read_csv(const std::string& path, const CsvOptions& options = {});

// The most cells (rows x columns) a table of JSON records may have: 2^28, 1 GiB as floats. A
// record that lacks a key costs no bytes in the file but a cell in the table, so a megabyte of
// records that each name a new key would otherwise ask for a matrix of tens of gigabytes; checked
// before the matrix is made. A CSV file needs no such limit: every cell takes at least one byte
// of it (its delimiter or line end), so its matrix is at most four times the text.
constexpr int64_t kMaxTableValues = int64_t{1} << 28;

// Reads JSON records: an array of objects, or one object per line (JSON Lines). Numbers and
// strings as CSV values, null as missing; the columns are the keys in order of first sight.
Table read_json_records(const std::string& path, const CsvOptions& options = {});

}  // namespace neurite
