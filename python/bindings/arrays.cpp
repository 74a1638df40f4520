#include "arrays.h"

#include <cmath>

#include "neurite/error.h"

namespace neurite::python {

namespace {

std::string describe(const py::dtype& dtype) { return py::str(py::handle(dtype)).cast<std::string>(); }

void require_number_dtype(const py::array& array, const char* what) {
  const char kind = array.dtype().kind();
  require(kind == 'f' || kind == 'i' || kind == 'u',
          std::string(what) + ": an array of numbers is needed, got dtype " + describe(array.dtype()));
}

}  // namespace

py::array_t<float, py::array::c_style> float_array(py::handle object, const char* what) {
  // Lists are read as numpy reads them; a ragged list becomes an object array, refused below.
  py::array array = py::isinstance<py::array>(object) ? py::reinterpret_borrow<py::array>(object)
                                                     : py::array(py::module_::import("numpy").attr("asarray")(object));
  require_number_dtype(array, what);
  auto values = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
  require(static_cast<bool>(values), std::string(what) + ": cannot be read as float32 values");
  const float* data = values.data();
  for (py::ssize_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(data[i]))  // the message is built only on failure: this loop runs per sample
      throw Error(std::string(what) + ": value " + std::to_string(i) + " (in C order) is " +
                  (std::isnan(data[i]) ? "NaN" : "infinite"));
  return values;
}

Tensor tensor_from(py::handle object, const char* what) {
  const auto values = float_array(object, what);
  Shape shape(values.shape(), values.shape() + values.ndim());
  Tensor tensor(shape);
  std::copy_n(values.data(), values.size(), tensor.data());
  return tensor;
}

bool holds_integers(py::handle object) {
  py::array array = py::module_::import("numpy").attr("asarray")(object);
  const char kind = array.dtype().kind();
  return kind == 'i' || kind == 'u';
}

std::vector<int32_t> labels_from(py::handle object, const char* what) {
  py::array array = py::module_::import("numpy").attr("asarray")(object);
  require(array.dtype().kind() == 'i' || array.dtype().kind() == 'u',
          std::string(what) + ": class labels must be integers, got dtype " + describe(array.dtype()));
  require(array.ndim() == 1, std::string(what) + ": class labels must be one-dimensional (N,), got " +
                                 std::to_string(array.ndim()) + " dimensions");
  auto values = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(array);
  std::vector<int32_t> labels(static_cast<std::size_t>(values.size()));
  for (py::ssize_t i = 0; i < values.size(); ++i) {
    const int64_t label = values.data()[i];
    if (label < 0 || label >= (int64_t{1} << 24))
      throw Error(std::string(what) + ": label " + std::to_string(label) + " at row " + std::to_string(i) + " is not a class index");
    labels[static_cast<std::size_t>(i)] = static_cast<int32_t>(label);
  }
  return labels;
}

py::array array_from(Tensor&& tensor) {
  auto* owned = new Tensor(std::move(tensor));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<Tensor*>(p); });
  const Shape& shape = owned->shape();
  return py::array_t<float>(std::vector<py::ssize_t>(shape.begin(), shape.end()), owned->data(), free_when_done);
}

py::array view_of(Tensor& tensor, py::handle owner, const Shape& shape) {
  const Shape& s = shape.empty() ? tensor.shape() : shape;
  require(element_count(s) == tensor.size(), "a view of " + to_string(tensor.shape()) + " as " + to_string(s));
  return py::array_t<float>(std::vector<py::ssize_t>(s.begin(), s.end()), tensor.data(), owner);
}

nlohmann::json json_from(py::handle object, const char* what) {
  if (object.is_none()) return nullptr;
  try {
    // numpy scalars (np.int64(5)) are written as their Python values
    const py::object item = py::module_::import("operator").attr("methodcaller")("item");
    const std::string text = py::module_::import("json").attr("dumps")(object, py::arg("default") = item).cast<std::string>();
    return nlohmann::json::parse(text);
  } catch (const py::error_already_set& e) {
    throw Error(std::string(what) + ": not JSON-like (dicts, lists, strings, numbers): " + e.what());
  }
}

py::object python_from(const nlohmann::json& json) {
  return py::module_::import("json").attr("loads")(json.dump());
}

}  // namespace neurite::python
