// Image folders (one subfolder per class): the input is cut at each "\n--\n" into files; file i
// goes to class folder "c<i % 3>" with an extension the first byte picks, so the fuzzer varies
// the pictures, their number and their classes.
#include <filesystem>
#include <fstream>
#include <string_view>

#include "support.h"
#include "neurite/data/image_folder.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  if (size < 1) return 0;
  static constexpr const char* kExtensions[] = {".png", ".jpg", ".pgm", ".ppm"};
  const fs::path root = fs::path(fuzz::scratch_folder()) / "folder";
  fs::remove_all(root);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::size_t start = 0;
  for (int i = 0; i < 64 && start <= text.size(); ++i) {
    const std::size_t end = std::min(text.find("\n--\n", start), text.size());
    const fs::path folder = root / ("c" + std::to_string(i % 3));
    fs::create_directories(folder);
    std::ofstream(folder / (std::to_string(i) + kExtensions[(data[0] + i) % 4]), std::ios::binary)
        << text.substr(start, end - start);
    start = end + 4;
  }
  const ImageFolderOptions options{.channels = data[0] & 1 ? 3 : 0, .width = data[0] & 2 ? 16 : 0, .height = data[0] & 2 ? 16 : 0};
  fuzz::read_or_refuse([&] { read_image_folder(root.string(), options); });
  return 0;
}
