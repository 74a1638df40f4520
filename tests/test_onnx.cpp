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

TEST(OnnxExport, WhatCannotBeExportedIsNamedAndLeavesNoFile) {
  Network net({5, 3});
  net.add(nlohmann::json{{"type", "lstm"}, {"hidden", 4}, {"sequences", false}});
  net.add(nlohmann::json{{"type", "dense"}, {"out", 2}});
  Model recurrent{std::move(net), ModelInfo{}};
  const std::string path = testing::temp_dir() + "/lstm.onnx";
  testing::expect_error([&] { export_onnx(recurrent, path); }, {"layer 0 (lstm) is not exported to ONNX yet"});
  EXPECT_FALSE(std::filesystem::exists(path));

  Model table = mlp_model();
  table.info.preparation = Preparation{.kind = "table", .sample_shape = {4}};
  table.info.preparation.columns = {{.name = "a"}, {.name = "b"}, {.name = "c"}, {.name = "d", .type = ColumnType::Categorical}};
  testing::expect_error([&] { onnx_model_bytes(table); }, {"column 'd' is categorical"});
}

}  // namespace
}  // namespace neurite
