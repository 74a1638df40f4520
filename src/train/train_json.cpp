// JSON forms of the training history and state: the log's "epoch" records and a checkpoint's
// "state". Doubles survive the round trip exactly (nlohmann prints them with 17 digits), and
// 64-bit generator words are stored as unsigned integers.
#include <limits>
#include <nlohmann/json.hpp>

#include "neurite/error.h"
#include "neurite/train/trainer.h"
#include "neurite/io/json_input.h"

namespace neurite {

namespace {

// A whole number of type T read from a checkpoint or log. nlohmann converts a float such as
// 1e300, or an integer out of T's range, with a plain cast, which is undefined behaviour.
template <class T>
T whole(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  constexpr T lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() <= static_cast<uint64_t>(hi)) return static_cast<T>(v.get<uint64_t>());
  } else if (v.is_number_integer()) {
    const auto x = v.get<int64_t>();
    if (x >= static_cast<int64_t>(lo) && x <= static_cast<int64_t>(hi)) return static_cast<T>(x);
  }
  throw Error(std::string("\"") + key + "\" must be a whole number from " + std::to_string(lo) + " to " +
              std::to_string(hi) + ", got " + quoted_prefix(v));
}

// A generator's four 64-bit words, each stored as an unsigned integer.
Rng::State generator_state(const nlohmann::json& v, const char* key) {
  if (!v.is_array() || v.size() != 4) throw Error(std::string("\"") + key + "\" must be a generator's four words");
  Rng::State state{};
  for (std::size_t i = 0; i < 4; ++i) {
    if (!v[i].is_number_unsigned()) throw Error(std::string("\"") + key + "\" holds " + quoted_prefix(v[i]) +
                                                ", not a 64-bit unsigned word");
    state[i] = v[i].get<uint64_t>();
  }
  return state;
}

}  // namespace

nlohmann::json to_json(const EpochResult& r) {
  nlohmann::json j = {{"epoch", r.epoch}, {"seconds", r.seconds}, {"rate", r.rate}, {"batch_cost", r.train_cost}};
  if (r.waiting_seconds > 0) j["waiting_seconds"] = r.waiting_seconds;
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
  EpochResult r{.epoch = whole<int>(j, "epoch"), .seconds = j.at("seconds").get<double>(),
                .rate = j.at("rate").get<double>(), .train_cost = j.at("batch_cost").get<double>()};
  if (j.contains("waiting_seconds")) r.waiting_seconds = j["waiting_seconds"].get<double>();
  for (const char* name : {"train", "validation", "test"})
    if (j.contains(name)) {
      const nlohmann::json& m = j[name];
      r.measures.push_back({.name = name, .cost = m.at("cost").get<double>(),
                            .correct = whole<int64_t>(m, "correct"), .total = whole<int64_t>(m, "total")});
    }
  if (j.contains("grad_norms"))
    for (const auto& [name, norm] : j["grad_norms"].items()) r.gradient_norms.emplace_back(name, norm.get<double>());
  if (j.contains("watched")) {
    r.evaluated = true;
    r.correct = whole<int64_t>(j["watched"], "correct");
    r.total = whole<int64_t>(j["watched"], "total");
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
    std::vector<Rng::State> layer_generators;
    for (const nlohmann::json& g : j.at("layer_generators")) layer_generators.push_back(generator_state(g, "layer_generators"));
    TrainState s{.next_epoch = whole<int>(j, "next_epoch"),
                 .layer_generators = std::move(layer_generators),
                 .augment_generator = generator_state(j.at("augment_generator"), "augment_generator"),
                 .schedule = j.at("schedule"),
                 .stopping = j.at("stopping"),
                 .result = {},
                 .steps = 0,
                 .other_weights = {}};
    s.result.best_epoch = whole<int>(j, "best_epoch");
    s.result.best_correct = whole<int64_t>(j, "best_correct");
    s.result.best_cost = j.value("best_cost", 0.0);
    s.result.stopped_early = j.at("stopped_early").get<bool>();
    s.result.stop_reason = j.at("stop_reason").get<std::string>();
    s.steps = j.contains("steps") ? whole<int64_t>(j, "steps") : 0;
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
