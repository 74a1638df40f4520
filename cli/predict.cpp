// neurite predict: the digit a saved model sees in one picture, either a 28x28 PNG / PGM file or
// one image of the MNIST test set, with the network's ten outputs.
#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "neurite/data/image.h"
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

void run_predict(const PredictArgs& a) {
  require(a.image.empty() != (a.index < 0), "give exactly one of --image FILE and --index N");
  Model model = load_model(a.model);
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
  CLI::App* cmd = app.add_subcommand("predict", "The digit a saved model sees in one 28x28 picture");
  cmd->add_option("model", args->model, "Model file (.safetensors)")->required();
  CLI::Option* image = cmd->add_option("--image", args->image, "28x28 PNG or PGM picture of a digit");
  CLI::Option* index = cmd->add_option("--index", args->index, "Use image N of the MNIST test set instead");
  image->excludes(index);
  cmd->add_option("--data", args->data, std::string(kDataHelp) + "; for --index");
  CLI::Option* invert = cmd->add_flag("--invert", args->invert, "The picture is dark ink on light paper: invert it");
  CLI::Option* keep = cmd->add_flag("--no-invert", args->no_invert, "Never invert (default: invert light pictures)");
  invert->excludes(keep);
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace neurite::cli
