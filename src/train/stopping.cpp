#include "neurite/train/stopping.h"

#include <cmath>

#include "../optim/checks.h"
#include "neurite/error.h"
#include "neurite/io/json_input.h"

namespace neurite {

EarlyStopping::EarlyStopping(const EarlyStoppingOptions& options) : options_(options) {
  require(options.patience >= 0,
          "early stopping patience must be non-negative, got " + std::to_string(options.patience));
  detail::require_non_negative(options.min_delta, "early stopping min_delta");
}

bool EarlyStopping::counts_against(double accuracy) const {
  if (options_.versus_previous) return accuracy < *reference_ - options_.min_delta;
  return accuracy <= *reference_ + options_.min_delta;
}

bool EarlyStopping::should_stop(double accuracy) {
  if (!enabled()) return false;
  require(std::isfinite(accuracy), "accuracy must be finite, got " + detail::number_text(accuracy));
  const bool bad = reference_ && counts_against(accuracy);
  bad_in_a_row_ = bad ? bad_in_a_row_ + 1 : 0;
  // The best moves only on a real improvement; the previous evaluation moves every time.
  if (!bad || options_.versus_previous) reference_ = accuracy;
  return bad_in_a_row_ >= options_.patience;
}

nlohmann::json EarlyStopping::state() const {
  return {{"reference", reference_ ? nlohmann::json(*reference_) : nlohmann::json(nullptr)},
          {"bad_in_a_row", bad_in_a_row_}};
}

void EarlyStopping::load_state(const nlohmann::json& state) {
  require(state.is_object() && state.contains("reference") &&
              (state["reference"].is_null() || state["reference"].is_number()) && state.contains("bad_in_a_row") &&
              state["bad_in_a_row"].is_number_integer() && state["bad_in_a_row"] >= 0,
          "early stopping state is malformed: " + quoted_prefix(state));
  reference_ = state["reference"].is_null() ? std::nullopt : std::optional<double>(state["reference"].get<double>());
  bad_in_a_row_ = state["bad_in_a_row"].get<int>();
}

}  // namespace neurite
