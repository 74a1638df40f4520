// Every failure neurite reports is a neurite::Error whose message is one line naming the file,
// the value or the shapes involved. The CLI prints it and exits non-zero.
#pragma once
#include <charconv>
#include <stdexcept>
#include <string>

namespace neurite {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A number as a message writes it: the shortest text that reads back the same (0.5, 10, 1e+300),
// not std::to_string's six decimals (10.000000).
inline std::string number_text(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return {buffer, result.ptr};
}

// Throws Error(message) unless the condition holds.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw Error(message);
}

}  // namespace neurite
