// Tables from CSV, TSV and JSON records: RFC 4180 quoting, headers, types, missing values,
// gzip, and every malformed file as one error line naming the file, line and column. The real
// vega-datasets files are read when NEURITE_VEGA names their folder.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "neurite/data/table.h"
#include "neurite/error.h"
#include "test_support.h"

namespace neurite {
namespace {
using namespace neurite::testing;

std::string write_text(const std::string& name, const std::string& text) {
  const std::string path = temp_dir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

Table csv_of(const std::string& text, const CsvOptions& options = {}, const std::string& name = "t.csv") {
  return read_csv(write_text(name, text), options);
}

std::string csv_error(const std::string& text, const CsvOptions& options = {}) {
  return error_of([&] { (void)csv_of(text, options); });
}

TEST(Table, HeaderNumbersAndCategories) {
  const Table t = csv_of("x,colour,y\n1.5,red,0\n-2,blue,1\n+3e2,red,1\n");
  ASSERT_EQ(t.rows, 3);
  ASSERT_EQ(t.column_count(), 3);
  EXPECT_EQ(t.columns[0].name, "x");
  EXPECT_EQ(t.columns[0].type, ColumnType::Numeric);
  EXPECT_EQ(t.columns[1].type, ColumnType::Categorical);
  EXPECT_EQ(t.columns[1].categories, (std::vector<std::string>{"red", "blue"}));
  EXPECT_FLOAT_EQ(t.at(0, 0), 1.5f);
  EXPECT_FLOAT_EQ(t.at(2, 0), 300.0f);
  EXPECT_EQ(t.at(1, 1), 1.0f);
  EXPECT_EQ(t.text(2, 1), "red");
  EXPECT_EQ(t.text(1, 0), "-2");
  EXPECT_EQ(t.column_index("y"), 2);
  EXPECT_EQ(t.column_index("1"), 1);
}

TEST(Table, NoHeaderIsDetectedAndColumnsAreNumbered) {
  const Table t = csv_of("1,2,a\n3,4,b\n");
  EXPECT_EQ(t.rows, 2);
  EXPECT_EQ(t.columns[2].name, "2");
  const Table forced = csv_of("a,b\nc,d\n", {.header = HeaderMode::Absent});
  EXPECT_EQ(forced.rows, 2);
}

TEST(Table, QuotedFieldsHoldDelimitersLineEndsAndQuotes) {
  const Table t = csv_of("name,note,v\n\"Smith, J\",\"said \"\"hi\"\"\nthen left\",1\nplain,\"\",2\n");
  ASSERT_EQ(t.rows, 2);
  EXPECT_EQ(t.text(0, 0), "Smith, J");
  EXPECT_EQ(t.text(0, 1), "said \"hi\"\nthen left");
  EXPECT_TRUE(std::isnan(t.at(1, 1)));  // "" is missing
  EXPECT_EQ(t.at(1, 2), 2.0f);
}

TEST(Table, ByteOrderMarkCrlfAndNoFinalLineEnd) {
  const Table t = csv_of("\xEF\xBB\xBF" "a,b\r\n1,2\r\n\r\n3,4");
  ASSERT_EQ(t.rows, 2);
  EXPECT_EQ(t.columns[0].name, "a");
  EXPECT_EQ(t.columns[1].name, "b");
  EXPECT_EQ(t.at(1, 1), 4.0f);
}

TEST(Table, TsvAndSemicolonsAreTold) {
  EXPECT_EQ(csv_of("a\tb\n1\t2\n", {}, "t.tsv").at(0, 1), 2.0f);
  EXPECT_EQ(csv_of("a;b\n1;2\n").at(0, 1), 2.0f);
  EXPECT_EQ(csv_of("a|b\n1|2\n", {.delimiter = '|'}).at(0, 1), 2.0f);
}

TEST(Table, MissingMarkersAndForcedCategories) {
  const Table t = csv_of("a,b,zip\n1,NA,02139\n?,2,10001\n, 3 ,02139\n", {.categorical = {"zip"}});
  EXPECT_TRUE(std::isnan(t.at(0, 1)));
  EXPECT_TRUE(std::isnan(t.at(1, 0)));
  EXPECT_TRUE(std::isnan(t.at(2, 0)));
  EXPECT_EQ(t.at(2, 1), 3.0f);
  EXPECT_EQ(t.columns[2].type, ColumnType::Categorical);
  EXPECT_EQ(t.columns[2].categories, (std::vector<std::string>{"02139", "10001"}));
}

TEST(Table, GzipIsReadThrough) {
  const std::string path = temp_dir() + "/t.csv.gz";
  gzFile f = gzopen(path.c_str(), "wb");
  const std::string text = "a,b\n1,2\n3,4\n";
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  EXPECT_EQ(read_csv(path).at(1, 0), 3.0f);
}

TEST(Table, LongFilesCrossBlockBoundaries) {
  std::string text = "id,label,value\n";
  for (int i = 0; i < 300000; ++i)
    text += std::to_string(i) + ",\"class " + std::to_string(i % 7) + "\"," + std::to_string(i * 0.5) + "\n";
  const Table t = csv_of(text);
  ASSERT_EQ(t.rows, 300000);
  EXPECT_EQ(t.columns[1].categories.size(), 7u);
  EXPECT_EQ(t.at(299999, 0), 299999.0f);
  EXPECT_EQ(t.text(123456, 1), "class " + std::to_string(123456 % 7));
  EXPECT_FLOAT_EQ(t.at(123457, 2), 123457 * 0.5f);
}

TEST(Table, MalformedFilesNameFileLineAndColumn) {
  const std::string ragged = csv_error("a,b\n1,2\n3\n");
  EXPECT_NE(ragged.find("t.csv, line 3 (row 2): 1 fields, the first line has 2"), std::string::npos) << ragged;
  std::string text = "a,b\n";
  for (int i = 0; i < 1200; ++i) text += std::to_string(i) + ",1\n";
  const std::string late = csv_error(text + "oops,1\n");
  EXPECT_NE(late.find("line 1202 (row 1201), column 'a': 'oops' is not a number"), std::string::npos) << late;
  const std::string inf = csv_error("a,b\n1,inf\n");
  EXPECT_NE(inf.find("column 'b': 'inf' is not a finite number"), std::string::npos) << inf;
  const std::string huge = csv_error("a,b\n1,1e999\n");
  EXPECT_NE(huge.find("'1e999' is not a finite number"), std::string::npos) << huge;
  const std::string quote = csv_error("a,b\n\"x\"y,1\n");
  EXPECT_NE(quote.find("line 2: text after a closing quote"), std::string::npos) << quote;
  const std::string open = csv_error("a,b\n\"never closed,1\n");
  EXPECT_NE(open.find("a quoted field is never closed"), std::string::npos) << open;
  EXPECT_NE(csv_error("").find("t.csv: empty file"), std::string::npos);
  EXPECT_NE(csv_error("\n\r\n").find("t.csv: empty file"), std::string::npos);
  EXPECT_NE(csv_error("a,b,c\n").find("t.csv: no data rows (only a header)"), std::string::npos);
  EXPECT_NE(error_of([] { (void)read_csv(temp_dir() + "/absent.csv"); }).find("absent.csv"), std::string::npos);
  const Table t = csv_of("a,b\n1,2\n");
  EXPECT_EQ(error_of([&] { (void)t.column_index("c"); }), temp_dir() + "/t.csv: no column 'c' (columns: a, b)");
}

TEST(Table, JsonRecordsAndJsonLines) {
  const std::string array = write_text("r.json", R"([{"a": 1, "b": "x"}, {"a": null, "b": "y", "c": 2.5}])");
  const Table t = read_json_records(array);
  ASSERT_EQ(t.rows, 2);
  ASSERT_EQ(t.column_count(), 3);
  EXPECT_EQ(t.at(0, 0), 1.0f);
  EXPECT_TRUE(std::isnan(t.at(1, 0)));
  EXPECT_TRUE(std::isnan(t.at(0, 2)));  // a key absent from a record is missing
  EXPECT_EQ(t.text(1, 1), "y");
  const std::string lines = write_text("r.jsonl", "{\"a\": 1}\n\n{\"a\": 2}\n");
  EXPECT_EQ(read_json_records(lines).at(1, 0), 2.0f);
  const std::string bad = write_text("bad.json", "[{\"a\": 1}, 3]");
  EXPECT_NE(error_of([&] { (void)read_json_records(bad); }).find("bad.json: record 2 is not an object"), std::string::npos);
  const std::string broken = write_text("broken.json", "[{\"a\": ");
  EXPECT_NE(error_of([&] { (void)read_json_records(broken); }).find("broken.json: not JSON records"), std::string::npos);
}

// The real files the own-data tests train on (scripts/common.sh fetches them).
std::string vega(const std::string& name) {
  const char* dir = std::getenv("NEURITE_VEGA");
  return dir ? std::string(dir) + "/" + name : std::string();
}

TEST(Table, RealVegaDatasets) {
  if (vega("").empty()) GTEST_SKIP() << "NEURITE_VEGA is not set (scripts/test.sh sets it)";
  const Table weather = read_csv(vega("seattle-weather.csv"));
  EXPECT_EQ(weather.rows, 1461);
  EXPECT_EQ(weather.columns[weather.column_index("weather")].categories.size(), 5u);
  const Table birds = read_csv(vega("birdstrikes.csv"));  // CRLF, no final line end, '$' in a name
  EXPECT_EQ(birds.rows, 10000);
  EXPECT_EQ(birds.column_count(), 14);
  const int64_t cost = birds.column_index("Cost Total $");
  EXPECT_EQ(birds.columns[cost].type, ColumnType::Numeric);
  const int64_t speed = birds.column_index("Speed IAS in knots");
  int64_t missing = 0;
  for (int64_t r = 0; r < birds.rows; ++r) missing += std::isnan(birds.at(r, speed));
  EXPECT_EQ(missing, 2836);
  const Table cars = read_json_records(vega("cars.json"));
  EXPECT_EQ(cars.rows, 406);
  EXPECT_EQ(cars.columns[cars.column_index("Origin")].categories.size(), 3u);
}

}  // namespace
}  // namespace neurite
