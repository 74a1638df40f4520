// The JSON API's plumbing: reading a request body into JSON with checked fields, and turning
// every failure into a 4xx answer with {"error": "..."} instead of a crash.
#pragma once
#include <httplib.h>

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace neurite::web {

// A request the API refuses: its HTTP status (4xx) and a one-line reason for the client.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

using JsonHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

// Runs `handler`; an HttpError becomes its status, a neurite::Error (bad input the library
// caught) a 400, anything else a 500, each with {"error": message}.
httplib::Server::Handler guarded(JsonHandler handler);

void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200);
void send_error(httplib::Response& res, int status, const std::string& message);

// The body as a JSON object, else 400 naming what is wrong.
nlohmann::json json_body(const httplib::Request& req);

// Checked fields of a JSON object; `where` names the object in messages ("body", "drawing").
std::string string_field(const nlohmann::json& j, const char* key, const char* where);
// An integer in [lo, hi]; `fallback` when absent (nullopt: required).
int64_t integer_field(const nlohmann::json& j, const char* key, const char* where, int64_t lo, int64_t hi,
                      std::optional<int64_t> fallback = std::nullopt);
// A finite number > 0; `fallback` when absent.
double positive_field(const nlohmann::json& j, const char* key, const char* where, std::optional<double> fallback);
// An array of exactly `count` integers 0..255.
std::vector<uint8_t> pixels_field(const nlohmann::json& j, const char* key, const char* where, int64_t count);

// A path segment parsed as an integer in [lo, hi], else 404 naming `what`.
int64_t path_integer(const std::string& text, int64_t lo, int64_t hi, const char* what);

// Standard base64 (RFC 4648), for PNG data URLs.
std::string base64(const std::vector<uint8_t>& bytes);

}  // namespace neurite::web
