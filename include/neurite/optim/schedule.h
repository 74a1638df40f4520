// Learning-rate schedules: the rate each epoch trains with, set on the optimiser between epochs.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

namespace neurite {

// One struct per kind; `kind` is its name in JSON and on the command line, the fields are its
// JSON keys (named after the kind, as the flags are: --step-every).
struct ConstantSchedule {
  static constexpr const char* kind = "constant";
};
inline void to_json(nlohmann::json& j, const ConstantSchedule&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, ConstantSchedule&) {}

// Multiply by step_factor every step_every epochs.
struct StepSchedule {
  static constexpr const char* kind = "step";
  int step_every = 10;
  double step_factor = 0.1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StepSchedule, step_every, step_factor)

// Nielsen ch. 3: when the watched accuracy has not improved for plateau_patience evaluations,
// multiply the rate by plateau_factor; stop once rate < base * plateau_min_fraction.
struct PlateauSchedule {
  static constexpr const char* kind = "plateau";
  int plateau_patience = 10;
  double plateau_factor = 0.5;
  double plateau_min_fraction = 1.0 / 128;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PlateauSchedule, plateau_patience, plateau_factor, plateau_min_fraction)

// rate = min + (base-min)(1+cos(pi e/E))/2 over E = cosine_epochs epochs (0: the run's epoch
// count), e the epochs done, set at the start of each epoch.
struct CosineSchedule {
  static constexpr const char* kind = "cosine";
  int cosine_epochs = 0;
  double cosine_min_rate = 0.0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CosineSchedule, cosine_epochs, cosine_min_rate)

// The same curve followed mini-batch by mini-batch (e fractional), so that runs of one or two
// epochs still end at a low rate.
struct CosineStepsSchedule : CosineSchedule {
  static constexpr const char* kind = "cosine-steps";
};
inline void to_json(nlohmann::json& j, const CosineStepsSchedule& s) { to_json(j, static_cast<const CosineSchedule&>(s)); }
inline void from_json(const nlohmann::json& j, CosineStepsSchedule& s) { from_json(j, static_cast<CosineSchedule&>(s)); }

// Smith's one-cycle policy, mini-batch by mini-batch over the whole run: the rate rises in a
// straight line from one_cycle_start * eta to eta over the first one_cycle_warmup of the run,
// then falls along a half cosine to one_cycle_end * eta at its end (the warm-up then cosine of
// llm.c; PyTorch's OneCycleLR has the same shape). The warm-up lets a high peak rate start from
// the random weights without diverging, which short runs (a speed run) need.
struct OneCycleSchedule {
  static constexpr const char* kind = "one-cycle";
  double one_cycle_warmup = 0.25;
  double one_cycle_start = 0.04;
  double one_cycle_end = 0.0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OneCycleSchedule, one_cycle_warmup, one_cycle_start, one_cycle_end)

using ScheduleOptions =
    std::variant<ConstantSchedule, StepSchedule, PlateauSchedule, CosineSchedule, CosineStepsSchedule, OneCycleSchedule>;

class RateSchedule {
 public:
  // Checks the options of the chosen kind (the others are ignored); one-line Errors naming the value.
  RateSchedule(const ScheduleOptions& options, double base_rate, int total_epochs);

  // The rate to use during this epoch (0-based). Cosine stays at its minimum after E epochs.
  double rate_for_epoch(int epoch) const;
  // The rate for a mini-batch that starts `fraction` of the way through `epoch` (0 <= fraction < 1):
  // rate_for_epoch(epoch) unless the schedule changes within epochs (cosine-steps, one-cycle).
  double rate_at(int epoch, double fraction) const;
  bool changes_within_epochs() const {
    return std::holds_alternative<CosineStepsSchedule>(options_) || std::holds_alternative<OneCycleSchedule>(options_);
  }
  // Called after each epoch; `accuracy` is the watched set's accuracy when it was evaluated that
  // epoch. Returns false when the schedule ends training (plateau: the rate fell below the floor).
  bool end_epoch(int epoch, std::optional<double> accuracy);

  // For checkpoints: resuming from a saved state gives the same rates as running on.
  nlohmann::json state() const;
  void load_state(const nlohmann::json& state);

  // One line for logs: "plateau: x0.5 after 10 evaluations without improvement, stop below eta/128".
  std::string describe() const;

 private:
  double plateau_rate(const PlateauSchedule& plateau) const;
  double cosine_rate(double epochs_done, double min_rate) const;
  double one_cycle_rate(const OneCycleSchedule& cycle, double epochs_done) const;

  ScheduleOptions options_;
  double base_rate_;
  int cosine_epochs_;  // options_.cosine_epochs, or the run's epoch count when that is 0
  int total_epochs_;   // the run's epoch count: one-cycle spans it
  // Plateau state: how often the rate was cut, the best accuracy so far, evaluations since it.
  int reductions_ = 0;
  std::optional<double> best_;
  int evaluations_since_best_ = 0;
};

std::string kind_name(const ScheduleOptions& options);  // "cosine-steps"
// The JSON form, a run configuration's keys: {"schedule":"step","step_every":5,"step_factor":0.5}.
nlohmann::json to_json(const ScheduleOptions& options);
// The inverse: reads "schedule" and the chosen kind's keys, each missing one keeping its
// default; ignores keys no schedule reads; a key only another kind reads is an Error.
ScheduleOptions schedule_options_from_json(const nlohmann::json& json);
nlohmann::json schedule_defaults();  // every key the JSON form may hold, with its default

}  // namespace neurite
