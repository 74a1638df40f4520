// The Playground's sessions on the server: each page that opens the Playground tab gets one
// (a neurite::playground::Playground, its data and network), trained and read through the JSON
// API of docs/web-api.md. At most kMaxPlaygrounds live at once; the least recently used goes.
#pragma once
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "neurite/playground/playground.h"

namespace neurite::web {

constexpr std::size_t kMaxPlaygrounds = 32;
constexpr std::size_t kMaxPlaygroundCsv = 256 << 10;  // an uploaded CSV of points: 2000 rows fit easily
constexpr int kMaxEpochsPerStep = 100;

// One session; its mutex serialises the requests that reach it.
struct PlaygroundSession {
  int id = 0;
  std::mutex mutex;
  std::unique_ptr<playground::Playground> playground;
  std::string data_name;  // the set's name, or the uploaded file's
  int output_side = 50, neuron_side = 16;
};

class PlaygroundStore {
 public:
  // Builds a session from a request body (see docs/web-api.md); HttpError 400 naming the field.
  std::shared_ptr<PlaygroundSession> create(const nlohmann::json& body);
  // 404 when there is no such session (or it was dropped for newer ones).
  std::shared_ptr<PlaygroundSession> find(int id);

 private:
  std::mutex mutex_;
  std::list<std::shared_ptr<PlaygroundSession>> sessions_;  // most recently used first
  int next_id_ = 1;
};

// What the page draws: the epoch, the losses, every weight, the maps (each a base64 string of
// one byte per grid cell), and with `with_points` the data set's points and the features' maps
// (which training does not change). Call with the session locked.
nlohmann::json playground_state(PlaygroundSession& session, bool with_points);

// The Backprop stepper: {"example": "mazur" | "rashid" | {...}} -> the example and its trace.
nlohmann::json backprop_trace(const nlohmann::json& body);

}  // namespace neurite::web
