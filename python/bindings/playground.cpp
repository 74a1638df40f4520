// The page's Playground and Backprop stepper from Python: neurite.Playground trains a small
// network on a 2-D data set an epoch at a time, as the page's tab does, with its maps as numpy
// arrays; neurite.backprop works one step of a tiny sigmoid network number by number.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "arrays.h"
#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/playground/backprop_stepper.h"
#include "neurite/playground/playground.h"

namespace neurite::python {

namespace {

using playground::PlaneMap;
using playground::Playground;

py::array map_array(const PlaneMap& map) {
  Tensor values({map.side, map.side});
  std::copy(map.values.begin(), map.values.end(), values.data());
  return array_from(std::move(values));
}

std::unique_ptr<Playground> make_playground(const std::string& data, int64_t points, double noise, double train_ratio,
                                            uint64_t data_seed, const std::optional<std::string>& csv, py::kwargs network) {
  const playground::PlaneDataOptions options{.set = playground::parse_plane_set(csv ? "csv" : data), .count = points,
                                             .noise = noise, .train_ratio = train_ratio, .seed = data_seed};
  playground::PlaneData plane = csv ? playground::read_plane_csv(*csv, *csv, options) : playground::make_plane_data(options);
  const nlohmann::json settings = json_from(network, "the network's settings");
  playground::PlaygroundConfig config = playground::playground_config_from_json(settings, plane.regression);
  return std::make_unique<Playground>(std::move(plane), std::move(config));
}

py::dict losses_of(Playground& p) {
  const playground::Losses l = p.losses();
  py::dict d;
  d["train"] = l.train;
  d["test"] = l.test;
  if (l.test_accuracy >= 0) d["train_accuracy"] = l.train_accuracy, d["test_accuracy"] = l.test_accuracy;
  return d;
}

py::dict maps_of(Playground& p, int output_side, int neuron_side) {
  require(output_side >= 2 && output_side <= 400 && neuron_side >= 2 && neuron_side <= 400,
          "maps: the sides must be from 2 to 400");
  const playground::PlaneMaps maps = p.maps(output_side, neuron_side);
  py::list features, layers;
  for (const PlaneMap& m : maps.features) features.append(map_array(m));
  for (const auto& layer : maps.layers) {
    py::list neurons;
    for (const PlaneMap& m : layer) neurons.append(map_array(m));
    layers.append(neurons);
  }
  py::dict d;
  d["output"] = map_array(maps.output);
  d["features"] = features;
  d["layers"] = layers;
  return d;
}

// (N, 4): x1, x2, label, 1 for a training point (0: test).
py::array points_of(const Playground& p) {
  Tensor t({static_cast<int64_t>(p.data().points.size()), 4});
  int64_t at = 0;
  for (const playground::PlanePoint& q : p.data().points) {
    t[at++] = q.x1, t[at++] = q.x2, t[at++] = q.label;
    t[at++] = q.train ? 1.0f : 0.0f;
  }
  return array_from(std::move(t));
}

void save_model_file(Playground& p, const std::string& path) { write_file_atomically(path, p.model_file()); }

}  // namespace

void bind_playground(py::module_& m) {
  py::class_<Playground>(m, "Playground",
                         "The page's Playground: a network of up to 6 hidden layers of 8 learning a 2-D data set")
      .def(py::init(&make_playground), py::arg("data") = "circle", py::arg("points") = 500, py::arg("noise") = 0.0,
           py::arg("train_ratio") = 0.5, py::arg("data_seed") = 1, py::arg("csv") = py::none(),
           "data: circle, xor, gauss, spiral, plane or bumps (or csv=PATH: x1, x2, label); the keywords are the "
           "network's settings as the page's API takes them: features, hidden, activation, loss, optimizer, rate, "
           "batch, regularization, lambda, seed")
      .def("train", [](Playground& p, int epochs) {
             require(epochs >= 0, "train: epochs must be 0 or more");
             py::gil_scoped_release unlocked;
             for (int e = 0; e < epochs; ++e) p.train_epoch();
           }, py::arg("epochs") = 1, "Trains `epochs` passes over the training points")
      .def_property_readonly("epoch", &Playground::epoch)
      .def_property_readonly("losses", &losses_of, "train and test cost (and accuracy, for two classes)")
      .def("maps", &maps_of, py::arg("output_side") = 50, py::arg("neuron_side") = 16,
           "The output (2p - 1 for two classes), each feature and each hidden neuron over [-6, 6]^2, top row first")
      .def_property_readonly("points", &points_of, "(N, 4): x1, x2, label, 1 for a training point")
      .def_property_readonly("weights", [](const Playground& p) { return python_from(p.weights_json()); },
                             "Per layer: {'weights': [to][from], 'biases': [to]}")
      .def("set_weight", &Playground::set_weight, py::arg("layer"), py::arg("to"), py::arg("from_"), py::arg("value"),
           "Sets one weight (from_ = -1: the bias of `to`)")
      .def_property_readonly("settings", [](const Playground& p) { return python_from(to_json(p.config())); })
      .def("save", [](Playground& p, const py::object& path) { save_model_file(p, py::str(path)); }, py::arg("path"), "The model file the CLI evaluates (with data_csv's columns)")
      .def("data_csv", &Playground::data_csv, py::arg("split") = "all", "The points with every feature, as CSV text");

  m.def("backprop", [](const py::object& example) {
    playground::WorkedExample e;
    if (py::isinstance<py::str>(example)) {
      const std::string name = example.cast<std::string>();
      require(name == "mazur" || name == "rashid", "backprop: the examples are mazur and rashid, or give a dict");
      e = name == "mazur" ? playground::mazur_example() : playground::rashid_example();
    } else {
      e = playground::worked_example_from_json(json_from(example, "the example"));
    }
    return python_from({{"example", to_json(e)}, {"trace", to_json(playground::trace_backprop(e))}});
  }, py::arg("example") = "mazur",
        "One backpropagation step of a tiny sigmoid network, number by number: {'example': ..., 'trace': ...}");
}

}  // namespace neurite::python
