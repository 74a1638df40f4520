// Tables as JSON: an array of records ({"name": value, ...}), as Vega's datasets ship them.
#include "support.h"
#include "neurite/data/table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  const std::string& path = fuzz::write_input({data, size}, ".json");
  fuzz::read_or_refuse([&] { read_json_records(path); });
  fuzz::read_or_refuse([&] { read_json_records(path, {.categorical = {"0", "Origin"}}); });
  return 0;
}
