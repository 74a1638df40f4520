// neurite backquery: runs a trained sigmoid network backwards from "this digit, nothing else"
// and saves the input it imagines as pictures (seed 003), one per digit plus all in one grid.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "common.h"
#include "neurite/classic/backquery.h"
#include "neurite/error.h"
#include "neurite/io/model_file.h"

namespace neurite::cli {

namespace {

struct BackqueryArgs {
  std::string model;
  std::string label = "all";
  std::string out;
};

std::vector<int64_t> labels_to_run(const std::string& text, int64_t classes) {
  std::vector<int64_t> labels;
  if (text == "all") {
    for (int64_t d = 0; d < classes; ++d) labels.push_back(d);
    return labels;
  }
  std::size_t used = 0;
  int64_t label = -1;
  try {
    label = std::stoll(text, &used);
  } catch (const std::exception&) {
  }
  require(used == text.size() && label >= 0 && label < classes,
          "--label " + text + ": expected all or a digit 0.." + std::to_string(classes - 1));
  return {label};
}

// Pictures are square: 784 inputs make 28x28.
int64_t picture_side(const Network& network) {
  const int64_t inputs = element_count(network.input_shape());
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(inputs))));
  require(side * side == inputs, "backquery: the model's " + std::to_string(inputs) +
                                     " inputs do not form a square picture");
  return side;
}

// Two rows of five for the ten digits. Backquery pictures are mid-gray noise around the strokes,
// so white gaps separate them better than any gray would.
GrayImage grid_of(const std::vector<GrayImage>& pictures) { return tile_images(pictures, 5, 2, 255); }

void save(const std::string& path, const GrayImage& image) {
  write_png_gray(path, image);
  std::printf("wrote %s\n", path.c_str());
}

void run_backquery(const BackqueryArgs& a) {
  Model model = load_model(a.model);
  const int64_t classes = element_count(model.network.output_shape());
  const std::vector<int64_t> labels = labels_to_run(a.label, classes);
  const int64_t side = picture_side(model.network);
  const TargetValues targets = backquery_targets(model.info);
  const TargetValues trained = model.info.targets;
  if (targets.off != trained.off || targets.on != trained.on)
    std::printf("the model was trained towards %g / %g, which have no finite logit; asking for %g / %g\n", trained.off,
                trained.on, targets.off, targets.on);

  std::vector<GrayImage> pictures;
  for (int64_t label : labels) {
    const Tensor values = backquery(model.network, one_hot_target(classes, label, targets));
    pictures.push_back(backquery_image(values, side, side));
  }
  // A path ending in .png names the one picture wanted (the grid when there are several);
  // anything else is a folder that receives every picture.
  namespace fs = std::filesystem;
  if (fs::path(a.out).extension() == ".png") {
    save(a.out, pictures.size() == 1 ? pictures.front() : grid_of(pictures));
    return;
  }
  std::error_code error;
  fs::create_directories(a.out, error);
  require(!error && fs::is_directory(a.out), a.out + ": cannot create the output folder" +
                                                 (error ? " (" + error.message() + ")" : std::string()));
  for (std::size_t i = 0; i < labels.size(); ++i)
    save((fs::path(a.out) / ("backquery-" + std::to_string(labels[i]) + ".png")).string(), pictures[i]);
  if (labels.size() > 1) save((fs::path(a.out) / "backquery-all.png").string(), grid_of(pictures));
}

}  // namespace

void add_backquery_command(CLI::App& app) {
  auto args = std::make_shared<BackqueryArgs>();
  CLI::App* cmd = app.add_subcommand("backquery", "Run a sigmoid network backwards: the picture it imagines for a digit");
  cmd->add_option("model", args->model, "Model file (.safetensors) of dense and sigmoid layers")->required();
  cmd->add_option("--label", args->label, "The digit to ask for, or all")->capture_default_str();
  cmd->add_option("--out", args->out, "Folder for backquery-<d>.png and backquery-all.png, or one .png file")
      ->required();
  cmd->callback([args] { run_backquery(*args); });
}

}  // namespace neurite::cli
