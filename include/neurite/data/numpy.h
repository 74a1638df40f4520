// NumPy's files: .npy (one array; format versions 1.0, 2.0 and 3.0) and .npz (a zip archive of
// .npy members, as np.savez and np.savez_compressed write them).
//
// Element types: booleans '|b1'; integers '|i1', '|u1', '<i2' ... '<u8'; floats '<f2' (half),
// '<f4', '<f8'; each multi-byte type little ('<') or big ('>') endian; text '<U<n>' (UTF-32, read
// as UTF-8) and '|S<n>' (bytes), trailing NULs stripped. '|u1' goes into NdArray::bytes, other
// numbers into NdArray::values as float32 (int64 and float64 lose precision as a float would);
// booleans read as 0 and 1. A Fortran-order array is reordered to C order. A 0-d array (np.save
// of a scalar) reads as shape () with one element. Complex, object, datetime and structured
// arrays are refused.
//
// Every size comes from the header and is checked, with overflow checks, against the bytes present
// before anything is allocated: a hostile header cannot make the reader allocate more than a small
// multiple of what the file holds.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "neurite/data/array.h"

namespace neurite {

// One .npy file's bytes; `name` is the file (or "archive.npz:member.npy") for messages.
NdArray parse_npy(std::span<const uint8_t> bytes, const std::string& name);
NdArray read_npy(const std::string& path);

// Every member of an .npz archive in the archive's order, named without ".npy". A member over
// 4 GiB uncompressed, or a member that is not .npy, is an error, as is an archive with none.
std::vector<std::pair<std::string, NdArray>> read_npz(const std::string& path);

// Writes `values` (row-major, `shape`) as a '<f4' .npy file, version 1.0, atomically.
void write_npy(const std::string& path, const Shape& shape, std::span<const float> values);

}  // namespace neurite
