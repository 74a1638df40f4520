// Reading a whole file, with errors that name it: missing, a folder, unreadable.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

std::vector<uint8_t> read_file_bytes(const std::string& path);

}  // namespace neurite
