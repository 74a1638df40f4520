// Writing a file so that a crash never leaves it half-written: the bytes go to a temporary file
// beside it, are flushed to disk, and the temporary is renamed over the target in one step.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace neurite {

void write_file_atomically(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace neurite
