// neurite export: a model file as an ONNX file for other runtimes (ONNX Runtime, in a browser,
// on a phone). The library does the work (neurite/io/onnx.h); this only reads the flags.
#include <cstdio>

#include "commands.h"
#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/io/model_file.h"
#include "neurite/io/onnx.h"

namespace neurite::cli {

namespace {
struct ExportArgs {
  std::string model;
  std::string onnx;
};

void run_export(const ExportArgs& a) {
  Model model = load_model(a.model);
  std::vector<uint8_t> bytes;
  try {  // what cannot be exported is the model's: its errors name the model file
    bytes = onnx_model_bytes(model);
  } catch (const Error& e) {
    throw Error(a.model + ": " + e.what());
  }
  write_file_atomically(a.onnx, bytes);  // its errors name the output
  const std::string sample = to_string(model.network.input_shape());  // "(1, 28, 28)"
  std::printf("wrote %s (ONNX opset %lld, IR version %lld): input \"input\" (batch, %s, output \"output\"\n",
              a.onnx.c_str(), static_cast<long long>(kOnnxOpset), static_cast<long long>(kOnnxIrVersion),
              sample.substr(1).c_str());
}
}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Write a model in another format: ONNX, for other runtimes");
  cmd->add_option("model", args->model, "Model file (.safetensors)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--onnx", args->onnx, "The ONNX file to write (opset 17): takes raw inputs as `predict` does")
      ->required();
  cmd->callback([args] { run_export(*args); });
}

}  // namespace neurite::cli
