#include "neurite/io/json_input.h"

#include "neurite/error.h"

namespace neurite {

bool json_too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

void require_json_depth(std::string_view text, const std::string& source) {
  require(!json_too_deep(text), source + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                    " levels (the limit, kMaxJsonDepth)");
}

}  // namespace neurite
