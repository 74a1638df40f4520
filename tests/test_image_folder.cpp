// Image-folder datasets, root/<class>/<picture>: classes and files in byte order, the files that
// are skipped, grey and colour pictures mixed, resizing to one size, the planar layout, a test
// folder read with the training folder's classes, every error, and 200 real MNIST digits written
// as PNG files and read back exactly.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "neurite/data/image.h"
#include "neurite/data/image_folder.h"
#include "neurite/data/mnist.h"
#include "neurite/data/picture.h"
#include "neurite/error.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::expect_error;

namespace fs = std::filesystem;

Picture flat(int64_t width, int64_t height, std::vector<uint8_t> colour) {
  Picture picture{width, height, static_cast<int64_t>(colour.size()), {}};
  for (int64_t i = 0; i < width * height; ++i)
    picture.pixels.insert(picture.pixels.end(), colour.begin(), colour.end());
  return picture;
}

// Writes `picture` to root/<relative> as PNG, or JPEG when the name ends in .jpg or .JPEG.
void put(const std::string& root, const std::string& relative, const Picture& picture) {
  const fs::path path = fs::path(root) / relative;
  fs::create_directories(path.parent_path());
  if (path.extension() == ".png" || path.extension() == ".PNG") {
    write_png(path.string(), picture);
    return;
  }
  const std::vector<uint8_t> bytes = encode_jpeg(picture, 95);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

void put_text(const std::string& root, const std::string& relative, const std::string& text) {
  const fs::path path = fs::path(root) / relative;
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(ImageFolder, ClassesAndFilesInByteOrderOthersSkipped) {
  const std::string root = testing::temp_dir();
  put(root, "b/2.png", flat(2, 2, {20}));
  put(root, "b/10.png", flat(2, 2, {10}));
  put(root, "a/x.PNG", flat(2, 2, {30}));
  put(root, "Z/only.png", flat(2, 2, {40}));
  put(root, "a/.hidden.png", flat(2, 2, {99}));
  put(root, ".git/objects.png", flat(2, 2, {99}));
  put(root, "a/deeper/y.png", flat(2, 2, {99}));
  put_text(root, "a/notes.txt", "not a picture");
  put_text(root, "README.png.txt", "a file in the root, not a class");
  const ImageFolder folder = read_image_folder(root, {});
  EXPECT_EQ(folder.class_names, (std::vector<std::string>{"Z", "a", "b"}));
  EXPECT_EQ(folder.labels, (std::vector<int32_t>{0, 1, 2, 2}));
  EXPECT_EQ(folder.files, (std::vector<std::string>{root + "/Z/only.png", root + "/a/x.PNG", root + "/b/10.png",
                                                    root + "/b/2.png"}));
  EXPECT_EQ(folder.channels, 1);
  EXPECT_EQ(folder.width, 2);
  EXPECT_EQ(folder.height, 2);
  std::vector<uint8_t> expected;
  for (uint8_t v : {40, 30, 10, 20}) expected.insert(expected.end(), 4, v);
  EXPECT_EQ(folder.pixels, expected);
}

TEST(ImageFolder, PixelsArePlanarAndOneColourPictureMakesAllRgb) {
  const std::string root = testing::temp_dir();
  put(root, "a/1.png", flat(2, 1, {7}));
  put(root, "b/1.png", Picture{2, 1, 3, {1, 2, 3, 4, 5, 6}});
  put(root, "c/1.png", flat(2, 1, {9}));
  const ImageFolder folder = read_image_folder(root, {});
  EXPECT_EQ(folder.channels, 3);
  EXPECT_EQ(folder.pixels, (std::vector<uint8_t>{7, 7, 7, 7, 7, 7,  //
                                                 1, 4, 2, 5, 3, 6,  //
                                                 9, 9, 9, 9, 9, 9}));
  const ImageFolder grey = read_image_folder(root, {.channels = 1});
  EXPECT_EQ(grey.channels, 1);
  EXPECT_EQ(grey.pixels.size(), 6u);
  EXPECT_EQ(grey.pixels[0], 7);
  const ImageFolder rgb = read_image_folder(root, {.channels = 3});
  EXPECT_EQ(rgb.pixels, folder.pixels);
}

TEST(ImageFolder, EveryPictureTakesTheFirstSizeOrTheChosenOne) {
  const std::string root = testing::temp_dir();
  put(root, "a/1.png", Picture{4, 2, 1, {0, 20, 40, 60, 80, 100, 120, 140}});
  put(root, "a/2.png", flat(1, 1, {200}));
  const ImageFolder first = read_image_folder(root, {});
  EXPECT_EQ(first.width, 4);
  EXPECT_EQ(first.height, 2);
  EXPECT_EQ(first.pixels.size(), 16u);
  EXPECT_EQ(std::vector<uint8_t>(first.pixels.begin() + 8, first.pixels.end()), std::vector<uint8_t>(8, 200));
  const ImageFolder small = read_image_folder(root, {.width = 2, .height = 1});
  EXPECT_EQ(small.pixels, (std::vector<uint8_t>{50, 90, 200, 200}));
}

TEST(ImageFolder, ReadsJpegFilesAnyCase) {
  const std::string root = testing::temp_dir();
  put(root, "cat/1.jpg", flat(16, 16, {200, 30, 30}));
  put(root, "dog/1.JPEG", flat(16, 16, {30, 30, 200}));
  const ImageFolder folder = read_image_folder(root, {});
  ASSERT_EQ(folder.files.size(), 2u);
  EXPECT_EQ(folder.channels, 3);
  const std::size_t plane = 16 * 16;
  EXPECT_NEAR(folder.pixels[0], 200, 4);              // cat, red plane
  EXPECT_NEAR(folder.pixels[2 * plane], 30, 4);       // cat, blue plane
  EXPECT_NEAR(folder.pixels[3 * plane + 0], 30, 4);   // dog, red plane
  EXPECT_NEAR(folder.pixels[5 * plane + 0], 200, 4);  // dog, blue plane
}

TEST(ImageFolder, TestFolderUsesTheTrainingClasses) {
  const std::string root = testing::temp_dir() + "/test/";
  put(root, "dog/1.png", flat(1, 1, {5}));
  const std::vector<std::string> classes = {"cat", "dog", "emu"};
  const ImageFolder folder = read_image_folder(root, {}, classes);
  EXPECT_EQ(folder.class_names, classes);
  EXPECT_EQ(folder.labels, (std::vector<int32_t>{1}));
  put(root, "x/1.png", flat(1, 1, {5}));
  expect_error([&] { read_image_folder(root, {}, classes); },
               {root + ": class 'x' was not in the training data (classes: cat, dog, emu)"});
}

TEST(ImageFolder, ErrorsNameTheFolderOrFile) {
  const std::string dir = testing::temp_dir();
  expect_error([&] { read_image_folder(dir + "/nowhere", {}); }, {dir + "/nowhere", "no such folder"});
  put_text(dir, "file", "x");
  expect_error([&] { read_image_folder(dir + "/file", {}); }, {dir + "/file", "not a folder"});
  fs::create_directories(dir + "/empty");
  expect_error([&] { read_image_folder(dir + "/empty", {}); }, {dir + "/empty", "no class sub-folders"});
  put(dir, "root/dog/1.png", flat(1, 1, {5}));
  put_text(dir, "root/cat/notes.txt", "no pictures here");
  expect_error([&] { read_image_folder(dir + "/root", {}); }, {dir + "/root/cat: no .png or .jpg images"});
  put_text(dir, "broken/cat/1.png", "\x89PNG\r\n\x1a\n and then nothing sensible");
  expect_error([&] { read_image_folder(dir + "/broken", {}); }, {dir + "/broken/cat/1.png", "PNG"});
  put(dir, "good/cat/1.png", flat(1, 1, {5}));
  expect_error([&] { read_image_folder(dir + "/good", {.channels = 2}); }, {dir + "/good", "channels", "got 2"});
  expect_error([&] { read_image_folder(dir + "/good", {.width = -1}); }, {dir + "/good", "negative"});
}

// The first 200 MNIST test digits written as root/<digit>/<index>.png come back with their labels
// and every pixel exactly.
TEST(ImageFolder, RealMnistDigitsRoundTrip) {
  const std::string mnist = testing::mnist_dir();
  if (mnist.empty()) GTEST_SKIP() << "MNIST not found (set NEURITE_MNIST)";
  const Dataset digits = load_mnist_test(mnist, {.keep_pixels = true});
  const std::string root = testing::temp_dir() + "/digits";
  constexpr int64_t kCount = 200, kSide = kMnistSide * kMnistSide;
  for (int64_t i = 0; i < kCount; ++i) {
    const std::string name = std::to_string(1000 + i).substr(1);  // 000..199: names sort as numbers
    const fs::path path = fs::path(root) / std::to_string(digits.labels[static_cast<std::size_t>(i)]) / (name + ".png");
    fs::create_directories(path.parent_path());
    const auto first = digits.pixels.begin() + i * kSide;
    write_png_gray(path.string(), GrayImage{kMnistSide, kMnistSide, {first, first + kSide}});
  }
  const ImageFolder folder = read_image_folder(root, {});
  ASSERT_EQ(folder.class_names, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  ASSERT_EQ(folder.labels.size(), static_cast<std::size_t>(kCount));
  EXPECT_EQ(folder.channels, 1);
  EXPECT_EQ(folder.height, kMnistSide);
  EXPECT_EQ(folder.width, kMnistSide);
  // The folder lists digit by digit; within a digit the indices ascend.
  std::size_t n = 0;
  for (int digit = 0; digit < 10; ++digit)
    for (int64_t i = 0; i < kCount; ++i) {
      if (digits.labels[static_cast<std::size_t>(i)] != digit) continue;
      ASSERT_EQ(folder.labels[n], digit) << n;
      const auto expected = digits.pixels.begin() + i * kSide;
      const auto actual = folder.pixels.begin() + static_cast<std::ptrdiff_t>(n) * kSide;
      ASSERT_TRUE(std::equal(expected, expected + kSide, actual)) << "digit " << i << " in " << folder.files[n];
      ++n;
    }
  EXPECT_EQ(n, static_cast<std::size_t>(kCount));
}

}  // namespace
}  // namespace neurite
