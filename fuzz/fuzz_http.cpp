// The page's JSON requests: the real server (cli/web/) runs on a loopback port inside the fuzzer,
// serving one model, and each input is the body of a request to the route its first byte picks
// (the Playground's and the Backprop stepper's included).
// A refused request is any 4xx; a 500 ("internal error") or no answer at all is a finding.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "support.h"
#include "neurite/io/model_file.h"
#include "neurite/train/run_config.h"
#include "web/page_server.h"

namespace {

struct Served {
  std::unique_ptr<neurite::web::PageServer> server;
  std::thread thread;
  std::unique_ptr<httplib::Client> client;
};

// A small MLP as the page serves models (its weights untrained: the answers need not be right).
std::string make_model() {
  using namespace neurite;
  const std::string path = fuzz::scratch_folder() + "/digits.safetensors";
  RunConfig config = run_config_from_json({{"layers", "784,16,10"}});
  Network network = build_network(config);
  save_model(path, network, model_info(config));
  return path;
}

// Started once and never destroyed: the server thread runs until the fuzzer exits.
Served& served() {
  static Served* s = [] {
    auto* started = new Served;
    neurite::web::ServeOptions options;
    options.models = {make_model()};
    options.port = 0;
    options.web_dir = NEURITE_SOURCE_DIR "/web";
    options.specs_dir = NEURITE_SOURCE_DIR "/models";
    options.mnist_dir = neurite::fuzz::scratch_folder() + "/no-mnist";  // trainings answer 503
    started->server = std::make_unique<neurite::web::PageServer>(options);
    const int port = started->server->bind();
    started->thread = std::thread([server = started->server.get()] { server->run(); });
    started->client = std::make_unique<httplib::Client>("127.0.0.1", port);
    started->client->set_read_timeout(20, 0);
    return started;
  }();
  return *s;
}

// "{playground}" stands for the newest Playground session the fuzzer made (the server keeps 32).
constexpr const char* kRoutes[] = {"/api/predict",           "/api/models/digits/feature-maps", "/api/runs",
                                   "/api/runs/1/stop",       "/api/playground",                 "/api/playground/{playground}/step",
                                   "/api/playground/{playground}/weight", "/api/backprop"};
int newest_playground = 0;

std::string route_for(const char* pattern) {
  std::string route = pattern;
  const std::size_t at = route.find("{playground}");
  if (at != std::string::npos) route.replace(at, 12, std::to_string(newest_playground));
  return route;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Served& s = served();
  const std::string route = route_for(kRoutes[data[0] % std::size(kRoutes)]);
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const httplib::Result result = s.client->Post(route, body, "application/json");
  if (!result) neurite::fuzz::escaped(("no answer from POST " + route).c_str());
  if (result->status >= 500 && result->status != 503) {
    std::fprintf(stderr, "POST %s answered %d: %s\n", route.c_str(), result->status, result->body.c_str());
    std::abort();
  }
  if (route == "/api/playground" && result->status == 201)
    newest_playground = nlohmann::json::parse(result->body)["id"].get<int>();
  return 0;
}
