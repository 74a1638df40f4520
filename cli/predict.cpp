// neurite predict: what a saved model makes of new data. An MNIST model: the digit in one picture
// (a 28x28 PNG / PGM file or one image of the MNIST test set) with its ten outputs, or every sample
// of an array of raw pixels. A model trained on other data: a picture of any size (resized as in
// training), or a table or .npy file. Many samples' predictions are written as CSV (the class with
// each class's probability, or the targets' values) or as an .npy array of the outputs.
#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "neurite/data/image.h"
#include "neurite/data/numpy.h"
#include "neurite/data/source.h"
#include "neurite/io/atomic_file.h"
#include "neurite/train/metrics.h"
#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "resources.h"

namespace neurite::cli {

namespace {


struct PredictArgs {
  std::string model;
  std::string image;
  int64_t index = -1;
  std::string data;  // empty: looked up (resources.h)
  std::string input, out, format = "auto";  // other data than MNIST
  bool invert = false;
  bool no_invert = false;
};

struct Sample {
  Tensor input;     // (1, features), scaled as in training
  int label = -1;   // -1 when unknown
};

Sample sample_from_image(const PredictArgs& a, const Model& model) {
  const Invert invert = a.invert ? Invert::Always : a.no_invert ? Invert::Never : Invert::Auto;
  return {model_input(model, read_digit_picture(a.image, invert).pixels), -1};
}

Sample sample_from_test_set(const PredictArgs& a, const Model& model) {
  const Dataset test = load_mnist_test(mnist_folder(a.data), mnist_options(model));
  require(a.index >= 0 && a.index < test.size(),
          "--index " + std::to_string(a.index) + " is outside the test set's 0.." + std::to_string(test.size() - 1));
  Sample s{Tensor(), test.labels[static_cast<std::size_t>(a.index)]};
  test.read_inputs(a.index, 1, s.input);
  return s;
}

// A CSV field, quoted when it holds a comma, a quote or a line end (RFC 4180).
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

// One CSV line per sample: its name, then the class and each class's probability, or the targets.
std::string predictions_csv(const Model& model, const PredictionInputs& in, const Tensor& out) {
  const ModelInfo& info = model.info;
  const bool regression = info.task == "regression", binary = info.task == "binary";
  std::string text = "sample";
  if (regression) {
    for (std::size_t start = 0; start <= info.preparation.target.size();) {
      const std::size_t comma = std::min(info.preparation.target.find(',', start), info.preparation.target.size());
      text += "," + csv_field(info.preparation.target.substr(start, comma - start));
      start = comma + 1;
    }
  } else {
    text += ",predicted";
    for (std::size_t k = 0; k < info.class_names.size(); ++k) text += "," + csv_field("p(" + info.class_names[k] + ")");
  }
  text += "\n";
  const int64_t width = out.dim(1);
  for (int64_t i = 0; i < out.dim(0); ++i) {
    const float* o = out.data() + i * width;
    text += csv_field(in.names[static_cast<std::size_t>(i)]);
    if (regression) {
      for (int64_t k = 0; k < width; ++k) text += "," + number(o[k]);
    } else if (binary) {
      text += "," + csv_field(info.class_name(o[0] >= 0.5f)) + "," + number(1 - o[0]) + "," + number(o[0]);
    } else {
      text += "," + csv_field(info.class_name(std::max_element(o, o + width) - o));
      for (int64_t k = 0; k < width; ++k) text += "," + number(o[k]);
    }
    text += "\n";
  }
  return text;
}

// Predictions for every sample of --input (any model) or --image (a model trained on other data
// than MNIST): printed or written as CSV, or with --out FILE.npy the outputs as an array.
void predict_many(const PredictArgs& a, Model& model) {
  require(a.index < 0, "--index reads MNIST's test set; this model was trained on other data (give --input FILE)");
  const std::string path = a.image.empty() ? a.input : a.image;
  require(!path.empty(), "give --input FILE (a table, an .npy file or a picture)");
  PredictionInputs in = model_inputs(model, path, a.format);
  Shape shape = model.network.input_shape();
  shape.insert(shape.begin(), in.inputs.dim(0));
  in.inputs.reshape(shape);
  const Tensor out = predict_outputs(model.network, in.inputs, ActivationKind::Identity, model.info.preparation);
  if (a.out.ends_with(".npy")) {  // full float32 outputs, (N, output shape...), as another runtime gives them
    Shape outputs = model.network.output_shape();
    outputs.insert(outputs.begin(), out.dim(0));
    write_npy(a.out, outputs, out.span());
    std::printf("%lld predictions written to %s\n", static_cast<long long>(out.dim(0)), a.out.c_str());
    return;
  }
  const std::string csv = predictions_csv(model, in, out);
  if (a.out.empty()) {
    std::fputs(csv.c_str(), stdout);
    return;
  }
  write_file_atomically(a.out, std::span(reinterpret_cast<const uint8_t*>(csv.data()), csv.size()));
  std::printf("%lld predictions written to %s\n", static_cast<long long>(out.dim(0)), a.out.c_str());
}

void run_predict(const PredictArgs& a) {
  Model model = load_model(a.model);
  if (model.info.preparation.kind != "pixels" || !a.input.empty()) return predict_many(a, model);
  require(a.image.empty() != (a.index < 0), "give exactly one of --image FILE and --index N");
  require(element_count(model.network.input_shape()) == kMnistSide * kMnistSide,
          a.model + ": the model takes input " + to_string(model.network.input_shape()) +
              ", predict feeds 28x28 = 784 pixels");
  Sample sample = a.image.empty() ? sample_from_test_set(a, model) : sample_from_image(a, model);
  Shape batch_of_one = model.network.input_shape();  // (784) or (1, 28, 28): the same pixels
  batch_of_one.insert(batch_of_one.begin(), 1);
  sample.input.reshape(batch_of_one);
  const Tensor& out = model.network.forward(sample.input);
  int64_t best = 0;
  for (int64_t k = 1; k < out.size(); ++k)
    if (out[k] > out[best]) best = k;
  std::printf("predicted: %lld\n", static_cast<long long>(best));
  if (sample.label >= 0)
    std::printf("true label: %d (%s)\n", sample.label, sample.label == best ? "correct" : "wrong");
  for (int64_t k = 0; k < out.size(); ++k) std::printf("%lld: %.6f\n", static_cast<long long>(k), out[k]);
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand("predict", "What a saved model predicts for a picture, a table or an .npy file");
  cmd->add_option("model", args->model, "Model file (.safetensors)")->required();
  CLI::Option* image = cmd->add_option("--image", args->image,
                                       "A picture: a 28x28 PNG or PGM digit for an MNIST model; any PNG or JPEG for "
                                       "a model trained on an image folder (resized as in training)");
  cmd->add_option("--input", args->input,
                   "Many samples: a table (CSV, TSV, JSON) or .npy file as the model was trained on; for an MNIST model "
                   "an .npy or IDX file of raw pixels 0..255, 784 to a sample");
  cmd->add_option("--out", args->out,
                  "Write the predictions (CSV) here instead of printing them; a name ending in .npy gets the outputs "
                  "(N, the output shape) as float32");
  cmd->add_option("--format", args->format, "The input's format when its name does not say")->capture_default_str();
  CLI::Option* index = cmd->add_option("--index", args->index, "Use image N of the MNIST test set instead");
  image->excludes(index);
  cmd->add_option("--data", args->data, std::string(kDataHelp) + "; for --index");
  CLI::Option* invert = cmd->add_flag("--invert", args->invert, "The picture is dark ink on light paper: invert it");
  CLI::Option* keep = cmd->add_flag("--no-invert", args->no_invert, "Never invert (default: invert light pictures)");
  invert->excludes(keep);
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace neurite::cli
