// ONNX export: the protocol-buffer encoding itself, the graph's header, and what cannot be
// exported (an Error naming it, no file left). tests/onnx/check_exports.sh has ONNX's own checker
// read real exported files.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "io/protobuf_writer.h"
#include "neurite/io/onnx.h"
#include "test_support.h"

namespace neurite {
namespace {

TEST(ProtobufWriter, VarintsFloatsAndNestedMessages) {
  proto::Writer w;
  w.integer(1, 300);  // key 0x08, then 300 = 0b10'0101100 as 0xAC 0x02
  EXPECT_EQ(w.bytes(), (std::vector<uint8_t>{0x08, 0xAC, 0x02}));
  proto::Writer negative;
  negative.integer(2, -1);  // int64 -1: ten bytes of varint
  EXPECT_EQ(negative.bytes().size(), 11u);
  EXPECT_EQ(negative.bytes().back(), 0x01);
  proto::Writer f;
  f.real(2, 1.0f);  // key 0x15 (field 2, wire type 5), then 0x3F800000 little-endian
  EXPECT_EQ(f.bytes(), (std::vector<uint8_t>{0x15, 0x00, 0x00, 0x80, 0x3F}));
  proto::Writer outer;
  outer.message(7, w);  // key 0x3A (field 7, wire type 2), the length, the bytes
  EXPECT_EQ(outer.bytes(), (std::vector<uint8_t>{0x3A, 0x03, 0x08, 0xAC, 0x02}));
  proto::Writer packed;
  packed.packed_integers(1, std::vector<int64_t>{3, 270});
  EXPECT_EQ(packed.bytes(), (std::vector<uint8_t>{0x0A, 0x03, 0x03, 0x8E, 0x02}));
}

Model mlp_model() {
  Network net = make_mlp({.sizes = {4, 3, 2}, .hidden = ActivationKind::Tanh, .output = ActivationKind::Softmax});
  return {std::move(net), ModelInfo{.cost = "log-likelihood"}};
}

TEST(OnnxExport, HeaderOpsetAndOperators) {
  Model model = mlp_model();
  const std::vector<uint8_t> bytes = onnx_model_bytes(model);
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(bytes[0], 0x08);  // ir_version, field 1
  EXPECT_EQ(bytes[1], kOnnxIrVersion);
  const std::string text(bytes.begin(), bytes.end());
  for (const char* op : {"Gemm", "Tanh", "Softmax", "Div", "transB", "0.weight", "2.bias", "neurite"})
    EXPECT_NE(text.find(op), std::string::npos) << op;
}

TEST(OnnxExport, ConvolutionPoolingAndBatchNormalisation) {
  Network net({1, 12, 10});
  net.add(nlohmann::json{{"type", "conv2d"}, {"out_channels", 3}, {"kernel", {5, 3}}, {"stride", {2, 1}}, {"padding", {1, 2}}})
      .add(nlohmann::json{{"type", "batchnorm"}})
      .add(nlohmann::json{{"type", "relu"}})
      .add(nlohmann::json{{"type", "maxpool2d"}, {"kernel", 2}})
      .add(nlohmann::json{{"type", "avgpool2d"}, {"kernel", {1, 2}}})
      .add(nlohmann::json{{"type", "flatten"}})
      .add(nlohmann::json{{"type", "dense"}, {"out", 2}});
  Model model{std::move(net), ModelInfo{}};
  const std::vector<uint8_t> bytes = onnx_model_bytes(model);
  const std::string text(bytes.begin(), bytes.end());
  for (const char* op : {"Conv", "kernel_shape", "pads", "BatchNormalization", "running_var", "epsilon", "MaxPool",
                         "AveragePool", "Flatten"})
    EXPECT_NE(text.find(op), std::string::npos) << op;
}

// The float32 bytes of `values`, to find a weight initializer inside the file.
std::string float_bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

// One feature, one hidden unit: weight_ih's rows are the gates themselves, numbered 1, 2, 3, ...
// in neurite's (PyTorch's) order and on through the reverse direction's, so the exported W shows
// the order ONNX gets.
std::string exported_gates(const std::string& cell, bool bidirectional) {
  Network net({6, 1});
  net.add(nlohmann::json{{"type", cell}, {"hidden", 1}, {"sequences", false}, {"bidirectional", bidirectional}});
  float gate = 0;
  for (Parameter& p : net.parameters())
    if (p.name.find("weight_ih") != std::string::npos)
      for (int64_t k = 0; k < p.value->size(); ++k) (*p.value)[k] = ++gate;
  Model model{std::move(net), ModelInfo{}};
  const std::vector<uint8_t> bytes = onnx_model_bytes(model);
  return std::string(bytes.begin(), bytes.end());
}

TEST(OnnxExport, RecurrentGatesInOnnxOrder) {
  const std::string lstm = exported_gates("lstm", false);  // i f g o -> i o f c
  EXPECT_NE(lstm.find("LSTM"), std::string::npos);
  EXPECT_NE(lstm.find(float_bytes({1, 4, 2, 3})), std::string::npos);
  const std::string gru = exported_gates("gru", true);  // r z n -> z r h, in each direction
  EXPECT_NE(gru.find("GRU"), std::string::npos);
  EXPECT_NE(gru.find("linear_before_reset"), std::string::npos);
  EXPECT_NE(gru.find("bidirectional"), std::string::npos);
  EXPECT_NE(gru.find(float_bytes({2, 1, 3, 5, 4, 6})), std::string::npos);
  const std::string rnn = exported_gates("rnn", false);
  EXPECT_NE(rnn.find("RNN"), std::string::npos);
  EXPECT_NE(rnn.find("forward"), std::string::npos);
}

// A character language model takes one-hot characters as they are (no pixel scaling in front)
// and text of any length (the steps a free dimension).
TEST(OnnxExport, LanguageModelTakesOneHotCharactersOfAnyLength) {
  Network net({12, 30});
  net.add(nlohmann::json{{"type", "lstm"}, {"hidden", 8}}).add(nlohmann::json{{"type", "dense"}, {"out", 30}});
  Model lm{std::move(net), ModelInfo{.cost = "log-likelihood", .task = kCharLmTask}};
  const std::vector<uint8_t> bytes = onnx_model_bytes(lm);
  const std::string text(bytes.begin(), bytes.end());
  EXPECT_EQ(text.find("Div"), std::string::npos);
  EXPECT_EQ(text.find("pixel_divisor"), std::string::npos);
  EXPECT_NE(text.find("steps"), std::string::npos);
  Model digits = mlp_model();  // an MNIST model keeps its pixels / 255 and fixed sizes
  const std::vector<uint8_t> mlp = onnx_model_bytes(digits);
  EXPECT_NE(std::string(mlp.begin(), mlp.end()).find("pixel_divisor"), std::string::npos);
  EXPECT_EQ(std::string(mlp.begin(), mlp.end()).find("steps"), std::string::npos);
}

TEST(OnnxExport, WhatCannotBeExportedIsNamedAndLeavesNoFile) {
  const std::string path = testing::temp_dir() + "/table.onnx";
  Model table = mlp_model();
  table.info.preparation = Preparation{.kind = "table", .sample_shape = {4}};
  table.info.preparation.columns = {{.name = "a"}, {.name = "b"}, {.name = "c"}, {.name = "d", .type = ColumnType::Categorical}};
  testing::expect_error([&] { export_onnx(table, path); }, {"column 'd' is categorical"});
  EXPECT_FALSE(std::filesystem::exists(path));

  Model text = mlp_model();
  text.info.preparation = Preparation{.kind = "text"};
  testing::expect_error([&] { export_onnx(text, path); }, {"the text preparation is not exported to ONNX"});
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(OnnxExport, AnUnwritablePathIsNamedAndAnEarlierFileKept) {
  Model model = mlp_model();
  const std::string missing = testing::temp_dir() + "/no-such-folder/mlp.onnx";
  testing::expect_error([&] { export_onnx(model, missing); }, {missing});
  EXPECT_FALSE(std::filesystem::exists(missing));

  // A failed export over an earlier file leaves that file as it was.
  const std::string earlier = testing::temp_dir() + "/earlier.onnx";
  export_onnx(model, earlier);
  const auto size = std::filesystem::file_size(earlier);
  Model table = mlp_model();
  table.info.preparation = Preparation{.kind = "table", .sample_shape = {4}};
  table.info.preparation.columns = {{.name = "a", .type = ColumnType::Categorical}};
  EXPECT_THROW(export_onnx(table, earlier), Error);
  EXPECT_EQ(std::filesystem::file_size(earlier), size);
  std::filesystem::remove(earlier);
}

}  // namespace
}  // namespace neurite
