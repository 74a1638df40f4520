// A network trained in PyTorch, through neurite, out to ONNX: the state_dict (saved with
// safetensors) is loaded into the layers of a neurite spec, saved as a neurite model file, and
// exported as an ONNX file that takes raw pixels. One digit's outputs are printed on the way.
//
//   build/examples/torch_to_onnx STATE.safetensors SPEC.json OUT_DIR [MODULE ...]
//   (the modules in layer order, when sorting their names does not give it: lstm head)
#include <cstdio>
#include <string>
#include <vector>

#include "neurite/neurite.h"

int main(int argc, char** argv) {
  using namespace neurite;
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s STATE.safetensors SPEC.json OUT_DIR [MODULE ...]\n", argv[0]);
    return 2;
  }
  try {
    const std::string out = argv[3];
    const std::vector<std::string> modules(argv + 4, argv + argc);
    const RunConfig config = run_config_of(read_model_spec(argv[2]));
    Network network = build_network(config);  // the spec's layers, about to get PyTorch's weights
    const std::vector<ImportedTensor> imported = import_torch_state_dict(argv[1], network, modules);
    std::printf("%zu tensors from PyTorch, the first %s -> %s\n", imported.size(), imported.front().torch_name.c_str(),
                imported.front().neurite_name.c_str());
    save_model(out + "/from-torch.safetensors", network, model_info(config));

    Model model = load_model(out + "/from-torch.safetensors");
    std::vector<uint8_t> stripes(784);  // a picture of vertical stripes, raw pixels 0..255
    for (std::size_t i = 0; i < stripes.size(); ++i) stripes[i] = i % 4 < 2 ? 255 : 0;
    const Tensor& outputs = model.network.forward(model_input(model, stripes));
    std::printf("outputs for a striped picture:");
    for (int64_t k = 0; k < outputs.size(); ++k) std::printf(" %.4f", outputs[k]);
    std::printf("\n");

    export_onnx(model, out + "/from-torch.onnx");
    std::printf("wrote %s/from-torch.onnx (opset %lld)\n", out.c_str(), static_cast<long long>(kOnnxOpset));
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
