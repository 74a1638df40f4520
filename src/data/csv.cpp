#include "neurite/data/csv.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "neurite/data/idx.h"
#include "neurite/error.h"
#include "neurite/io/atomic_file.h"

namespace neurite {

namespace {

constexpr int64_t kFields = 1 + kMnistPixels;

// Where a parse error happened, so every message can start with "<file>, line <n>: ".
struct Place {
  const std::string& path;
  int64_t line;
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(path + ", line " + std::to_string(line) + ": " + why);
  }
};

std::string shown(std::string_view field) {
  constexpr std::size_t kMax = 20;  // a runaway field must not flood the terminal
  return "\"" + std::string(field.substr(0, kMax)) + (field.size() > kMax ? "...\"" : "\"");
}

std::string field_name(int64_t index) { return index == 0 ? "label" : "pixel " + std::to_string(index); }

// One field as an integer in [0, max]. Names are built only on failure: this runs 47 million
// times for the MNIST training set.
uint8_t parse_field(std::string_view field, int max, int64_t index, const Place& place) {
  int value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || ec == std::errc::invalid_argument || end != field.data() + field.size())
    place.fail(field_name(index) + " " + shown(field) + " is not an integer");
  if (ec == std::errc::result_out_of_range || value < 0 || value > max)
    place.fail(field_name(index) + " " + std::string(field) + " is outside 0.." + std::to_string(max));
  return static_cast<uint8_t>(value);
}

// Checks the field count first (a truncated line then reads as one, not as a bad number), then
// appends the line's label and pixels to `out`.
void parse_line(std::string_view line, const Place& place, CsvDigits& out) {
  const int64_t fields = std::count(line.begin(), line.end(), ',') + 1;
  if (fields != kFields)
    place.fail("expected " + std::to_string(kFields) + " fields (a label and " + std::to_string(kMnistPixels) +
               " pixels), got " + std::to_string(fields));
  std::size_t start = 0;
  for (int64_t index = 0; index < kFields; ++index) {
    const std::size_t comma = index + 1 < kFields ? line.find(',', start) : line.size();
    const std::string_view field = line.substr(start, comma - start);
    if (index == 0)
      out.labels.push_back(parse_field(field, 9, index, place));
    else
      out.pixels.push_back(parse_field(field, 255, index, place));
    start = comma + 1;
  }
}

}  // namespace

CsvDigits read_mnist_csv(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_maybe_gzip(path);
  require(!bytes.empty(), path + ": empty file, expected one \"label,pixels\" line per image");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  CsvDigits out;
  // About 2,000 to 3,000 characters per image; reserving avoids most regrowth on 60,000 lines.
  const std::size_t guess = text.size() / 1500 + 1;
  out.labels.reserve(guess);
  out.pixels.reserve(guess * static_cast<std::size_t>(kMnistPixels));
  std::size_t start = 0;
  for (int64_t line_number = 1; start < text.size(); ++line_number) {
    std::size_t end = text.find('\n', start);
    const std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const Place place{path, line_number};
    if (line.empty()) place.fail("empty line, expected a label and " + std::to_string(kMnistPixels) + " pixels");
    parse_line(line, place, out);
    start = next;
  }
  return out;
}

void write_mnist_csv(const std::string& path, std::span<const uint8_t> labels,
                     std::span<const uint8_t> pixels) {
  const auto n = static_cast<int64_t>(labels.size());
  require(static_cast<int64_t>(pixels.size()) == n * kMnistPixels,
          path + ": " + std::to_string(pixels.size()) + " pixel values for " + std::to_string(n) +
              " images of " + std::to_string(kMnistPixels));
  std::string text;
  text.reserve(static_cast<std::size_t>(n) * 4 * kFields);  // at most "255," per field
  char number[4];
  auto append = [&](uint8_t value, char separator) {
    const auto result = std::to_chars(number, number + sizeof number, value);
    text.append(number, result.ptr);
    text.push_back(separator);
  };
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t label = labels[static_cast<std::size_t>(i)];
    require(label < 10, path + ": label " + std::to_string(label) + " of image " + std::to_string(i) +
                            " is not a digit");
    append(label, ',');
    const uint8_t* image = pixels.data() + i * kMnistPixels;
    for (int64_t p = 0; p < kMnistPixels; ++p) append(image[p], p + 1 < kMnistPixels ? ',' : '\n');
  }
  write_file_atomically(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

Dataset csv_to_dataset(const CsvDigits& digits, InputScale scale, TargetValues targets) {
  return make_dataset(digits.pixels, digits.labels, {kMnistPixels}, 10, scale, targets);
}

}  // namespace neurite
