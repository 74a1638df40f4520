#include "neurite/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "checks.h"
#include "kinds.h"
#include "neurite/error.h"
#include "neurite/io/json_input.h"

namespace neurite {

namespace {

// A factor that scales the rate down (or keeps it): in (0, 1], or (0, 1) when it must shrink it.
void require_factor(double value, const std::string& name, bool may_be_one) {
  const bool ok = value > 0 && (value < 1 || (may_be_one && value == 1));
  require(ok, name + " must be in (0, 1" + (may_be_one ? "]" : ")") + ", got " + detail::number_text(value));
}

void require_positive_count(int value, const std::string& name) {
  require(value > 0, name + " must be positive, got " + std::to_string(value));
}

// The fields of either cosine kind, or null for the other kinds.
const CosineSchedule* cosine_fields(const ScheduleOptions& o) {
  if (const auto* c = std::get_if<CosineSchedule>(&o)) return c;
  return std::get_if<CosineStepsSchedule>(&o);
}

void validate(const ScheduleOptions& o, double base_rate, int total_epochs) {
  detail::require_positive(base_rate, "learning rate");
  require_positive_count(total_epochs, "epochs");
  if (const auto* step = std::get_if<StepSchedule>(&o)) {
    require_positive_count(step->step_every, "step_every");
    require_factor(step->step_factor, "step_factor", true);
  } else if (const auto* plateau = std::get_if<PlateauSchedule>(&o)) {
    require_positive_count(plateau->plateau_patience, "plateau_patience");
    require_factor(plateau->plateau_factor, "plateau_factor", false);
    require_factor(plateau->plateau_min_fraction, "plateau_min_fraction", true);
  } else if (const auto* cycle = std::get_if<OneCycleSchedule>(&o)) {
    require(cycle->one_cycle_warmup >= 0 && cycle->one_cycle_warmup < 1,
            "one_cycle_warmup must be in [0, 1) (a fraction of the run), got " + detail::number_text(cycle->one_cycle_warmup));
    require_factor(cycle->one_cycle_start, "one_cycle_start", true);
    require(cycle->one_cycle_end >= 0 && cycle->one_cycle_end <= 1,
            "one_cycle_end must be in [0, 1] (a fraction of the peak rate), got " + detail::number_text(cycle->one_cycle_end));
  } else if (const auto* cosine = cosine_fields(o)) {
    require(cosine->cosine_epochs >= 0, "cosine_epochs must be non-negative, got " + std::to_string(cosine->cosine_epochs));
    require(cosine->cosine_min_rate >= 0 && cosine->cosine_min_rate <= base_rate,
            "cosine_min_rate must be in [0, " + detail::number_text(base_rate) + "] (the base rate), got " +
                detail::number_text(cosine->cosine_min_rate));
  }
}

// "eta/128" when the fraction is one over a whole number, else "eta*0.3".
std::string fraction_of_eta(double fraction) {
  const double inverse = 1 / fraction;
  if (std::abs(inverse - std::round(inverse)) < 1e-9 * inverse) return "eta/" + detail::number_text(std::round(inverse));
  return "eta*" + detail::number_text(fraction);
}

}  // namespace

RateSchedule::RateSchedule(const ScheduleOptions& options, double base_rate, int total_epochs)
    : options_(options), base_rate_(base_rate), cosine_epochs_(0), total_epochs_(total_epochs) {
  validate(options, base_rate, total_epochs);
  if (const auto* cosine = cosine_fields(options)) cosine_epochs_ = cosine->cosine_epochs;
  if (cosine_epochs_ == 0) cosine_epochs_ = total_epochs;
}

double RateSchedule::plateau_rate(const PlateauSchedule& plateau) const {
  return base_rate_ * std::pow(plateau.plateau_factor, reductions_);
}

double RateSchedule::rate_for_epoch(int epoch) const {
  require(epoch >= 0, "epoch must be non-negative, got " + std::to_string(epoch));
  if (const auto* step = std::get_if<StepSchedule>(&options_))
    return base_rate_ * std::pow(step->step_factor, epoch / step->step_every);
  if (const auto* plateau = std::get_if<PlateauSchedule>(&options_)) return plateau_rate(*plateau);
  if (const auto* cosine = cosine_fields(options_)) return cosine_rate(epoch, cosine->cosine_min_rate);
  if (const auto* cycle = std::get_if<OneCycleSchedule>(&options_)) return one_cycle_rate(*cycle, epoch);
  return base_rate_;
}

double RateSchedule::rate_at(int epoch, double fraction) const {
  if (!changes_within_epochs()) return rate_for_epoch(epoch);
  require(epoch >= 0 && fraction >= 0 && fraction < 1,
          "schedule position must be an epoch >= 0 and a fraction in [0, 1), got " + std::to_string(epoch) + " and " +
              detail::number_text(fraction));
  if (const auto* cycle = std::get_if<OneCycleSchedule>(&options_)) return one_cycle_rate(*cycle, epoch + fraction);
  return cosine_rate(epoch + fraction, cosine_fields(options_)->cosine_min_rate);
}

double RateSchedule::one_cycle_rate(const OneCycleSchedule& cycle, double epochs_done) const {
  const double progress = std::min(epochs_done / total_epochs_, 1.0);
  if (progress < cycle.one_cycle_warmup) {
    const double rise = progress / cycle.one_cycle_warmup;
    return base_rate_ * (cycle.one_cycle_start + (1 - cycle.one_cycle_start) * rise);
  }
  const double fall = (progress - cycle.one_cycle_warmup) / (1 - cycle.one_cycle_warmup);
  const double end = base_rate_ * cycle.one_cycle_end;
  return end + (base_rate_ - end) * (1 + std::cos(std::numbers::pi * fall)) / 2;
}

double RateSchedule::cosine_rate(double epochs_done, double min) const {
  const double progress = std::min(epochs_done, static_cast<double>(cosine_epochs_)) / cosine_epochs_;
  return min + (base_rate_ - min) * (1 + std::cos(std::numbers::pi * progress)) / 2;
}

bool RateSchedule::end_epoch(int epoch, std::optional<double> accuracy) {
  require(epoch >= 0, "epoch must be non-negative, got " + std::to_string(epoch));
  const auto* plateau = std::get_if<PlateauSchedule>(&options_);
  if (!plateau || !accuracy) return true;
  require(std::isfinite(*accuracy), "accuracy must be finite, got " + detail::number_text(*accuracy));
  if (!best_ || *accuracy > *best_) {
    best_ = accuracy;
    evaluations_since_best_ = 0;
    return true;
  }
  if (++evaluations_since_best_ < plateau->plateau_patience) return true;
  evaluations_since_best_ = 0;
  ++reductions_;
  // The floor is a power of the factor in the usual setups (1/128 with 0.5); a relative margin
  // keeps rounding in pow() from ending the run one cut early.
  const double floor = base_rate_ * plateau->plateau_min_fraction;
  return plateau_rate(*plateau) >= floor * (1 - 1e-9);
}

nlohmann::json RateSchedule::state() const {
  return {{"kind", kind_name(options_)},
          {"reductions", reductions_},
          {"best", best_ ? nlohmann::json(*best_) : nlohmann::json(nullptr)},
          {"evaluations_since_best", evaluations_since_best_}};
}

void RateSchedule::load_state(const nlohmann::json& state) {
  const std::string bad = "learning-rate schedule state is malformed: " + quoted_prefix(state);
  require(state.is_object() && state.contains("kind") && state["kind"].is_string(), bad);
  require(state["kind"] == kind_name(options_), "learning-rate schedule state is for '" +
                                                   state["kind"].get<std::string>() + "', not '" + kind_name(options_) + "'");
  require(state.contains("reductions") && state["reductions"].is_number_integer() && state["reductions"] >= 0 &&
              state.contains("best") && (state["best"].is_null() || state["best"].is_number()) &&
              state.contains("evaluations_since_best") && state["evaluations_since_best"].is_number_integer() &&
              state["evaluations_since_best"] >= 0,
          bad);
  reductions_ = state["reductions"].get<int>();
  best_ = state["best"].is_null() ? std::nullopt : std::optional<double>(state["best"].get<double>());
  evaluations_since_best_ = state["evaluations_since_best"].get<int>();
}

std::string RateSchedule::describe() const {
  if (const auto* step = std::get_if<StepSchedule>(&options_))
    return "step: x" + detail::number_text(step->step_factor) + " every " + std::to_string(step->step_every) + " epochs";
  if (const auto* plateau = std::get_if<PlateauSchedule>(&options_))
    return "plateau: x" + detail::number_text(plateau->plateau_factor) + " after " +
           std::to_string(plateau->plateau_patience) + " evaluations without improvement, stop below " +
           fraction_of_eta(plateau->plateau_min_fraction);
  if (const auto* cycle = std::get_if<OneCycleSchedule>(&options_))
    return "one-cycle: from eta*" + detail::number_text(cycle->one_cycle_start) + " up to eta over the first " +
           detail::number_text(100 * cycle->one_cycle_warmup) + "% of the run, then a cosine down to eta*" +
           detail::number_text(cycle->one_cycle_end);
  if (const auto* cosine = cosine_fields(options_))
    return kind_name(options_) + ": from eta to " + detail::number_text(cosine->cosine_min_rate) + " over " +
           std::to_string(cosine_epochs_) + " epochs";
  return "constant";
}

std::string kind_name(const ScheduleOptions& options) { return detail::kind_of(options); }

nlohmann::json to_json(const ScheduleOptions& options) { return detail::write_variant(options, "schedule"); }

ScheduleOptions schedule_options_from_json(const nlohmann::json& json) {
  require(json.is_object(), "schedule options must be a JSON object, got " + quoted_prefix(json));
  const nlohmann::json kind = json.value("schedule", nlohmann::json("constant"));
  require(kind.is_string(), "schedule must be a string, got " + quoted_prefix(kind));
  return detail::read_variant<ScheduleOptions>(kind.get<std::string>(), json, "schedule", "learning-rate schedule");
}

nlohmann::json schedule_defaults() {
  nlohmann::json j = detail::all_defaults<ScheduleOptions>();
  j["schedule"] = "constant";
  return j;
}

}  // namespace neurite
