// A text corpus for character language models: the file's bytes, and the alphabet of the bytes
// that occur (sorted), so each character becomes a class index 0..V-1.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace neurite {

class Vocabulary {
 public:
  Vocabulary() = default;
  explicit Vocabulary(std::vector<uint8_t> symbols);  // sorted, distinct
  static Vocabulary of_text(const std::string& text);

  int64_t size() const { return static_cast<int64_t>(symbols_.size()); }
  const std::vector<uint8_t>& symbols() const { return symbols_; }
  bool contains(uint8_t byte) const { return index_[byte] >= 0; }
  int64_t index(uint8_t byte) const { return index_[byte]; }  // -1 when absent
  uint8_t symbol(int64_t index) const { return symbols_[static_cast<std::size_t>(index)]; }
  std::vector<int32_t> encode(const std::string& text) const;  // throws on a byte it lacks

 private:
  std::vector<uint8_t> symbols_;
  int32_t index_[256];
};

struct TextCorpus {
  std::string text;
  Vocabulary vocabulary;
};

// Reads a text file; a missing, empty or binary file (NUL bytes, or more than 1% control
// characters other than tab, newline and carriage return) is a one-line Error naming it.
TextCorpus read_text_corpus(const std::string& path);

}  // namespace neurite
