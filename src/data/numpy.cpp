#include "neurite/data/numpy.h"

#include <zip.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string_view>

#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/io/file.h"

namespace neurite {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// The element type a 'descr' string names: '<f4' is kind 'f', 4 bytes, little-endian.
struct Dtype {
  std::string descr;
  char kind = 0;         // 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'U' UTF-32 text, 'S' bytes
  int64_t itemsize = 0;  // bytes per element
  bool big_endian = false;
};

struct Header {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
};

// A cursor over the header, a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (10, 784), }
// It reads exactly what such a dict holds: quoted strings, True/False and tuples of integers.
class HeaderReader {
 public:
  HeaderReader(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(name_ + ": malformed NPY header at character " + std::to_string(pos_) + " (" + why + ")");
  }
  char peek() {
    while (pos_ < text_.size() && std::string_view(" \t\r\n").find(text_[pos_]) != std::string_view::npos) ++pos_;
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }
  std::string string() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string");
    const std::size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }
  bool boolean() {
    peek();
    for (const std::string_view word : {"True", "False"}) {
      if (text_.substr(pos_, word.size()) != word) continue;
      pos_ += word.size();
      return word == "True";
    }
    fail("expected True or False");
  }
  Shape tuple() {
    expect('(');
    Shape shape;
    while (!accept(')')) {
      shape.push_back(dimension());
      if (!accept(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }
  void finish() {
    if (peek() != '\0') fail("text after the dict");
  }

 private:
  int64_t dimension() {
    peek();
    int64_t value = -1;
    const char* end = text_.data() + text_.size();
    const auto [stop, ec] = std::from_chars(text_.data() + pos_, end, value);
    if (ec != std::errc{} || value < 0) fail("expected a dimension, a non-negative integer");
    pos_ = static_cast<std::size_t>(stop - text_.data());
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 wrote long integers as 10L
    return value;
  }

  std::string_view text_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

[[noreturn]] void unsupported(const std::string& name, const std::string& descr, const std::string& what) {
  throw Error(name + ": element type '" + descr + "' (" + what + ") is not supported (numbers, booleans or text)");
}

Header parse_header(std::string_view text, const std::string& name) {
  HeaderReader in(text, name);
  Header header;
  bool seen[3] = {};
  constexpr std::string_view kKeys[] = {"descr", "fortran_order", "shape"};
  in.expect('{');
  while (!in.accept('}')) {
    const std::string key = in.string();
    const auto at = std::find(std::begin(kKeys), std::end(kKeys), key) - std::begin(kKeys);
    if (at == 3) in.fail("unexpected key '" + key + "'");
    if (seen[at]) in.fail("key '" + key + "' given twice");
    seen[at] = true;
    in.expect(':');
    if (at == 0 && in.peek() == '[')
      throw Error(name + ": element type (structured records) is not supported (numbers, booleans or text)");
    if (at == 0) header.descr = in.string();
    if (at == 1) header.fortran_order = in.boolean();
    if (at == 2) header.shape = in.tuple();
    if (!in.accept(',')) {
      in.expect('}');
      break;
    }
  }
  in.finish();
  for (int k = 0; k < 3; ++k)
    if (!seen[k]) in.fail("no '" + std::string(kKeys[k]) + "' key");
  return header;
}

Dtype parse_dtype(const std::string& descr, const std::string& name) {
  Dtype type{descr};
  const char order = descr.empty() ? '?' : descr[0];
  type.kind = descr.size() > 1 ? descr[1] : '?';
  if (type.kind == 'c') unsupported(name, descr, "complex");
  if (type.kind == 'O') unsupported(name, descr, "Python objects");
  if (type.kind == 'M' || type.kind == 'm') unsupported(name, descr, "dates and times");
  if (type.kind == 'V') unsupported(name, descr, "raw records");
  int64_t n = 0;
  const char* end = descr.data() + descr.size();
  const auto [stop, ec] = std::from_chars(descr.data() + std::min<std::size_t>(2, descr.size()), end, n);
  const bool numeric = (type.kind == 'b' && n == 1) || (type.kind == 'f' && (n == 2 || n == 4 || n == 8)) ||
                       ((type.kind == 'i' || type.kind == 'u') && (n == 1 || n == 2 || n == 4 || n == 8));
  // Wider text is no label; the bound also keeps itemsize far from overflow.
  const bool text = (type.kind == 'U' || type.kind == 'S') && n >= 1 && n <= (int64_t{1} << 32);
  const bool valid = ec == std::errc{} && stop == end && std::string_view("<>|=").find(order) != std::string_view::npos;
  if (!valid || !(numeric || text)) unsupported(name, descr, "unknown");
  type.itemsize = type.kind == 'U' ? 4 * n : n;
  type.big_endian = order == '>' || (order == '=' && std::endian::native == std::endian::big);
  return type;
}

// The `size`-byte unsigned integer at `p`, in the given byte order.
uint64_t load(const uint8_t* p, int64_t size, bool big_endian) {
  uint64_t value = 0;
  for (int64_t i = 0; i < size; ++i) value |= uint64_t{p[big_endian ? size - 1 - i : i]} << (8 * i);
  return value;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));  // inf, NaN
  if (exponent == 0) {  // zero or subnormal: mantissa x 2^-24, exact in float
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));  // rebias 15 -> 127
}

float number(const uint8_t* p, const Dtype& type) {
  const uint64_t raw = load(p, type.itemsize, type.big_endian);
  const int64_t unused = 64 - 8 * type.itemsize;  // high bits above a narrower integer
  switch (type.kind) {
    case 'b': return raw != 0 ? 1.0f : 0.0f;
    case 'u': return static_cast<float>(raw);
    case 'i': return static_cast<float>(static_cast<int64_t>(raw << unused) >> unused);
    default: break;
  }
  if (type.itemsize == 2) return half_to_float(static_cast<uint16_t>(raw));
  if (type.itemsize == 4) return std::bit_cast<float>(static_cast<uint32_t>(raw));
  return static_cast<float>(std::bit_cast<double>(raw));
}

void append_utf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
    return;
  }
  constexpr uint8_t kLead[] = {0, 0xc0, 0xe0, 0xf0};
  const int extra = c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
  out += static_cast<char>(kLead[extra] | (c >> (6 * extra)));
  for (int i = extra - 1; i >= 0; --i) out += static_cast<char>(0x80 | ((c >> (6 * i)) & 0x3f));
}

// Element `index` of a text array; NumPy pads shorter strings with NULs, which are not kept.
std::string text(const uint8_t* p, const Dtype& type, std::size_t index, const std::string& name) {
  if (type.kind == 'S') {
    int64_t n = type.itemsize;
    while (n > 0 && p[n - 1] == 0) --n;
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  int64_t n = type.itemsize / 4;
  while (n > 0 && load(p + 4 * (n - 1), 4, type.big_endian) == 0) --n;
  std::string s;
  for (int64_t i = 0; i < n; ++i) {
    const auto c = static_cast<uint32_t>(load(p + 4 * i, 4, type.big_endian));
    require(c <= 0x10ffff && (c < 0xd800 || c > 0xdfff),
            name + ": text element " + std::to_string(index) + " holds " + std::to_string(c) + ", not a Unicode character");
    append_utf8(s, c);
  }
  return s;
}

// The bytes `shape` of `itemsize`-byte elements needs, or -1 past int64 (no file is that big).
int64_t needed_bytes(const Shape& shape, int64_t itemsize) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  int64_t n = itemsize;
  for (int64_t d : shape) {
    if (n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

// Fortran order keeps the first index fastest; C order, which NdArray promises, the last.
std::vector<uint8_t> to_c_order(std::span<const uint8_t> body, const Shape& shape, int64_t itemsize) {
  const std::size_t rank = shape.size();
  std::vector<int64_t> stride(rank, itemsize), index(rank, 0);  // in the file, in bytes
  for (std::size_t d = 1; d < rank; ++d) stride[d] = stride[d - 1] * shape[d - 1];
  std::vector<uint8_t> out(body.size());
  int64_t from = 0;
  for (std::size_t to = 0; to < out.size(); to += static_cast<std::size_t>(itemsize)) {
    std::memcpy(out.data() + to, body.data() + from, static_cast<std::size_t>(itemsize));
    for (std::size_t d = rank; d-- > 0;) {  // the next index in C order, as an odometer turns
      from += stride[d];
      if (++index[d] < shape[d]) break;
      from -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

NdArray decode(std::span<const uint8_t> body, const Header& header, const Dtype& type, const std::string& name) {
  // Checked before anything is allocated: the header alone may claim terabytes.
  const int64_t needed = needed_bytes(header.shape, type.itemsize);
  const auto have = static_cast<int64_t>(body.size());
  const std::string needs = "the header's shape " + to_string(header.shape) + " of '" + type.descr + "' needs ";
  require(needed >= 0, name + ": " + needs + "more than 2^63 bytes");
  require(have >= needed, name + ": body has " + std::to_string(have) + " bytes, " + needs + std::to_string(needed));
  require(have == needed, name + ": " + std::to_string(have - needed) + " unexpected bytes after the data (" + needs +
                              std::to_string(needed) + ")");
  std::vector<uint8_t> reordered;
  if (header.fortran_order && header.shape.size() > 1) {
    reordered = to_c_order(body, header.shape, type.itemsize);
    body = reordered;
  }
  const bool integral = type.kind == 'b' || type.kind == 'i' || type.kind == 'u';
  NdArray array{.shape = header.shape, .dtype = type.descr, .integral = integral};
  const auto count = static_cast<std::size_t>(needed / type.itemsize);
  const auto step = static_cast<std::size_t>(type.itemsize);
  if (type.kind == 'u' && type.itemsize == 1) {
    array.bytes.assign(body.begin(), body.end());
  } else if (type.kind == 'U' || type.kind == 'S') {
    array.strings.reserve(count);
    for (std::size_t i = 0; i < count; ++i) array.strings.push_back(text(body.data() + i * step, type, i, name));
  } else {
    array.values.resize(count);
    for (std::size_t i = 0; i < count; ++i) array.values[i] = number(body.data() + i * step, type);
  }
  return array;
}

// ---- .npz ----

struct ZipDiscard {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileClose {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

std::unique_ptr<zip_t, ZipDiscard> open_zip(const std::string& path) {
  std::error_code ec;  // checked here for read_file_bytes's messages; libzip's would be vaguer
  require(std::filesystem::exists(path, ec), path + ": cannot open: no such file");
  require(std::filesystem::is_regular_file(path, ec), path + ": cannot open: not a regular file");
  int code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (archive) return std::unique_ptr<zip_t, ZipDiscard>(archive);
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  const std::string why = zip_error_strerror(&error);
  zip_error_fini(&error);
  require(code != ZIP_ER_NOZIP, path + ": not an NPZ file (not a zip archive)");
  throw Error(path + ": corrupt zip archive (" + why + ")");
}

// A member's bytes, read in steps rather than sized from its header: a corrupt size costs no memory.
std::vector<uint8_t> read_member(zip_t* archive, zip_uint64_t index, const std::string& name) {
  zip_stat_t stat;
  require(zip_stat_index(archive, index, 0, &stat) == 0 && (stat.valid & ZIP_STAT_SIZE), name + ": corrupt member (no size)");
  // Checked before reading: a member's claimed size drives the allocation below.
  require(stat.size <= kMaxDecompressedBytes, name + ": member claims " + std::to_string(stat.size) +
                                                  " bytes uncompressed, more than " +
                                                  std::to_string(kMaxDecompressedBytes >> 20) + " MiB (kMaxDecompressedBytes)");
  std::unique_ptr<zip_file_t, ZipFileClose> file(zip_fopen_index(archive, index, 0));
  if (!file) throw Error(name + ": cannot open member (" + zip_strerror(archive) + ")");
  std::vector<uint8_t> bytes;
  constexpr zip_uint64_t kStep = zip_uint64_t{1} << 24;
  for (;;) {
    const std::size_t old = bytes.size();
    const zip_uint64_t want = std::min(kStep, stat.size + 1 - old);  // + 1: data past the size shows
    bytes.resize(old + want);
    const zip_int64_t got = zip_fread(file.get(), bytes.data() + old, want);
    if (got < 0) throw Error(name + ": corrupt member (" + zip_file_strerror(file.get()) + ")");
    bytes.resize(old + static_cast<std::size_t>(got));
    if (got == 0) break;  // at the end, where libzip has checked the CRC
  }
  require(bytes.size() == stat.size, name + ": corrupt member (" + std::to_string(bytes.size()) +
                                         " bytes, the archive says " + std::to_string(stat.size) + ")");
  return bytes;
}

std::string python_tuple(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

NdArray parse_npy(std::span<const uint8_t> bytes, const std::string& name) {
  const std::string_view start(reinterpret_cast<const char*>(bytes.data()), std::min<std::size_t>(bytes.size(), 6));
  require(start == kMagic, name + ": not an NPY file (bad magic)");
  require(bytes.size() >= 8, name + ": truncated NPY header");
  const int major = bytes[6], minor = bytes[7];
  require(major >= 1 && major <= 3 && minor == 0, name + ": unsupported NPY version " + std::to_string(major) + "." +
                                                      std::to_string(minor) + " (1.0, 2.0 or 3.0)");
  const int64_t width = major == 1 ? 2 : 4;  // bytes of the header's length
  require(bytes.size() >= static_cast<std::size_t>(8 + width), name + ": truncated NPY header");
  const auto length = static_cast<std::size_t>(load(bytes.data() + 8, width, false));
  const auto offset = static_cast<std::size_t>(8 + width);
  require(length <= bytes.size() - offset, name + ": truncated NPY header (" + std::to_string(length) + " bytes promised, " +
                                               std::to_string(bytes.size() - offset) + " present)");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + offset), length);
  const Header header = parse_header(text, name);
  const Dtype type = parse_dtype(header.descr, name);
  return decode(bytes.subspan(offset + length), header, type, name);
}

NdArray read_npy(const std::string& path) { return parse_npy(read_file_bytes(path), path); }

std::vector<std::pair<std::string, NdArray>> read_npz(const std::string& path) {
  const auto archive = open_zip(path);
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  std::vector<std::pair<std::string, NdArray>> arrays;
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* raw = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i), 0);
    require(raw != nullptr, path + ": corrupt zip archive (member " + std::to_string(i) + " has no name)");
    const std::string member = raw;
    if (member.ends_with('/')) continue;  // a folder entry, as zip tools write them
    require(member.ends_with(".npy"), path + ": member '" + member + "' is not a .npy file");
    const std::string name = path + ":" + member;
    const std::vector<uint8_t> bytes = read_member(archive.get(), static_cast<zip_uint64_t>(i), name);
    arrays.emplace_back(member.substr(0, member.size() - 4), parse_npy(bytes, name));
  }
  require(!arrays.empty(), path + ": the archive holds no .npy arrays");
  return arrays;
}

void write_npy(const std::string& path, const Shape& shape, std::span<const float> values) {
  require(element_count(shape) == static_cast<int64_t>(values.size()),
          path + ": " + std::to_string(values.size()) + " values for shape " + to_string(shape));
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + python_tuple(shape) + ", }";
  // NumPy pads with spaces so that the data starts 64-byte aligned; the header ends with '\n'.
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  require(header.size() <= 0xffff, path + ": shape " + to_string(shape) + " is too long for an NPY 1.0 header");
  std::vector<uint8_t> bytes(kMagic.begin(), kMagic.end());
  bytes.insert(bytes.end(), {1, 0, static_cast<uint8_t>(header.size()), static_cast<uint8_t>(header.size() >> 8)});
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.reserve(bytes.size() + 4 * values.size());
  for (float v : values)
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<uint8_t>(std::bit_cast<uint32_t>(v) >> shift));
  write_file_atomically(path, bytes);
}

}  // namespace neurite
