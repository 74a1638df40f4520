#include "neurite/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/io/file.h"
#include "neurite/io/json_input.h"

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

namespace neurite {

namespace {

template <class T>
T load(const uint8_t* p) {  // an unaligned little-endian value
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// A header bigger than this is corrupt rather than large (safetensors itself caps it at 100 MB).
constexpr uint64_t kMaxHeader = 100u << 20;

// The element types read, each converted to float32 as it is read (PyTorch's files may hold
// float64, half precision, or an int64 counter such as batch norm's num_batches_tracked).
enum class DType { F32, F64, F16, BF16, I64, I32 };
const std::map<std::string, std::pair<DType, uint64_t>>& dtypes() {  // name -> type, bytes per element
  static const std::map<std::string, std::pair<DType, uint64_t>> known = {
      {"F32", {DType::F32, 4}}, {"F64", {DType::F64, 8}}, {"F16", {DType::F16, 2}},
      {"BF16", {DType::BF16, 2}}, {"I64", {DType::I64, 8}}, {"I32", {DType::I32, 4}}};
  return known;
}

float half_to_float(uint16_t h) {  // IEEE binary16: 1 sign, 5 exponent, 10 fraction bits
  const int exponent = (h >> 10) & 0x1F, fraction = h & 0x3FF;
  const float sign = (h & 0x8000) ? -1.0f : 1.0f;
  if (exponent == 0) return sign * std::ldexp(static_cast<float>(fraction), -24);  // subnormal or zero
  if (exponent == 31) return fraction ? std::numeric_limits<float>::quiet_NaN() : sign * std::numeric_limits<float>::infinity();
  return sign * std::ldexp(static_cast<float>(fraction | 0x400), exponent - 25);
}

// Element i of `raw` as float32.
float element(const uint8_t* raw, DType type, int64_t i) {
  switch (type) {
    case DType::F32: return std::bit_cast<float>(load<uint32_t>(raw + 4 * i));
    case DType::F64: return static_cast<float>(std::bit_cast<double>(load<uint64_t>(raw + 8 * i)));
    case DType::F16: return half_to_float(load<uint16_t>(raw + 2 * i));
    case DType::BF16: return std::bit_cast<float>(static_cast<uint32_t>(load<uint16_t>(raw + 2 * i)) << 16);
    case DType::I64: return static_cast<float>(static_cast<int64_t>(load<uint64_t>(raw + 8 * i)));
    case DType::I32: return static_cast<float>(static_cast<int32_t>(load<uint32_t>(raw + 4 * i)));
  }
  return 0;
}

// One tensor's entry in the header: checked against the data's size before anything is allocated.
struct Entry {
  std::string name;
  Shape shape;
  uint64_t begin = 0, end = 0;  // within the data after the header
  DType type = DType::F32;
  uint64_t element_bytes = 4;
};

Entry parse_entry(const std::string& path, const std::string& name, const nlohmann::ordered_json& entry,
                  uint64_t data_size) {
  const auto fail = [&](const std::string& why) { return Error(path + ": tensor '" + name + "': " + why); };
  if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
    throw fail("needs dtype, shape and data_offsets");
  const auto type = entry["dtype"].is_string() ? dtypes().find(entry["dtype"].get<std::string>()) : dtypes().end();
  if (type == dtypes().end())
    throw fail("dtype " + quoted_prefix(entry["dtype"]) + " is not one of F32, F64, F16, BF16, I64, I32");
  Entry e{.name = name, .shape = {}, .type = type->second.first, .element_bytes = type->second.second};
  try {
    e.shape = shape_from_json(entry["shape"], path + ": tensor '" + name + "': shape");
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      throw fail("data_offsets must hold two whole numbers, got " + quoted_prefix(offsets));
    e.begin = offsets[0].get<uint64_t>();
    e.end = offsets[1].get<uint64_t>();
  } catch (const nlohmann::json::exception&) {
    throw fail("malformed shape or data_offsets");
  }
  if (e.begin > e.end || e.end > data_size)
    throw fail("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + ") run past the " +
               std::to_string(data_size) + " data bytes");
  // The element count is checked against the bytes present, without overflow: a corrupt shape
  // must not ask for terabytes.
  const uint64_t available = (e.end - e.begin) / e.element_bytes;
  uint64_t count = 1;
  for (int64_t d : e.shape)
    if (d < 0) throw fail("impossible shape " + to_string(e.shape));
  for (int64_t d : e.shape) {
    if (d == 0) {
      count = 0;
      break;
    }
    if (count > available / static_cast<uint64_t>(d))
      throw fail("shape " + to_string(e.shape) + " is larger than its " + std::to_string(e.end - e.begin) + " data bytes");
    count *= static_cast<uint64_t>(d);
  }
  if (e.end - e.begin != count * e.element_bytes)
    throw fail("shape " + to_string(e.shape) + " needs " + std::to_string(count * e.element_bytes) +
               " bytes, data_offsets give " + std::to_string(e.end - e.begin));
  return e;
}

nlohmann::ordered_json parse_header(const std::string& path, const std::string& text) {
  require_json_depth(text, path + ": header");
  nlohmann::ordered_json header;  // keeps the tensors in file order
  try {
    header = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw Error(path + ": corrupt header (not valid JSON)");
  }
  require(header.is_object(), path + ": corrupt header (not a JSON object)");
  return header;
}

std::map<std::string, std::string> metadata_of(const std::string& path, const nlohmann::ordered_json& header) {
  std::map<std::string, std::string> metadata;
  if (!header.contains("__metadata__")) return metadata;
  const nlohmann::ordered_json& entry = header["__metadata__"];
  require(entry.is_object(), path + ": __metadata__ must be an object of strings");
  for (const auto& [key, value] : entry.items()) {
    require(value.is_string(), path + ": __metadata__ value '" + key + "' is not a string");
    metadata[key] = value.get<std::string>();
  }
  return metadata;
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

SafetensorsFile read_safetensors(const std::string& path, const MetadataCheck& check_metadata) {
  const uint64_t size = regular_file_size(path);
  require(size <= kMaxModelBytes, path + ": " + std::to_string(size >> 20) + " MiB is more than a model file may hold (" +
                                      std::to_string(kMaxModelBytes >> 20) + " MiB, kMaxModelBytes)");
  require(size >= 8, path + ": too short for a safetensors file (" + std::to_string(size) + " bytes)");
  std::ifstream in(path, std::ios::binary);
  require(in.good(), path + ": cannot open for reading");
  uint64_t length = 0;
  in.read(reinterpret_cast<char*>(&length), 8);
  require(length <= kMaxHeader, path + ": header length " + std::to_string(length) + " is implausible");
  require(length <= size - 8, path + ": truncated: header length " + std::to_string(length) +
                                  " runs past the end of the file");
  std::string text(static_cast<std::size_t>(length), '\0');
  require(in.read(text.data(), static_cast<std::streamsize>(length)).good(), path + ": read failed");
  const nlohmann::ordered_json header = parse_header(path, text);

  // Everything the header claims is checked before any tensor's data is read or allocated: the
  // metadata (a model's architecture, by the caller) first, then each entry against the data.
  SafetensorsFile file{.metadata = metadata_of(path, header), .tensors = {}};
  if (check_metadata) check_metadata(file.metadata);
  std::vector<Entry> entries;
  for (const auto& [name, entry] : header.items())
    if (name != "__metadata__") entries.push_back(parse_entry(path, name, entry, size - 8 - length));
  // The header's keys may be in any order; "file order" is the order of the data.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  for (const Entry& e : entries) {
    Tensor t(e.shape);
    in.seekg(static_cast<std::streamoff>(8 + length + e.begin));
    if (e.type == DType::F32) {  // straight into the tensor
      in.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(e.end - e.begin));
    } else {
      std::vector<uint8_t> raw(e.end - e.begin);
      in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
      for (int64_t i = 0; i < t.size(); ++i) t[i] = element(raw.data(), e.type, i);
    }
    require(in.good() || e.end == e.begin, path + ": read failed in tensor '" + e.name + "'");
    file.tensors.emplace_back(e.name, std::move(t));
  }
  return file;
}

}  // namespace neurite
