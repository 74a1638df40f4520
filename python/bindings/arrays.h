// Conversions between numpy arrays and neurite's tensors, and between Python objects and JSON.
//
// In: any real-number array (float32, float64, integers) of any strides becomes a float32,
// C-ordered Tensor. neurite's tensors own 64-byte-aligned storage, so an input is copied once:
// into the dataset at fit(), batch by batch into a reused buffer at predict(). Booleans, complex
// numbers, strings and objects are refused with a neurite.Error naming the argument.
// Out: a Tensor becomes an array that owns it (no copy); a parameter becomes a writable view of
// the live network (no copy), keeping the model alive.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>
#include <string>

#include "neurite/tensor.h"

namespace neurite::python {
namespace py = pybind11;

// The array `object` as float32 C-ordered values, checked: a number dtype, finite values.
// `what` names the argument in errors ("x", "validation_data[0]").
py::array_t<float, py::array::c_style> float_array(py::handle object, const char* what);
// The same, copied into a Tensor.
Tensor tensor_from(py::handle object, const char* what);
// Integer class labels (any integer dtype, one dimension) as int32, refusing negatives.
std::vector<int32_t> labels_from(py::handle object, const char* what);
// Whether `object` is an array (or a list) of integers: class labels rather than target values.
bool holds_integers(py::handle object);

// A new array owning the tensor.
py::array array_from(Tensor&& tensor);
// A writable view of `tensor`'s values; `owner` (the Python object holding the tensor) stays alive
// as long as the view. `shape` defaults to the tensor's.
py::array view_of(Tensor& tensor, py::handle owner, const Shape& shape = {});

// Python dictionaries, lists, strings, numbers, booleans and None as JSON, and back.
nlohmann::json json_from(py::handle object, const char* what);
py::object python_from(const nlohmann::json& json);

}  // namespace neurite::python
