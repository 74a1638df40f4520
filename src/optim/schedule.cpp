#include "neurite/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "checks.h"
#include "neurite/error.h"

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

void validate(const ScheduleOptions& o, double base_rate, int total_epochs) {
  require(o.kind == "constant" || o.kind == "step" || o.kind == "plateau" || o.kind == "cosine" ||
              o.kind == "cosine-steps",
          "unknown learning-rate schedule '" + o.kind + "' (expected constant, step, plateau, cosine or cosine-steps)");
  detail::require_positive(base_rate, "learning rate");
  require_positive_count(total_epochs, "epochs");
  if (o.kind == "step") {
    require_positive_count(o.step_every, "step_every");
    require_factor(o.step_factor, "step_factor", true);
  } else if (o.kind == "plateau") {
    require_positive_count(o.plateau_patience, "plateau_patience");
    require_factor(o.plateau_factor, "plateau_factor", false);
    require_factor(o.plateau_min_fraction, "plateau_min_fraction", true);
  } else if (o.kind == "cosine" || o.kind == "cosine-steps") {
    require(o.cosine_epochs >= 0, "cosine_epochs must be non-negative, got " + std::to_string(o.cosine_epochs));
    require(o.cosine_min_rate >= 0 && o.cosine_min_rate <= base_rate,
            "cosine_min_rate must be in [0, " + detail::number_text(base_rate) + "] (the base rate), got " +
                detail::number_text(o.cosine_min_rate));
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
    : options_(options), base_rate_(base_rate), cosine_epochs_(options.cosine_epochs) {
  validate(options, base_rate, total_epochs);
  if (cosine_epochs_ == 0) cosine_epochs_ = total_epochs;
}

double RateSchedule::plateau_rate() const { return base_rate_ * std::pow(options_.plateau_factor, reductions_); }

double RateSchedule::rate_for_epoch(int epoch) const {
  require(epoch >= 0, "epoch must be non-negative, got " + std::to_string(epoch));
  const std::string& kind = options_.kind;
  if (kind == "step") return base_rate_ * std::pow(options_.step_factor, epoch / options_.step_every);
  if (kind == "plateau") return plateau_rate();
  if (kind == "cosine" || kind == "cosine-steps") return cosine_rate(epoch);
  return base_rate_;
}

double RateSchedule::rate_at(int epoch, double fraction) const {
  if (!changes_within_epochs()) return rate_for_epoch(epoch);
  require(epoch >= 0 && fraction >= 0 && fraction < 1,
          "schedule position must be an epoch >= 0 and a fraction in [0, 1), got " + std::to_string(epoch) + " and " +
              detail::number_text(fraction));
  return cosine_rate(epoch + fraction);
}

double RateSchedule::cosine_rate(double epochs_done) const {
  const double progress = std::min(epochs_done, static_cast<double>(cosine_epochs_)) / cosine_epochs_;
  const double min = options_.cosine_min_rate;
  return min + (base_rate_ - min) * (1 + std::cos(std::numbers::pi * progress)) / 2;
}

bool RateSchedule::end_epoch(int epoch, std::optional<double> accuracy) {
  require(epoch >= 0, "epoch must be non-negative, got " + std::to_string(epoch));
  if (options_.kind != "plateau" || !accuracy) return true;
  require(std::isfinite(*accuracy), "accuracy must be finite, got " + detail::number_text(*accuracy));
  if (!best_ || *accuracy > *best_) {
    best_ = accuracy;
    evaluations_since_best_ = 0;
    return true;
  }
  if (++evaluations_since_best_ < options_.plateau_patience) return true;
  evaluations_since_best_ = 0;
  ++reductions_;
  // The floor is a power of the factor in the usual setups (1/128 with 0.5); a relative margin
  // keeps rounding in pow() from ending the run one cut early.
  const double floor = base_rate_ * options_.plateau_min_fraction;
  return plateau_rate() >= floor * (1 - 1e-9);
}

nlohmann::json RateSchedule::state() const {
  return {{"kind", options_.kind},
          {"reductions", reductions_},
          {"best", best_ ? nlohmann::json(*best_) : nlohmann::json(nullptr)},
          {"evaluations_since_best", evaluations_since_best_}};
}

void RateSchedule::load_state(const nlohmann::json& state) {
  const std::string bad = "learning-rate schedule state is malformed: " + state.dump();
  require(state.is_object() && state.contains("kind") && state["kind"].is_string(), bad);
  require(state["kind"] == options_.kind, "learning-rate schedule state is for '" + state["kind"].get<std::string>() +
                                              "', not '" + options_.kind + "'");
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
  const ScheduleOptions& o = options_;
  if (o.kind == "step")
    return "step: x" + detail::number_text(o.step_factor) + " every " + std::to_string(o.step_every) + " epochs";
  if (o.kind == "plateau")
    return "plateau: x" + detail::number_text(o.plateau_factor) + " after " + std::to_string(o.plateau_patience) +
           " evaluations without improvement, stop below " + fraction_of_eta(o.plateau_min_fraction);
  if (o.kind == "cosine" || o.kind == "cosine-steps")
    return o.kind + ": from eta to " + detail::number_text(o.cosine_min_rate) + " over " +
           std::to_string(cosine_epochs_) + " epochs";
  return "constant";
}

ScheduleOptions schedule_options_from_json(const nlohmann::json& json) {
  const std::string what = "schedule option";
  detail::require_known_keys(json,
                             {"kind", "step_every", "step_factor", "plateau_patience", "plateau_factor",
                              "plateau_min_fraction", "cosine_epochs", "cosine_min_rate"},
                             what);
  ScheduleOptions o;
  detail::read_field(json, "kind", o.kind, what);
  detail::read_field(json, "step_every", o.step_every, what);
  detail::read_field(json, "step_factor", o.step_factor, what);
  detail::read_field(json, "plateau_patience", o.plateau_patience, what);
  detail::read_field(json, "plateau_factor", o.plateau_factor, what);
  detail::read_field(json, "plateau_min_fraction", o.plateau_min_fraction, what);
  detail::read_field(json, "cosine_epochs", o.cosine_epochs, what);
  detail::read_field(json, "cosine_min_rate", o.cosine_min_rate, what);
  return o;
}

nlohmann::json to_json(const ScheduleOptions& o) {
  nlohmann::json json = {{"kind", o.kind}};
  if (o.kind == "step") {
    json["step_every"] = o.step_every;
    json["step_factor"] = o.step_factor;
  } else if (o.kind == "plateau") {
    json["plateau_patience"] = o.plateau_patience;
    json["plateau_factor"] = o.plateau_factor;
    json["plateau_min_fraction"] = o.plateau_min_fraction;
  } else if (o.kind == "cosine" || o.kind == "cosine-steps") {
    json["cosine_epochs"] = o.cosine_epochs;
    json["cosine_min_rate"] = o.cosine_min_rate;
  }
  return json;
}

}  // namespace neurite
