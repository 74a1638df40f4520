// The protocol-buffer wire format, for writing ONNX files without a protobuf library: a message
// is a sequence of (field number, wire type) keys, each followed by a varint, a length-prefixed
// byte string (strings, packed arrays and nested messages) or four bytes (a float). Private to
// the library.
#pragma once
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace neurite::proto {

class Writer {
 public:
  const std::vector<uint8_t>& bytes() const { return bytes_; }

  void integer(int field, int64_t value) {  // int32, int64 and enums: a varint (negatives take 10 bytes)
    key(field, 0);
    varint(static_cast<uint64_t>(value));
  }
  void text(int field, std::string_view value) { bytes_of(field, {reinterpret_cast<const uint8_t*>(value.data()), value.size()}); }
  void bytes_of(int field, std::span<const uint8_t> value) {
    key(field, 2);
    varint(value.size());
    bytes_.insert(bytes_.end(), value.begin(), value.end());
  }
  void message(int field, const Writer& nested) { bytes_of(field, nested.bytes_); }
  void real(int field, float value) {  // float: four bytes, little-endian
    key(field, 5);
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  }
  void packed_integers(int field, std::span<const int64_t> values) {  // repeated int64, packed
    Writer packed;
    for (const int64_t v : values) packed.varint(static_cast<uint64_t>(v));
    bytes_of(field, packed.bytes_);
  }

 private:
  void key(int field, int wire_type) { varint(static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire_type)); }
  void varint(uint64_t value) {
    for (; value >= 0x80; value >>= 7) bytes_.push_back(static_cast<uint8_t>(value | 0x80));
    bytes_.push_back(static_cast<uint8_t>(value));
  }

  std::vector<uint8_t> bytes_;
};

}  // namespace neurite::proto
