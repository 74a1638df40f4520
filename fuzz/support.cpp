#include "support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace neurite::fuzz {

const std::string& scratch_folder() {
  // Made once and removed at exit; the string is never destroyed, so the exit handler can read it.
  static const std::string* folder = [] {
    const auto path = std::filesystem::temp_directory_path() / ("neurite-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(*folder, ignored);
    });
    return new std::string(path.string());
  }();
  return *folder;
}

const std::string& write_input(std::span<const uint8_t> bytes, const std::string& suffix) {
  static std::string path;
  path = scratch_folder() + "/input" + suffix;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) escaped(("cannot write the input to " + path).c_str());
  return path;
}

void escaped(const char* what) {
  std::fprintf(stderr, "neurite fuzz: not a neurite::Error: %s\n", what);
  std::abort();
}

}  // namespace neurite::fuzz
