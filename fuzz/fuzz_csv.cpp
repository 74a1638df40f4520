// CSV files: MNIST as CSV (label then 784 pixels a line) and the tables of "your own data" (any
// columns, a header or not, numbers, categories and missing values). The first byte picks the
// table reader's header rule, delimiter and categorical columns.
#include "support.h"
#include "neurite/data/csv.h"
#include "neurite/data/table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  if (size < 1) return 0;
  const uint8_t choice = data[0];
  const std::string& path = fuzz::write_input({data + 1, size - 1}, choice & 1 ? ".tsv" : ".csv");
  fuzz::read_or_refuse([&] { read_mnist_csv(path); });
  CsvOptions options;
  options.header = static_cast<HeaderMode>((choice >> 1) % 3);
  if (choice & 8) options.delimiter = ';';
  if (choice & 16) options.categorical = {"0", "2"};
  if (choice & 32) options.type_rows = 2;
  fuzz::read_or_refuse([&] { read_csv(path, options); });
  return 0;
}
