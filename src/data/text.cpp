#include "neurite/data/text.h"

#include <algorithm>
#include <array>

#include "neurite/error.h"
#include "neurite/io/file.h"

namespace neurite {

Vocabulary::Vocabulary(std::vector<uint8_t> symbols) : symbols_(std::move(symbols)) {
  std::fill(std::begin(index_), std::end(index_), -1);
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    require(index_[symbols_[i]] < 0, "vocabulary: byte " + std::to_string(symbols_[i]) + " listed twice");
    index_[symbols_[i]] = static_cast<int32_t>(i);
  }
}

Vocabulary Vocabulary::of_text(const std::string& text) {
  std::array<bool, 256> seen{};
  for (char c : text) seen[static_cast<uint8_t>(c)] = true;
  std::vector<uint8_t> symbols;
  for (int b = 0; b < 256; ++b)
    if (seen[static_cast<std::size_t>(b)]) symbols.push_back(static_cast<uint8_t>(b));
  return Vocabulary(std::move(symbols));
}

std::vector<int32_t> Vocabulary::encode(const std::string& text) const {
  std::vector<int32_t> codes(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<uint8_t>(text[i]);
    require(contains(byte), "character " + std::to_string(byte) + " is not in the model's alphabet");
    codes[i] = index_[byte];
  }
  return codes;
}

TextCorpus read_text_corpus(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  require(!bytes.empty(), path + ": the text is empty");
  int64_t control = 0;
  for (uint8_t b : bytes) {
    require(b != 0, path + ": a NUL byte: this looks like a binary file, not text");
    if (b < 32 && b != '\t' && b != '\n' && b != '\r') ++control;
  }
  require(control * 100 <= static_cast<int64_t>(bytes.size()),
          path + ": " + std::to_string(control) + " control characters in " + std::to_string(bytes.size()) +
              " bytes: this looks like a binary file, not text");
  TextCorpus corpus{.text = std::string(bytes.begin(), bytes.end()), .vocabulary = {}};
  corpus.vocabulary = Vocabulary::of_text(corpus.text);
  return corpus;
}

}  // namespace neurite
