// Model specs (models/*.json, `train --spec`): read, merged with the defaults, checked, and the
// network built, which is where a spec's sizes turn into allocations.
#include "support.h"
#include "neurite/train/run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  const std::string& path = fuzz::write_input({data, size}, ".json");
  fuzz::read_or_refuse([&] {
    const RunConfig config = run_config_of(read_model_spec(path));
    validate(config);
    build_network(config);
    build_cost(config);
  });
  return 0;
}
