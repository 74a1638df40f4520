#include "neurite/data/mnist.h"

#include <filesystem>
#include <span>

#include "neurite/data/idx.h"
#include "neurite/error.h"

namespace neurite {

namespace {

std::string find_file(const std::string& folder, const std::string& name) {
  namespace fs = std::filesystem;
  for (const std::string& candidate : {name, name + ".gz"}) {
    const fs::path p = fs::path(folder) / candidate;
    std::error_code error;  // a path that cannot be looked at (a link loop) counts as missing
    if (fs::exists(p, error)) return p.string();
  }
  throw Error((std::filesystem::path(folder) / name).string() +
              ": missing MNIST file (run scripts/fetch-mnist.sh, or pass --data FOLDER)");
}

}  // namespace

namespace {

// Both files read and checked against each other.
struct RawDigits {
  IdxArray images, labels;
  int64_t pixels_per_image = 0;
};

RawDigits read_pair(const std::string& images_path, const std::string& labels_path) {
  RawDigits raw{read_idx(images_path, 3), read_idx(labels_path, 1)};
  require(raw.images.dims[0] == raw.labels.dims[0],
          images_path + ": " + std::to_string(raw.images.dims[0]) + " images but " + labels_path +
              " has " + std::to_string(raw.labels.dims[0]) + " labels");
  for (std::size_t i = 0; i < raw.labels.data.size(); ++i)
    require(raw.labels.data[i] < 10, labels_path + ": label " + std::to_string(raw.labels.data[i]) +
                                         " at index " + std::to_string(i) + " is not a digit");
  raw.pixels_per_image = raw.images.dims[1] * raw.images.dims[2];
  return raw;
}

Shape sample_shape_of(const RawDigits& raw, const MnistOptions& o) {
  const Shape sample = o.sample_shape.empty() ? Shape{raw.pixels_per_image} : o.sample_shape;
  require(element_count(sample) == raw.pixels_per_image,
          "the network takes inputs of shape " + to_string(sample) + ", but the images have " +
              std::to_string(raw.images.dims[1]) + "x" + std::to_string(raw.images.dims[2]) + " pixels");
  return sample;
}

std::span<const uint8_t> span_of(const std::vector<uint8_t>& v, int64_t from, int64_t count) {
  return {v.data() + from, static_cast<std::size_t>(count)};
}

// Images [begin, end) as a dataset, converted straight from the bytes (no float copy of all).
Dataset make_range(const RawDigits& raw, int64_t begin, int64_t end, const MnistOptions& o) {
  return make_dataset(span_of(raw.images.data, begin * raw.pixels_per_image, (end - begin) * raw.pixels_per_image),
                      span_of(raw.labels.data, begin, end - begin), sample_shape_of(raw, o), 10, o.scale, o.targets,
                      o.keep_pixels);
}

// The first `count` images as a dataset. Kept as bytes, the file's buffer becomes the
// dataset's, cut to size (no copy of 47 MB).
Dataset make_first(RawDigits&& raw, int64_t count, const MnistOptions& o) {
  if (!o.keep_pixels) return make_range(raw, 0, count, o);
  const Shape sample = sample_shape_of(raw, o);
  raw.images.data.resize(static_cast<std::size_t>(count * raw.pixels_per_image));
  return make_dataset(std::move(raw.images.data), span_of(raw.labels.data, 0, count), sample, 10, o.scale,
                      o.targets);
}

}  // namespace

Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path,
                      const MnistOptions& options) {
  RawDigits raw = read_pair(images_path, labels_path);
  const int64_t count = raw.images.dims[0];
  return make_first(std::move(raw), count, options);
}

Mnist load_mnist(const std::string& folder, const MnistOptions& options) {
  RawDigits raw = read_pair(find_file(folder, "train-images-idx3-ubyte"), find_file(folder, "train-labels-idx1-ubyte"));
  const int64_t total = raw.images.dims[0];
  require(options.train_size > 0 && options.train_size <= total,
          "training split " + std::to_string(options.train_size) + " is outside 1.." + std::to_string(total));
  Mnist m;
  m.validation = make_range(raw, options.train_size, total, options);
  m.training = make_first(std::move(raw), options.train_size, options);
  m.test = load_mnist_test(folder, options);
  return m;
}

Dataset load_mnist_test(const std::string& folder, const MnistOptions& options) {
  return load_idx_pair(find_file(folder, "t10k-images-idx3-ubyte"),
                       find_file(folder, "t10k-labels-idx1-ubyte"), options);
}

}  // namespace neurite
