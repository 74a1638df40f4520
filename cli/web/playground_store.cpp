#include "playground_store.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "http_util.h"
#include "neurite/error.h"
#include "neurite/io/json_input.h"
#include "neurite/playground/backprop_stepper.h"

namespace neurite::web {

namespace {

using playground::PlaneData;
using playground::PlaneDataOptions;
using playground::PlaneMap;

double number_in(const nlohmann::json& j, const char* key, const char* where, double lo, double hi, double fallback) {
  if (!j.contains(key)) return fallback;
  const nlohmann::json& v = j[key];
  if (!v.is_number() || !(v.get<double>() >= lo && v.get<double>() <= hi))
    throw HttpError(400, std::string(where) + "." + key + " must be a number from " + number_text(lo) + " to " +
                             number_text(hi) + ", got " + quoted_prefix(v));
  return v.get<double>();
}

// The uploaded CSV goes through the library's CSV reader by way of a private temporary file;
// the reader's messages name that file, so they are given the upload's name instead.
PlaneData uploaded_points(const std::string& text, const std::string& name, const PlaneDataOptions& split) {
  if (text.size() > kMaxPlaygroundCsv)
    throw HttpError(413, "data.csv is over " + std::to_string(kMaxPlaygroundCsv >> 10) + " KiB");
  std::string path = (std::filesystem::temp_directory_path() / "neurite-playground-XXXXXX.csv").string();
  const int fd = ::mkstemps(path.data(), 4);
  if (fd < 0) throw HttpError(500, "cannot make a temporary file for the upload");
  ::close(fd);
  std::ofstream(path, std::ios::binary) << text;
  try {
    PlaneData data = playground::read_plane_csv(path, name, split);
    std::filesystem::remove(path);
    return data;
  } catch (const Error& e) {
    std::filesystem::remove(path);
    std::string message = e.what();
    for (std::size_t at; (at = message.find(path)) != std::string::npos;) message.replace(at, path.size(), name);
    throw HttpError(400, "data.csv: " + message);
  }
}

PlaneData points_of(const nlohmann::json& data, std::string& name) {
  if (!data.is_object()) throw HttpError(400, "body.data must be an object {set, points, noise, train_ratio, seed}");
  const std::string set_name = data.contains("set") ? string_field(data, "set", "data") : "circle";
  playground::PlaneSet set;
  try {
    set = playground::parse_plane_set(set_name);
  } catch (const Error& e) {
    throw HttpError(400, std::string("data.set: ") + e.what());
  }
  PlaneDataOptions o{.set = set,
                     .count = integer_field(data, "points", "data", 10, playground::kMaxPlanePoints, 500),
                     .noise = number_in(data, "noise", "data", 0, 0.5, 0),
                     .train_ratio = number_in(data, "train_ratio", "data", 0.1, 0.9, 0.5),
                     .seed = static_cast<uint64_t>(integer_field(data, "seed", "data", 0, int64_t{1} << 53, 1))};
  if (set != playground::PlaneSet::Csv) {
    name = set_name;
    return playground::make_plane_data(o);
  }
  name = data.contains("csv_name") ? string_field(data, "csv_name", "data") : "upload.csv";
  if (name.size() > 100 || name.find_first_of("\n\r") != std::string::npos) name = "upload.csv";
  return uploaded_points(string_field(data, "csv", "data"), name, o);
}

// One byte per cell: -scale .. scale onto 0 .. 255 (values beyond are held at the ends).
nlohmann::json encoded(const PlaneMap& map, double scale) {
  std::vector<uint8_t> bytes(map.values.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const double unit = std::clamp(map.values[i] / scale, -1.0, 1.0);
    bytes[i] = static_cast<uint8_t>(std::lround((unit + 1) * 127.5));
  }
  return {{"side", map.side}, {"scale", scale}, {"bytes", base64(bytes)}};
}

double largest_magnitude(const PlaneMap& map) {
  double m = 0;
  for (const float v : map.values) m = std::max(m, static_cast<double>(std::abs(v)));
  return m > 0 ? m : 1;
}

}  // namespace

std::shared_ptr<PlaygroundSession> PlaygroundStore::create(const nlohmann::json& body) {
  auto session = std::make_shared<PlaygroundSession>();
  PlaneData data = points_of(body.contains("data") ? body["data"] : nlohmann::json::object(), session->data_name);
  const nlohmann::json network = body.contains("network") ? body["network"] : nlohmann::json::object();
  playground::PlaygroundConfig config;
  try {
    config = playground::playground_config_from_json(network, data.regression);
  } catch (const Error& e) {
    throw HttpError(400, std::string("network: ") + e.what());
  }
  session->output_side = static_cast<int>(integer_field(body, "output_side", "body", 8, 100, 50));
  session->neuron_side = static_cast<int>(integer_field(body, "neuron_side", "body", 4, 40, 16));
  session->playground = std::make_unique<playground::Playground>(std::move(data), std::move(config));
  std::lock_guard lock(mutex_);
  session->id = next_id_++;
  sessions_.push_front(session);
  if (sessions_.size() > kMaxPlaygrounds) sessions_.pop_back();
  return session;
}

std::shared_ptr<PlaygroundSession> PlaygroundStore::find(int id) {
  std::lock_guard lock(mutex_);
  const auto found = std::find_if(sessions_.begin(), sessions_.end(), [id](const auto& s) { return s->id == id; });
  if (found == sessions_.end())
    throw HttpError(404, "no playground " + std::to_string(id) + " (the server keeps the " +
                             std::to_string(kMaxPlaygrounds) + " most recently used)");
  sessions_.splice(sessions_.begin(), sessions_, found);  // now the most recently used
  return sessions_.front();
}

nlohmann::json playground_state(PlaygroundSession& session, bool with_points) {
  playground::Playground& p = *session.playground;
  const playground::Losses l = p.losses();
  const playground::PlaneMaps maps = p.maps(session.output_side, session.neuron_side);
  nlohmann::json features = nlohmann::json::array(), layers = nlohmann::json::array();
  for (const PlaneMap& m : maps.features) features.push_back(encoded(m, largest_magnitude(m)));  // never change
  for (const auto& layer : maps.layers) {
    layers.push_back(nlohmann::json::array());
    for (const PlaneMap& m : layer) layers.back().push_back(encoded(m, 1));
  }
  const auto accuracy = [](double a) { return a < 0 ? nlohmann::json(nullptr) : nlohmann::json(a); };
  nlohmann::json state = {
      {"id", session.id},
      {"epoch", p.epoch()},
      {"losses", {{"train", l.train}, {"test", l.test}, {"train_accuracy", accuracy(l.train_accuracy)},
                  {"test_accuracy", accuracy(l.test_accuracy)}}},
      {"network", playground::to_json(p.config())},
      {"weights", p.weights_json()},
      {"maps", {{"output", encoded(maps.output, 1)}, {"layers", layers}}}};
  if (with_points) {
    state["maps"]["features"] = features;
    nlohmann::json points = nlohmann::json::array();
    for (const playground::PlanePoint& q : p.data().points) points.push_back({q.x1, q.x2, q.label, q.train ? 1 : 0});
    state["data"] = {{"name", session.data_name}, {"regression", p.data().regression}, {"points", points}};
  }
  return state;
}

nlohmann::json backprop_trace(const nlohmann::json& body) {
  if (!body.contains("example")) throw HttpError(400, "body.example must be \"mazur\", \"rashid\" or an example object");
  const nlohmann::json& e = body["example"];
  playground::WorkedExample example;
  if (e == "mazur") {
    example = playground::mazur_example();
  } else if (e == "rashid") {
    example = playground::rashid_example();
  } else {
    try {
      example = playground::worked_example_from_json(e);
    } catch (const Error& error) {
      throw HttpError(400, std::string("example: ") + error.what());
    }
  }
  return {{"example", playground::to_json(example)}, {"trace", playground::to_json(playground::trace_backprop(example))}};
}

}  // namespace neurite::web
