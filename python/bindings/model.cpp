#include "model.h"

#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "data.h"
#include "neurite/error.h"
#include "neurite/classic/backquery.h"
#include "neurite/classic/rashid.h"
#include "neurite/gradcheck.h"
#include "neurite/io/model_file.h"
#include "neurite/io/onnx.h"
#include "neurite/io/torch_import.h"
#include "neurite/train/evaluate.h"
#include "neurite/train/regularization.h"
#include "neurite/train/run_config.h"
#include "neurite/train/trainer.h"

namespace neurite::python {

namespace {

using nlohmann::json;

// Thrown inside training when Python asked it to stop (Ctrl-C, a callback's exception): the
// Python error is kept while the C++ stack unwinds without the GIL, and raised again after.
struct PythonErrorPending {};

class SavedPythonError {
 public:
  void save() { PyErr_Fetch(&type_, &value_, &traceback_); }
  [[noreturn]] void raise() {
    PyErr_Restore(type_, value_, traceback_);
    type_ = value_ = traceback_ = nullptr;
    throw py::error_already_set();
  }

 private:
  PyObject *type_ = nullptr, *value_ = nullptr, *traceback_ = nullptr;
};

// A callback asked training to stop (returned False): the history so far is kept.
struct StopRequested {};

// What training calls back into Python: each epoch's line and callbacks, and a look for
// Ctrl-C between batches. Training runs without the GIL; each call takes it back.
class PythonHooks {
 public:
  PythonHooks(py::object callbacks, int verbose) : listeners_(callback_list(callbacks)), verbose_(verbose) {}

  TrainCallbacks callbacks() {
    TrainCallbacks c;
    c.on_batch = [this](const BatchProgress&) { look_for_signals(); };
    c.on_epoch = [this](const EpochResult& r) { end_epoch(r); };
    return c;
  }
  const std::vector<EpochResult>& history() const { return history_; }
  [[noreturn]] void raise_saved_error() { error_.raise(); }

  static py::dict epoch_logs(const EpochResult& r) {
    py::dict logs;
    logs["loss"] = r.train_cost;
    logs["seconds"] = r.seconds;
    logs["rate"] = r.rate;
    for (const SetMeasure& m : r.measures) {
      logs[py::str(prefix(m.name) + "loss")] = m.cost;
      if (m.total == 0) continue;
      logs[py::str(prefix(m.name) + "accuracy")] = m.accuracy();
      logs[py::str(prefix(m.name) + "correct")] = m.correct;
    }
    return logs;
  }

 private:
  // Python's SIGINT handler only sets a flag; it is looked at here, every 50 ms.
  void look_for_signals() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check_ < std::chrono::milliseconds(50)) return;
    last_check_ = now;
    py::gil_scoped_acquire locked;
    if (PyErr_CheckSignals() != 0) {
      error_.save();
      throw PythonErrorPending{};
    }
  }

  void end_epoch(const EpochResult& r) {
    history_.push_back(r);
    py::gil_scoped_acquire locked;
    try {
      if (verbose_ > 0) print_epoch(r);
      const py::dict logs = epoch_logs(r);
      for (const py::object& listener : listeners_) {
        const py::object answer = py::hasattr(listener, "on_epoch_end") ? listener.attr("on_epoch_end")(r.epoch, logs)
                                                                        : listener(r.epoch, logs);
        if (!answer.is_none() && !answer.cast<bool>()) throw StopRequested{};
      }
    } catch (py::error_already_set& e) {
      e.restore();
      error_.save();
      throw PythonErrorPending{};
    }
  }

  static std::vector<py::object> callback_list(py::object callbacks) {
    std::vector<py::object> list;
    if (callbacks.is_none()) return list;
    if (PyCallable_Check(callbacks.ptr()) || py::hasattr(callbacks, "on_epoch_end")) return {callbacks};
    for (py::handle c : callbacks) list.push_back(py::reinterpret_borrow<py::object>(c));
    return list;
  }

  static std::string prefix(const std::string& set) {
    if (set == "validation") return "val_";
    return set + "_";  // "train_", "test_"
  }

  static void print_epoch(const EpochResult& r) {
    char line[160];
    if (r.evaluated && r.total > 0)
      std::snprintf(line, sizeof line, "Epoch %d: %lld / %lld  (%.2f s)", r.epoch, static_cast<long long>(r.correct),
                    static_cast<long long>(r.total), r.seconds);
    else if (r.evaluated)
      std::snprintf(line, sizeof line, "Epoch %d: cost %.5f  (%.2f s)", r.epoch, r.measures.back().cost, r.seconds);
    else
      std::snprintf(line, sizeof line, "Epoch %d: training cost %.5f  (%.2f s)", r.epoch, r.train_cost, r.seconds);
    py::print(line, py::arg("flush") = true);
  }

  std::vector<py::object> listeners_;
  int verbose_;
  std::vector<EpochResult> history_;
  SavedPythonError error_;
  std::chrono::steady_clock::time_point last_check_ = std::chrono::steady_clock::now();
};

// One thread at a time uses a model: fit, predict and the rest release the GIL, so without this a
// second Python thread could run the network while the first trains it. The GIL makes the check
// itself safe (it runs before the GIL is released). The thread that is training may use the
// model from fit's callbacks (predict, evaluate, save between epochs), but not train it again.
class ModelInUse {
 public:
  struct State {
    bool busy = false;
    bool training = false;
    std::thread::id thread;
  };
  ModelInUse(State& state, const char* what, bool trains) : state_(state) {
    if (state_.busy) {
      require(state_.thread == std::this_thread::get_id(),
              std::string(what) + ": the model is busy in another thread (one thread at a time uses a model)");
      require(!(trains && state_.training), std::string(what) + ": the model is training; a callback of fit cannot train it too");
      return;  // nested, from a callback: the outer call keeps the state
    }
    state_ = {true, trains, std::this_thread::get_id()};
    owner_ = true;
  }
  ~ModelInUse() {
    if (owner_) state_ = {};
  }
  ModelInUse(const ModelInUse&) = delete;
  ModelInUse& operator=(const ModelInUse&) = delete;

 private:
  State& state_;
  bool owner_ = false;
};

class Model {
 public:
  Model(py::object spec, const py::kwargs& settings) {
    ModelSpec s;
    json defaults = own_data_defaults();
    if (py::isinstance<py::str>(spec)) {
      s = read_model_spec(spec.cast<std::string>());
    } else if (!spec.is_none()) {
      s = model_spec_from_json(json_from(spec, "spec"), "spec");
    }
    if (!s.architecture.is_null()) defaults.erase("activation");  // a fully connected network's key
    defaults.update(s.training);
    s.training = defaults;
    config_ = run_config_of(s, json_from(settings, "settings"));
    validate(config_);
    if (sizes_known() && !config_.cost.empty()) build();
  }

  static Model load(const std::string& path) {
    neurite::Model file = load_model(path);
    Model m;
    const json settings = file.info.extra.value("settings", json::object());
    m.config_ = run_config_from_json(settings);
    if (!settings.contains("architecture") && !settings.contains("layers"))
      m.config_.architecture = file.network.architecture();
    m.config_.cost = file.info.cost;
    m.config_.data.scale = file.info.scale;
    m.config_.data.targets = file.info.targets;
    m.cost_ = make_cost(file.info.cost);
    m.net_.emplace(trained_network(file, {.init = m.config_.init, .seed = m.config_.training.seed}));
    m.optimizer_ = make_optimizer(m.config_.optimizer);
    m.origin_ = std::make_shared<DataOrigin>(
        DataOrigin{file.info.preparation, file.info.class_names, file.info.scale, file.info.targets, path});
    return m;
  }

  py::dict fit(py::object x, py::object y, std::optional<int> epochs, std::optional<int64_t> batch_size,
               py::object validation_data, py::object callbacks, int verbose, const py::kwargs& settings) {
    const ModelInUse in_use(in_use_, "fit", true);
    if (settings.size() > 0) update_settings(json_from(settings, "settings"));
    DatasetArgument given = dataset_argument(x, y, "fit(x, y)");
    PyDataset& training = given.get();
    std::optional<DatasetArgument> given_validation;
    if (!validation_data.is_none())
      given_validation = py::isinstance<PyDataset>(validation_data)
                             ? dataset_argument(validation_data, py::none(), "validation_data")
                             : dataset_argument(validation_data[py::int_(0)], validation_data[py::int_(1)], "validation_data");
    PyDataset* validation = given_validation ? &given_validation->get() : nullptr;
    build_for(training);
    fit_shape(training.data);
    if (validation) fit_shape(validation->data);
    if (training.origin) origin_ = training.origin;

    TrainOptions options = config_.training;
    if (epochs) options.epochs = *epochs;
    if (batch_size) options.batch = *batch_size;
    std::vector<EvaluationSet> sets;
    if (validation) sets.push_back({"validation", &validation->data});

    PythonHooks hooks(callbacks, verbose);
    TrainResult result;
    bool stopped = false;
    try {
      py::gil_scoped_release unlocked;
      result = train(*net_, *cost_, *optimizer_, training.data, sets, options, hooks.callbacks());
    } catch (const PythonErrorPending&) {
      net_->set_training(false);
      hooks.raise_saved_error();
    } catch (const StopRequested&) {
      net_->set_training(false);
      stopped = true;
    }
    if (!stopped) last_ = result;
    return history_dict(hooks.history());
  }

  py::array predict(py::handle x, int64_t batch_size) {
    require_built("predict");
    const ModelInUse in_use(in_use_, "predict", false);
    Tensor inputs = batch_inputs(x, "predict(x)");
    Tensor predictions;
    {
      py::gil_scoped_release unlocked;
      predictions = predict_tensor(inputs, batch_size);
    }
    return array_from(std::move(predictions));
  }

  py::dict evaluate(py::object x, py::object y) {
    require_built("evaluate");
    const ModelInUse in_use(in_use_, "evaluate", false);
    DatasetArgument given = dataset_argument(x, y, "evaluate(x, y)");
    PyDataset& data = given.get();
    fit_shape(data.data);
    SetMeasure m;
    {
      py::gil_scoped_release unlocked;
      m = measure(*net_, *cost_, data.data, "evaluate");
    }
    py::dict d;
    d["loss"] = m.cost;
    if (m.total > 0) {
      d["accuracy"] = m.accuracy();
      d["correct"] = m.correct;
      d["total"] = m.total;
    }
    return d;
  }

  // One optimiser step on one batch (Nielsen's update_mini_batch, Rashid's train): returns the
  // batch's cost before the step. `rate` changes the optimiser's rate from now on; `l2` with the
  // training-set size `n` adds Nielsen's weight decay.
  double step(py::handle x, py::handle y, std::optional<double> rate, double l2, int64_t n) {
    require_built("step");
    const ModelInUse in_use(in_use_, "step", true);
    Tensor inputs = batch_inputs(x, "step(x)");
    Tensor targets = batch_targets(y, inputs.dim(0), "step(y)");
    if (rate) optimizer_->set_rate(*rate);
    py::gil_scoped_release unlocked;
    const double c = gradients_of(inputs, targets, true);
    std::vector<Parameter> params = net_->parameters();
    if (l2 > 0) add_penalty_gradient(params, Regularization{.l2 = l2}, n);
    optimizer_->step(params);
    return c;
  }

  // The gradient of the batch's mean cost with respect to every parameter, without a step.
  py::dict gradients(py::handle x, py::handle y) {
    require_built("gradients");
    const ModelInUse in_use(in_use_, "gradients", false);
    Tensor inputs = batch_inputs(x, "gradients(x)");
    Tensor targets = batch_targets(y, inputs.dim(0), "gradients(y)");
    gradients_of(inputs, targets, true);
    py::dict d;
    for (const Parameter& p : net_->parameters()) d[py::str(p.name)] = array_from(Tensor(*p.grad));
    return d;
  }

  py::dict gradient_check(py::handle x, py::handle y, int64_t max_per_tensor, double tolerance, uint64_t seed) {
    require_built("gradient_check");
    const ModelInUse in_use(in_use_, "gradient_check", false);
    Tensor inputs = batch_inputs(x, "gradient_check(x)");
    Tensor targets = batch_targets(y, inputs.dim(0), "gradient_check(y)");
    GradCheckOptions options{.tolerance = tolerance, .max_per_tensor = max_per_tensor, .seed = seed};
    GradCheckReport report;
    {
      py::gil_scoped_release unlocked;
      report = neurite::gradient_check(*net_, *cost_, inputs, targets, options);
    }
    py::list entries;
    for (const GradCheckEntry& e : report.entries)
      entries.append(py::dict(py::arg("name") = e.name, py::arg("layer") = e.layer, py::arg("max_error") = e.max_error,
                              py::arg("analytic") = e.analytic, py::arg("numeric") = e.numeric,
                              py::arg("checked") = e.checked));
    return py::dict(py::arg("passed") = report.passed, py::arg("max_error") = report.max_error,
                    py::arg("entries") = entries, py::arg("report") = report.describe());
  }

  void save(const std::string& path) {
    require_built("save");
    const ModelInUse in_use(in_use_, "save", false);
    ModelInfo info = model_info(config_, last_.epochs.empty() ? nullptr : &last_, preparation(), class_names());
    py::gil_scoped_release unlocked;
    save_model(path, *net_, info);
  }

  // The model as an ONNX file (neurite/io/onnx.h), as `neurite export --onnx` writes it.
  void export_onnx(const std::string& path) {
    require_built("export_onnx");
    const ModelInUse in_use(in_use_, "export_onnx", false);
    ModelInfo info = model_info(config_, last_.epochs.empty() ? nullptr : &last_, preparation(), class_names());
    py::gil_scoped_release unlocked;
    neurite::Model predicting = predicting_model(*net_, info);
    neurite::export_onnx(predicting, path);
  }

  // Weights trained in PyTorch (neurite/io/torch_import.h), as `neurite import` reads them:
  // returns (PyTorch's name, neurite's name) for every tensor.
  std::vector<std::pair<std::string, std::string>> import_torch(const std::string& path, const std::vector<std::string>& modules) {
    require_built("import_torch");
    const ModelInUse in_use(in_use_, "import_torch", true);
    std::vector<ImportedTensor> imported;
    {
      py::gil_scoped_release unlocked;
      imported = import_torch_state_dict(path, *net_, modules);
    }
    std::vector<std::pair<std::string, std::string>> places;
    for (const ImportedTensor& t : imported) places.emplace_back(t.torch_name, t.neurite_name);
    return places;
  }

  // Rashid's own training step (seed 003), his rule exactly: classic/rashid.h.
  void rashid_step(py::handle x, py::handle y, double rate) {
    require_built("rashid_step");
    const ModelInUse in_use(in_use_, "rashid_step", true);
    const auto inputs = float_array(x, "train(inputs_list)");
    const auto targets = float_array(y, "train(target_list)");
    neurite::rashid_train_step(*net_, {inputs.data(), static_cast<std::size_t>(inputs.size())},
                               {targets.data(), static_cast<std::size_t>(targets.size())}, rate);
  }

  // Rashid's backquery: the input a trained sigmoid network without biases takes for `target`.
  py::array backquery(py::handle target) {
    require_built("backquery");
    const ModelInUse in_use(in_use_, "backquery", false);
    return array_from(neurite::backquery(*net_, tensor_from(target, "backquery(target)")));
  }

  static py::dict parameters(py::object self) {
    Model& m = self.cast<Model&>();
    m.require_built("parameters");
    py::dict d;
    for (const Parameter& p : m.net_->parameters()) d[py::str(p.name)] = view_of(*p.value, self);
    return d;
  }

  bool built() const { return net_.has_value(); }
  std::string summary() const {
    if (!net_) return "(not built: fit builds it for the data)";
    const ActivationKind output = cost_->output_activation();
    return net_->summary() + (output == ActivationKind::Identity ? "" : " -> " + activation_name(output));
  }
  py::object architecture() const {
    return net_ ? python_from(neurite::predicting_architecture(net_->architecture(), *cost_)) : py::none();
  }
  py::object settings() const { return python_from(to_json(config_)); }
  Shape input_shape() { require_built("input_shape"); return net_->input_shape(); }
  Shape output_shape() { require_built("output_shape"); return net_->output_shape(); }
  int64_t parameter_count() { require_built("parameter_count"); return net_->parameter_count(); }
  std::string cost_name() const { return config_.cost; }
  double rate() const { return optimizer_ ? optimizer_->rate() : config_.optimizer.rate; }
  std::vector<std::string> class_names() const { return origin_ ? origin_->class_names : std::vector<std::string>{}; }

 private:
  Model() = default;

  bool sizes_known() const {
    if (config_.architecture.is_null()) return config_.mlp.sizes.front() > 0 && config_.mlp.sizes.back() > 0;
    return !config_.architecture["input"].is_null();
  }

  void build() {
    cost_ = build_cost(config_);
    net_.emplace(build_network(config_));
    optimizer_ = make_optimizer(config_.optimizer);
  }

  void require_built(const char* what) const {
    require(net_.has_value(), std::string(what) +
                                  ": the network is not built yet; fit builds it for the data (or give the input "
                                  "size and cost= when making the Model)");
  }

  // Settings given to fit: the run's keys (rate, l2, schedule, ...). A new optimiser kind or
  // option starts a new optimiser; a new rate only changes the rate.
  void update_settings(const json& changes) {
    if (net_)
      for (const char* key : {"architecture", "layers", "activation", "output", "no_bias", "dropout", "input_dropout",
                              "init", "uniform_limit", "cost"})
        require(!changes.contains(key),
                std::string("fit: ") + key + " defines the network, which is already built (make a new Model)");
    json merged = to_json(config_);
    merged.update(changes);
    RunConfig updated = run_config_from_json(merged);
    validate(updated);
    OptimizerOptions old_options = config_.optimizer, new_options = updated.optimizer;
    old_options.rate = new_options.rate = 0;
    const bool same_optimizer = to_json(old_options) == to_json(new_options);
    config_ = std::move(updated);
    if (!optimizer_) return;
    if (same_optimizer) optimizer_->set_rate(config_.optimizer.rate);
    else optimizer_ = make_optimizer(config_.optimizer);
  }

  // A Dataset given from Python is used where it is (not copied: MNIST's is 157 MB of floats);
  // arrays are converted into one owned here.
  struct DatasetArgument {
    std::optional<PyDataset> owned;
    PyDataset* given = nullptr;
    PyDataset& get() { return given ? *given : *owned; }
  };

  DatasetArgument dataset_argument(py::handle x, py::handle y, const char* what) {
    if (py::isinstance<PyDataset>(x)) {
      require(y.is_none(), std::string(what) + ": y is given, but x is a Dataset that holds its targets");
      return {std::nullopt, &x.cast<PyDataset&>()};
    }
    require(!y.is_none(), std::string(what) + ": y is missing");
    const int64_t outputs = net_ ? element_count(net_->output_shape()) : 0;
    const bool classification = !is_regression_cost(config_.cost) && !(config_.cost.empty() && !holds_integers(y));
    return {dataset_from_arrays(x, y, outputs, config_.data.targets, classification, what), nullptr};
  }

  // Builds the network for the first data it is given: the data's sample shape and outputs,
  // and the cost its task takes when none was named (as `neurite train` does).
  void build_for(const PyDataset& d) {
    if (d.origin && d.origin->preparation.kind == "pixels") {
      config_.data.scale = d.origin->scale;
      config_.data.targets = d.origin->targets;
    }
    if (net_) return;
    Task task = Task::Classification;
    int64_t outputs = d.data.targets.size() / std::max<int64_t>(d.data.size(), 1);
    if (d.origin && d.origin->preparation.kind != "pixels") task = d.origin->preparation.task;
    else if (d.data.labels.empty()) task = Task::Regression;
    else if (outputs == 1) task = Task::Binary;
    const bool pixels = d.origin && d.origin->preparation.kind == "pixels";
    fit_to_data(config_, d.data.sample_shape(), outputs, task, pixels);
    build();
  }

  // The samples in the shape the network takes ((784) or (1, 28, 28): the same values).
  void fit_shape(Dataset& d) const {
    if (d.size() == 0 || d.sample_shape() == net_->input_shape()) return;
    require(d.sample_size() == element_count(net_->input_shape()),
            "the network takes " + to_string(net_->input_shape()) + ", but each sample is " + to_string(d.sample_shape()));
    if (!d.pixels.empty()) {
      d.pixel_shape = net_->input_shape();
      return;
    }
    Shape shape = net_->input_shape();
    shape.insert(shape.begin(), d.size());
    d.inputs.reshape(shape);
  }

  Tensor batch_inputs(py::handle x, const char* what) const {
    Tensor t = tensor_from(x, what);
    const int64_t per_sample = element_count(net_->input_shape());
    require(t.rank() >= 2 && t.size() % per_sample == 0 && t.size() / per_sample == t.dim(0),
            std::string(what) + ": " + to_string(t.shape()) + " is not a batch of samples of " +
                to_string(net_->input_shape()) + " (rows first: (N, ...))");
    Shape shape = net_->input_shape();
    shape.insert(shape.begin(), t.dim(0));
    t.reshape(shape);
    return t;
  }

  Tensor batch_targets(py::handle y, int64_t n, const char* what) const {
    const int64_t outputs = element_count(net_->output_shape());
    if (holds_integers(y)) {
      const std::vector<int32_t> labels = labels_from(y, what);
      require(static_cast<int64_t>(labels.size()) == n, std::string(what) + ": " + std::to_string(labels.size()) +
                                                            " labels for " + std::to_string(n) + " samples");
      return one_hot(labels, outputs, config_.data.targets, what);
    }
    Tensor t = tensor_from(y, what);
    require(t.size() == n * outputs, std::string(what) + ": " + to_string(t.shape()) + " holds " + std::to_string(t.size()) +
                                         " values, but " + std::to_string(n) + " samples of " + std::to_string(outputs) +
                                         " outputs need " + std::to_string(n * outputs));
    Shape shape = net_->output_shape();
    shape.insert(shape.begin(), n);
    t.reshape(shape);
    return t;
  }

  double gradients_of(const Tensor& inputs, const Tensor& targets, bool training) {
    net_->set_training(training);
    net_->zero_grad();
    const Tensor& output = net_->forward(inputs);
    const double c = cost_->value(output, targets);
    cost_->gradient(output, targets, net_->output_grad());
    net_->backward();
    net_->set_training(false);
    return c;
  }

  Tensor predict_tensor(const Tensor& inputs, int64_t batch_size) {
    const int64_t n = inputs.dim(0), per_sample = element_count(net_->input_shape());
    const int64_t batch = batch_size > 0 ? batch_size : 1000;
    Shape out_shape = net_->output_shape();
    const int64_t per_output = element_count(out_shape);
    out_shape.insert(out_shape.begin(), n);
    Tensor all(out_shape), chunk, prediction;
    net_->set_training(false);
    for (int64_t begin = 0; begin < n; begin += batch) {
      const int64_t count = std::min(batch, n - begin);
      Shape shape = net_->input_shape();
      shape.insert(shape.begin(), count);
      chunk.resize(shape);
      std::copy_n(inputs.data() + begin * per_sample, count * per_sample, chunk.data());
      cost_->predict(net_->forward(chunk), prediction);
      std::copy_n(prediction.data(), count * per_output, all.data() + begin * per_output);
    }
    if (origin_ && !origin_->preparation.target_shift.empty()) unscale_targets(origin_->preparation, all);
    return all;
  }

  Preparation preparation() const {
    if (origin_) return origin_->preparation;
    Preparation p{.kind = "array", .sample_shape = net_->input_shape()};
    p.task = is_regression_cost(config_.cost) ? Task::Regression
             : element_count(net_->output_shape()) == 1 ? Task::Binary
                                                        : Task::Classification;
    return p;
  }

  static py::dict history_dict(const std::vector<EpochResult>& epochs) {
    py::dict history;
    for (const EpochResult& r : epochs) {
      const py::dict logs = PythonHooks::epoch_logs(r);
      logs["epoch"] = r.epoch;
      for (auto [key, value] : logs) {
        if (!history.contains(key)) history[key] = py::list();
        history[key].cast<py::list>().append(value);
      }
    }
    return history;
  }

  RunConfig config_;
  std::optional<Network> net_;  // as trained: without the cost's output activation
  std::unique_ptr<Cost> cost_;
  std::unique_ptr<Optimizer> optimizer_;
  std::shared_ptr<const DataOrigin> origin_;  // what it was trained on or loaded with; null: arrays
  TrainResult last_;
  ModelInUse::State in_use_;
};

}  // namespace

void bind_model(py::module_& m) {
  py::class_<Model>(m, "Model", R"(A network with its cost, optimiser and run settings.

Model(spec=None, **settings): spec is a model spec (a dict or a JSON file, the CLI's --spec
format: {"input": [784], "layers": [...], "training": {...}}) or None for a fully connected
network (layers="784,30,10"); settings are the CLI's run keys (cost, optimizer, rate, batch,
epochs, seed, l2, init, ...). Without a spec's input size or a cost, fit builds the network for
the data it is given.)")
      .def(py::init<py::object, const py::kwargs&>(), py::arg("spec") = py::none())
      .def_static("load", &Model::load, py::arg("path"), "A model file (safetensors) saved by Python or the CLI")
      .def("fit", &Model::fit, py::arg("x"), py::arg("y") = py::none(), py::arg("epochs") = py::none(),
           py::arg("batch_size") = py::none(), py::arg("validation_data") = py::none(), py::arg("callbacks") = py::none(),
           py::arg("verbose") = 1,
           R"(Trains from the current weights; returns the history, Keras's History.history: lists per
epoch of loss (the epoch's mean training cost), val_loss, val_accuracy, seconds, rate, ...
Callbacks are called after each epoch as f(epoch, logs) (or obj.on_epoch_end(epoch, logs));
returning False stops training. Further keyword arguments are run settings (rate, l2, ...).)")
      .def("predict", &Model::predict, py::arg("x"), py::arg("batch_size") = 0,
           "Outputs (N, outputs) with the cost's output activation applied (probabilities)")
      .def("evaluate", &Model::evaluate, py::arg("x"), py::arg("y") = py::none(),
           "{'loss', 'accuracy', 'correct', 'total'} on (x, y) or a Dataset")
      .def("step", &Model::step, py::arg("x"), py::arg("y"), py::arg("rate") = py::none(), py::arg("l2") = 0.0,
           py::arg("n") = 0, "One optimiser step on one batch; returns its cost before the step")
      .def("gradients", &Model::gradients, py::arg("x"), py::arg("y"),
           "dC/dparameter for the batch's mean cost, by name ('0.weight', ...); no step")
      .def("gradient_check", &Model::gradient_check, py::arg("x"), py::arg("y"), py::arg("max_per_tensor") = 0,
           py::arg("tolerance") = 1e-2, py::arg("seed") = 1,
           "Compares backpropagation's gradients with central differences; returns the report")
      .def("rashid_step", &Model::rashid_step, py::arg("inputs"), py::arg("targets"), py::arg("rate"),
           "Rashid's training rule (seed 003) on one sample, for his dense-sigmoid-dense-sigmoid network")
      .def("backquery", &Model::backquery, py::arg("target"),
           "Rashid's backquery: the input the network takes for these outputs, in [0.01, 0.99]")
      .def("save", &Model::save, py::arg("path"), "Writes the model file the CLI reads (atomically)")
      .def("export_onnx", &Model::export_onnx, py::arg("path"),
           "Writes an ONNX file (opset 17) taking raw inputs as predict does")
      .def("import_torch", &Model::import_torch, py::arg("path"), py::arg("modules") = std::vector<std::string>{},
           "Loads a PyTorch state_dict saved as safetensors into this model's layers (the spec's), as `neurite "
           "import` does; modules: the state_dict's modules in layer order when sorting their names does not give "
           "it. Returns (PyTorch name, neurite name) pairs")
      .def_property_readonly("parameters", &Model::parameters,
                             "name -> writable float32 view of the live weights ('0.weight' (out, in), '0.bias')")
      .def_property_readonly("built", &Model::built)
      .def_property_readonly("summary", &Model::summary)
      .def_property_readonly("architecture", &Model::architecture, "The network as model files hold it")
      .def_property_readonly("settings", &Model::settings, "The run settings, as the CLI's spec 'training' holds them")
      .def_property_readonly("input_shape", &Model::input_shape)
      .def_property_readonly("output_shape", &Model::output_shape)
      .def_property_readonly("parameter_count", &Model::parameter_count)
      .def_property_readonly("cost", &Model::cost_name)
      .def_property_readonly("rate", &Model::rate)
      .def_property_readonly("class_names", &Model::class_names)
      .def("__repr__", [](const Model& model) { return "<neurite.Model " + model.summary() + ">"; });
}

}  // namespace neurite::python
