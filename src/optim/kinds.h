// Option variants as JSON (private to the library). An optimiser or schedule is a std::variant of
// per-kind option structs; each struct names itself with `static constexpr const char* kind` and
// has nlohmann to_json / from_json for its fields. Its JSON form is flat: {"<kind_key>": "adam",
// "beta1": 0.9, ...}, the keys a run configuration and the command line use.
#pragma once
#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "neurite/error.h"
#include "neurite/io/json_input.h"

namespace neurite::detail {

template <class Variant>
std::string kind_of(const Variant& options) {
  return std::visit([](const auto& o) { return std::string(std::decay_t<decltype(o)>::kind); }, options);
}

// "sgd, adam, adamw or rmsprop"
template <class Variant>
std::string kind_list() {
  std::vector<std::string> names;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (names.emplace_back(std::variant_alternative_t<I, Variant>::kind), ...);
  }(std::make_index_sequence<std::variant_size_v<Variant>>{});
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return text;
}

// The keys of one kind's fields, with their default values.
template <class T>
nlohmann::json defaults_of() {
  nlohmann::json j = T{};
  return j.is_object() ? j : nlohmann::json::object();
}

// Every key any kind reads, with the default of the first kind that reads it.
template <class Variant>
nlohmann::json all_defaults() {
  nlohmann::json all = nlohmann::json::object();
  const auto add = [&](const nlohmann::json& fields) {
    for (const auto& [key, value] : fields.items())
      if (!all.contains(key)) all[key] = value;
  };
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (add(defaults_of<std::variant_alternative_t<I, Variant>>()), ...);
  }(std::make_index_sequence<std::variant_size_v<Variant>>{});
  return all;
}

// A value that may replace `model`: the same JSON type, any number where a float is expected.
inline bool same_type(const nlohmann::json& value, const nlohmann::json& model) {
  if (model.is_number_float()) return value.is_number();
  if (model.is_number_unsigned()) return value.is_number_unsigned() || (value.is_number_integer() && value >= 0);
  if (model.is_number_integer()) return value.is_number_integer();
  return value.type() == model.type();
}

inline const char* type_name(const nlohmann::json& model) {
  if (model.is_number_float()) return "a number";
  if (model.is_number_integer()) return "a whole number";
  if (model.is_boolean()) return "true or false";
  return "a string";
}

// One kind's options from the keys of `json` that belong to it; a key of a wrong type is an Error.
template <class T>
T read_kind(const nlohmann::json& json) {
  nlohmann::json fields = defaults_of<T>();
  for (auto& [key, model] : fields.items()) {
    if (!json.contains(key)) continue;
    const nlohmann::json& value = json.at(key);
    require(same_type(value, model), key + " must be " + type_name(model) + ", got " + quoted_prefix(value));
    model = value;
  }
  return fields.get<T>();
}

// The variant alternative named `kind` (the value of json[kind_key]), read from `json`. Keys that
// only other kinds read are an Error: a setting that would silently do nothing. Errors start with
// the key, as a run configuration's do.
template <class Variant>
Variant read_variant(const std::string& kind, const nlohmann::json& json, const char* kind_key, const std::string& what) {
  Variant result;
  bool found = false;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((!found && kind == std::variant_alternative_t<I, Variant>::kind
          ? (result = read_kind<std::variant_alternative_t<I, Variant>>(json), found = true)
          : false),
     ...);
  }(std::make_index_sequence<std::variant_size_v<Variant>>{});
  require(found, std::string(kind_key) + " '" + kind + "' is unknown (expected " + kind_list<Variant>() + ")");
  const nlohmann::json own = std::visit([](const auto& o) { return nlohmann::json(defaults_of<std::decay_t<decltype(o)>>()); }, result);
  const nlohmann::json every_kind = all_defaults<Variant>();
  for (const auto& [key, value] : every_kind.items())
    require(!json.contains(key) || own.contains(key), key + " is not a setting of the " + kind + " " + what);
  return result;
}

// The flat JSON form: {kind_key: name} and the kind's fields.
template <class Variant>
nlohmann::json write_variant(const Variant& options, const char* kind_key) {
  nlohmann::json j = std::visit([](const auto& o) { return nlohmann::json(o); }, options);
  if (!j.is_object()) j = nlohmann::json::object();
  j[kind_key] = kind_of(options);
  return j;
}

}  // namespace neurite::detail
