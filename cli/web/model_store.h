// The models the page can use: loaded from files at start, or produced by a training run from
// the page. Each draws what it has inside (filters, feature maps, backquery, its confusion
// matrix on its test set); a model that takes single-channel pictures also answers drawings.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "neurite/data/dataset.h"
#include "neurite/data/image.h"
#include "neurite/io/model_file.h"

namespace neurite::web {

struct Prediction {
  int digit = 0;                     // the class's index
  std::vector<float> probabilities;  // softmax outputs, or the outputs divided by their sum
  double milliseconds = 0;           // the forward pass alone
};

// The model's test-set predictions, for the confusion matrix and its gallery.
struct TestResults {
  std::vector<int> predicted;
  std::vector<int32_t> labels;
  bool mnist = true;  // the MNIST test images (the gallery can show them)
};

class ServedModel {
 public:
  // `source`: "file" or "run". Any model: a classifier of MNIST digits, of pictures, of tables.
  ServedModel(std::string name, std::string source, Model model);

  const std::string& name() const { return name_; }
  const nlohmann::json& info() const { return info_; }  // the /api/models entry

  // Everything below runs one request at a time on this model (its network keeps activations).
  Prediction predict(const GrayImage& digit);  // 422 unless it takes single-channel pictures
  std::vector<uint8_t> filters_png();
  nlohmann::json feature_maps(const GrayImage& digit);  // {"layers": [...]} per docs/web-api.md
  std::vector<uint8_t> backquery_png(int digit);
  // Computed on the first call, then kept: from the MNIST test files in `mnist_dir`, or for a
  // model trained on other data from the test split of the data its file records.
  const TestResults& test_results(const std::string& mnist_dir);
  std::vector<std::string> class_names() const;  // one per class, in output order
  std::vector<uint8_t> file_bytes();  // the model file, for downloading
  std::vector<uint8_t> onnx_bytes();  // the model as ONNX (neurite/io/onnx.h); an Error if it cannot be

 private:
  std::string name_;
  nlohmann::json info_;
  std::mutex mutex_;  // guards the network and the test results
  Model model_;
  std::optional<std::size_t> filter_layer_;  // the layer whose weights the filters picture draws
  TargetValues targets_;  // what backquery asks for
  std::optional<TestResults> test_results_;
};

class ModelStore {
 public:
  // Adds a model under `wanted` (or "wanted-2", ... when taken); returns the name given.
  std::string add(const std::string& wanted, const std::string& source, Model model);
  std::shared_ptr<ServedModel> find(const std::string& name) const;  // null when unknown
  nlohmann::json list() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<ServedModel>> models_;
};

// "cnn" when the architecture ({"layers": [...]}, as a spec or a model file holds it) has a conv
// layer, else "rnn" when it has a recurrent one, else "mlp".
std::string model_kind(const nlohmann::json& architecture);

// A model name from a file name: its stem, with anything but letters, digits, '-' and '_'
// turned into '-'.
std::string model_name_from_path(const std::string& path);

}  // namespace neurite::web
