#include "neurite/data/idx.h"

#include <zlib.h>


#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/io/file.h"

namespace neurite {

namespace {

constexpr uint8_t kUnsignedByte = 0x08;
// MNIST's largest file is 47 MB; a header claiming more than this is corrupt, not big.
constexpr int64_t kMaxElements = int64_t{1} << 32;

std::vector<uint8_t> gunzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  require(file != nullptr, path + ": cannot open");
  std::vector<uint8_t> out;
  uint8_t buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) out.insert(out.end(), buffer, buffer + n);
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
  require(bytes.size() >= 4, path + ": too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  require(bytes[0] == 0 && bytes[1] == 0, path + ": not an IDX file (bad magic number)");
  require(bytes[2] == kUnsignedByte, path + ": IDX element type " + std::to_string(bytes[2]) +
                                         " is not unsigned byte (8)");
  const int rank = bytes[3];
  require(rank == expected_rank, path + ": IDX file has " + std::to_string(rank) +
                                     " dimensions, expected " + std::to_string(expected_rank));
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
  require(bytes.size() >= header, path + ": truncated IDX header");
  IdxArray array;
  int64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    const uint8_t* p = bytes.data() + 4 + 4 * d;
    const int64_t dim = (int64_t{p[0]} << 24) | (int64_t{p[1]} << 16) | (int64_t{p[2]} << 8) | p[3];
    array.dims.push_back(dim);
    // Checked before multiplying: two dimensions near 2^32 would overflow the count.
    require(dim == 0 || count <= kMaxElements / dim, path + ": IDX dimensions are implausibly large");
    count *= dim;
  }
  const auto payload = static_cast<int64_t>(bytes.size() - header);
  require(payload >= count, path + ": truncated: header promises " + std::to_string(count) +
                                " bytes of data, file has " + std::to_string(payload));
  require(payload == count, path + ": " + std::to_string(payload - count) +
                                " unexpected bytes after the data");
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));  // no second copy
  array.data = std::move(bytes);
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
