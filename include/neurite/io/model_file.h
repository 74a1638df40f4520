// Model files: a safetensors file whose tensors are the network's parameters under PyTorch's
// names and layouts ("0.weight" (out, in), "0.bias") and whose metadata key "neurite" holds, as a
// JSON string, the architecture and what a loader needs to use the model (ModelInfo).
//
// The architecture in the file is the network as it predicts: when the network was trained with
// a cost that takes logits, that cost's output activation (softmax, sigmoid) is its last layer.
// So a loaded model's forward pass gives probabilities, and PyTorch rebuilds the same network.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "neurite/cost.h"
#include "neurite/data/dataset.h"
#include "neurite/data/mnist.h"
#include "neurite/data/preparation.h"
#include "neurite/data/source.h"
#include "neurite/network.h"

namespace neurite {

// The task of a character language model (`neurite lm`): it takes one-hot characters (steps,
// alphabet) and gives each step's next-character probabilities.
inline constexpr const char* kCharLmTask = "char-lm";

// What a model file records besides the network: how to prepare an input the way the model was
// trained, what its outputs mean, and how it was trained.
struct ModelInfo {
  InputScale scale = InputScale::Unit;  // how raw pixel bytes became its inputs
  TargetValues targets = {};            // the one-hot off / on values it was trained towards
  std::string cost = "quadratic";       // the cost it was trained with (make_cost's names)
  std::vector<std::string> class_names = {};  // empty: classes are named by their index
  // "classification", "binary", "regression", or kCharLmTask (`extra` holds the alphabet)
  std::string task = "classification";
  // How raw data becomes its inputs: "pixels" (`scale` above) unless it was trained on other data.
  Preparation preparation = {};
  // Anything else the program that trained it records: the run's settings, its results, ...
  nlohmann::json extra = nlohmann::json::object();

  // The name of class k: class_names[k], or k.
  std::string class_name(int64_t k) const;
};

struct Model {
  Network network;  // as it predicts (see above)
  ModelInfo info;
};

constexpr int kModelFormatVersion = 1;

// `network` is the network as trained; the file gets the architecture with info.cost's output
// activation appended. Written atomically (a temporary file renamed over the old one).
void save_model(const std::string& path, Network& network, const ModelInfo& info);
// Also opens a training checkpoint (which is a model file with extra "optimizer." tensors).
// Throws one line naming the file for anything missing, mistyped or inconsistent.
Model load_model(const std::string& path);
// The network to go on training `model` with: without the cost's output activation.
Network trained_network(Model& model, InitOptions init = {});
// The same for any network as it predicts, and the cost that is to train it (a copy).
Network trained_network(Network& predicting, const Cost& cost, InitOptions init = {});
// The reverse: the model that saving `network` and loading the file would give, in memory.
Model predicting_model(Network& network, const ModelInfo& info);

// Pixel bytes (0..255, row by row) as the model takes them: a batch of one in the shape of its
// input, scaled as it was trained. Throws when the count differs from the input's size.
Tensor model_input(const Model& model, std::span<const uint8_t> pixels);
// Samples to predict from, read from `path` and prepared as the model was trained: for an MNIST
// model an array file (.npy or IDX) of raw pixel values, whole numbers 0..255, 784 to a sample in
// any shape ((N, 784), (N, 28, 28), ...); for a language model an .npy array of one-hot characters
// (N, steps, alphabet), as they are; for any other model what load_inputs_for_model reads.
PredictionInputs model_inputs(const Model& model, const std::string& path, const std::string& format = "auto");
// A picture (gray bytes, row by row, `width` x `height`) as a model trained on single-channel
// pictures takes it: resized to its input, scaled as it was trained (MNIST's scale, or the
// preparation's). Throws when the model does not take single-channel pictures.
Tensor picture_input(const Model& model, std::span<const uint8_t> pixels, int64_t width, int64_t height);
// Whether picture_input applies: MNIST's 784 pixels, or an image folder's single channel.
bool takes_gray_pictures(const Model& model);
// The bytes of the model file save_model writes for `model` (as it predicts).
std::vector<uint8_t> model_file_bytes(Model& model);
// How to read MNIST for this model: its scaling and targets, samples in its input shape.
MnistOptions mnist_options(const Model& model);

// The JSON form of ModelInfo, as the file's "training" object holds it.
nlohmann::json to_json(const ModelInfo& info);
// `source` names the file in errors.
ModelInfo model_info_from_json(const nlohmann::json& json, const std::string& source);

struct SafetensorsFile;
// The model file's contents as save_model lays them out, and the reverse: read_model reads the
// file at `path` into `file` (a checkpoint's extra tensors stay there) and builds the model. Its
// metadata and network come from the header before any weight is read, so a file whose
// architecture is refused costs no more than its header. Checkpoints build on these.
SafetensorsFile model_to_safetensors(Network& network, const ModelInfo& info);
Model read_model(const std::string& path, SafetensorsFile& file);

}  // namespace neurite
