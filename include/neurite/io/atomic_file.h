// Writing a file so that a crash never leaves it half-written: the bytes go to a temporary file
// beside it, are flushed to disk, and the temporary is renamed over the target in one step.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace neurite {

// On failure the temporary is removed and the error names `path`, the reason, and whether an
// earlier file at `path` is still there unchanged. `before_rename`, when given, sees the
// temporary's descriptor once the bytes are on disk (the training log locks it there).
void write_file_atomically(const std::string& path, std::span<const uint8_t> bytes,
                           const std::function<void(int fd)>& before_rename = {});

}  // namespace neurite
