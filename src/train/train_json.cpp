// JSON forms of the training history and state: the log's "epoch" records and a checkpoint's
// "state". Doubles survive the round trip exactly (nlohmann prints them with 17 digits), and
// 64-bit generator words are stored as unsigned integers.
#include <nlohmann/json.hpp>

#include "neurite/error.h"
#include "neurite/train/trainer.h"

namespace neurite {

nlohmann::json to_json(const EpochResult& r) {
  nlohmann::json j = {{"epoch", r.epoch}, {"seconds", r.seconds}, {"rate", r.rate}, {"batch_cost", r.train_cost}};
  for (const SetMeasure& m : r.measures) {
    j[m.name] = {{"cost", m.cost}, {"correct", m.correct}, {"total", m.total}};
    if (m.total > 0) j[m.name]["accuracy"] = m.accuracy();  // none for regression
  }
  if (!r.gradient_norms.empty()) {
    nlohmann::json norms = nlohmann::json::object();
    for (const auto& [name, norm] : r.gradient_norms) norms[name] = norm;
    j["grad_norms"] = norms;
  }
  if (r.evaluated) j["watched"] = {{"correct", r.correct}, {"total", r.total}};
  return j;
}

EpochResult epoch_result_from_json(const nlohmann::json& j) {
  EpochResult r{.epoch = j.at("epoch").get<int>(), .seconds = j.at("seconds").get<double>(),
                .rate = j.at("rate").get<double>(), .train_cost = j.at("batch_cost").get<double>()};
  for (const char* name : {"train", "validation", "test"})
    if (j.contains(name)) {
      const nlohmann::json& m = j[name];
      r.measures.push_back({.name = name, .cost = m.at("cost").get<double>(),
                            .correct = m.at("correct").get<int64_t>(), .total = m.at("total").get<int64_t>()});
    }
  if (j.contains("grad_norms"))
    for (const auto& [name, norm] : j["grad_norms"].items()) r.gradient_norms.emplace_back(name, norm.get<double>());
  if (j.contains("watched")) {
    r.evaluated = true;
    r.correct = j["watched"].at("correct").get<int64_t>();
    r.total = j["watched"].at("total").get<int64_t>();
  }
  return r;
}

nlohmann::json to_json(const TrainState& s) {
  nlohmann::json history = nlohmann::json::array();
  for (const EpochResult& r : s.result.epochs) history.push_back(to_json(r));
  return {{"next_epoch", s.next_epoch},
          {"layer_generators", s.layer_generators},
          {"augment_generator", s.augment_generator},
          {"schedule", s.schedule},
          {"stopping", s.stopping},
          {"best_epoch", s.result.best_epoch},
          {"best_correct", s.result.best_correct},
          {"best_cost", s.result.best_cost},
          {"stopped_early", s.result.stopped_early},
          {"stop_reason", s.result.stop_reason},
          {"steps", s.steps},
          {"history", history}};
}

TrainState train_state_from_json(const nlohmann::json& j) {
  try {
    TrainState s{.next_epoch = j.at("next_epoch").get<int>(),
                 .layer_generators = j.at("layer_generators").get<std::vector<Rng::State>>(),
                 .augment_generator = j.at("augment_generator").get<Rng::State>(),
                 .schedule = j.at("schedule"),
                 .stopping = j.at("stopping"),
                 .result = {},
                 .steps = 0,
                 .other_weights = {}};
    s.result.best_epoch = j.at("best_epoch").get<int>();
    s.result.best_correct = j.at("best_correct").get<int64_t>();
    s.result.best_cost = j.value("best_cost", 0.0);
    s.result.stopped_early = j.at("stopped_early").get<bool>();
    s.result.stop_reason = j.at("stop_reason").get<std::string>();
    s.steps = j.value("steps", int64_t{0});
    for (const nlohmann::json& r : j.at("history")) s.result.epochs.push_back(epoch_result_from_json(r));
    require(s.next_epoch >= 0 && static_cast<std::size_t>(s.next_epoch) == s.result.epochs.size(),
            "training state: next epoch " + std::to_string(s.next_epoch) + " does not match its history of " +
                std::to_string(s.result.epochs.size()) + " epochs");
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("training state is incomplete or corrupt: ") + e.what());
  }
}

}  // namespace neurite
