// `neurite serve`'s HTTP server: the page's own files (read once at start, served from memory,
// so no request path ever reaches the file system) and the JSON API of docs/web-api.md.
#pragma once
#include <httplib.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "http_server.h"
#include "model_store.h"
#include "playground_store.h"
#include "runs.h"

namespace neurite::web {

struct ServeOptions {
  std::vector<std::string> models;  // model files to load
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port
  std::string web_dir;              // the page's files (web/)
  std::string specs_dir = "models"; // specs the page can train
  std::string mnist_dir = "data/mnist";
  std::vector<std::string> watch_logs;  // CLI training logs to follow
};

constexpr std::size_t kMaxBody = 4 << 20;  // 4 MiB: a 1024x1024 drawing as JSON fits

class PageServer {
 public:
  explicit PageServer(ServeOptions options);  // loads the models and the page's files
  ~PageServer();
  // Binds (throws naming the address when it cannot); returns the port.
  int bind();
  void run();   // serves until stop()
  void stop();  // from any thread (the signal watcher)

 private:
  struct StaticFile {
    std::string content, type;
  };
  void load_page_files();
  void add_routes();
  void add_model_routes();
  void add_run_routes();
  void add_static_routes();
  void add_playground_routes();  // playground_routes.cpp
  nlohmann::json spec_list() const;  // kept until a file in the specs folder changes
  nlohmann::json read_spec_list() const;
  std::string spec_path(const std::string& name) const;  // 404 when unknown
  std::shared_ptr<ServedModel> model(const std::string& name) const;  // 404 when unknown
  std::shared_ptr<Run> run_of(const std::string& id) const;           // 404 when unknown
  // The MNIST test images as 28x28 bytes, read on the first call.
  const std::vector<uint8_t>& test_images();
  // 503 naming the folder when an MNIST file (plain or .gz) is missing.
  void require_mnist_file(const std::string& file, const std::string& which) const;

  ServeOptions options_;
  HttpServer server_;
  ModelStore models_;
  RunStore runs_;
  PlaygroundStore playgrounds_;
  std::map<std::string, StaticFile> files_;  // URL path -> file
  socket_t listen_socket_ = -1;
  // Checking a spec builds its network: reading the shipped ones took a quarter of a second of
  // processor time, for every GET /api/specs and POST /api/runs.
  mutable std::mutex specs_mutex_;
  mutable std::string specs_signature_;  // the specs folder's .json files, sizes and times
  mutable nlohmann::json specs_;
  std::mutex test_images_mutex_;
  std::vector<uint8_t> test_images_;
  // Every (method, path pattern) routed, to answer 405 rather than 404 for a wrong method.
  std::vector<std::pair<std::string, std::string>> routes_;
};

}  // namespace neurite::web
