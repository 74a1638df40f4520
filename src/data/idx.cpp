#include "neurite/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <bit>

#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/io/file.h"

namespace neurite {

namespace {

constexpr uint8_t kUnsignedByte = 0x08;
// MNIST's largest file is 47 MB; a header claiming more than this is corrupt, not big.
constexpr int64_t kMaxElements = int64_t{1} << 32;

struct IdxType {
  uint8_t code;
  int64_t size;  // bytes per element
  const char* name;
};
constexpr IdxType kTypes[] = {{0x08, 1, "ubyte"}, {0x09, 1, "sbyte"},   {0x0B, 2, "int16"},
                              {0x0C, 4, "int32"}, {0x0D, 4, "float32"}, {0x0E, 8, "float64"}};

struct IdxHeader {
  uint8_t type;
  Shape dims;
  std::size_t size;  // bytes of the header
  int64_t count;     // elements
};

// The magic, type and dimensions; the element count is bounded before anything trusts it.
IdxHeader parse_header(const std::vector<uint8_t>& bytes, const std::string& path) {
  require(bytes.size() >= 4, path + ": too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  require(bytes[0] == 0 && bytes[1] == 0, path + ": not an IDX file (bad magic number)");
  IdxHeader header{bytes[2], {}, 4 + 4 * std::size_t{bytes[3]}, 1};
  require(bytes.size() >= header.size, path + ": truncated IDX header");
  // Checked before multiplying, with a zero dimension counted as one: two dimensions near 2^32
  // would overflow the count, and zero images of 2^32 x 2^32 pixels are no more plausible than one.
  int64_t extent = 1;
  for (int d = 0; d < bytes[3]; ++d) {
    const uint8_t* p = bytes.data() + 4 + 4 * d;
    const int64_t dim = (int64_t{p[0]} << 24) | (int64_t{p[1]} << 16) | (int64_t{p[2]} << 8) | p[3];
    header.dims.push_back(dim);
    require(dim <= kMaxElements / extent, path + ": IDX dimensions are implausibly large (over 2^32 elements)");
    extent *= std::max<int64_t>(dim, 1);
    header.count *= dim;
  }
  return header;
}

// The data after the header must be exactly count x `size` bytes, checked before any allocation.
void check_payload(const std::vector<uint8_t>& bytes, const IdxHeader& header, int64_t size, const std::string& path) {
  const auto payload = static_cast<int64_t>(bytes.size() - header.size);
  const int64_t needed = header.count * size;  // at most 2^35: no overflow
  require(payload >= needed, path + ": truncated: header promises " + std::to_string(needed) +
                                 " bytes of data, file has " + std::to_string(payload));
  require(payload == needed, path + ": " + std::to_string(payload - needed) + " unexpected bytes after the data");
}

// One big-endian element of a type other than unsigned byte, as float32.
float idx_value(const uint8_t* p, const IdxType& type) {
  uint64_t raw = 0;
  for (int64_t i = 0; i < type.size; ++i) raw = raw << 8 | p[i];
  switch (type.code) {
    case 0x09: return static_cast<int8_t>(raw);
    case 0x0B: return static_cast<int16_t>(raw);
    case 0x0C: return static_cast<float>(static_cast<int32_t>(raw));
    case 0x0D: return std::bit_cast<float>(static_cast<uint32_t>(raw));
    default: return static_cast<float>(std::bit_cast<double>(raw));
  }
}

// Stops at kMaxDecompressedBytes: a few megabytes of gzip can expand without limit.
std::vector<uint8_t> gunzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  require(file != nullptr, path + ": cannot open");
  std::vector<uint8_t> out;
  uint8_t buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) {
    if (out.size() + static_cast<std::size_t>(n) > kMaxDecompressedBytes) {
      gzclose(file);
      throw Error(path + ": expands to more than " + std::to_string(kMaxDecompressedBytes >> 20) +
                  " MiB (kMaxDecompressedBytes); not read");
    }
    out.insert(out.end(), buffer, buffer + n);
  }
  int err = Z_OK;
  const char* message = gzerror(file, &err);
  const bool failed = n < 0 || (err != Z_OK && err != Z_STREAM_END);
  const std::string why = failed ? message : "";
  gzclose(file);
  require(!failed, path + ": corrupt gzip data (" + why + ")");
  return out;
}

}  // namespace

std::vector<uint8_t> read_file_maybe_gzip(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return gunzip(path);
  return bytes;
}

IdxArray read_idx(const std::string& path, int expected_rank) {
  std::vector<uint8_t> bytes = read_file_maybe_gzip(path);
  const IdxHeader header = parse_header(bytes, path);
  require(header.type == kUnsignedByte, path + ": IDX element type " + std::to_string(header.type) +
                                            " is not unsigned byte (8)");
  require(std::ssize(header.dims) == expected_rank, path + ": IDX file has " + std::to_string(header.dims.size()) +
                                                       " dimensions, expected " + std::to_string(expected_rank));
  check_payload(bytes, header, 1, path);
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header.size));  // no second copy
  return IdxArray{header.dims, std::move(bytes)};
}

NdArray read_idx_array(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_maybe_gzip(path);
  const IdxHeader header = parse_header(bytes, path);
  const IdxType* type =
      std::find_if(std::begin(kTypes), std::end(kTypes), [&](const IdxType& t) { return t.code == header.type; });
  require(type != std::end(kTypes), path + ": IDX element type " + std::to_string(header.type) +
                                        " is unknown (8, 9, 11, 12, 13 or 14)");
  require(!header.dims.empty(), path + ": IDX file has no dimensions");
  check_payload(bytes, header, type->size, path);
  NdArray array{.shape = header.dims, .dtype = std::string("idx:") + type->name, .integral = type->code < 0x0D};
  if (type->code == kUnsignedByte) {
    bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header.size));
    array.bytes = std::move(bytes);
    return array;
  }
  array.values.resize(static_cast<std::size_t>(header.count));
  const uint8_t* p = bytes.data() + header.size;
  for (float& v : array.values) {
    v = idx_value(p, *type);
    p += type->size;
  }
  return array;
}

void write_idx(const std::string& path, const IdxArray& array) {
  std::vector<uint8_t> bytes{0, 0, kUnsignedByte, static_cast<uint8_t>(array.dims.size())};
  for (int64_t d : array.dims)
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(d >> shift));
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());
  write_file_atomically(path, bytes);
}

}  // namespace neurite
