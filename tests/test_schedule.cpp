// Learning-rate schedules against rates worked out by hand, the plateau rule's cuts and stop,
// early stopping in both modes, checkpoint state round trips and rejected options.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "neurite/error.h"
#include "neurite/optim/schedule.h"
#include "neurite/train/stopping.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

std::vector<double> rates(const RateSchedule& schedule, int epochs) {
  std::vector<double> all;
  for (int e = 0; e < epochs; ++e) all.push_back(schedule.rate_for_epoch(e));
  return all;
}

void expect_rates(const std::vector<double>& got, const std::vector<double>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_DOUBLE_EQ(got[i], expected[i]) << "epoch " << i;
}

TEST(RateSchedule, ConstantKeepsTheBaseRate) {
  RateSchedule schedule({}, 0.5, 4);
  expect_rates(rates(schedule, 4), {0.5, 0.5, 0.5, 0.5});
  EXPECT_TRUE(schedule.end_epoch(0, 0.3));
  EXPECT_EQ(schedule.describe(), "constant");
}

// Base 1, x0.1 every 3 epochs: 1 1 1 0.1 0.1 0.1 0.01.
TEST(RateSchedule, StepMultipliesEveryFewEpochs) {
  RateSchedule schedule(StepSchedule{.step_every = 3, .step_factor = 0.1}, 1.0, 7);
  expect_rates(rates(schedule, 7), {1, 1, 1, 0.1, 0.1, 0.1, 0.01});
  EXPECT_EQ(schedule.describe(), "step: x0.1 every 3 epochs");
}

// Base 1 to 0 over the run's 4 epochs: (1 + cos(pi e/4))/2 = 1, 0.853553391, 0.5, 0.146446609;
// past E it stays at the minimum.
TEST(RateSchedule, CosineFallsFromTheBaseToTheMinimum) {
  RateSchedule schedule(CosineSchedule{}, 1.0, 4);
  expect_rates(rates(schedule, 6), {1, 0.8535533905932737, 0.5, 0.14644660940672627, 0, 0});
  EXPECT_EQ(schedule.describe(), "cosine: from eta to 0 over 4 epochs");
  // Its own length and a floor: 0.1 + 0.9 (1 + cos(pi e/2))/2 = 1, 0.55, 0.1.
  RateSchedule shorter(CosineSchedule{.cosine_epochs = 2, .cosine_min_rate = 0.1}, 1.0, 10);
  expect_rates(rates(shorter, 4), {1, 0.55, 0.1, 0.1});
}

// Base 0.8, patience 2, x0.5, floor 0.8/8 = 0.1. Only evaluated epochs count.
TEST(RateSchedule, CosineStepsFollowsTheCurveWithinEachEpoch) {
  const RateSchedule cosine_steps(CosineStepsSchedule{{.cosine_min_rate = 0.1}}, 1.0, 2);
  const RateSchedule per_epoch(CosineSchedule{.cosine_min_rate = 0.1}, 1.0, 2);
  EXPECT_TRUE(cosine_steps.changes_within_epochs());
  EXPECT_FALSE(per_epoch.changes_within_epochs());
  const auto curve = [](double epochs_done) { return 0.1 + 0.9 * (1 + std::cos(M_PI * epochs_done / 2)) / 2; };
  EXPECT_DOUBLE_EQ(cosine_steps.rate_at(0, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(cosine_steps.rate_at(0, 0.5), curve(0.5));
  EXPECT_DOUBLE_EQ(cosine_steps.rate_at(1, 0.75), curve(1.75));
  EXPECT_DOUBLE_EQ(cosine_steps.rate_for_epoch(1), per_epoch.rate_for_epoch(1));  // the same curve at epoch starts
  EXPECT_DOUBLE_EQ(per_epoch.rate_at(0, 0.5), 1.0);  // a per-epoch schedule ignores the fraction
  EXPECT_THROW(cosine_steps.rate_at(0, 1.0), Error);
}

// Base 2 over 4 epochs, warm-up 0.25 (the first epoch), from 0.1 * 2 = 0.2, to 0.01 * 2 = 0.02:
// a straight line 0.2 -> 2 over epoch 0, then 0.02 + 1.98 (1 + cos(pi f))/2 with f the fraction
// of the remaining three epochs done.
TEST(RateSchedule, OneCycleRisesInALineThenFallsAlongACosine) {
  const RateSchedule cycle(OneCycleSchedule{.one_cycle_warmup = 0.25, .one_cycle_start = 0.1, .one_cycle_end = 0.01}, 2.0, 4);
  EXPECT_TRUE(cycle.changes_within_epochs());
  EXPECT_DOUBLE_EQ(cycle.rate_at(0, 0.0), 0.2);
  EXPECT_DOUBLE_EQ(cycle.rate_at(0, 0.5), 1.1);  // half way up
  EXPECT_DOUBLE_EQ(cycle.rate_for_epoch(1), 2.0);  // the peak, where the warm-up ends
  const auto fall = [](double f) { return 0.02 + 1.98 * (1 + std::cos(M_PI * f)) / 2; };
  EXPECT_DOUBLE_EQ(cycle.rate_at(2, 0.5), fall(1.5 / 3));
  EXPECT_DOUBLE_EQ(cycle.rate_at(3, 0.75), fall(2.75 / 3));
  EXPECT_NEAR(cycle.rate_for_epoch(4), 0.02, 1e-15);  // the end, and it stays there
  EXPECT_NEAR(cycle.rate_for_epoch(9), 0.02, 1e-15);
  EXPECT_EQ(cycle.describe(), "one-cycle: from eta*0.1 up to eta over the first 25% of the run, then a cosine down to eta*0.01");
  // No warm-up: the cosine from the first step.
  const RateSchedule no_warmup(OneCycleSchedule{.one_cycle_warmup = 0}, 1.0, 2);
  EXPECT_DOUBLE_EQ(no_warmup.rate_at(0, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(no_warmup.rate_at(1, 0.0), 0.5);
}

TEST(RateSchedule, OneCycleSettingsAreChecked) {
  EXPECT_EQ(error_of([] { RateSchedule(OneCycleSchedule{.one_cycle_warmup = 1}, 1.0, 2); }),
            "one_cycle_warmup must be in [0, 1) (a fraction of the run), got 1");
  EXPECT_EQ(error_of([] { RateSchedule(OneCycleSchedule{.one_cycle_start = 0}, 1.0, 2); }),
            "one_cycle_start must be in (0, 1], got 0");
  EXPECT_EQ(error_of([] { RateSchedule(OneCycleSchedule{.one_cycle_end = -0.5}, 1.0, 2); }),
            "one_cycle_end must be in [0, 1] (a fraction of the peak rate), got -0.5");
  const ScheduleOptions read = schedule_options_from_json({{"schedule", "one-cycle"}, {"one_cycle_warmup", 0.3}});
  const auto* cycle = std::get_if<OneCycleSchedule>(&read);
  ASSERT_NE(cycle, nullptr);
  EXPECT_EQ(cycle->one_cycle_warmup, 0.3);
  EXPECT_EQ(cycle->one_cycle_start, 0.04);  // the default, PyTorch's OneCycleLR div_factor 25
}

TEST(RateSchedule, PlateauHalvesAfterPatienceAndStopsBelowTheFloor) {
  RateSchedule schedule(PlateauSchedule{.plateau_patience = 2, .plateau_factor = 0.5, .plateau_min_fraction = 0.125},
                        0.8, 100);
  EXPECT_EQ(schedule.describe(), "plateau: x0.5 after 2 evaluations without improvement, stop below eta/8");
  const std::vector<std::optional<double>> accuracy = {0.5, 0.6, std::nullopt, 0.6, 0.55, 0.7, 0.7, 0.6, 0.6, 0.6, 0.6};
  // best 0.5, 0.6; skipped; 1 without; 2 -> 0.4; best 0.7; 1; 2 -> 0.2; 1; 2 -> 0.1 (not below 0.1); 1
  const std::vector<double> during = {0.8, 0.8, 0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.1};
  for (int e = 0; e < static_cast<int>(accuracy.size()); ++e) {
    EXPECT_DOUBLE_EQ(schedule.rate_for_epoch(e), during[static_cast<std::size_t>(e)]) << "epoch " << e;
    EXPECT_TRUE(schedule.end_epoch(e, accuracy[static_cast<std::size_t>(e)])) << "epoch " << e;
  }
  EXPECT_FALSE(schedule.end_epoch(11, 0.6));  // the next cut, to 0.05, falls below the floor
}

// Nielsen's rule: halve after 10 evaluations without improvement, stop once below eta/128. With
// no improvement ever, the 8th cut (to eta/256) ends the run after 1 + 8 * 10 evaluations, and
// the last rate trained with is eta/128.
TEST(RateSchedule, PlateauDefaultsAreNielsensRule) {
  RateSchedule schedule(PlateauSchedule{}, 1.0, 1000);
  EXPECT_EQ(schedule.describe(), "plateau: x0.5 after 10 evaluations without improvement, stop below eta/128");
  int e = 0;
  double last_rate = 0;
  for (; e < 1000; ++e) {
    last_rate = schedule.rate_for_epoch(e);
    if (!schedule.end_epoch(e, 0.9)) break;
  }
  EXPECT_EQ(e, 80);  // the 81st evaluation
  EXPECT_DOUBLE_EQ(last_rate, 1.0 / 128);
}

TEST(RateSchedule, ResumingFromSavedStateGivesTheSameRates) {
  const ScheduleOptions options = PlateauSchedule{.plateau_patience = 2, .plateau_min_fraction = 0.01};
  const std::vector<double> accuracy = {0.5, 0.6, 0.6, 0.55, 0.65, 0.6, 0.6, 0.61, 0.5, 0.5, 0.5, 0.5};
  RateSchedule straight(options, 0.3, 12), first(options, 0.3, 12);
  std::vector<double> expected, got;
  for (int e = 0; e < 12; ++e) {
    expected.push_back(straight.rate_for_epoch(e));
    straight.end_epoch(e, accuracy[static_cast<std::size_t>(e)]);
  }
  for (int e = 0; e < 5; ++e) {
    got.push_back(first.rate_for_epoch(e));
    first.end_epoch(e, accuracy[static_cast<std::size_t>(e)]);
  }
  RateSchedule resumed(options, 0.3, 12);
  resumed.load_state(nlohmann::json::parse(first.state().dump()));
  for (int e = 5; e < 12; ++e) {
    got.push_back(resumed.rate_for_epoch(e));
    resumed.end_epoch(e, accuracy[static_cast<std::size_t>(e)]);
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(resumed.state(), straight.state());
  EXPECT_LT(expected.back(), 0.3);  // the run did cut the rate

  RateSchedule cosine(CosineSchedule{}, 0.3, 12);
  EXPECT_EQ(error_of([&] { cosine.load_state(first.state()); }),
            "learning-rate schedule state is for 'plateau', not 'cosine'");
  EXPECT_TRUE(error_of([&] { resumed.load_state({{"kind", "plateau"}}); })
                  .starts_with("learning-rate schedule state is malformed"));
}

TEST(RateSchedule, RejectsBadValues) {
  const std::vector<std::pair<ScheduleOptions, std::string>> cases = {
      {StepSchedule{.step_every = 0}, "step_every must be positive, got 0"},
      {StepSchedule{.step_factor = 1.5}, "step_factor must be in (0, 1], got 1.5"},
      {StepSchedule{.step_factor = 0}, "step_factor must be in (0, 1], got 0"},
      {PlateauSchedule{.plateau_patience = -3}, "plateau_patience must be positive, got -3"},
      {PlateauSchedule{.plateau_factor = 1}, "plateau_factor must be in (0, 1), got 1"},
      {PlateauSchedule{.plateau_min_fraction = 2}, "plateau_min_fraction must be in (0, 1], got 2"},
      {CosineSchedule{.cosine_epochs = -1}, "cosine_epochs must be non-negative, got -1"},
      {CosineSchedule{.cosine_min_rate = 0.2}, "cosine_min_rate must be in [0, 0.1] (the base rate), got 0.2"},
  };
  for (const auto& c : cases) EXPECT_EQ(error_of([&] { RateSchedule(c.first, 0.1, 10); }), c.second);
  EXPECT_EQ(error_of([] { RateSchedule({}, 0, 10); }), "learning rate must be positive, got 0");
  EXPECT_EQ(error_of([] { RateSchedule({}, 0.1, 0); }), "epochs must be positive, got 0");
  RateSchedule schedule({}, 0.1, 10);
  EXPECT_EQ(error_of([&] { schedule.rate_for_epoch(-1); }), "epoch must be non-negative, got -1");
}

TEST(ScheduleOptions, JsonHoldsTheFieldsOfTheKindAndReadsBack) {
  const ScheduleOptions step = StepSchedule{.step_every = 5, .step_factor = 0.5};
  EXPECT_EQ(to_json(step), nlohmann::json::parse(R"({"schedule":"step","step_every":5,"step_factor":0.5})"));
  EXPECT_EQ(to_json(ScheduleOptions{}), nlohmann::json::parse(R"({"schedule":"constant"})"));
  const ScheduleOptions plateau = PlateauSchedule{.plateau_patience = 3, .plateau_factor = 0.25};
  EXPECT_EQ(to_json(schedule_options_from_json(to_json(plateau))), to_json(plateau));
  const ScheduleOptions read = schedule_options_from_json({{"schedule", "cosine"}, {"cosine_min_rate", 0.01}, {"epochs", 3}});
  const auto* cosine = std::get_if<CosineSchedule>(&read);
  ASSERT_NE(cosine, nullptr);
  EXPECT_EQ(cosine->cosine_epochs, 0);
  EXPECT_EQ(cosine->cosine_min_rate, 0.01);
  EXPECT_EQ(kind_name(schedule_options_from_json({{"schedule", "cosine-steps"}})), "cosine-steps");
  EXPECT_EQ(kind_name(schedule_options_from_json(nlohmann::json::object())), "constant");
}

TEST(ScheduleOptions, JsonRejectsUnknownKindsOtherKindsKeysAndWrongTypes) {
  EXPECT_EQ(error_of([] { schedule_options_from_json({{"schedule", "linear"}}); }),
            "schedule 'linear' is unknown (expected constant, step, plateau, cosine, cosine-steps or one-cycle)");
  EXPECT_EQ(error_of([] { schedule_options_from_json({{"schedule", "step"}, {"plateau_patience", 3}}); }),
            "plateau_patience is not a setting of the step learning-rate schedule");
  EXPECT_EQ(error_of([] { schedule_options_from_json({{"schedule", "step"}, {"step_every", 2.5}}); }),
            "step_every must be a whole number, got 2.5");
  EXPECT_EQ(error_of([] { schedule_options_from_json({{"schedule", 3}}); }), "schedule must be a string, got 3");
}

// ---- early stopping ----

// The index of the evaluation that stops training, or -1.
int stop_index(EarlyStopping& stopping, const std::vector<double>& accuracy) {
  for (std::size_t i = 0; i < accuracy.size(); ++i)
    if (stopping.should_stop(accuracy[i])) return static_cast<int>(i);
  return -1;
}

TEST(EarlyStopping, OffByDefault) {
  EarlyStopping stopping({});
  EXPECT_FALSE(stopping.enabled());
  EXPECT_EQ(stop_index(stopping, {0.9, 0.5, 0.4, 0.3}), -1);
}

// Seed 002: patience 1 versus the previous evaluation stops as soon as the accuracy drops.
TEST(EarlyStopping, VersusPreviousStopsWhenTheErrorRateRises) {
  EarlyStopping stopping({.patience = 1, .versus_previous = true});
  EXPECT_TRUE(stopping.enabled());
  EXPECT_EQ(stop_index(stopping, {0.90, 0.91, 0.905, 0.92}), 2);
  EarlyStopping ties({.patience = 1, .versus_previous = true});
  EXPECT_EQ(stop_index(ties, {0.90, 0.90, 0.90}), -1);  // an unchanged error rate has not risen
  // Patience 2: two drops in a row; a rise in between starts over.
  EarlyStopping two({.patience = 2, .versus_previous = true});
  EXPECT_EQ(stop_index(two, {0.90, 0.89, 0.91, 0.90, 0.89}), 4);
}

TEST(EarlyStopping, VersusBestCountsEvaluationsThatDoNotBeatIt) {
  EarlyStopping stopping({.patience = 2});
  EXPECT_EQ(stop_index(stopping, {0.90, 0.91, 0.905, 0.92, 0.915, 0.918}), 5);
  EarlyStopping ties({.patience = 2});
  EXPECT_EQ(stop_index(ties, {0.90, 0.90, 0.90}), 2);  // equalling the best is no improvement
  // min_delta 0.01: 0.905 and 0.909 do not beat 0.90 by more than 0.01.
  EarlyStopping delta({.patience = 2, .min_delta = 0.01});
  EXPECT_EQ(stop_index(delta, {0.90, 0.905, 0.909}), 2);
}

TEST(EarlyStopping, ResumingFromSavedStateDecidesTheSame) {
  for (bool versus_previous : {false, true}) {
    const EarlyStoppingOptions options{.patience = 2, .versus_previous = versus_previous};
    EarlyStopping first(options);
    EXPECT_EQ(stop_index(first, {0.90, 0.91, 0.89}), -1);
    EarlyStopping resumed(options);
    resumed.load_state(nlohmann::json::parse(first.state().dump()));
    EXPECT_EQ(resumed.state(), first.state());
    EXPECT_EQ(stop_index(resumed, {0.88}), 0) << versus_previous;
  }
  EarlyStopping stopping({.patience = 1});
  EXPECT_TRUE(error_of([&] { stopping.load_state({{"bad_in_a_row", -1}}); })
                  .starts_with("early stopping state is malformed"));
}

TEST(EarlyStopping, RejectsBadValues) {
  EXPECT_EQ(error_of([] { EarlyStopping({.patience = -1}); }), "early stopping patience must be non-negative, got -1");
  EXPECT_EQ(error_of([] { EarlyStopping({.patience = 1, .min_delta = -0.1}); }),
            "early stopping min_delta must be non-negative, got -0.1");
}

}  // namespace
}  // namespace neurite
