// NumPy files: a .npy array (any dtype, order and shape numpy writes) parsed from memory, and the
// same bytes as an .npz archive (a zip of .npy members) read from a file.
#include "support.h"
#include "neurite/data/numpy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  const std::span<const uint8_t> bytes(data, size);
  fuzz::read_or_refuse([&] { parse_npy(bytes, "input.npy"); });
  if (size >= 4 && data[0] == 'P' && data[1] == 'K') {  // a zip: libzip and the members
    const std::string& path = fuzz::write_input(bytes, ".npz");
    fuzz::read_or_refuse([&] { read_npz(path); });
  }
  return 0;
}
