// The safetensors format: 8-byte little-endian header length, a JSON header mapping each name
// to {dtype, shape, data_offsets}, then the raw little-endian data. "__metadata__" maps strings
// to strings. neurite writes F32 only; PyTorch's safetensors.torch.load_file reads the result.
// It reads F32, and F64, F16, BF16, I64 and I32 converted to float32 (a PyTorch state_dict may
// hold any of them).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "neurite/tensor.h"

namespace neurite {

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;
  std::vector<std::pair<std::string, Tensor>> tensors;  // in file order

  const Tensor& at(const std::string& name) const;  // throws naming the missing tensor
};

// Atomic: a temporary file renamed into place, so an existing good file is never half-replaced.
void write_safetensors(const std::string& path, const SafetensorsFile& file);
std::vector<uint8_t> encode_safetensors(const SafetensorsFile& file);  // the file's bytes
// The most a safetensors file may hold: 4 GiB, a checkpoint of a network at kMaxNetworkWeights
// with Adam's two moments and room to spare; checked against the file's size before anything is read.
constexpr uint64_t kMaxModelBytes = uint64_t{1} << 32;

// Called with the metadata once the header is read, before any tensor's data is read or
// allocated: a model reader checks the architecture there, so that a small file cannot make it
// read gigabytes it will refuse anyway.
using MetadataCheck = std::function<void(const std::map<std::string, std::string>& metadata)>;

// Checks the header length, the JSON, every dtype, shape and offset against the file size; reads
// each tensor's data straight into its tensor.
SafetensorsFile read_safetensors(const std::string& path, const MetadataCheck& check_metadata = {});

}  // namespace neurite
