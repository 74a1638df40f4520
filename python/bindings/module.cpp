// The extension module neurite._core. The package python/neurite/ builds the seeds' APIs
// (neurite.nielsen, neurite.rashid, neurite.perceptron) and the numpy API on it.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <nlohmann/json.hpp>

#include "arrays.h"
#include "data.h"
#include "model.h"
#include "neurite/classic/perceptron.h"
#include "neurite/error.h"
#include "neurite/ops/kernels.h"
#include "neurite/ops/gemm.h"

namespace neurite::python {

void bind_playground(py::module_& m);  // playground.cpp

namespace {

// Seed 002's perceptron and linear unit: the library's, with the activation a Python callable.
void bind_perceptron(py::module_& m) {
  py::class_<Perceptron>(m, "Perceptron", "Seed 002's perceptron: f(w . x + b), trained one sample at a time")
      .def(py::init([](std::size_t inputs, std::function<double(double)> activator) {
             return Perceptron(inputs, std::move(activator));
           }),
           py::arg("input_num"), py::arg("activator"))
      .def("predict", [](const Perceptron& p, const std::vector<double>& x) {
             require(x.size() == p.weights().size(), "predict: " + std::to_string(x.size()) + " inputs for a perceptron of " +
                                                         std::to_string(p.weights().size()));
             return p.predict(x);
           }, py::arg("input_vec"))
      .def("train", [](Perceptron& p, const std::vector<std::vector<double>>& inputs, const std::vector<double>& labels,
                       int iterations, double rate) {
             require(inputs.size() == labels.size(), "train: " + std::to_string(inputs.size()) + " inputs but " +
                                                         std::to_string(labels.size()) + " labels");
             for (const auto& x : inputs)
               require(x.size() == p.weights().size(), "train: an input of " + std::to_string(x.size()) +
                                                           " values for a perceptron of " + std::to_string(p.weights().size()));
             p.train(inputs, labels, iterations, rate);
           }, py::arg("input_vecs"), py::arg("labels"), py::arg("iteration"), py::arg("rate"))
      .def_property_readonly("weights", &Perceptron::weights)
      .def_property_readonly("bias", &Perceptron::bias);
  m.def("step", &step, "1 if x > 0 else 0: the perceptron's activation");
}

}  // namespace
}  // namespace neurite::python

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using namespace neurite::python;
  m.doc() = "neurite's C++ core: networks, training, data (see the package neurite)";
  // Every library failure is one line naming the file, value or shapes: neurite.Error.
  static py::exception<neurite::Error> error(m, "Error", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const neurite::Error& e) {
      error(e.what());
    } catch (const nlohmann::json::exception& e) {
      error(e.what());
    }
  });
  m.def("set_threads", &neurite::set_num_threads, py::arg("threads"),
        "Threads for training and prediction (default: every core)");
  m.def("kernel_family", &neurite::kernel_family,
        "The instruction set of the hot kernels: 'avx512', 'avx2' or 'sse' (capped by NEURITE_KERNELS)");
  bind_data(m);
  bind_model(m);
  bind_perceptron(m);
  bind_playground(m);
}
