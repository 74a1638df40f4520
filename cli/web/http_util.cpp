#include "http_util.h"

#include <charconv>
#include <cmath>
#include <exception>

#include "neurite/error.h"
#include "neurite/io/json_input.h"

namespace neurite::web {

httplib::Server::Handler guarded(JsonHandler handler) {
  return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    try {
      handler(req, res);
    } catch (const HttpError& e) {
      send_error(res, e.status(), e.what());
    } catch (const Error& e) {
      send_error(res, 400, e.what());
    } catch (const std::exception& e) {
      send_error(res, 500, std::string("internal error: ") + e.what());
    }
  };
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status) {
  res.status = status;
  // Replace invalid UTF-8 rather than throw: names and messages come from files and users.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, {{"error", message}}, status);
}

nlohmann::json json_body(const httplib::Request& req) {
  if (req.body.empty()) throw HttpError(400, "the request needs a JSON body");
  if (json_too_deep(req.body))
    throw HttpError(400, "the body nests JSON deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) throw HttpError(400, "the body is not valid JSON");
  if (!body.is_object()) throw HttpError(400, "the body must be a JSON object, got " + std::string(body.type_name()));
  return body;
}

namespace {
const nlohmann::json& field(const nlohmann::json& j, const char* key, const char* where) {
  const auto it = j.find(key);
  if (it == j.end()) throw HttpError(400, std::string(where) + " needs \"" + key + "\"");
  return *it;
}
std::string named(const char* key, const char* where) { return std::string(where) + "." + key; }
}  // namespace

std::string string_field(const nlohmann::json& j, const char* key, const char* where) {
  const nlohmann::json& v = field(j, key, where);
  if (!v.is_string()) throw HttpError(400, named(key, where) + " must be a string, got " + quoted_prefix(v));
  return v.get<std::string>();
}

int64_t integer_field(const nlohmann::json& j, const char* key, const char* where, int64_t lo, int64_t hi,
                      std::optional<int64_t> fallback) {
  if (fallback && !j.contains(key)) return *fallback;
  const nlohmann::json& v = field(j, key, where);
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    throw HttpError(400, named(key, where) + " must be an integer from " + std::to_string(lo) + " to " +
                             std::to_string(hi) + ", got " + quoted_prefix(v));
  return v.get<int64_t>();
}

double positive_field(const nlohmann::json& j, const char* key, const char* where, std::optional<double> fallback) {
  if (fallback && !j.contains(key)) return *fallback;
  const nlohmann::json& v = field(j, key, where);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0)
    throw HttpError(400, named(key, where) + " must be a number above 0, got " + quoted_prefix(v));
  return v.get<double>();
}

std::vector<uint8_t> pixels_field(const nlohmann::json& j, const char* key, const char* where, int64_t count) {
  const nlohmann::json& v = field(j, key, where);
  if (!v.is_array() || static_cast<int64_t>(v.size()) != count)
    throw HttpError(400, named(key, where) + " must be an array of " + std::to_string(count) + " numbers, got " +
                             (v.is_array() ? std::to_string(v.size()) + " values" : std::string(v.type_name())));
  std::vector<uint8_t> pixels(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    const nlohmann::json& p = v[i];
    if (!p.is_number() || !(p.get<double>() >= 0 && p.get<double>() <= 255))
      throw HttpError(400, named(key, where) + "[" + std::to_string(i) + "] must be a number from 0 to 255, got " +
                               quoted_prefix(p));
    pixels[i] = static_cast<uint8_t>(std::lround(p.get<double>()));
  }
  return pixels;
}

int64_t path_integer(const std::string& text, int64_t lo, int64_t hi, const char* what) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < lo || value > hi)
    throw HttpError(404, std::string("no ") + what + " " + text + " (" + std::to_string(lo) + " to " +
                             std::to_string(hi) + ")");
  return value;
}

std::string base64(const std::vector<uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t n = (uint32_t{bytes[i]} << 16) | (i + 1 < bytes.size() ? uint32_t{bytes[i + 1]} << 8 : 0) |
                       (i + 2 < bytes.size() ? uint32_t{bytes[i + 2]} : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

}  // namespace neurite::web
