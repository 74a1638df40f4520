// The Playground's and the Backprop stepper's routes (docs/web-api.md, "Playground").
#include <chrono>

#include "http_util.h"
#include "page_server.h"

namespace neurite::web {

namespace {
// The server's own time for a request, as the page shows it (and its test checks it).
class Stopwatch {
 public:
  double milliseconds() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void send_state(httplib::Response& res, PlaygroundSession& session, bool with_points, const Stopwatch& clock,
                int status = 200) {
  nlohmann::json state = playground_state(session, with_points);
  state["milliseconds"] = clock.milliseconds();
  send_json(res, state, status);
}
}  // namespace

void PageServer::add_playground_routes() {
  const auto route = [this](const char* method, const std::string& pattern, JsonHandler handler) {
    routes_.emplace_back(method, pattern);
    if (std::string(method) == "GET") server_.Get(pattern, guarded(std::move(handler)));
    else server_.Post(pattern, guarded(std::move(handler)));
  };
  const auto session_of = [this](const std::string& id) {
    return playgrounds_.find(static_cast<int>(path_integer(id, 1, 1 << 30, "playground")));
  };

  route("POST", "/api/playground", [this](const httplib::Request& req, httplib::Response& res) {
    const Stopwatch clock;
    const std::shared_ptr<PlaygroundSession> session = playgrounds_.create(json_body(req));
    std::lock_guard lock(session->mutex);
    send_state(res, *session, true, clock, 201);
  });

  route("GET", R"(/api/playground/([^/]+))", [session_of](const httplib::Request& req, httplib::Response& res) {
    const Stopwatch clock;
    const std::shared_ptr<PlaygroundSession> session = session_of(req.matches[1]);
    std::lock_guard lock(session->mutex);
    send_state(res, *session, true, clock);
  });

  route("POST", R"(/api/playground/([^/]+)/step)", [session_of](const httplib::Request& req, httplib::Response& res) {
    const Stopwatch clock;
    const std::shared_ptr<PlaygroundSession> session = session_of(req.matches[1]);
    const nlohmann::json body = json_body(req);
    const int64_t epochs = integer_field(body, "epochs", "body", 1, kMaxEpochsPerStep, 1);
    std::lock_guard lock(session->mutex);
    for (int64_t e = 0; e < epochs; ++e) session->playground->train_epoch();
    send_state(res, *session, false, clock);
  });

  route("POST", R"(/api/playground/([^/]+)/weight)", [session_of](const httplib::Request& req, httplib::Response& res) {
    const Stopwatch clock;
    const std::shared_ptr<PlaygroundSession> session = session_of(req.matches[1]);
    const nlohmann::json body = json_body(req);
    std::lock_guard lock(session->mutex);
    playground::Playground& p = *session->playground;
    const int64_t layer = integer_field(body, "layer", "body", 0, p.weighted_layers() - 1);
    const int64_t to = integer_field(body, "to", "body", 0, playground::kMaxLayerNeurons - 1);
    const int64_t from = integer_field(body, "from", "body", -1, playground::kFeatureCount - 1);
    if (!body.contains("value") || !body["value"].is_number() || !(std::abs(body["value"].get<double>()) <= 1e6))
      throw HttpError(400, "body.value must be a number from -1e6 to 1e6");
    p.set_weight(layer, to, from, body["value"].get<float>());  // a neuron or input it lacks: 400 naming it
    send_state(res, *session, false, clock);
  });

  route("GET", R"(/api/playground/([^/]+)/model\.safetensors)", [session_of](const httplib::Request& req, httplib::Response& res) {
    const std::shared_ptr<PlaygroundSession> session = session_of(req.matches[1]);
    std::lock_guard lock(session->mutex);
    const std::vector<uint8_t> bytes = session->playground->model_file();
    res.set_header("Content-Disposition", "attachment; filename=\"playground.safetensors\"");
    res.set_content(std::string(bytes.begin(), bytes.end()), "application/octet-stream");
  });

  route("GET", R"(/api/playground/([^/]+)/data\.csv)", [session_of](const httplib::Request& req, httplib::Response& res) {
    const std::shared_ptr<PlaygroundSession> session = session_of(req.matches[1]);
    std::lock_guard lock(session->mutex);
    const std::string split = req.has_param("split") ? req.get_param_value("split") : "all";
    if (split != "all" && split != "train" && split != "test")
      throw HttpError(400, "split must be all, train or test, got \"" + split.substr(0, 20) + "\"");
    res.set_header("Content-Disposition", "attachment; filename=\"playground-" + split + ".csv\"");
    res.set_content(session->playground->data_csv(split), "text/csv; charset=utf-8");
  });

  route("POST", "/api/backprop", [](const httplib::Request& req, httplib::Response& res) {
    send_json(res, backprop_trace(json_body(req)));
  });
}

}  // namespace neurite::web
