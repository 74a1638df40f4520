#include "runs.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "http_util.h"
#include "neurite/data/mnist.h"
#include "neurite/error.h"
#include "neurite/rng.h"
#include "neurite/train/run_config.h"
#include "neurite/io/json_input.h"

namespace neurite::web {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kBatchEventEvery{100};
constexpr std::chrono::milliseconds kLogPollEvery{200};

// Thrown from on_batch to end a training the page stopped.
struct StopRequested {};

nlohmann::json number_or_null(double value, bool present) { return present ? nlohmann::json(value) : nlohmann::json(); }

nlohmann::json epoch_event(const EpochResult& r) {
  nlohmann::json norms = nlohmann::json::object();
  for (const auto& [name, value] : r.gradient_norms) norms[name] = value;
  const double accuracy = r.total > 0 ? static_cast<double>(r.correct) / static_cast<double>(r.total) : 0;
  return {{"epoch", r.epoch},
          {"train_cost", r.train_cost},
          {"accuracy", number_or_null(accuracy, r.evaluated && r.total > 0)},
          {"correct", r.correct},
          {"total", r.total},
          {"seconds", r.seconds},
          {"gradient_norms", norms}};
}

bool is_final(const std::string& state) { return state == "finished" || state == "stopped" || state == "failed"; }

// What a watched log holds past `offset`, and whether its training had ended before it was read.
// `neurite train --log` holds a lock on its log until its process ends, however it ends
// (cli/train_log.cpp); asked on the file that is then read, a writer gone by then wrote all it
// ever will. A file system without locks answers with an error: the training is taken to run on.
struct LogChunk {
  std::string bytes;
  bool writer_gone = false;
};
LogChunk read_log_from(const std::string& path, std::uintmax_t offset) {
  LogChunk chunk;
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return chunk;  // not written yet
  chunk.writer_gone = ::flock(fd, LOCK_SH | LOCK_NB) == 0;
  struct stat info {};
  if (::fstat(fd, &info) == 0 && static_cast<std::uintmax_t>(info.st_size) > offset) {
    chunk.bytes.resize(static_cast<std::size_t>(static_cast<std::uintmax_t>(info.st_size) - offset));
    const ssize_t n = ::pread(fd, chunk.bytes.data(), chunk.bytes.size(), static_cast<off_t>(offset));
    chunk.bytes.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  ::close(fd);
  return chunk;
}

}  // namespace

// ---- EventLog ---------------------------------------------------------------------------

void EventLog::append(const std::string& type, const nlohmann::json& data) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    events_.push_back({events_.size(), type, data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  }
  changed_.notify_all();
}

void EventLog::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

std::vector<Event> EventLog::wait_from(std::size_t from, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return closed_ || events_.size() > from; });
  if (from >= events_.size()) return {};
  return {events_.begin() + static_cast<std::ptrdiff_t>(from), events_.end()};
}

bool EventLog::finished_at(std::size_t next) const {
  std::lock_guard lock(mutex_);
  return closed_ && next >= events_.size();
}

// ---- Run ----------------------------------------------------------------------------------

Run::Run(int id, std::string spec, std::string source) : id_(id), spec_(std::move(spec)), source_(std::move(source)) {}

double Run::elapsed_seconds_locked() const {
  double seconds = banked_seconds_;
  if (clock_running_) seconds += std::chrono::duration<double>(Clock::now() - running_since_).count();
  return seconds;
}

nlohmann::json Run::status_locked() const {
  const double within = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 0;
  double progress = std::min(1.0, (static_cast<double>(epoch_) + within) / static_cast<double>(std::max(epochs_, 1)));
  if (state_ == "finished") progress = 1;
  const double elapsed = elapsed_seconds_locked();
  const bool estimable = progress > 0 && progress < 1 && !is_final(state_);
  return {{"id", id_},
          {"spec", spec_},
          {"source", source_},
          {"state", state_},
          {"epoch", epoch_},
          {"epochs", epochs_},
          {"done", done_},
          {"total", total_},
          {"progress", progress},
          {"elapsed_seconds", elapsed},
          {"eta_seconds", number_or_null(elapsed * (1 - progress) / progress, estimable)},
          {"error", error_.empty() ? nlohmann::json() : nlohmann::json(error_)},
          {"model", model_.empty() ? nlohmann::json() : nlohmann::json(model_)}};
}

nlohmann::json Run::status() const {
  std::lock_guard lock(mutex_);
  return status_locked();
}

bool Run::active() const {
  std::lock_guard lock(mutex_);
  return !is_final(state_);
}

void Run::pause() { throw HttpError(409, "run " + std::to_string(id_) + " cannot be paused"); }
void Run::resume() { throw HttpError(409, "run " + std::to_string(id_) + " cannot be resumed"); }
void Run::stop() { throw HttpError(409, "run " + std::to_string(id_) + " cannot be stopped"); }

void Run::set_state_locked(const std::string& state) {
  const bool was_running = state_ == "running", now_running = state == "running";
  if (was_running && !now_running && clock_running_) {
    banked_seconds_ += std::chrono::duration<double>(Clock::now() - running_since_).count();
    clock_running_ = false;
  }
  if (now_running && !clock_running_) {
    running_since_ = Clock::now();
    clock_running_ = true;
  }
  state_ = state;
}

void Run::set_epochs(int epochs) {
  std::lock_guard lock(mutex_);
  epochs_ = std::max(epochs, 1);
}

void Run::report_batch(int epoch, int64_t done, int64_t total, double cost) {
  std::lock_guard lock(mutex_);
  epoch_ = epoch, done_ = done, total_ = total;
  cost_sum_ += cost;
  ++cost_count_;
  const auto now = Clock::now();
  if (now - last_batch_event_ < kBatchEventEvery && done < total) return;
  nlohmann::json event = status_locked();
  events_.append("batch", {{"epoch", epoch},
                           {"done", done},
                           {"total", total},
                           {"cost", cost_sum_ / static_cast<double>(cost_count_)},
                           {"progress", event["progress"]},
                           {"elapsed_seconds", event["elapsed_seconds"]},
                           {"eta_seconds", event["eta_seconds"]}});
  last_batch_event_ = now;
  cost_sum_ = 0;
  cost_count_ = 0;
}

void Run::report_epoch(const nlohmann::json& epoch_event) { events_.append("epoch", epoch_event); }

void Run::finish(const std::string& state, const std::string& error, const std::string& model) {
  {
    std::lock_guard lock(mutex_);
    set_state_locked(state);
    error_ = error;
    model_ = model;
  }
  events_.append("state", {{"state", state},
                           {"error", error.empty() ? nlohmann::json() : nlohmann::json(error)},
                           {"model", model.empty() ? nlohmann::json() : nlohmann::json(model)}});
  events_.close();
}

// ---- PageRun ------------------------------------------------------------------------------

namespace {
// The spec's configuration with the page's changes; the page draws the gradient norms and the
// test accuracy. Throws HttpError 400 naming a value the configuration refuses.
RunConfig page_run_config(const PageRunRequest& request) {
  try {
    nlohmann::json overrides = request.overrides;
    overrides.update({{"grad_norms", true}, {"eval_on", "test"}, {"monitor", false}});
    RunConfig config = run_config_of(read_model_spec(request.spec_path), overrides);
    validate(config);
    fit_to_data(config, {kMnistSide * kMnistSide}, 10, Task::Classification, true);  // the page trains on MNIST
    return config;
  } catch (const Error& e) {
    throw HttpError(400, e.what());
  }
}
}  // namespace

PageRun::PageRun(int id, PageRunRequest request, ModelStore& models)
    : Run(id, request.spec_name, "page"),
      request_(std::move(request)),
      config_(page_run_config(request_)),
      models_(models) {
  set_epochs(config_.training.epochs);
  {
    std::lock_guard lock(mutex_);
    set_state_locked("running");
  }
  thread_ = std::thread([this] { train_thread(); });
}

PageRun::~PageRun() { shut_down(); }

void PageRun::pause() {
  std::lock_guard lock(mutex_);
  if (state_locked() != "running") throw HttpError(409, "run " + std::to_string(id()) + " is " + state_locked() +
                                                         "; only a running run can be paused");
  pause_requested_ = true;
  set_state_locked("paused");  // it holds at the next mini-batch
}

void PageRun::resume() {
  {
    std::lock_guard lock(mutex_);
    if (state_locked() != "paused") throw HttpError(409, "run " + std::to_string(id()) + " is " + state_locked() +
                                                          "; only a paused run can be resumed");
    pause_requested_ = false;
    set_state_locked("running");
  }
  control_.notify_all();
}

void PageRun::stop() {
  {
    std::lock_guard lock(mutex_);
    if (state_locked() != "running" && state_locked() != "paused")
      throw HttpError(409, "run " + std::to_string(id()) + " is " + state_locked() + "; it cannot be stopped");
    stop_requested_ = true;
  }
  control_.notify_all();
}

void PageRun::shut_down() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  control_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PageRun::wait_while_paused() {
  std::unique_lock lock(mutex_);
  control_.wait(lock, [&] { return !pause_requested_ || stop_requested_; });
  if (stop_requested_) throw StopRequested{};
}

void PageRun::train_thread() {
  try {
    const std::unique_ptr<Cost> cost = build_cost(config_);
    Network net = build_network(config_);
    const std::unique_ptr<Optimizer> optimizer = make_optimizer(config_.optimizer);
    const Mnist mnist = load_mnist(request_.mnist_dir, mnist_options(config_, net.input_shape()));
    const std::vector<EvaluationSet> sets = {{"test", &mnist.test}};

    TrainCallbacks callbacks;
    callbacks.on_batch = [&](const BatchProgress& p) {
      wait_while_paused();
      report_batch(p.epoch, p.done, p.total, p.cost);
    };
    callbacks.on_epoch = [&](const EpochResult& r) { report_epoch(epoch_event(r)); };
    TrainResult result;
    bool stopped = false;
    try {
      result = train(net, *cost, *optimizer, mnist.training, sets, config_.training, callbacks);
    } catch (const StopRequested&) {
      stopped = true;
    }
    net.set_training(false);
    const std::string name = models_.add("run-" + std::to_string(id()) + "-" + request_.spec_name, "run",
                                         predicting_model(net, model_info(config_, stopped ? nullptr : &result)));
    finish(stopped ? "stopped" : "finished", "", name);
  } catch (const std::exception& e) {
    finish("failed", e.what(), "");
  }
}

// ---- LogRun -------------------------------------------------------------------------------

LogRun::LogRun(int id, std::string path)
    : Run(id, std::filesystem::path(path).filename().string(), "log"), path_(std::move(path)) {
  thread_ = std::thread([this] { watch_thread(); });
}

LogRun::~LogRun() { shut_down(); }

void LogRun::pause() { throw HttpError(409, "run " + std::to_string(id()) + " is a CLI training; it cannot be paused from the page"); }
void LogRun::resume() { throw HttpError(409, "run " + std::to_string(id()) + " is a CLI training; it cannot be resumed from the page"); }
void LogRun::stop() { throw HttpError(409, "run " + std::to_string(id()) + " is a CLI training; stop it where it runs"); }

void LogRun::shut_down() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  close_events();
}

void LogRun::watch_thread() {
  std::string pending;  // a line not yet ended by '\n'
  std::uintmax_t offset = 0;
  std::unique_lock lock(mutex_);
  while (!quit_) {
    lock.unlock();
    const LogChunk chunk = read_log_from(path_, offset);
    offset += chunk.bytes.size();
    pending += chunk.bytes;
    for (std::size_t end; (end = pending.find('\n')) != std::string::npos; pending.erase(0, end + 1)) {
      const std::string line = pending.substr(0, end);
      const nlohmann::json record = json_too_deep(line) ? nlohmann::json() : nlohmann::json::parse(line, nullptr, false);
      if (record.is_object()) read_record(record);  // other lines are skipped (docs/training-log.md)
    }
    lock.lock();
    if (chunk.writer_gone && state_locked() == "running") {  // started, never ended: killed or failed
      lock.unlock();
      finish("failed", path_ + ": the training ended without finishing its log (killed, or stopped by an error)", "");
      lock.lock();
    }
    if (is_final(state_locked())) break;
    wake_.wait_for(lock, kLogPollEvery, [&] { return quit_; });
  }
}

void LogRun::read_record(const nlohmann::json& record) {
  const std::string type = record.value("type", "");
  if (type == "start") {
    const nlohmann::json settings = record.value("settings", nlohmann::json::object());
    set_epochs(settings.value("epochs", 1));
    std::lock_guard lock(mutex_);
    set_state_locked("running");
  } else if (type == "progress") {
    report_batch(record.value("epoch", 0), record.value("done", int64_t{0}), record.value("total", int64_t{1}),
                 record.value("cost", 0.0));
  } else if (type == "epoch") {
    const nlohmann::json test = record.value("test", nlohmann::json::object());
    const nlohmann::json watched = record.value("watched", nlohmann::json::object());
    report_epoch({{"epoch", record.value("epoch", 0)},
                  {"train_cost", record.value("batch_cost", nlohmann::json())},
                  {"accuracy", test.value("accuracy", nlohmann::json())},
                  {"correct", watched.value("correct", test.value("correct", nlohmann::json()))},
                  {"total", watched.value("total", test.value("total", nlohmann::json()))},
                  {"seconds", record.value("seconds", 0.0)},
                  {"gradient_norms", record.value("grad_norms", nlohmann::json::object())}});
  } else if (type == "end") {
    finish("finished", "", "");
  }
}

// ---- RunStore -----------------------------------------------------------------------------

std::shared_ptr<Run> RunStore::start(PageRunRequest request, ModelStore& models) {
  std::lock_guard lock(mutex_);
  for (const auto& run : runs_)
    if (run->active() && run->status()["source"] == "page")
      throw HttpError(409, "run " + std::to_string(run->id()) + " is still training; stop it first");
  runs_.push_back(std::make_shared<PageRun>(next_id_++, std::move(request), models));
  return runs_.back();
}

std::shared_ptr<Run> RunStore::watch_log(const std::string& path) {
  std::lock_guard lock(mutex_);
  runs_.push_back(std::make_shared<LogRun>(next_id_++, path));
  return runs_.back();
}

std::shared_ptr<Run> RunStore::find(int id) const {
  std::lock_guard lock(mutex_);
  for (const auto& run : runs_)
    if (run->id() == id) return run;
  return nullptr;
}

nlohmann::json RunStore::list() const {
  std::lock_guard lock(mutex_);
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& run : runs_) runs.push_back(run->status());
  return {{"runs", runs}};
}

void RunStore::shut_down() {
  std::vector<std::shared_ptr<Run>> runs;
  {
    std::lock_guard lock(mutex_);
    runs = runs_;
  }
  for (const auto& run : runs) run->shut_down();
}

}  // namespace neurite::web
