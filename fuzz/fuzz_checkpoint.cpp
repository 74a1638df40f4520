// Training checkpoints: a model file plus the optimiser's state and the run's position (epoch,
// step, generator words), as `train --resume` reads them.
#include "support.h"
#include "neurite/io/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  const std::string& path = fuzz::write_input({data, size}, ".safetensors");
  fuzz::read_or_refuse([&] { load_checkpoint(path); });
  return 0;
}
