// `neurite import`: PyTorch state_dicts with PyTorch's own names (tests/fixtures/
// make_torch_state_dict.py, run once with Debian's python3-torch) loaded into networks built from
// neurite specs, then run on the same 16 digits: the outputs must be PyTorch's. A CNN with batch
// normalisation (an nn.Sequential, int64 num_batches_tracked included) and a two-layer
// bidirectional LSTM whose module names need their order given.
#include <gtest/gtest.h>

#include <cmath>

#include "neurite/io/model_file.h"
#include "neurite/io/safetensors.h"
#include "neurite/io/torch_import.h"
#include "neurite/train/run_config.h"
#include "test_support.h"

namespace neurite {
namespace {

constexpr float kTolerance = 1e-5f;

std::string fixture(const std::string& name) { return testing::source_dir() + "/tests/fixtures/" + name; }

const SafetensorsFile& reference() {
  static const SafetensorsFile file = read_safetensors(fixture("torch_state_dict_reference.safetensors"));
  return file;
}

Network spec_network(const std::string& spec) { return build_network(run_config_of(read_model_spec(fixture(spec)))); }

// The model's outputs on the reference digits against PyTorch's; returns the largest difference.
float largest_difference(Model& model, const std::string& torch_outputs) {
  const Tensor& pixels = reference().at("pixels");
  const std::vector<uint8_t> bytes(pixels.data(), pixels.data() + pixels.size());
  Tensor inputs;
  const int64_t per = element_count(model.network.input_shape()), n = pixels.size() / per;
  for (int64_t i = 0; i < n; ++i) {
    const Tensor one = model_input(model, std::span(bytes).subspan(static_cast<std::size_t>(i * per), per));
    if (i == 0) {
      Shape shape = one.shape();
      shape[0] = n;
      inputs = Tensor(shape);
    }
    std::copy_n(one.data(), per, inputs.data() + i * per);
  }
  model.network.set_training(false);
  const Tensor& out = model.network.forward(inputs);
  const Tensor& expected = reference().at(torch_outputs);
  EXPECT_EQ(out.shape(), expected.shape());
  float largest = 0;
  for (int64_t k = 0; k < out.size(); ++k) largest = std::max(largest, std::abs(out[k] - expected[k]));
  std::printf("  %-14s largest difference from PyTorch %.2e\n", torch_outputs.c_str(), largest);
  return largest;
}

TEST(TorchImport, SequentialCnnWithBatchNormGivesPyTorchsOutputs) {
  Network net = spec_network("torch_state_dict_cnn.json");
  const std::vector<ImportedTensor> imported = import_torch_state_dict(fixture("torch_state_dict_cnn.safetensors"), net);
  ASSERT_EQ(imported.size(), 11u);  // num_batches_tracked (int64) too
  EXPECT_EQ(imported[0].torch_name, "0.bias");
  EXPECT_EQ(imported[0].neurite_name, "0.bias");
  const ModelInfo info = model_info(run_config_of(read_model_spec(fixture("torch_state_dict_cnn.json"))));
  Model model = predicting_model(net, info);
  EXPECT_LT(largest_difference(model, "cnn.outputs"), kTolerance);
}

TEST(TorchImport, StackedBidirectionalLstmInTheOrderGiven) {
  Network net = spec_network("torch_state_dict_lstm.json");
  const auto imported = import_torch_state_dict(fixture("torch_state_dict_lstm.safetensors"), net, {"lstm", "head"});
  ASSERT_EQ(imported.size(), 18u);
  bool found = false;
  for (const ImportedTensor& t : imported)
    if (t.torch_name == "lstm.weight_hh_l1_reverse") found = t.neurite_name == "1.weight_hh_reverse";
  EXPECT_TRUE(found);
  const ModelInfo info = model_info(run_config_of(read_model_spec(fixture("torch_state_dict_lstm.json"))));
  Model model = predicting_model(net, info);
  EXPECT_LT(largest_difference(model, "lstm.outputs"), kTolerance);
}

TEST(TorchImport, MismatchesNameBothSides) {
  const std::string lstm = fixture("torch_state_dict_lstm.safetensors");
  Network unordered = spec_network("torch_state_dict_lstm.json");  // "head" sorts before "lstm"
  testing::expect_error([&] { import_torch_state_dict(lstm, unordered); },
                        {"module 'head' holds bias, weight", "layer 0 (lstm) needs", "give the modules' order"});
  Network net = spec_network("torch_state_dict_lstm.json");
  testing::expect_error([&] { import_torch_state_dict(lstm, net, {"lstm", "tail"}); }, {"no module 'tail'"});
  testing::expect_error([&] { import_torch_state_dict(lstm, net, {"lstm"}); }, {"module 'head' is not in the order given"});

  Network wider({1, 28, 28});  // the CNN's layers with a dense layer of 17, not 16
  for (const char* layer : {R"({"type": "conv2d", "out_channels": 4, "kernel": [5, 3], "stride": [2, 1], "padding": [1, 2]})",
                            R"({"type": "batchnorm"})", R"({"type": "maxpool2d", "kernel": 2})", R"({"type": "flatten"})",
                            R"({"type": "dense", "out": 17})", R"({"type": "dense", "out": 10})"})
    wider.add(nlohmann::json::parse(layer));
  testing::expect_error([&] { import_torch_state_dict(fixture("torch_state_dict_cnn.safetensors"), wider); },
                        {"'5.bias' has shape (16)", "layer 4 (dense) needs bias (17)"});
  Network shorter({1, 28, 28});
  shorter.add(nlohmann::json{{"type", "flatten"}}).add(nlohmann::json{{"type", "dense"}, {"out", 10}});
  testing::expect_error([&] { import_torch_state_dict(fixture("torch_state_dict_cnn.safetensors"), shorter); },
                        {"4 modules with tensors", "1 layers with tensors"});
}

TEST(TorchImport, TheCommandWritesAModelFile) {
  const std::string out = testing::temp_dir() + "/imported-lstm.safetensors";
  const auto r = testing::run_cli("import " + fixture("torch_state_dict_lstm.safetensors") + " --model " +
                                  fixture("torch_state_dict_lstm.json") + " --modules lstm,head --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("lstm.weight_ih_l1_reverse"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("saved " + out + ": 18 tensors"), std::string::npos) << r.output;
  Model model = load_model(out);
  EXPECT_LT(largest_difference(model, "lstm.outputs"), kTolerance);

  const auto bad = testing::run_cli("import " + fixture("torch_state_dict_lstm.safetensors") + " --model " +
                                    fixture("torch_state_dict_lstm.json") + " --out " + out + ".2");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("give the modules' order"), std::string::npos) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(out + ".2"));
}

}  // namespace
}  // namespace neurite
