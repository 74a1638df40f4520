// Option checks shared by the optimisers, schedules and early stopping (private to the library).
// Messages name the option and print the value as it was given ("got 1.5", not "got 1.500000").
#pragma once
#include <charconv>
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "neurite/error.h"
#include "neurite/io/json_input.h"

namespace neurite::detail {

// The shortest text that reads back as the same double.
inline std::string number_text(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

inline void require_positive(double value, const std::string& name) {
  require(std::isfinite(value) && value > 0, name + " must be positive, got " + number_text(value));
}

inline void require_non_negative(double value, const std::string& name) {
  require(std::isfinite(value) && value >= 0, name + " must be non-negative, got " + number_text(value));
}

// Decay rates such as momentum and the betas: 1 would never forget, so it is excluded.
inline void require_fraction(double value, const std::string& name) {
  require(value >= 0 && value < 1, name + " must be in [0, 1), got " + number_text(value));
}

// Option structs read from JSON: every key must be one of `known` (a typo is an Error, not a default).
inline void require_known_keys(const nlohmann::json& json, std::initializer_list<std::string_view> known,
                               const std::string& what) {
  require(json.is_object(), what + "s must be a JSON object, got " + quoted_prefix(json));
  for (const auto& item : json.items())
    require(std::find(known.begin(), known.end(), item.key()) != known.end(),
            "unknown " + what + " '" + item.key() + "'");
}

// Sets `field` from json[key] when present; a value of the wrong type is an Error naming it.
template <class T>
void read_field(const nlohmann::json& json, const char* key, T& field, const std::string& what) {
  if (!json.contains(key)) return;
  try {
    field = json.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(what + " '" + key + "' has the wrong type: " + quoted_prefix(json.at(key)));
  }
}

}  // namespace neurite::detail
