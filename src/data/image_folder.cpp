#include "neurite/data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "neurite/data/picture.h"
#include "neurite/error.h"

namespace neurite {

namespace {

namespace fs = std::filesystem;

bool hidden(const fs::path& path) { return path.filename().string().starts_with('.'); }

bool picture_name(const fs::path& path) {
  std::string extension = path.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg";
}

// The names in `folder` of the visible entries that are folders (`folders`) or picture files,
// in byte order (std::string compares as unsigned bytes, whatever the locale).
std::vector<std::string> sorted_entries(const fs::path& folder, bool folders) {
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  std::vector<std::string> names;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (hidden(path)) continue;
    std::error_code unreadable;  // a broken link, say: skipped like any other non-picture
    const bool keep = folders ? it->is_directory(unreadable) : it->is_regular_file(unreadable) && picture_name(path);
    if (keep) names.push_back(path.filename().string());
  }
  require(!ec, folder.string() + ": cannot list (" + ec.message() + ")");
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> class_folders(const std::string& root) {
  std::error_code ec;
  require(fs::exists(root, ec), root + ": no such folder");
  require(fs::is_directory(root, ec), root + ": not a folder (expected root/<class>/<picture>.png)");
  std::vector<std::string> classes = sorted_entries(root, true);
  require(!classes.empty(), root + ": no class sub-folders (expected root/<class>/<picture>.png)");
  return classes;
}

void add_class(ImageFolder& folder, const std::string& root, const std::string& name, int32_t label) {
  const fs::path path = fs::path(root) / name;
  const std::vector<std::string> files = sorted_entries(path, false);
  require(!files.empty(), path.string() + ": no .png or .jpg images");
  for (const std::string& file : files) {
    folder.files.push_back((path / file).string());
    folder.labels.push_back(label);
  }
}

void check_options(const std::string& root, const ImageFolderOptions& options) {
  require(options.channels == 0 || options.channels == 1 || options.channels == 3,
          root + ": channels must be 0 (as the pictures are), 1 (grey) or 3 (RGB), got " +
              std::to_string(options.channels));
  const std::string size = std::to_string(options.width) + "x" + std::to_string(options.height);
  require(options.width >= 0 && options.height >= 0, root + ": width and height must not be negative, got " + size);
  require(options.width <= kMaxPictureSamples && options.height <= kMaxPictureSamples / std::max<int64_t>(options.width, 1),
          root + ": pictures of " + size + " are more than 2^28 pixels (kMaxPictureSamples)");
}

// All the folder's pictures at the size and channels they are kept in must fit in
// kMaxFolderSamples; the size and channels are each within kMaxPictureSamples, so the product
// of two of them cannot overflow.
void require_folder_fits(const ImageFolder& folder, const std::string& root, int64_t channels) {
  const auto pictures = static_cast<int64_t>(folder.files.size());
  const int64_t per_picture = folder.width * folder.height * channels;
  require(per_picture <= kMaxFolderSamples / pictures,
          root + ": " + std::to_string(pictures) + " pictures of " + std::to_string(folder.width) + "x" +
              std::to_string(folder.height) + "x" + std::to_string(channels) +
              " samples are more than 2^30 in all (kMaxFolderSamples); give a smaller size");
}

// Repeats each grey plane three times: the folder turned out to hold a colour picture.
std::vector<uint8_t> grey_planes_to_rgb(const std::vector<uint8_t>& grey, std::size_t plane) {
  std::vector<uint8_t> rgb;
  rgb.reserve(grey.size() * 3);
  for (std::size_t start = 0; start < grey.size(); start += plane)
    for (int k = 0; k < 3; ++k) rgb.insert(rgb.end(), grey.begin() + start, grey.begin() + start + plane);
  return rgb;
}

// Reads folder.files into folder.pixels. With channels 0 the pictures are read as they are and
// kept grey until the first colour one, which widens those read before it to RGB once.
void read_pixels(ImageFolder& folder, const std::string& root, const ImageFolderOptions& options) {
  int channels = options.channels;
  for (std::size_t i = 0; i < folder.files.size(); ++i) {
    Picture picture = read_picture(folder.files[i], channels);
    if (i == 0) {
      folder.width = options.width != 0 ? options.width : picture.width;
      folder.height = options.height != 0 ? options.height : picture.height;
    }
    const std::size_t plane = static_cast<std::size_t>(folder.width * folder.height);
    if (i == 0 || (channels == 0 && picture.channels == 3)) require_folder_fits(folder, root, picture.channels);
    if (channels == 0 && picture.channels == 3) {
      folder.pixels = grey_planes_to_rgb(folder.pixels, plane);
      channels = 3;
    }
    folder.pixels.reserve(folder.files.size() * plane * static_cast<std::size_t>(picture.channels));
    try {
      picture = resize_picture(picture, folder.width, folder.height);
    } catch (const Error& e) {
      throw Error(folder.files[i] + ": " + e.what());
    }
    const std::vector<uint8_t> planar = picture_to_planar(picture);
    folder.pixels.insert(folder.pixels.end(), planar.begin(), planar.end());
  }
  folder.channels = channels == 0 ? 1 : channels;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

ImageFolder read_image_folder(const std::string& root, const ImageFolderOptions& options) {
  check_options(root, options);
  ImageFolder folder;
  folder.class_names = class_folders(root);
  for (std::size_t i = 0; i < folder.class_names.size(); ++i)
    add_class(folder, root, folder.class_names[i], static_cast<int32_t>(i));
  read_pixels(folder, root, options);
  return folder;
}

ImageFolder read_image_folder(const std::string& root, const ImageFolderOptions& options,
                              const std::vector<std::string>& class_names) {
  check_options(root, options);
  ImageFolder folder;
  folder.class_names = class_names;
  for (const std::string& name : class_folders(root)) {
    const auto known = std::find(class_names.begin(), class_names.end(), name);
    require(known != class_names.end(), root + ": class '" + name + "' was not in the training data (classes: " +
                                            joined(class_names) + ")");
    add_class(folder, root, name, static_cast<int32_t>(known - class_names.begin()));
  }
  read_pixels(folder, root, options);
  return folder;
}

}  // namespace neurite
