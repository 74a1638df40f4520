// A prediction's round trip through `neurite serve` over loopback, as the page makes it: the
// request leaves the client, the server parses the JSON, prepares the drawing, runs the network
// and the JSON answer is read back. Needs a running server (bench/serve_round_trip.sh starts one
// with an MLP and seed 001's CNN and runs this):
//
//   NEURITE_SERVE_URL=http://127.0.0.1:8123 NEURITE_SERVE_MODELS=mlp,cnn build-bench/bench/bench_serve
//
// Names: serve/<model>/<input>/<connection>
//   input       drawing (140x140 canvas pixels, prepared MNIST-style by the server) |
//               image (a ready 28x28 image)
//   connection  keep_alive (one connection reused, as a browser does) | new (a connection each)
// Without NEURITE_SERVE_URL every row reports an error saying so.
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Target {
  std::string host;
  int port = 0;
};

// "http://HOST:PORT" from NEURITE_SERVE_URL; port 0 when it is absent or malformed.
Target target() {
  const char* url = std::getenv("NEURITE_SERVE_URL");
  Target t;
  if (!url) return t;
  const std::string text = url;
  const auto host_start = text.find("://");
  const auto colon = text.rfind(':');
  if (host_start == std::string::npos || colon == std::string::npos || colon < host_start + 3) return t;
  t.host = text.substr(host_start + 3, colon - host_start - 3);
  t.port = std::atoi(text.c_str() + colon + 1);
  return t;
}

// A 7 drawn with strokes 9 pixels wide on a 140x140 canvas: a bar, then a diagonal.
std::vector<int> seven_drawing() {
  std::vector<int> pixels(140 * 140, 0);
  const auto dot = [&](int cx, int cy) {
    for (int y = cy - 4; y <= cy + 4; ++y)
      for (int x = cx - 4; x <= cx + 4; ++x)
        if (x >= 0 && x < 140 && y >= 0 && y < 140) pixels[static_cast<std::size_t>(y * 140 + x)] = 255;
  };
  for (int x = 30; x <= 110; ++x) dot(x, 25);
  for (int t = 0; t <= 100; ++t) dot(110 - t * 55 / 100, 25 + t);
  return pixels;
}

std::string request_body(const std::string& model, bool drawing) {
  nlohmann::json body = {{"model", model}};
  if (drawing) {
    body["drawing"] = {{"width", 140}, {"height", 140}, {"pixels", seven_drawing()}};
  } else {
    std::vector<int> image(784, 0);
    for (int x = 6; x < 22; ++x) image[static_cast<std::size_t>(5 * 28 + x)] = 255;
    for (int y = 6; y < 24; ++y) image[static_cast<std::size_t>(y * 28 + 21 - (y - 6) * 10 / 18)] = 255;
    body["image"] = image;
  }
  return body.dump();
}

void bm_predict(benchmark::State& state, std::string model, bool drawing, bool keep_alive) {
  const Target t = target();
  if (t.port == 0) {
    state.SkipWithError("set NEURITE_SERVE_URL to a running neurite serve (bench/serve_round_trip.sh does)");
    for (auto _ : state) {
    }
    return;
  }
  httplib::Client client(t.host, t.port);
  client.set_keep_alive(keep_alive);
  client.set_tcp_nodelay(true);  // as browsers do
  const std::string body = request_body(model, drawing);
  double network_ms = 0;
  for (auto _ : state) {
    const auto r = client.Post("/api/predict", body, "application/json");
    if (!r || r->status != 200) {
      state.SkipWithError(r ? ("HTTP " + std::to_string(r->status) + ": " + r->body).c_str()
                            : ("no answer: " + httplib::to_string(r.error())).c_str());
      break;
    }
    network_ms += nlohmann::json::parse(r->body)["milliseconds"].get<double>();
  }
  state.counters["forward_ms"] =
      benchmark::Counter(network_ms / static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1)));
  state.counters["bytes_sent"] = static_cast<double>(body.size());
}

}  // namespace

int main(int argc, char** argv) {
  const char* models_env = std::getenv("NEURITE_SERVE_MODELS");
  std::stringstream models(models_env ? models_env : "mlp,cnn");
  for (std::string model; std::getline(models, model, ',');)
    for (bool drawing : {true, false})
      for (bool keep_alive : {true, false}) {
        const std::string name = "serve/" + model + (drawing ? "/drawing" : "/image") +
                                 (keep_alive ? "/keep_alive" : "/new");
        benchmark::RegisterBenchmark(name.c_str(), bm_predict, model, drawing, keep_alive)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
