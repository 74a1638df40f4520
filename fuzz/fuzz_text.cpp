// Text corpora for the character language model (`lm train --text`): read and coded.
#include "support.h"
#include "neurite/data/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  const std::string& path = fuzz::write_input({data, size}, ".txt");
  fuzz::read_or_refuse([&] { read_text_corpus(path); });
  return 0;
}
