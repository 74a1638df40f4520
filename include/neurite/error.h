// Every failure neurite reports is a neurite::Error whose message is one line naming the file,
// the value or the shapes involved. The CLI prints it and exits non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace neurite {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws Error(message) unless the condition holds.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw Error(message);
}

}  // namespace neurite
