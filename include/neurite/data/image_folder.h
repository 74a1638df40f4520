// A labelled picture dataset laid out as folders, as Keras' image_dataset_from_directory and
// torchvision's ImageFolder read it:
//   root/<class>/<picture>.png|.jpg|.jpeg
// The classes are the sub-folders' names in byte order, the pictures within each class in byte
// order of their names. Other files, hidden files and folders (names starting with '.'), and
// anything deeper than root/<class>/ are ignored.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

// The most samples (pictures x width x height x channels) a folder may hold in memory: 2^30, a
// gigabyte of pixels (CIFAR-10 is 2^27.5). Every picture is resized to the first one's size, so
// a large first picture and many tiny ones would otherwise ask for far more than the files hold;
// checked before the pixels are reserved.
constexpr int64_t kMaxFolderSamples = int64_t{1} << 30;

struct ImageFolderOptions {
  int channels = 0;  // 1 grey, 3 RGB, 0: 1 when every picture is grey, else 3
  int64_t width = 0, height = 0;  // every picture is resized to this; 0 takes the first picture's
};

struct ImageFolder {
  std::vector<std::string> class_names;  // label i is class_names[i]
  std::vector<int32_t> labels;           // (N)
  std::vector<std::string> files;        // (N) the paths read, in order
  int64_t channels = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;  // (N, channels, height, width): planar, as a convolutional net takes them
};

// Throws an Error naming the folder or file: root missing or not a folder, no class folders, a
// class folder without pictures, a picture that cannot be read, channels other than 0, 1 or 3,
// a size over kMaxPictureSamples, or more than kMaxFolderSamples in all.
ImageFolder read_image_folder(const std::string& root, const ImageFolderOptions& options);
// The same with the classes fixed, for a test folder read with the training folder's classes:
// labels index `class_names`, a folder naming another class is an Error, a class without a
// folder is fine.
ImageFolder read_image_folder(const std::string& root, const ImageFolderOptions& options,
                              const std::vector<std::string>& class_names);

}  // namespace neurite
