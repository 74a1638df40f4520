#include "page_server.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include <sys/socket.h>

#include "neurite/train/run_config.h"
#include "http_util.h"
#include "neurite/data/drawing.h"
#include "neurite/data/mnist.h"
#include "neurite/error.h"
#include "neurite/io/file.h"

namespace fs = std::filesystem;

namespace neurite::web {

namespace {

constexpr int64_t kTestImages = 10000;

// The page's files: URL path, file under the page folder, content type. uPlot comes from the npm
// registry into web/node_modules by scripts/fetch_web.sh.
struct PageFile {
  const char* url;
  const char* file;
  const char* type;
};
constexpr PageFile kPageFiles[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/js/common.js", "js/common.js", "text/javascript; charset=utf-8"},
    {"/js/models.js", "js/models.js", "text/javascript; charset=utf-8"},
    {"/js/draw.js", "js/draw.js", "text/javascript; charset=utf-8"},
    {"/js/train.js", "js/train.js", "text/javascript; charset=utf-8"},
    {"/js/inside.js", "js/inside.js", "text/javascript; charset=utf-8"},
    {"/js/playground.js", "js/playground.js", "text/javascript; charset=utf-8"},
    {"/js/stepper.js", "js/stepper.js", "text/javascript; charset=utf-8"},
    {"/playground.css", "playground.css", "text/css; charset=utf-8"},
    {"/stepper.css", "stepper.css", "text/css; charset=utf-8"},
    {"/style.css", "style.css", "text/css; charset=utf-8"},
    {"/vendor/uPlot.iife.min.js", "node_modules/uplot/dist/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
    {"/vendor/uPlot.min.css", "node_modules/uplot/dist/uPlot.min.css", "text/css; charset=utf-8"},
};

std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

std::string read_text_file(const fs::path& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path.string());
  return {bytes.begin(), bytes.end()};
}

// An Accept-Encoding list without "br" (and its quality, if any).
std::string without_brotli(const std::string& accepted) {
  std::string kept;
  std::size_t start = 0;
  while (start <= accepted.size()) {
    const std::size_t end = std::min(accepted.find(',', start), accepted.size());
    const std::string item = accepted.substr(start, end - start);
    const std::size_t first = item.find_first_not_of(' ');
    const bool brotli = first != std::string::npos && item.compare(first, 2, "br") == 0 &&
                        (item.size() == first + 2 || item[first + 2] == ';' || item[first + 2] == ' ');
    if (!brotli && first != std::string::npos) kept += (kept.empty() ? "" : ", ") + item.substr(first);
    start = end + 1;
  }
  return kept;
}

void send_png(httplib::Response& res, const std::vector<uint8_t>& png) {
  res.set_content(std::string(png.begin(), png.end()), "image/png");
}

}  // namespace

PageServer::PageServer(ServeOptions options) : options_(std::move(options)) {
  for (const std::string& path : options_.models) models_.add(model_name_from_path(path), "file", load_model(path));
  load_page_files();
  // Each connection has a thread of its own, and each request a deadline (http_server.h).
  server_.set_payload_max_length(kMaxBody);
  // Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm holds the
  // body until the client acknowledges the headers, which it delays by up to 40 ms.
  server_.set_tcp_nodelay(true);
  // httplib listens with a backlog of 5: a burst of connections beyond it waits for TCP's
  // retransmissions or fails. The listening socket is remembered here (httplib sets its options
  // before binding) so that bind() can raise the backlog.
  server_.set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_socket_ = sock;
  });
  server_.set_write_timeout(10, 0);
  // Debian's libcpp-httplib is built with Brotli, and compresses every answer to a browser (which
  // accepts "br") at Brotli's quality 11: 50 ms for a Playground state of 37 KB, where gzip adds
  // 1.4 ms for 15 KB. The request is httplib's own, not const: taking "br" out of what the
  // browser accepts leaves gzip to answer it.
  server_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    auto& headers = const_cast<httplib::Headers&>(req.headers);  // its keys compare without case
    for (auto [at, end] = headers.equal_range("Accept-Encoding"); at != end; ++at) at->second = without_brotli(at->second);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  add_routes();
  for (const std::string& log : options_.watch_logs) runs_.watch_log(log);
}

PageServer::~PageServer() { runs_.shut_down(); }

void PageServer::load_page_files() {
  const fs::path dir = options_.web_dir;
  require(fs::is_regular_file(dir / "index.html"),
          options_.web_dir + ": not the page's folder (no index.html); give --web DIR (the repository's web/)");
  for (const PageFile& f : kPageFiles) {
    const fs::path path = dir / f.file;
    require(fs::is_regular_file(path), path.string() + " is missing" +
                                           (std::string(f.file).starts_with("node_modules")
                                                ? " (the page's npm packages: run scripts/fetch_web.sh)"
                                                : ""));
    files_[f.url] = {read_text_file(path), f.type};
  }
}

int PageServer::bind() {
  const int port = options_.port == 0 ? server_.bind_to_any_port(options_.host)
                                      : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
  require(port > 0, "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                        " (is the port in use, or the address not this machine's?)");
  if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);  // again, with the system's longest queue
  return port;
}

void PageServer::run() { server_.listen_after_bind(); }

void PageServer::stop() { server_.stop_all(); }

void PageServer::require_mnist_file(const std::string& file, const std::string& which) const {
  const fs::path path = fs::path(options_.mnist_dir) / file;
  if (!fs::exists(path) && !fs::exists(path.string() + ".gz"))
    throw HttpError(503, "no MNIST " + which + " files in " + options_.mnist_dir + " (give --data DIR)");
}

const std::vector<uint8_t>& PageServer::test_images() {
  std::lock_guard lock(test_images_mutex_);
  if (test_images_.empty()) {
    const Dataset test = load_mnist_test(options_.mnist_dir, MnistOptions{});  // x / 255
    Tensor all;
    test.read_inputs(0, test.size(), all);
    test_images_.resize(static_cast<std::size_t>(all.size()));
    for (int64_t i = 0; i < all.size(); ++i)
      test_images_[static_cast<std::size_t>(i)] = static_cast<uint8_t>(std::lround(all[i] * 255.0f));  // exact
  }
  return test_images_;
}

std::shared_ptr<ServedModel> PageServer::model(const std::string& name) const {
  std::shared_ptr<ServedModel> m = models_.find(name);
  if (!m) throw HttpError(404, "no model named \"" + name + "\"");
  return m;
}

std::shared_ptr<Run> PageServer::run_of(const std::string& id) const {
  std::shared_ptr<Run> run = runs_.find(static_cast<int>(path_integer(id, 1, 1 << 30, "run")));
  if (!run) throw HttpError(404, "no run " + id);
  return run;
}

void PageServer::add_routes() {
  add_static_routes();
  add_model_routes();
  add_run_routes();
  add_playground_routes();
  // Errors the router or the body reader raised get the API's JSON shape; a path that exists
  // for another method gets 405 and says which.
  const httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours already
    if (res.status == 404) {
      std::vector<std::string> allowed;
      for (const auto& [method, pattern] : routes_)
        if (method != req.method && std::regex_match(req.path, std::regex(pattern))) allowed.push_back(method);
      if (!allowed.empty()) {
        res.set_header("Allow", allowed.front());
        send_error(res, 405, req.path + " takes " + allowed.front() + ", not " + req.method);
        return httplib::Server::HandlerResponse::Handled;
      }
      send_error(res, 404, "nothing at " + req.method + " " + req.path);
    } else if (res.status == 413) {
      send_error(res, 413, "the request body is over " + std::to_string(kMaxBody >> 20) + " MiB");
    } else {
      send_error(res, res.status, "the request was refused (HTTP " + std::to_string(res.status) + ")");
    }
    return httplib::Server::HandlerResponse::Handled;
  };
  server_.set_error_handler(on_error);
}

void PageServer::add_static_routes() {
  for (const auto& [url, file] : files_) {
    const std::string pattern = regex_escape(url);
    routes_.emplace_back("GET", pattern);
    server_.Get(pattern, [&file = file](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_content(file.content, file.type.c_str());
    });
  }
}

void PageServer::add_model_routes() {
  const auto get = [this](const std::string& pattern, JsonHandler handler) {
    routes_.emplace_back("GET", pattern);
    server_.Get(pattern, guarded(std::move(handler)));
  };
  const auto post = [this](const std::string& pattern, JsonHandler handler) {
    routes_.emplace_back("POST", pattern);
    server_.Post(pattern, guarded(std::move(handler)));
  };

  get("/api/models", [this](const httplib::Request&, httplib::Response& res) { send_json(res, models_.list()); });

  post("/api/predict", [this](const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = json_body(req);
    const std::shared_ptr<ServedModel> m = model(string_field(body, "model", "body"));
    GrayImage digit{kMnistSide, kMnistSide, {}};
    if (body.contains("drawing")) {
      const nlohmann::json& d = body["drawing"];
      if (!d.is_object()) throw HttpError(400, "body.drawing must be an object {width, height, pixels}");
      const int64_t w = integer_field(d, "width", "drawing", 8, 1024), h = integer_field(d, "height", "drawing", 8, 1024);
      const MnistDigit made = mnist_digit_from_drawing({w, h, pixels_field(d, "pixels", "drawing", w * h)});
      if (made.empty)
        return send_json(res, {{"model", m->name()}, {"empty", true}, {"digit", nullptr}, {"probabilities", nullptr},
                               {"image", made.image.pixels}, {"milliseconds", 0}});
      digit = made.image;
    } else if (body.contains("image")) {
      digit.pixels = pixels_field(body, "image", "body", kMnistSide * kMnistSide);
    } else {
      throw HttpError(400, "body needs \"drawing\" (what was drawn) or \"image\" (28x28 pixels)");
    }
    const Prediction p = m->predict(digit);
    send_json(res, {{"model", m->name()}, {"empty", false}, {"digit", p.digit}, {"probabilities", p.probabilities},
                    {"image", digit.pixels}, {"milliseconds", p.milliseconds}});
  });

  get(R"(/api/models/([^/]+)/model\.safetensors)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::vector<uint8_t> bytes = model(req.matches[1])->file_bytes();
    res.set_header("Content-Disposition", "attachment; filename=\"" + std::string(req.matches[1]) + ".safetensors\"");
    res.set_content(std::string(bytes.begin(), bytes.end()), "application/octet-stream");
  });

  get(R"(/api/models/([^/]+)/model\.onnx)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::vector<uint8_t> bytes = model(req.matches[1])->onnx_bytes();
    res.set_header("Content-Disposition", "attachment; filename=\"" + std::string(req.matches[1]) + ".onnx\"");
    res.set_content(std::string(bytes.begin(), bytes.end()), "application/octet-stream");
  });

  get(R"(/api/models/([^/]+)/filters\.png)", [this](const httplib::Request& req, httplib::Response& res) {
    send_png(res, model(req.matches[1])->filters_png());
  });

  post(R"(/api/models/([^/]+)/feature-maps)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::shared_ptr<ServedModel> m = model(req.matches[1]);
    const nlohmann::json body = json_body(req);
    send_json(res, m->feature_maps({kMnistSide, kMnistSide, pixels_field(body, "image", "body", kMnistSide * kMnistSide)}));
  });

  get(R"(/api/models/([^/]+)/backquery/([^/]+)\.png)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::shared_ptr<ServedModel> m = model(req.matches[1]);
    send_png(res, m->backquery_png(static_cast<int>(path_integer(req.matches[2], 0, 9, "digit"))));
  });

  const auto test_results = [this](const std::string& name) -> const TestResults& {
    const std::shared_ptr<ServedModel> m = model(name);
    if (m->info()["mnist"].get<bool>()) require_mnist_file("t10k-images-idx3-ubyte", "test");
    return m->test_results(options_.mnist_dir);
  };

  get(R"(/api/models/([^/]+)/confusion)", [this, test_results](const httplib::Request& req, httplib::Response& res) {
    const std::vector<std::string> classes = model(req.matches[1])->class_names();
    const TestResults& r = test_results(req.matches[1]);
    std::vector<std::vector<int64_t>> matrix(classes.size(), std::vector<int64_t>(classes.size(), 0));
    int64_t correct = 0;
    for (std::size_t i = 0; i < r.predicted.size(); ++i) {
      ++matrix[r.labels[i]][static_cast<std::size_t>(r.predicted[i])];
      correct += r.labels[i] == r.predicted[i];
    }
    send_json(res, {{"matrix", matrix}, {"classes", classes}, {"correct", correct}, {"total", r.predicted.size()}});
  });

  get(R"(/api/models/([^/]+)/gallery)", [test_results](const httplib::Request& req, httplib::Response& res) {
    const auto query = [&](const char* key, int64_t lo, int64_t hi, std::optional<int64_t> fallback) {
      if (!req.has_param(key)) {
        if (fallback) return *fallback;
        throw HttpError(400, std::string("the gallery needs ?") + key + "=N");
      }
      const std::string text = req.get_param_value(key);
      try {
        return path_integer(text, lo, hi, key);
      } catch (const HttpError&) {
        throw HttpError(400, std::string(key) + " must be an integer from " + std::to_string(lo) + " to " +
                                 std::to_string(hi) + ", got \"" + text + "\"");
      }
    };
    const int64_t actual = query("actual", 0, 9, std::nullopt), predicted = query("predicted", 0, 9, std::nullopt);
    const int64_t limit = query("limit", 1, 200, 100);
    const TestResults& r = test_results(req.matches[1]);
    if (!r.mnist) throw HttpError(422, std::string(req.matches[1]) + " was not tested on MNIST's images: the gallery shows those");
    nlohmann::json images = nlohmann::json::array();
    int64_t count = 0;
    for (std::size_t i = 0; i < r.predicted.size(); ++i)
      if (r.labels[i] == actual && r.predicted[i] == predicted && count++ < limit) images.push_back({{"index", i}});
    send_json(res, {{"actual", actual}, {"predicted", predicted}, {"count", count}, {"images", images}});
  });

  get(R"(/api/mnist/test/([^/]+)\.png)", [this](const httplib::Request& req, httplib::Response& res) {
    const int64_t index = path_integer(req.matches[1], 0, kTestImages - 1, "test image");
    require_mnist_file("t10k-images-idx3-ubyte", "test");
    const std::vector<uint8_t>& all = test_images();
    const auto first = all.begin() + index * kMnistSide * kMnistSide;
    send_png(res, encode_png_gray({kMnistSide, kMnistSide, std::vector<uint8_t>(first, first + kMnistSide * kMnistSide)}));
  });
}

namespace {
// Each .json file's name, size and time of change: when this changes, so may the specs.
std::string specs_signature(const std::string& dir) {
  std::string signature;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().extension() != ".json") continue;
    std::error_code ignored;
    signature += entry.path().filename().string() + " " + std::to_string(entry.file_size(ignored)) + " " +
                 std::to_string(entry.last_write_time(ignored).time_since_epoch().count()) + "\n";
  }
  return signature;
}
}  // namespace

nlohmann::json PageServer::spec_list() const {
  const std::string signature = specs_signature(options_.specs_dir);
  std::lock_guard lock(specs_mutex_);
  if (specs_.is_null() || signature != specs_signature_) {
    specs_ = read_spec_list();
    specs_signature_ = signature;
  }
  return specs_;
}

nlohmann::json PageServer::read_spec_list() const {
  nlohmann::json specs = nlohmann::json::array();
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(options_.specs_dir, error))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    ModelSpec spec;
    RunConfig config;
    nlohmann::json raw;
    try {
      spec = read_model_spec(file.string());
      config = run_config_of(spec);
      raw = nlohmann::json::parse(read_text_file(file));
    } catch (const std::exception&) {
      continue;  // not a spec the page can train; `neurite train --model` says why
    }
    if (element_count(spec.architecture.at("input").get<Shape>()) != kMnistSide * kMnistSide) continue;
    specs.push_back({{"name", file.stem().string()},
                     {"about", raw.value("about", "")},
                     {"kind", model_kind(spec.architecture)},
                     {"defaults",
                      {{"epochs", config.training.epochs}, {"rate", config.optimizer.rate},
                       {"batch", config.training.batch}, {"train_size", config.data.train_size},
                       {"optimizer", kind_name(config.optimizer)}}}});
  }
  return {{"specs", specs}};
}

std::string PageServer::spec_path(const std::string& name) const {
  const nlohmann::json specs = spec_list();
  for (const nlohmann::json& spec : specs["specs"])
    if (spec["name"] == name) return (fs::path(options_.specs_dir) / (name + ".json")).string();
  throw HttpError(404, "no spec named \"" + name + "\" in " + options_.specs_dir);
}

void PageServer::add_run_routes() {
  const auto route = [this](const char* method, const std::string& pattern, JsonHandler handler) {
    routes_.emplace_back(method, pattern);
    if (std::string(method) == "GET") server_.Get(pattern, guarded(std::move(handler)));
    else server_.Post(pattern, guarded(std::move(handler)));
  };

  route("GET", "/api/specs", [this](const httplib::Request&, httplib::Response& res) { send_json(res, spec_list()); });

  route("GET", "/api/runs", [this](const httplib::Request&, httplib::Response& res) { send_json(res, runs_.list()); });

  route("POST", "/api/runs", [this](const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = json_body(req);
    PageRunRequest request;
    request.spec_name = string_field(body, "spec", "body");
    request.spec_path = spec_path(request.spec_name);
    request.mnist_dir = options_.mnist_dir;
    request.overrides = nlohmann::json::object();
    if (body.contains("epochs")) request.overrides["epochs"] = integer_field(body, "epochs", "body", 1, 100);
    if (body.contains("rate")) request.overrides["rate"] = positive_field(body, "rate", "body", std::nullopt);
    if (body.contains("batch")) request.overrides["batch"] = integer_field(body, "batch", "body", 1, 1000);
    if (body.contains("train_size"))
      request.overrides["train_size"] = integer_field(body, "train_size", "body", 100, 60000);
    require_mnist_file("train-images-idx3-ubyte", "training");
    send_json(res, runs_.start(std::move(request), models_)->status(), 201);
  });

  route("GET", R"(/api/runs/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    send_json(res, run_of(req.matches[1])->status());
  });

  route("POST", R"(/api/runs/([^/]+)/(pause|resume|stop))", [this](const httplib::Request& req, httplib::Response& res) {
    const std::shared_ptr<Run> run = run_of(req.matches[1]);
    const std::string action = req.matches[2];
    if (action == "pause") run->pause();
    else if (action == "resume") run->resume();
    else run->stop();
    send_json(res, run->status());
  });

  route("GET", R"(/api/runs/([^/]+)/events)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::shared_ptr<Run> run = run_of(req.matches[1]);
    std::size_t next = 0;
    if (req.has_header("Last-Event-ID"))
      next = static_cast<std::size_t>(path_integer(req.get_header_value("Last-Event-ID"), 0, 1 << 30, "event")) + 1;
    else if (req.has_param("from"))
      next = static_cast<std::size_t>(path_integer(req.get_param_value("from"), 0, 1 << 30, "event"));
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [run, next](std::size_t, httplib::DataSink& sink) mutable {
      if (run->events().finished_at(next)) {
        sink.done();
        return true;
      }
      const std::vector<Event> events = run->events().wait_from(next, std::chrono::seconds(1));
      std::string text;
      for (const Event& e : events)
        text += "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + e.data + "\n\n";
      if (events.empty()) text = ": waiting\n\n";  // finds a closed connection, keeps proxies open
      next += events.size();
      return sink.write(text.data(), text.size());
    });
  });
}

}  // namespace neurite::web
