#include "neurite/io/file.h"

#include <cstdio>
#include <filesystem>

#include "neurite/error.h"

namespace neurite {

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  require(fs::exists(path, ec), path + ": cannot open: no such file");
  require(fs::is_regular_file(path, ec), path + ": cannot open: not a regular file");
  std::FILE* file = std::fopen(path.c_str(), "rb");
  require(file != nullptr, path + ": cannot open for reading");
  std::vector<uint8_t> bytes(static_cast<std::size_t>(fs::file_size(path, ec)));
  const std::size_t got = std::fread(bytes.data(), 1, bytes.size(), file);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  require(!failed && got == bytes.size(), path + ": read failed");
  return bytes;
}

}  // namespace neurite
