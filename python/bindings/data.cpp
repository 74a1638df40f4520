#include "data.h"

#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "neurite/data/mnist.h"
#include "neurite/data/source.h"
#include "neurite/error.h"
#include "neurite/train/run_config.h"

namespace neurite::python {

namespace {

}  // namespace

Tensor one_hot(const std::vector<int32_t>& labels, int64_t classes, TargetValues targets, const char* what) {
  const int64_t n = static_cast<int64_t>(labels.size());
  Tensor t({n, classes}, classes == 1 ? 0.0f : targets.off);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t label = labels[static_cast<std::size_t>(i)];
    if (classes == 1) {  // one sigmoid output: the probability of class 1
      require(label <= 1, std::string(what) + ": label " + std::to_string(label) + " for a network with one output (0 or 1)");
      t[i] = static_cast<float>(label);
      continue;
    }
    require(label < classes, std::string(what) + ": label " + std::to_string(label) + " at row " + std::to_string(i) +
                                 ", but the network has " + std::to_string(classes) + " outputs");
    t[i * classes + label] = targets.on;
  }
  return t;
}

namespace {

std::vector<int32_t> row_maxima(const Tensor& targets) {
  const int64_t n = targets.dim(0), k = targets.size() / std::max<int64_t>(n, 1);
  std::vector<int32_t> labels(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float* row = targets.data() + i * k;
    labels[static_cast<std::size_t>(i)] =
        k == 1 ? (row[0] >= 0.5f ? 1 : 0) : static_cast<int32_t>(std::max_element(row, row + k) - row);
  }
  return labels;
}

// Rows of floats kept as pixel bytes while every value is exactly byte / 255 (MNIST's pixels, as
// Nielsen's lists hold them): a quarter of the memory, read back as the very same floats. The
// first value that is not switches to floats for the whole set.
class PixelRows {
 public:
  void start(int64_t rows, int64_t width) {
    width_ = width;
    bytes_.reserve(static_cast<std::size_t>(rows * width));
    rows_ = rows;
  }
  void add(const float* row) {
    if (floats_.empty() && encode(row)) return;
    if (floats_.empty()) switch_to_floats();
    std::copy_n(row, width_, floats_.data() + done_ * width_);
    ++done_;
  }
  void finish(Dataset& d) {
    if (!floats_.empty()) {
      d.inputs = std::move(floats_);
      return;
    }
    d.pixels = std::move(bytes_);
    d.pixel_shape = {width_};
    d.scale = InputScale::Unit;
  }

 private:
  bool encode(const float* row) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + static_cast<std::size_t>(width_));
    uint8_t* out = bytes_.data() + at;
    bool exact = true;  // a branch-free loop the compiler vectorises
    for (int64_t k = 0; k < width_; ++k) {
      const float v = std::clamp(row[k], 0.0f, 1.0f);
      const auto byte = static_cast<uint8_t>(static_cast<int>(v * 255.0f + 0.5f));
      out[k] = byte;
      exact &= static_cast<float>(byte) / 255.0f == row[k];  // scale_pixel(byte, Unit); false for NaN
    }
    if (!exact) return undo(at);
    ++done_;
    return true;
  }
  bool undo(std::size_t at) {
    bytes_.resize(at);
    return false;
  }
  void switch_to_floats() {
    floats_ = Tensor({rows_, width_});
    for (std::size_t i = 0; i < bytes_.size(); ++i) floats_[static_cast<int64_t>(i)] = scale_pixel(bytes_[i], InputScale::Unit);
    bytes_ = {};
  }

  int64_t width_ = 0, rows_ = 0, done_ = 0;
  std::vector<uint8_t> bytes_;
  Tensor floats_;
};

std::string text_of(const char* what, const char* part) { return std::string(what) + part; }

// A dataset's inputs as floats: a view when it holds floats, converted when it keeps pixel bytes.
py::array inputs_of(PyDataset& d, py::handle owner) {
  if (!d.data.inputs.empty()) return view_of(d.data.inputs, owner);
  Tensor t;
  d.data.read_inputs(0, d.data.size(), t);
  return array_from(std::move(t));
}

std::shared_ptr<const DataOrigin> mnist_origin(const std::string& folder, const MnistOptions& o) {
  auto origin = std::make_shared<DataOrigin>();
  origin->scale = o.scale;
  origin->targets = o.targets;
  origin->where = folder;
  return origin;
}

std::string mnist_folder(const std::optional<std::string>& folder) {
  if (folder) return *folder;
  const char* env = std::getenv("NEURITE_MNIST");
  return env && *env ? env : "data/mnist";
}

}  // namespace

PyDataset dataset_from_arrays(py::handle x, py::handle y, int64_t outputs, TargetValues targets, bool classification,
                              const char* what) {
  PyDataset d;
  d.data.inputs = tensor_from(x, text_of(what, "[0] (x)").c_str());
  require(d.data.inputs.rank() >= 2, text_of(what, " x: samples must be rows, (N, features...), got ") + to_string(d.data.inputs.shape()));
  const int64_t n = d.data.inputs.dim(0);
  if (holds_integers(y)) {
    d.data.labels = labels_from(y, text_of(what, "[1] (y)").c_str());
    if (outputs == 0) outputs = *std::max_element(d.data.labels.begin(), d.data.labels.end()) + 1;
    d.data.targets = one_hot(d.data.labels, outputs, targets, what);
  } else {
    d.data.targets = tensor_from(y, text_of(what, "[1] (y)").c_str());
    if (d.data.targets.rank() == 1) d.data.targets.reshape({d.data.targets.dim(0), 1});
    require(d.data.targets.rank() == 2, text_of(what, " y: targets must be (N,) or (N, outputs), got ") + to_string(d.data.targets.shape()));
    if (classification) d.data.labels = row_maxima(d.data.targets);
  }
  require(d.data.targets.dim(0) == n, std::string(what) + ": x has " + std::to_string(n) + " rows but y has " +
                                          std::to_string(d.data.targets.dim(0)));
  require(n > 0, std::string(what) + ": no samples");
  return d;
}

namespace {

// One array's values as floats, read in place when they already are float32 in C order, and
// converted directly from float64 in C order: the loop over Nielsen's 50,000 pairs would
// otherwise spend its time making new arrays. Anything else goes through float_array.
class Values {
 public:
  Values(py::handle h, const char* what) {
    if (py::array_t<float, py::array::c_style>::check_(h)) {
      const auto a = py::reinterpret_borrow<py::array>(h);
      data_ = static_cast<const float*>(a.data());
      size_ = a.size();
    } else if (py::array_t<double, py::array::c_style>::check_(h)) {
      const auto a = py::reinterpret_borrow<py::array>(h);
      const auto* p = static_cast<const double*>(a.data());
      converted_.assign(p, p + a.size());
      data_ = converted_.data();
      size_ = a.size();
    } else {
      owned_ = float_array(h, what);
      data_ = owned_.data();
      size_ = owned_.size();
      return;  // checked there
    }
    for (py::ssize_t i = 0; i < size_; ++i)
      if (!std::isfinite(data_[i]))
        throw Error(std::string(what) + ": value " + std::to_string(i) + " is " + (std::isnan(data_[i]) ? "NaN" : "infinite"));
  }
  const float* data() const { return data_; }
  int64_t size() const { return size_; }

 private:
  const float* data_ = nullptr;
  int64_t size_ = 0;
  std::vector<float> converted_;
  py::array_t<float, py::array::c_style> owned_;
};

}  // namespace

PyDataset dataset_from_pairs(py::handle pairs, int64_t classes, const char* what) {
  const py::sequence items = py::reinterpret_borrow<py::sequence>(pairs);
  const int64_t n = static_cast<int64_t>(py::len(items));
  require(n > 0, std::string(what) + ": no (x, y) pairs");
  PyDataset d;
  int64_t features = 0, outputs = 0;
  bool labelled = false;
  std::vector<float> targets;
  PixelRows rows;
  const py::object numpy_ndim = py::module_::import("numpy").attr("ndim");
  // Messages name the pair, and are built only on failure (this loop runs once per sample).
  const auto name = [&](int64_t i, const char* part) { return std::string(what) + "[" + std::to_string(i) + "]" + part; };
  const bool is_list = PyList_Check(pairs.ptr());
  for (int64_t i = 0; i < n; ++i) {
    const py::object item = is_list ? py::reinterpret_borrow<py::object>(PyList_GET_ITEM(pairs.ptr(), i))
                                    : py::object(items[static_cast<std::size_t>(i)]);
    py::object x_object, y;
    if (PyTuple_Check(item.ptr()) && PyTuple_GET_SIZE(item.ptr()) == 2) {  // Nielsen's pairs: tuples
      x_object = py::reinterpret_borrow<py::object>(PyTuple_GET_ITEM(item.ptr(), 0));
      y = py::reinterpret_borrow<py::object>(PyTuple_GET_ITEM(item.ptr(), 1));
    } else {
      if (!py::isinstance<py::sequence>(item) || py::len(item) != 2) throw Error(name(i, ": an (x, y) pair is needed"));
      x_object = item[py::int_(0)];
      y = item[py::int_(1)];
    }
    const Values x(x_object, what);
    if (i == 0) {
      features = x.size();
      rows.start(n, features);
      labelled = py::isinstance<py::int_>(y) || numpy_ndim(y).cast<int>() == 0;
    }
    if (x.size() != features)
      throw Error(name(i, "[0]: x has ") + std::to_string(x.size()) + " values, the first had " + std::to_string(features));
    rows.add(x.data());
    if (labelled) {
      const int64_t label = y.cast<int64_t>();
      if (label < 0 || label >= (int64_t{1} << 24))
        throw Error(name(i, "[1]: label ") + std::to_string(label) + " is not a class index");
      d.data.labels.push_back(static_cast<int32_t>(label));
      continue;
    }
    const Values t(y, what);
    if (i == 0) outputs = t.size();
    if (t.size() != outputs)
      throw Error(name(i, "[1]: y has ") + std::to_string(t.size()) + " values, the first had " + std::to_string(outputs));
    targets.insert(targets.end(), t.data(), t.data() + outputs);
  }
  rows.finish(d.data);
  if (labelled) {
    d.data.targets = one_hot(d.data.labels, classes, {}, what);
  } else {
    d.data.targets = Tensor({n, outputs});
    std::copy(targets.begin(), targets.end(), d.data.targets.data());
    d.data.labels = row_maxima(d.data.targets);
  }
  return d;
}

void bind_data(py::module_& m) {
  py::class_<PyDataset>(m, "Dataset", R"(Samples for a network: inputs x, targets y and class labels.

Made by neurite.data.mnist / neurite.data.load (prepared as the model file will record) or from
arrays: Dataset(x, y), y integer labels (one-hot encoded) or float targets.)")
      .def(py::init([](py::handle x, py::handle y, int64_t outputs) {
             return dataset_from_arrays(x, y, outputs, {}, true, "Dataset");
           }),
           py::arg("x"), py::arg("y"), py::arg("outputs") = 0)
      .def("__len__", [](const PyDataset& d) { return d.data.size(); })
      .def_property_readonly("x", [](py::object self) { return inputs_of(self.cast<PyDataset&>(), self); },
                             "The inputs (N, sample...) as float32: a view, or converted from the pixel bytes kept")
      .def_property_readonly("y", [](py::object self) { return view_of(self.cast<PyDataset&>().data.targets, self); },
                             "The targets (N, outputs) as float32, a view")
      .def_property_readonly("labels",
                             [](const PyDataset& d) -> py::object {
                               if (d.data.labels.empty()) return py::none();
                               return py::array_t<int32_t>(static_cast<py::ssize_t>(d.data.labels.size()), d.data.labels.data());
                             },
                             "The class labels (N,) as int32, or None for regression")
      .def_property_readonly("sample_shape", [](const PyDataset& d) { return d.data.sample_shape(); })
      .def_property_readonly("class_names",
                             [](const PyDataset& d) { return d.origin ? d.origin->class_names : std::vector<std::string>{}; })
      .def_property_readonly("preparation",
                             [](const PyDataset& d) -> py::object {
                               if (!d.origin) return py::none();
                               return python_from(to_json(d.origin->preparation));
                             })
      .def("slice", [](const PyDataset& d, int64_t begin, int64_t end) {
             require(0 <= begin && begin <= end && end <= d.data.size(),
                     "slice: [" + std::to_string(begin) + ", " + std::to_string(end) + ") of " + std::to_string(d.data.size()) + " samples");
             return PyDataset{d.data.slice(begin, end), d.origin};
           })
      .def("__repr__", [](const PyDataset& d) {
        return "<neurite.Dataset " + std::to_string(d.data.size()) + " samples of " + to_string(d.data.sample_shape()) + ">";
      });

  m.def("pairs_to_dataset", &dataset_from_pairs, py::arg("pairs"), py::arg("classes") = 10, py::arg("what") = "data",
        "Nielsen's list of (x, y) pairs as one Dataset (converted once)");

  m.def(
      "mnist",
      [](std::optional<std::string> folder, const std::string& scale, std::pair<float, float> targets, int64_t train_size,
         std::optional<Shape> shape) {
        const std::string where = mnist_folder(folder);
        MnistOptions o{.scale = parse_scale(scale), .targets = {targets.first, targets.second}, .train_size = train_size,
                       .sample_shape = shape.value_or(Shape{})};
        Mnist data;
        {
          py::gil_scoped_release unlocked;
          data = load_mnist(where, o);
        }
        const auto origin = mnist_origin(where, o);
        return py::make_tuple(PyDataset{std::move(data.training), origin}, PyDataset{std::move(data.validation), origin},
                              PyDataset{std::move(data.test), origin});
      },
      py::arg("folder") = py::none(), py::arg("scale") = "unit", py::arg("targets") = std::pair<float, float>{0.0f, 1.0f},
      py::arg("train_size") = 50000, py::arg("shape") = py::none(),
      R"(MNIST's IDX files in `folder` (default $NEURITE_MNIST, else data/mnist), split as Nielsen does:
returns (training, validation, test) Datasets. scale: "unit", "rashid" or "standard".)");

  m.def(
      "load",
      [](const std::string& train, std::optional<std::string> labels, std::optional<std::string> test,
         std::optional<std::string> test_labels, uint64_t seed, std::pair<float, float> targets, py::kwargs options) {
        // The keys and checks of the CLI's data flags (--format, --target, --task, ...).
        const RunConfig config = run_config_from_json(json_from(options, "options"));
        const TargetValues values{targets.first, targets.second};
        LoadedData d;
        {
          py::gil_scoped_release unlocked;
          d = load_data({train, labels.value_or(""), test.value_or(""), test_labels.value_or("")}, config.data.source,
                        values, seed);
        }
        auto origin = std::make_shared<DataOrigin>(
            DataOrigin{d.preparation, d.class_names, InputScale::Unit, values, train});
        return py::make_tuple(PyDataset{std::move(d.training), origin}, PyDataset{std::move(d.validation), origin},
                              PyDataset{std::move(d.test), origin});
      },
      py::arg("train"), py::arg("labels") = py::none(), py::arg("test") = py::none(), py::arg("test_labels") = py::none(),
      py::arg("seed") = 1, py::arg("targets") = std::pair<float, float>{0.0f, 1.0f},
      R"(Your own data as the CLI reads it: a CSV / TSV / JSON table, .npy / .npz arrays, IDX files or a
folder of class folders of images. Options are the CLI's data keys: format, target, ignore,
categorical, header, task, missing, normalize, image_size, color, validation_split, test_split.
Returns (training, validation, test) Datasets, prepared (fitted on the training split).)");
}

}  // namespace neurite::python
