// Data sources: one entry point that reads any supported data into training, validation and
// test datasets with their preparation fitted on the training split.
//   csv / tsv / json   a table; the target column by name or index (default the last)
//   npy / npz          features and labels arrays (an .npz holds x and y, or x_train, y_train,
//                      x_test and y_test as Keras saves them)
//   idx                images and labels IDX files of any shape, plain or gzip
//   images             a folder of class folders: root/<class>/*.png|*.jpg
//   mnist              a folder with MNIST's four IDX files (Nielsen's split and scaling)
// The format is told by the path (extension, or a folder's contents) and the file's first bytes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/data/dataset.h"
#include "neurite/data/preparation.h"

namespace neurite {

// Where the data is. Labels files go with array features (.npy, IDX); "" when not needed.
struct DataFiles {
  std::string train;
  std::string train_labels = {};
  std::string test = {};  // "": the test set is split from `train` (or MNIST's own)
  std::string test_labels = {};
};

// How to read and prepare it (the run configuration's data keys).
struct SourceOptions {
  std::string format = "auto";           // "format": auto, csv, tsv, json, npy, npz, idx, images, mnist
  std::string target = {};               // "target": column name(s) or index, comma-separated; "" the last
  std::vector<std::string> ignore = {};  // "ignore": columns that are not inputs
  std::vector<std::string> categorical = {};  // "categorical": columns read as categories
  std::string header = "auto";           // "header": auto, yes or no
  std::string task = "auto";             // "task": auto, classification, binary or regression
  MissingRule missing = MissingRule::Refuse;  // "missing"
  Normalization normalize = Normalization::Standard;  // "normalize"
  int64_t image_width = 0, image_height = 0;  // "image_size": "32x32"; 0: the first picture's
  std::string colour = "auto";           // "color": auto, grey or rgb
  double validation_split = 0;           // "validation_split": of the training data
  double test_split = 0.2;               // "test_split": when the data has no test set of its own
};

struct LoadedData {
  Dataset training, validation, test;    // validation and test may be empty
  Preparation preparation;
  std::vector<std::string> class_names;  // classification: the classes, in output order
  std::vector<std::string> notes;        // what was inferred, for the user ("task: regression ...")
};

// The format `path` holds, or `given` when that is not "auto". Errors name the path.
std::string data_format(const std::string& path, const std::string& given);

// Reads, splits (seeded; stratified by class when classifying) and prepares. `targets` are the
// one-hot off / on values for classification. The MNIST format is not read here (data/mnist.h).
LoadedData load_data(const DataFiles& files, const SourceOptions& options, TargetValues targets, uint64_t seed);

// Labelled data for a trained model, prepared as it was trained: its classes are matched by name
// (a class the model does not know is an Error naming it). `files.train` is the data to read.
Dataset load_data_for_model(const DataFiles& files, const std::string& format, const Preparation& preparation,
                            const std::vector<std::string>& class_names, TargetValues targets);

// Inputs for a trained model to predict from, without labels: a table's rows (every column the
// model takes; the target column may be absent), an .npy array, or one picture of any size.
struct PredictionInputs {
  Tensor inputs;                    // (N, sample...), prepared
  std::vector<std::string> names;   // one per row: "row 3" or the file
};
PredictionInputs load_inputs_for_model(const std::string& path, const std::string& format, const Preparation& preparation);

}  // namespace neurite
