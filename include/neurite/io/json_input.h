// JSON read from outside: spec files, model and checkpoint metadata, training logs, JSON tables
// and the page's requests. nlohmann's parser accepts any nesting, and copying, comparing or
// printing the value then recurses once per level, so 100,000 nested brackets exhaust the stack.
// Every reader checks the nesting here before it parses.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "neurite/error.h"
#include "neurite/tensor.h"

namespace neurite {

// The deepest nesting of objects and arrays a JSON input may have. neurite's own files nest 5
// levels at most (a spec's layer options inside "layers" inside the spec).
inline constexpr int kMaxJsonDepth = 64;

// True when `text` nests objects and arrays deeper than kMaxJsonDepth (brackets inside strings
// do not count). A linear scan that stops at the first level too deep; it does not validate.
bool json_too_deep(std::string_view text);

// Throws Error "<source>: JSON nested deeper than 64 levels (the limit, kMaxJsonDepth)" when
// json_too_deep(text).
void require_json_depth(std::string_view text, const std::string& source);

// A JSON value as an error line quotes it: its text cut to `most` characters ("..." after), with
// invalid UTF-8 replaced, so that a long or nested value cannot make a line of 200 KB.
template <class Json>
std::string quoted_prefix(const Json& value, std::size_t most = 60) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > most) text.resize(most), text += "...";
  return text;
}

// A shape read from outside: a list of whole numbers. nlohmann's get<Shape> casts a float such as
// 1e34 to int64 unchecked, which is undefined behaviour; this refuses it with `what` named.
// The sizes' range (positive, not too large) is the caller's to check.
template <class Json>
Shape shape_from_json(const Json& value, const std::string& what) {
  const auto refuse = [&] { return Error(what + " must be a list of whole numbers, got " + quoted_prefix(value)); };
  if (!value.is_array()) throw refuse();
  Shape shape;
  for (const Json& size : value) {
    const bool fits = size.is_number_integer() &&
                      (!size.is_number_unsigned() || size.template get<uint64_t>() <= uint64_t{INT64_MAX});
    if (!fits) throw refuse();
    shape.push_back(size.template get<int64_t>());
  }
  return shape;
}

}  // namespace neurite
