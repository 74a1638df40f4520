// ONNX export: a model as an ONNX file (opset 17, IR version 8) that ONNX Runtime and other
// runtimes run where neurite is not. The graph takes the raw inputs `neurite predict` takes
// (pixel values 0..255; a table's numeric columns; an array's values, or an image's pixels as
// decoded and resized) and gives what it prints: the input
// preparation stored in the model becomes operators at the front, a regression's target
// scaling operators at the end. Written with neurite's own protocol-buffer encoder
// (src/io/protobuf_writer.h): a few hundred bytes of wire format need no protobuf library.
//
// Exported so far: dense (Gemm, or MatMul + Add on sequences), conv2d (Conv), max and average
// pooling, batch normalisation (its running statistics), flatten, every activation, softmax,
// dropout (gone at inference). Not yet: rnn, lstm, gru. A layer or preparation that cannot be
// exported exactly is an Error naming it; no file is written then.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/io/model_file.h"

namespace neurite {

constexpr int64_t kOnnxOpset = 17;
constexpr int64_t kOnnxIrVersion = 8;

// The ONNX file's bytes. Its input is "input" (batch, sample...), its output "output".
std::vector<uint8_t> onnx_model_bytes(Model& model);
// Writes them to `path` atomically (nothing is left behind when it fails).
void export_onnx(Model& model, const std::string& path);

}  // namespace neurite
