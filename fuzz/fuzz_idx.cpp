// IDX files, plain and gzip-compressed, as MNIST and Fashion-MNIST ship them: the typed reader
// (any element type) and the image/label reader. The first byte picks the form the rest takes:
// plain, gzip-compressed here (so the IDX parser sees the fuzzed bytes after inflation), or given
// as raw bytes to the gzip reader.
#include <zlib.h>

#include <vector>

#include "support.h"
#include "neurite/data/idx.h"

namespace {

std::vector<uint8_t> gzip(std::span<const uint8_t> bytes) {
  std::vector<uint8_t> out(compressBound(bytes.size()) + 32);
  z_stream stream{};
  deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // 15 + 16: gzip framing
  stream.next_in = const_cast<Bytef*>(bytes.data());
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  if (size < 1) return 0;
  const std::span<const uint8_t> rest(data + 1, size - 1);
  std::string path;
  switch (data[0] % 3) {
    case 0: path = fuzz::write_input(rest, ".idx"); break;
    case 1: path = fuzz::write_input(gzip(rest), ".gz"); break;
    default: path = fuzz::write_input(rest, ".gz"); break;
  }
  fuzz::read_or_refuse([&] { read_idx_array(path); });
  fuzz::read_or_refuse([&] { read_idx(path, data[0] / 3 % 2 ? 1 : 3); });
  return 0;
}
