#include "neurite/io/file.h"

#include <cstdio>
#include <filesystem>

#include "neurite/error.h"
#include "neurite/tensor.h"

namespace neurite {

uint64_t regular_file_size(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  require(fs::exists(path, ec), path + ": cannot open: no such file");
  require(fs::is_regular_file(path, ec), path + ": cannot open: not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  require(!ec, path + ": cannot open (" + ec.message() + ")");
  return size;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  const uint64_t size = regular_file_size(path);
  std::FILE* file = std::fopen(path.c_str(), "rb");
  require(file != nullptr, path + ": cannot open for reading");
  std::vector<uint8_t> bytes;
  bytes.reserve(static_cast<std::size_t>(size));
  prefer_huge_pages(bytes.data(), bytes.capacity());
  bytes.resize(static_cast<std::size_t>(size));
  const std::size_t got = std::fread(bytes.data(), 1, bytes.size(), file);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  require(!failed && got == bytes.size(), path + ": read failed");
  return bytes;
}

}  // namespace neurite
