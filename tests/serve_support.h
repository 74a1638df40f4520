// What the HTTP tests of `neurite serve` share (test_serve.cpp, test_serve_alone.cpp): the server
// started with the source tree's page, cpp-httplib clients, JSON bodies and a run's event stream.
#pragma once
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "server_process.h"
#include "test_support.h"

namespace neurite::testing {

// `serve` arguments with the source tree's page.
inline std::vector<std::string> page_server_args(std::vector<std::string> args) {
  args.insert(args.begin(), {"--web", source_dir() + "/web"});
  return args;
}

inline httplib::Client client_of(const ServerProcess& server) {
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(60, 0);
  return c;
}

inline nlohmann::json body_of(const httplib::Result& r) {
  if (!r) throw std::runtime_error("no HTTP answer: " + httplib::to_string(r.error()));
  return nlohmann::json::parse(r->body);
}

// Reads a run's event stream to its end: (type, data) pairs.
inline std::vector<std::pair<std::string, nlohmann::json>> read_events(int port, int run, int from = 0) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(120, 0);
  std::string buffer;
  std::vector<std::pair<std::string, nlohmann::json>> events;
  c.Get("/api/runs/" + std::to_string(run) + "/events?from=" + std::to_string(from), [&](const char* data, std::size_t n) {
    buffer.append(data, n);
    for (std::size_t end; (end = buffer.find("\n\n")) != std::string::npos; buffer.erase(0, end + 2)) {
      std::string type, payload;
      std::istringstream lines(buffer.substr(0, end));
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("event: ", 0) == 0) type = line.substr(7);
        if (line.rfind("data: ", 0) == 0) payload = line.substr(6);
      }
      if (!type.empty()) events.emplace_back(type, nlohmann::json::parse(payload));
    }
    return true;
  });
  return events;
}

}  // namespace neurite::testing
