// Learning-rate schedules: the rate each epoch trains with, set on the optimiser between epochs.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace neurite {

struct ScheduleOptions {
  std::string kind = "constant";  // constant, step, plateau, cosine, cosine-steps
  int step_every = 10;            // step: multiply by step_factor every step_every epochs
  double step_factor = 0.1;
  int plateau_patience = 10;      // plateau (Nielsen ch. 3): when the watched accuracy has not improved for
  double plateau_factor = 0.5;    //   this many evaluations, multiply the rate by plateau_factor ...
  double plateau_min_fraction = 1.0 / 128;  // ... and stop once rate < base * plateau_min_fraction
  int cosine_epochs = 0;          // cosine: rate = min + (base-min)(1+cos(pi e/E))/2 over E epochs (0: the run's epoch count)
  double cosine_min_rate = 0.0;
  // cosine-steps: the same curve followed mini-batch by mini-batch (e = epochs done, fractional),
  // so short runs of one or two epochs still end at a low rate.
};

class RateSchedule {
 public:
  // Checks the options of the chosen kind (the others are ignored); one-line Errors naming the value.
  RateSchedule(const ScheduleOptions& options, double base_rate, int total_epochs);

  // The rate to use during this epoch (0-based). Cosine stays at its minimum after E epochs.
  double rate_for_epoch(int epoch) const;
  // The rate for a mini-batch that starts `fraction` of the way through `epoch` (0 <= fraction < 1):
  // rate_for_epoch(epoch) unless the schedule changes within epochs (cosine-steps).
  double rate_at(int epoch, double fraction) const;
  bool changes_within_epochs() const { return options_.kind == "cosine-steps"; }
  // Called after each epoch; `accuracy` is the watched set's accuracy when it was evaluated that
  // epoch. Returns false when the schedule ends training (plateau: the rate fell below the floor).
  bool end_epoch(int epoch, std::optional<double> accuracy);

  // For checkpoints: resuming from a saved state gives the same rates as running on.
  nlohmann::json state() const;
  void load_state(const nlohmann::json& state);

  // One line for logs: "plateau: x0.5 after 10 evaluations without improvement, stop below eta/128".
  std::string describe() const;

 private:
  double plateau_rate() const;
  double cosine_rate(double epochs_done) const;

  ScheduleOptions options_;
  double base_rate_;
  int cosine_epochs_;  // options_.cosine_epochs, or the run's epoch count when that is 0
  // Plateau state: how often the rate was cut, the best accuracy so far, evaluations since it.
  int reductions_ = 0;
  std::optional<double> best_;
  int evaluations_since_best_ = 0;
};

ScheduleOptions schedule_options_from_json(const nlohmann::json& json);  // missing fields keep defaults
nlohmann::json to_json(const ScheduleOptions& options);  // the kind and the fields that matter for it

}  // namespace neurite
