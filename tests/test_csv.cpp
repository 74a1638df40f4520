// MNIST CSV files (seed 003's format): exact round trips, and one clear error naming the file
// and the line for every kind of malformed input.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "neurite/data/csv.h"
#include "neurite/error.h"
#include "test_support.h"

namespace neurite {
namespace {

struct Digits {
  std::vector<uint8_t> labels, pixels;
};

// n images whose pixels cover every value 0..255 and whose labels cycle through the digits.
Digits sample_digits(int n) {
  Digits d;
  for (int i = 0; i < n; ++i) {
    d.labels.push_back(static_cast<uint8_t>((i * 7) % 10));
    for (int p = 0; p < kMnistPixels; ++p) d.pixels.push_back(static_cast<uint8_t>((i * 31 + p * 13) % 256));
  }
  return d;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The CSV line of one image: label then 784 pixels, all `pixel`.
std::string line(int label, int pixel, int pixels = kMnistPixels) {
  std::string text = std::to_string(label);
  for (int p = 0; p < pixels; ++p) text += "," + std::to_string(pixel);
  return text + "\n";
}

// Reads `path` expecting an Error that mentions the file, the `where` text and `why`.
void expect_error(const std::string& path, const std::string& where, const std::string& why) {
  try {
    read_mnist_csv(path);
    FAIL() << "no error for " << path;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(where), std::string::npos) << message;
    EXPECT_NE(message.find(why), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
  }
}

TEST(Csv, RoundTripIsExact) {
  const std::string path = testing::temp_dir() + "/digits.csv";
  const Digits d = sample_digits(25);
  write_mnist_csv(path, d.labels, d.pixels);
  const CsvDigits back = read_mnist_csv(path);
  EXPECT_EQ(back.size(), 25);
  EXPECT_EQ(back.labels, d.labels);
  EXPECT_EQ(back.pixels, d.pixels);
}

TEST(Csv, WritesTheSeedsFormat) {
  const std::string path = testing::temp_dir() + "/one.csv";
  const Digits d = sample_digits(1);
  write_mnist_csv(path, d.labels, d.pixels);
  const std::string text = read_text(path);
  EXPECT_EQ(text.substr(0, 11), "0,0,13,26,3");
  EXPECT_EQ(std::count(text.begin(), text.end(), ','), kMnistPixels);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST(Csv, AcceptsWindowsLineEndsAndNoFinalNewline) {
  const std::string path = testing::temp_dir() + "/crlf.csv";
  std::string second = line(9, 255);
  second.pop_back();  // no final line end
  std::string first = line(3, 1);
  first.insert(first.size() - 1, "\r");
  write_text(path, first + second);
  const CsvDigits d = read_mnist_csv(path);
  EXPECT_EQ(d.labels, (std::vector<uint8_t>{3, 9}));
  EXPECT_EQ(d.pixels.front(), 1);
  EXPECT_EQ(d.pixels.back(), 255);
}

TEST(Csv, ToDatasetUsesTheSeedsScaling) {
  CsvDigits d;
  d.labels = {4};
  d.pixels.assign(kMnistPixels, 255);
  d.pixels[0] = 0;
  const Dataset set = csv_to_dataset(d);
  EXPECT_EQ(set.inputs.shape(), (Shape{1, kMnistPixels}));
  EXPECT_FLOAT_EQ(set.inputs[0], 0.01f);
  EXPECT_FLOAT_EQ(set.inputs[1], 1.0f);
  EXPECT_FLOAT_EQ(set.targets[4], 0.99f);
  EXPECT_FLOAT_EQ(set.targets[0], 0.01f);
  EXPECT_EQ(set.labels, std::vector<int32_t>(d.labels.begin(), d.labels.end()));
}

TEST(Csv, TruncatedLastLine) {
  const std::string path = testing::temp_dir() + "/cut.csv";
  const std::string whole = line(1, 2) + line(2, 3);
  write_text(path, whole.substr(0, whole.size() - 100));
  expect_error(path, "line 2", "fields");
}

TEST(Csv, TooFewFields) {
  const std::string path = testing::temp_dir() + "/short.csv";
  write_text(path, line(1, 2) + line(5, 0) + line(7, 0, kMnistPixels - 1));
  expect_error(path, "line 3", "got 784");
}

TEST(Csv, TooManyFields) {
  const std::string path = testing::temp_dir() + "/long.csv";
  write_text(path, line(7, 0, kMnistPixels + 1));
  expect_error(path, "line 1", "got 786");
}

TEST(Csv, PixelOutOfRange) {
  const std::string path = testing::temp_dir() + "/bright.csv";
  write_text(path, line(1, 2) + line(1, 256));
  expect_error(path, "line 2", "256 is outside 0..255");
}

TEST(Csv, NegativePixel) {
  const std::string path = testing::temp_dir() + "/negative.csv";
  write_text(path, line(1, -1));
  expect_error(path, "line 1", "outside 0..255");
}

TEST(Csv, LabelNotADigit) {
  const std::string path = testing::temp_dir() + "/label.csv";
  write_text(path, line(3, 0) + line(1, 0) + line(10, 0));
  expect_error(path, "line 3", "label 10 is outside 0..9");
}

TEST(Csv, TextInsteadOfNumber) {
  const std::string path = testing::temp_dir() + "/text.csv";
  std::string bad = line(1, 0);
  bad.replace(2, 1, "abc");  // the first pixel
  write_text(path, line(2, 0) + bad);
  expect_error(path, "line 2", "pixel 1 \"abc\" is not an integer");
}

TEST(Csv, NumberWithTrailingJunk) {
  const std::string path = testing::temp_dir() + "/junk.csv";
  std::string bad = line(1, 0);
  bad.replace(0, 1, "1.5");
  write_text(path, bad);
  expect_error(path, "line 1", "label \"1.5\" is not an integer");
}

TEST(Csv, BlankLineInTheMiddle) {
  const std::string path = testing::temp_dir() + "/blank.csv";
  write_text(path, line(1, 0) + "\n" + line(2, 0));
  expect_error(path, "line 2", "empty line");
}

TEST(Csv, EmptyFile) {
  const std::string path = testing::temp_dir() + "/empty.csv";
  write_text(path, "");
  expect_error(path, path, "empty file");
}

TEST(Csv, MissingFile) {
  const std::string path = testing::temp_dir() + "/nowhere.csv";
  expect_error(path, path, "cannot open");
}

TEST(Csv, WriterRejectsInconsistentInput) {
  const std::string path = testing::temp_dir() + "/bad.csv";
  const std::vector<uint8_t> labels{1, 2};
  const std::vector<uint8_t> pixels(kMnistPixels, 0);
  EXPECT_THROW(write_mnist_csv(path, labels, pixels), Error);
  const std::vector<uint8_t> bad_label{10};
  EXPECT_THROW(write_mnist_csv(path, bad_label, pixels), Error);
}

}  // namespace
}  // namespace neurite
