// The safetensors format: 8-byte little-endian header length, a JSON header mapping each name
// to {dtype, shape, data_offsets}, then the raw little-endian data. "__metadata__" maps strings
// to strings. neurite writes F32 only; PyTorch's safetensors.torch.load_file reads the result.
#pragma once
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
// Checks the header length, the JSON, every dtype, shape and offset against the file size.
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace neurite
