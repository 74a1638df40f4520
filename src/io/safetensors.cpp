#include "neurite/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
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

// One tensor's entry in the header: checked against the data's size before anything is allocated.
struct Entry {
  std::string name;
  Shape shape;
  uint64_t begin = 0, end = 0;  // within the data after the header
};

Entry parse_entry(const std::string& path, const std::string& name, const nlohmann::ordered_json& entry,
                  uint64_t data_size) {
  const auto fail = [&](const std::string& why) { return Error(path + ": tensor '" + name + "': " + why); };
  if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
    throw fail("needs dtype, shape and data_offsets");
  if (entry["dtype"] != "F32") throw fail("dtype " + quoted_prefix(entry["dtype"]) + " is not F32");
  Entry e{.name = name, .shape = {}};
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
  const uint64_t available = (e.end - e.begin) / sizeof(float);
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
  if (e.end - e.begin != count * sizeof(float))
    throw fail("shape " + to_string(e.shape) + " needs " + std::to_string(count * sizeof(float)) +
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
    in.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(e.end - e.begin));
    require(in.good() || e.end == e.begin, path + ": read failed in tensor '" + e.name + "'");
    file.tensors.emplace_back(e.name, std::move(t));
  }
  return file;
}

}  // namespace neurite
