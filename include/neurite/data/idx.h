// IDX files (LeCun's MNIST format), plain or gzip-compressed:
//   magic 0x00 0x00 <element type> <number of dimensions>, then each dimension as a big-endian
//   uint32, then the elements, big-endian. MNIST's are unsigned bytes (type 0x08).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/data/array.h"

namespace neurite {

struct IdxArray {
  std::vector<int64_t> dims;  // (N) for labels, (N, rows, cols) for images
  std::vector<uint8_t> data;
};

// Reads an IDX file of unsigned bytes; `expected_rank` (1 labels, 3 images) is checked.
// Throws an Error naming the file on a missing, truncated, oversized or malformed file.
IdxArray read_idx(const std::string& path, int expected_rank);

// Reads an IDX file of any rank >= 1 and element type: 0x08 unsigned byte (into NdArray::bytes,
// dtype "idx:ubyte"), 0x09 "idx:sbyte", 0x0B "idx:int16", 0x0C "idx:int32", 0x0D "idx:float32",
// 0x0E "idx:float64" (into NdArray::values as float32). At most 2^32 elements.
NdArray read_idx_array(const std::string& path);

// Writes an uncompressed IDX file of unsigned bytes (used by tests and by `neurite` tools).
void write_idx(const std::string& path, const IdxArray& array);

// The whole contents of a file, gunzipped when it starts with the gzip magic.
std::vector<uint8_t> read_file_maybe_gzip(const std::string& path);

}  // namespace neurite
