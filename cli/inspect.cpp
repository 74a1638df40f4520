// neurite inspect: what a saved network does with one digit, as pictures: the digit fed in, the
// first layer's filters (or a dense layer's weights per unit) and the feature maps of every conv
// and pooling layer, then the digit it predicts. All pictures are drawn before any is written,
// so bad input leaves the output folder as it was.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"
#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "neurite/viz/feature_maps.h"
#include "neurite/viz/plot.h"
#include "resources.h"

namespace neurite::cli {

namespace {

namespace fs = std::filesystem;

constexpr int kInputZoom = 8;  // input.png: 224x224

struct InspectArgs {
  std::string model;
  std::string image;
  int64_t index = -1;
  bool has_index = false;  // --index given (a negative one is reported as out of range)
  std::string data;  // empty: looked up (resources.h)
  std::string out;
  bool invert = false;
  bool no_invert = false;
};

struct Digit {
  GrayImage ink;   // 28x28, 0 background .. 255 ink, MNIST's way round
  int label = -1;  // -1 when unknown
};

// A picture to write, and what the line announcing it says after the file name.
struct Picture {
  std::string file;
  GrayImage image;
  std::string about;
};

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

std::string size_text(int64_t width, int64_t height) { return std::to_string(width) + "x" + std::to_string(height); }

Digit digit_from_image(const InspectArgs& a) {
  const Invert invert = a.invert ? Invert::Always : a.no_invert ? Invert::Never : Invert::Auto;
  return {read_digit_picture(a.image, invert), -1};
}

// Read on the unit scale (pixel / 255) and turned back into bytes; the model's own scale is then
// applied to them as to any picture's.
Digit digit_from_test_set(const InspectArgs& a) {
  require(a.index >= 0, "--index " + std::to_string(a.index) + " is negative; test images are numbered from 0");
  const Dataset test = load_mnist_test(mnist_folder(a.data));
  require(a.index >= 0 && a.index < test.size(),
          "--index " + std::to_string(a.index) + " is outside the test set's 0.." + std::to_string(test.size() - 1));
  Digit digit{{kMnistSide, kMnistSide, {}}, test.labels[static_cast<std::size_t>(a.index)]};
  Tensor image;
  test.read_inputs(a.index, 1, image);
  const float* row = image.data();
  for (int64_t p = 0; p < kMnistSide * kMnistSide; ++p)
    digit.ink.pixels.push_back(static_cast<uint8_t>(std::lround(row[p] * 255)));
  return digit;
}

// The first layer with weights; it must be conv2d or dense, whose weights make pictures.
std::size_t drawn_layer(Network& network, const std::string& model_path) {
  const std::optional<std::size_t> first = first_weighted_layer(network);
  require(first.has_value(), model_path + ": the model has no layer with weights; inspect draws the first conv2d or dense layer's");
  const std::string type = network.layer(*first).type();
  require(type == "conv2d" || type == "dense", model_path + ": the first layer with weights (layer " + std::to_string(*first) +
                                                    ") is " + type + "; inspect draws conv2d or dense weights");
  return *first;
}

Picture input_picture(const Digit& digit, const InspectArgs& a) {
  const std::string from =
      a.has_index ? "test image " + std::to_string(a.index) + ", label " + std::to_string(digit.label) : a.image;
  return {"input.png", enlarge(digit_picture(digit.ink.pixels, kMnistSide, kMnistSide), kInputZoom),
          "the digit fed in (" + from + "), " + std::to_string(kInputZoom) + "x enlarged"};
}

std::string scale_text(const TileSheet& sheet, bool symmetric) {
  return std::string(symmetric ? "gray, 0 mid-gray, " : "gray, ") + "black " + number(sheet.black) + ", white " +
         number(sheet.white) + ", " + std::to_string(sheet.zoom) + "x enlarged";
}

Picture filters_picture(Network& network, std::size_t layer, const std::string& model_path) {
  const Tensor& weight = *network.layer(layer).parameters().front().value;  // "weight" comes first
  TileSheet sheet;
  try {
    sheet = filter_sheet(weight);
  } catch (const Error& e) {
    throw Error(model_path + ": layer " + std::to_string(layer) + ": " + e.what());
  }
  const std::string tiles = weight.rank() == 4
      ? std::to_string(weight.dim(0)) + " filters of " + size_text(weight.dim(3), weight.dim(2)) +
            (weight.dim(1) > 1 ? " x " + std::to_string(weight.dim(1)) + " input channels (a row per filter)" : "")
      : std::to_string(weight.dim(0)) + " units' weights as " + size_text(sheet.tile_width, sheet.tile_height) +
            " pictures";
  return {"filters.png", sheet.image,
          tiles + " of layer " + std::to_string(layer) + " (" + network.layer(layer).type() + "); " +
              scale_text(sheet, true)};
}

// One sheet per conv and pooling layer whose output is (1, C, H, W), from the last forward.
std::vector<Picture> feature_pictures(const Network& network) {
  std::vector<Picture> pictures;
  for (std::size_t i = 0; i < network.layer_count(); ++i) {
    const std::string type = network.layer(i).type();
    const Tensor& maps = network.layer_output(i);
    if ((type != "conv2d" && type != "maxpool2d" && type != "avgpool2d") || maps.rank() != 4) continue;
    const TileSheet sheet = feature_sheet(maps);
    pictures.push_back({"features-" + std::to_string(i) + "-" + type + ".png", sheet.image,
                        std::to_string(maps.dim(1)) + " channels of " + size_text(maps.dim(3), maps.dim(2)) +
                            ", channel 0 first, " + std::to_string(sheet.columns) + " per row; " +
                            scale_text(sheet, false)});
  }
  return pictures;
}

// An empty folder is the current one: files are then named without a "./" in front.
void write_pictures(const std::string& folder, const std::vector<Picture>& pictures) {
  std::error_code error;
  if (!folder.empty()) fs::create_directories(folder, error);
  require(!error && (folder.empty() || fs::is_directory(folder)),
          folder + ": cannot create the output folder" + (error ? " (" + error.message() + ")" : std::string()));
  for (const Picture& picture : pictures) {
    const std::string path = (fs::path(folder) / picture.file).string();
    write_png_gray(path, picture.image);
    std::printf("wrote %s: %s\n", path.c_str(), picture.about.c_str());
  }
}

void print_prediction(const Network& network, const Tensor& out, int label) {
  int64_t best = 0;
  for (int64_t k = 1; k < out.size(); ++k)
    if (out[k] > out[best]) best = k;
  const std::string last = network.layer(network.layer_count() - 1).type();
  std::printf("predicted: %lld with ", static_cast<long long>(best));
  if (last == "softmax")
    std::printf("probability %.4f", out[best]);
  else
    std::printf("output %.4f (the model ends in %s, not softmax, so this is no probability)", out[best], last.c_str());
  if (label >= 0) std::printf("; true label %d (%s)", label, label == best ? "correct" : "wrong");
  std::printf("\n");
}

void run_inspect(const InspectArgs& a) {
  require(a.image.empty() == a.has_index, "give exactly one of --image FILE and --index N");
  Model model = load_model(a.model);
  require(element_count(model.network.input_shape()) == kMnistSide * kMnistSide,
          a.model + ": the model takes input " + to_string(model.network.input_shape()) +
              ", inspect feeds 28x28 = 784 pixels");
  const std::size_t first = drawn_layer(model.network, a.model);
  const Digit digit = a.has_index ? digit_from_test_set(a) : digit_from_image(a);
  const Tensor x = model_input(model, digit.ink.pixels);
  const Tensor& out = model.network.forward(x);
  std::vector<Picture> pictures{input_picture(digit, a), filters_picture(model.network, first, a.model)};
  for (Picture& p : feature_pictures(model.network)) pictures.push_back(std::move(p));
  write_pictures(a.out, pictures);
  print_prediction(model.network, out, digit.label);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "Pictures of a network at work on one digit: filters and feature maps");
  cmd->add_option("model", args->model, "Model file (.safetensors) whose first layer is conv2d or dense")->required();
  CLI::Option* image = cmd->add_option("--image", args->image, "28x28 PNG or PGM picture of a digit");
  CLI::Option* index = cmd->add_option("--index", args->index, "Use image N of the MNIST test set instead");
  image->excludes(index);
  cmd->add_option("--data", args->data, std::string(kDataHelp) + "; for --index");
  cmd->add_option("--out", args->out, "Folder for input.png, filters.png and features-<layer>-<type>.png")->required();
  CLI::Option* invert = cmd->add_flag("--invert", args->invert, "The picture is dark ink on light paper: invert it");
  CLI::Option* keep = cmd->add_flag("--no-invert", args->no_invert, "Never invert (default: invert light pictures)");
  invert->excludes(keep);
  cmd->callback([args, index] {
    args->has_index = index->count() > 0;
    run_inspect(*args);
  });
}

}  // namespace neurite::cli
