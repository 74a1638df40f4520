// Training runs the page shows: ones it started (PageRun, trained here on a thread of their own,
// with pause, resume and stop) and CLI trainings it watches through their JSON-lines log
// (LogRun). Each run publishes its progress as a list of events that any number of
// server-sent-event streams read from any point.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "neurite/train/run_config.h"
#include "model_store.h"

namespace neurite::web {

struct Event {
  std::size_t id;
  std::string type;  // "batch", "epoch", "state"
  std::string data;  // JSON, one line
};

// Append-only; readers wait for what comes after the last event they saw.
class EventLog {
 public:
  void append(const std::string& type, const nlohmann::json& data);
  void close();  // the last event is in: waiting readers return
  // The events from `from` on, waiting up to `timeout` while there are none and the log is open.
  std::vector<Event> wait_from(std::size_t from, std::chrono::milliseconds timeout) const;
  bool finished_at(std::size_t next) const;  // closed, and nothing at or after `next`

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<Event> events_;
  bool closed_ = false;
};

// What a run reports, shared by both kinds.
class Run {
 public:
  Run(int id, std::string spec, std::string source);
  virtual ~Run() = default;
  int id() const { return id_; }
  nlohmann::json status() const;
  bool active() const;  // running, paused or waiting
  const EventLog& events() const { return events_; }

  virtual void pause();
  virtual void resume();
  virtual void stop();
  virtual void shut_down() = 0;  // the server is stopping: end and join the run's thread

 protected:
  // Called with the progress of the current epoch; updates the status and, at most every 100 ms
  // (and at an epoch's end), publishes a batch event with the mean cost since the last one.
  void report_batch(int epoch, int64_t done, int64_t total, double cost);
  void report_epoch(const nlohmann::json& epoch_event);
  void finish(const std::string& state, const std::string& error, const std::string& model);
  void close_events() { events_.close(); }
  void set_epochs(int epochs);
  // With mutex_ held. Entering and leaving "running" starts and stops the run's clock.
  void set_state_locked(const std::string& state);
  const std::string& state_locked() const { return state_; }

  mutable std::mutex mutex_;

 private:
  double elapsed_seconds_locked() const;
  nlohmann::json status_locked() const;

  std::string state_ = "waiting";
  const int id_;
  const std::string spec_, source_;
  EventLog events_;
  int epoch_ = 0, epochs_ = 1;
  int64_t done_ = 0, total_ = 0;
  std::string error_, model_;
  // Time running, pauses excluded: `running_since_` is set while running.
  double banked_seconds_ = 0;
  std::chrono::steady_clock::time_point running_since_{};
  bool clock_running_ = false;
  // Batch events: cost summed since the last one.
  std::chrono::steady_clock::time_point last_batch_event_{};
  double cost_sum_ = 0;
  int64_t cost_count_ = 0;
};

struct PageRunRequest {
  std::string spec_name, spec_path;
  nlohmann::json overrides;  // epochs, rate, batch, train_size (already checked)
  std::string mnist_dir;
};

// A training started from the page. Its settings are read and checked before it starts (a bad
// one is a 400); its thread builds the network, trains on MNIST and, when it ends (finished or
// stopped), adds the network to the models.
class PageRun : public Run {
 public:
  PageRun(int id, PageRunRequest request, ModelStore& models);
  ~PageRun() override;
  void pause() override;
  void resume() override;
  void stop() override;
  void shut_down() override;

 private:
  void train_thread();
  void wait_while_paused();  // in on_batch: blocks while paused, throws when stopped

  PageRunRequest request_;
  RunConfig config_;  // checked
  ModelStore& models_;
  std::condition_variable control_;
  bool pause_requested_ = false, stop_requested_ = false;
  std::thread thread_;
};

// A `neurite train --log FILE` run, followed by reading the log as it grows.
class LogRun : public Run {
 public:
  LogRun(int id, std::string path);
  ~LogRun() override;
  void pause() override;
  void resume() override;
  void stop() override;
  void shut_down() override;

 private:
  void watch_thread();
  void read_record(const nlohmann::json& record);

  std::string path_;
  std::condition_variable wake_;
  bool quit_ = false;
  std::thread thread_;
};

class RunStore {
 public:
  // Starts a page run; 409 while another page run is active.
  std::shared_ptr<Run> start(PageRunRequest request, ModelStore& models);
  std::shared_ptr<Run> watch_log(const std::string& path);
  std::shared_ptr<Run> find(int id) const;
  nlohmann::json list() const;
  void shut_down();  // ends every run and joins its thread

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Run>> runs_;
  int next_id_ = 1;
};

}  // namespace neurite::web
