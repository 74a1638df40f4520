// Reading a whole file, with errors that name it: missing, a folder, unreadable.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

// The most a compressed file (gzip IDX, a member of an .npz) may expand to: 1 GiB, twenty times
// MNIST's largest file. Decompression stops there, so a small bomb cannot take the machine's memory.
constexpr std::size_t kMaxDecompressedBytes = std::size_t{1} << 30;

std::vector<uint8_t> read_file_bytes(const std::string& path);
// The size of a file that exists and is a regular file (not a folder, FIFO or device); throws
// naming the path otherwise.
uint64_t regular_file_size(const std::string& path);

}  // namespace neurite
