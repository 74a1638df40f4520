// PyTorch state_dicts for `neurite import` (safetensors with PyTorch's names and any of the
// element types read): imported into the networks of the two fixture specs, a CNN with batch
// normalisation and a two-layer bidirectional LSTM, in name order and in an order given.
#include "support.h"
#include "neurite/io/torch_import.h"

namespace {

neurite::Network cnn() {
  neurite::Network net({1, 28, 28});
  for (const char* layer : {R"({"type": "conv2d", "out_channels": 4, "kernel": [5, 3], "stride": [2, 1], "padding": [1, 2]})",
                            R"({"type": "batchnorm"})", R"({"type": "relu"})", R"({"type": "maxpool2d", "kernel": 2})",
                            R"({"type": "flatten"})", R"({"type": "dense", "out": 16})", R"({"type": "tanh"})",
                            R"({"type": "dense", "out": 10})"})
    net.add(nlohmann::json::parse(layer));
  return net;
}

neurite::Network lstm() {
  neurite::Network net({28, 28});
  net.add(nlohmann::json{{"type", "lstm"}, {"hidden", 12}, {"bidirectional", true}})
      .add(nlohmann::json{{"type", "lstm"}, {"hidden", 12}, {"bidirectional", true}, {"sequences", false}})
      .add(nlohmann::json{{"type", "dense"}, {"out", 10}});
  return net;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  static Network convolutional = cnn(), recurrent = lstm();
  const std::string& path = fuzz::write_input({data, size}, ".safetensors");
  fuzz::read_or_refuse([&] { import_torch_state_dict(path, convolutional); });
  fuzz::read_or_refuse([&] { import_torch_state_dict(path, recurrent, {"lstm", "head"}); });
  fuzz::read_or_refuse([&] { import_torch_state_dict(path, recurrent); });
  return 0;
}
