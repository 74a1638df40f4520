#include "neurite/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/io/file.h"
#include "neurite/io/json_input.h"

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

namespace neurite {

namespace {

// A header bigger than this is corrupt rather than large (safetensors itself caps it at 100 MB).
constexpr uint64_t kMaxHeader = 100u << 20;

Tensor read_entry(const std::string& path, const std::string& name, const nlohmann::ordered_json& entry,
                  const std::vector<uint8_t>& data) {
  const auto fail = [&](const std::string& why) { return Error(path + ": tensor '" + name + "': " + why); };
  if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
    throw fail("needs dtype, shape and data_offsets");
  if (entry["dtype"] != "F32") throw fail("dtype " + entry["dtype"].dump() + " is not F32");
  Shape shape;
  uint64_t begin = 0, end = 0;
  try {
    shape = entry["shape"].get<Shape>();
    const auto offsets = entry["data_offsets"].get<std::vector<uint64_t>>();
    if (offsets.size() != 2) throw fail("data_offsets must hold two numbers");
    begin = offsets[0];
    end = offsets[1];
  } catch (const nlohmann::json::exception&) {
    throw fail("malformed shape or data_offsets");
  }
  if (begin > end || end > data.size())
    throw fail("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
               ") run past the " + std::to_string(data.size()) + " data bytes");
  // The element count is checked against the bytes present before anything is allocated, and
  // without overflow: a corrupt shape must not ask for terabytes.
  const uint64_t available = (end - begin) / sizeof(float);
  uint64_t count = 1;
  for (int64_t d : shape)
    if (d < 0) throw fail("impossible shape " + to_string(shape));
  for (int64_t d : shape) {
    if (d == 0) {
      count = 0;
      break;
    }
    if (count > available / static_cast<uint64_t>(d))
      throw fail("shape " + to_string(shape) + " is larger than its " + std::to_string(end - begin) + " data bytes");
    count *= static_cast<uint64_t>(d);
  }
  if (end - begin != count * sizeof(float))
    throw fail("shape " + to_string(shape) + " needs " + std::to_string(count * sizeof(float)) +
               " bytes, data_offsets give " + std::to_string(end - begin));
  Tensor t(shape);
  if (t.size()) std::memcpy(t.data(), data.data() + begin, end - begin);
  return t;
}

}  // namespace

const Tensor& SafetensorsFile::at(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  throw Error("model file has no tensor '" + name + "'");
}

std::vector<uint8_t> encode_safetensors(const SafetensorsFile& file) {
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    const uint64_t bytes = static_cast<uint64_t>(t.size()) * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the format pads the header to 8 bytes
  std::vector<uint8_t> out(8 + text.size() + offset);
  const uint64_t length = text.size();
  std::memcpy(out.data(), &length, 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  uint8_t* data = out.data() + 8 + text.size();
  for (const auto& [name, t] : file.tensors) {
    if (t.size()) std::memcpy(data, t.data(), static_cast<std::size_t>(t.size()) * sizeof(float));
    data += t.size() * sizeof(float);
  }
  return out;
}

void write_safetensors(const std::string& path, const SafetensorsFile& file) {
  write_file_atomically(path, encode_safetensors(file));
}

SafetensorsFile read_safetensors(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  require(bytes.size() >= 8, path + ": too short for a safetensors file (" + std::to_string(bytes.size()) + " bytes)");
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  require(length <= kMaxHeader, path + ": header length " + std::to_string(length) + " is implausible");
  require(length <= bytes.size() - 8, path + ": truncated: header length " + std::to_string(length) +
                                          " runs past the end of the file");
  require_json_depth({reinterpret_cast<const char*>(bytes.data()) + 8, static_cast<std::size_t>(length)}, path + ": header");
  nlohmann::ordered_json header;  // keeps the tensors in file order
  try {
    header = nlohmann::ordered_json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(length));
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": corrupt header (not valid JSON)");
  }
  require(header.is_object(), path + ": corrupt header (not a JSON object)");
  const std::vector<uint8_t> data(bytes.begin() + 8 + static_cast<std::ptrdiff_t>(length), bytes.end());
  SafetensorsFile file;
  std::vector<uint64_t> offsets;  // where each tensor's data starts
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      require(entry.is_object(), path + ": __metadata__ must be an object of strings");
      for (const auto& [key, value] : entry.items()) {
        require(value.is_string(), path + ": __metadata__ value '" + key + "' is not a string");
        file.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    file.tensors.emplace_back(name, read_entry(path, name, entry, data));
    offsets.push_back(entry["data_offsets"][0].get<uint64_t>());
  }
  // The header's keys may be in any order; "file order" is the order of the data.
  std::vector<std::size_t> order(file.tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return offsets[a] < offsets[b]; });
  SafetensorsFile sorted{.metadata = std::move(file.metadata), .tensors = {}};
  for (std::size_t i : order) sorted.tensors.push_back(std::move(file.tensors[i]));
  return sorted;
}

}  // namespace neurite
