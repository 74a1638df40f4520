#include "neurite/data/mnist.h"

#include <filesystem>

#include "neurite/data/idx.h"
#include "neurite/error.h"

namespace neurite {

namespace {

std::string find_file(const std::string& folder, const std::string& name) {
  namespace fs = std::filesystem;
  for (const std::string& candidate : {name, name + ".gz"}) {
    const fs::path p = fs::path(folder) / candidate;
    if (fs::exists(p)) return p.string();
  }
  throw Error((std::filesystem::path(folder) / name).string() +
              ": missing MNIST file (run scripts/fetch-mnist.sh, or pass --data FOLDER)");
}

}  // namespace

Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path,
                      const MnistOptions& options) {
  const IdxArray images = read_idx(images_path, 3);
  const IdxArray labels = read_idx(labels_path, 1);
  require(images.dims[0] == labels.dims[0],
          images_path + ": " + std::to_string(images.dims[0]) + " images but " + labels_path +
              " has " + std::to_string(labels.dims[0]) + " labels");
  for (std::size_t i = 0; i < labels.data.size(); ++i)
    require(labels.data[i] < 10, labels_path + ": label " + std::to_string(labels.data[i]) +
                                     " at index " + std::to_string(i) + " is not a digit");
  const Shape sample{images.dims[1] * images.dims[2]};
  return make_dataset(images.data, labels.data, sample, 10, options.scale, options.targets);
}

Mnist load_mnist(const std::string& folder, const MnistOptions& options) {
  Dataset all = load_idx_pair(find_file(folder, "train-images-idx3-ubyte"),
                              find_file(folder, "train-labels-idx1-ubyte"), options);
  require(options.train_size > 0 && options.train_size <= all.size(),
          "training split " + std::to_string(options.train_size) + " is outside 1.." +
              std::to_string(all.size()));
  Mnist m;
  m.training = all.slice(0, options.train_size);
  m.validation = all.slice(options.train_size, all.size());
  m.test = load_mnist_test(folder, options);
  return m;
}

Dataset load_mnist_test(const std::string& folder, const MnistOptions& options) {
  return load_idx_pair(find_file(folder, "t10k-images-idx3-ubyte"),
                       find_file(folder, "t10k-labels-idx1-ubyte"), options);
}

}  // namespace neurite
