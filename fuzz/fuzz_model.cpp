// Model files (safetensors with neurite's metadata: architecture, task, preparation): loaded,
// then, for a network of moderate size, run forward on one sample of zeros and exported to ONNX
// in memory.
#include "support.h"
#include "neurite/io/model_file.h"
#include "neurite/io/onnx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  const std::string& path = fuzz::write_input({data, size}, ".safetensors");
  fuzz::read_or_refuse([&] {
    Model model = load_model(path);
    Shape shape = model.network.input_shape();
    shape.insert(shape.begin(), 1);
    if (element_count(shape) <= (1 << 16) && model.network.parameter_count() <= (1 << 20)) {
      model.network.forward(Tensor(shape));
      onnx_model_bytes(model);
    }
  });
  return 0;
}
