// IDX files (plain and gzip) and the MNIST loader on small hand-made files: every malformed file
// gives a neurite::Error naming it.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "neurite/data/idx.h"
#include "neurite/data/mnist.h"
#include "neurite/error.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_gzip(const std::string& path, const Bytes& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Two 2x3 images and their labels, written out byte by byte.
const Bytes kImages = {0x00, 0x00, 0x08, 0x03,  0, 0, 0, 2,  0, 0, 0, 2,  0, 0, 0, 3,
                       0, 1, 2, 3, 4, 5,  255, 128, 64, 32, 16, 8};
const Bytes kLabels = {0x00, 0x00, 0x08, 0x01,  0, 0, 0, 2,  7, 3};

std::string error_of(const std::function<void()>& f, const std::string& must_name) {
  try {
    f();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(must_name), std::string::npos) << "message does not name " << must_name << ": " << msg;
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a " << typeid(e).name() << " instead of neurite::Error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no error";
  return {};
}
std::string read_error(const std::string& path, int rank) {
  return error_of([&] { (void)read_idx(path, rank); }, path);
}

TEST(Idx, ReadsHandWrittenFiles) {
  const std::string dir = testing::temp_dir();
  write_bytes(dir + "/images", kImages);
  write_bytes(dir + "/labels", kLabels);
  const IdxArray images = read_idx(dir + "/images", 3);
  EXPECT_EQ(images.dims, (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(images.data, Bytes(kImages.begin() + 16, kImages.end()));
  const IdxArray labels = read_idx(dir + "/labels", 1);
  EXPECT_EQ(labels.dims, (std::vector<int64_t>{2}));
  EXPECT_EQ(labels.data, (Bytes{7, 3}));
}

TEST(Idx, DimensionsAreBigEndian) {
  const std::string path = testing::temp_dir() + "/labels";
  Bytes bytes = {0, 0, 8, 1, 0, 0, 0x01, 0x02};  // 258 labels
  bytes.resize(8 + 258, 1);
  write_bytes(path, bytes);
  EXPECT_EQ(read_idx(path, 1).dims, (std::vector<int64_t>{258}));
}

TEST(Idx, WriteThenReadRoundTrip) {
  const std::string path = testing::temp_dir() + "/x-idx3-ubyte";
  IdxArray a{{3, 2, 5}, {}};
  for (int i = 0; i < 30; ++i) a.data.push_back(static_cast<uint8_t>(i * 7));
  write_idx(path, a);
  const IdxArray b = read_idx(path, 3);
  EXPECT_EQ(b.dims, a.dims);
  EXPECT_EQ(b.data, a.data);
  EXPECT_EQ(read_bytes(path).size(), 4u + 12u + 30u);
}

TEST(Idx, GzipCompressedFiles) {
  const std::string dir = testing::temp_dir();
  write_gzip(dir + "/images.gz", kImages);
  write_gzip(dir + "/labels.gz", kLabels);
  const Bytes raw = read_bytes(dir + "/images.gz");
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(raw[0], 0x1f);
  EXPECT_EQ(read_file_maybe_gzip(dir + "/images.gz"), kImages);
  const IdxArray images = read_idx(dir + "/images.gz", 3);
  EXPECT_EQ(images.dims, (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(images.data, Bytes(kImages.begin() + 16, kImages.end()));
  EXPECT_EQ(read_idx(dir + "/labels.gz", 1).data, (Bytes{7, 3}));
}

TEST(Idx, MalformedFiles) {
  const std::string dir = testing::temp_dir();
  const std::string p = dir + "/f";
  EXPECT_NE(read_error(dir + "/missing", 1).find("cannot open"), std::string::npos);

  struct Case {
    Bytes bytes;
    int rank;
    const char* expect;
  };
  Bytes trailing = kLabels;
  trailing.push_back(0);
  const Case cases[] = {
      {{}, 1, "too short"},
      {{0, 0, 8}, 1, "too short"},
      {{0, 1, 8, 1, 0, 0, 0, 1, 5}, 1, "magic"},
      {{0x12, 0, 8, 1, 0, 0, 0, 1, 5}, 1, "magic"},
      {{0, 0, 0x0D, 1, 0, 0, 0, 1, 5, 5, 5, 5}, 1, "type 13"},      // float32 elements
      {{0, 0, 0x09, 1, 0, 0, 0, 1, 5}, 1, "type 9"},                // signed bytes
      {kLabels, 3, "1 dimensions, expected 3"},                     // labels where images belong
      {kImages, 1, "3 dimensions, expected 1"},
      {{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2}, 3, "truncated IDX header"},
      {{0, 0, 8, 1, 0, 0}, 1, "truncated IDX header"},
      {Bytes(kImages.begin(), kImages.end() - 1), 3, "truncated"},  // one pixel short
      {Bytes(kLabels.begin(), kLabels.begin() + 9), 1, "truncated"},
      {{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 3, "implausibly large"},
      {trailing, 1, "unexpected bytes"},
  };
  for (const Case& c : cases) {
    write_bytes(p, c.bytes);
    SCOPED_TRACE(::testing::PrintToString(c.bytes));
    const std::string msg = read_error(p, c.rank);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
  }
}

TEST(Idx, CorruptGzip) {
  const std::string dir = testing::temp_dir();
  write_bytes(dir + "/garbage.gz", {0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  EXPECT_NE(read_error(dir + "/garbage.gz", 3).find("gzip"), std::string::npos);
  // A good stream cut in half.
  Bytes big = kImages;
  big.resize(4000, 0x55);
  write_gzip(dir + "/whole.gz", big);
  const Bytes whole = read_bytes(dir + "/whole.gz");
  write_bytes(dir + "/half.gz", Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(whole.size() / 2)));
  (void)read_error(dir + "/half.gz", 3);
  // Good data with a damaged CRC at the end.
  Bytes bad_crc = whole;
  bad_crc[bad_crc.size() - 6] ^= 0xff;
  write_bytes(dir + "/crc.gz", bad_crc);
  (void)read_error(dir + "/crc.gz", 3);
}

TEST(Idx, ADirectoryIsNotAFile) {
  const std::string dir = testing::temp_dir();
  (void)read_error(dir, 1);
}

// ---- datasets from IDX pairs ----

// Every input as floats, whichever way the dataset holds them.
Tensor all_inputs(const Dataset& d) {
  Tensor t;
  d.read_inputs(0, d.size(), t);
  return t;
}

TEST(IdxPair, BuildsScaledInputsAndOneHotTargets) {
  const std::string dir = testing::temp_dir();
  write_bytes(dir + "/images", kImages);
  write_bytes(dir + "/labels", kLabels);
  const Dataset d = load_idx_pair(dir + "/images", dir + "/labels", {});
  EXPECT_EQ(d.size(), 2);
  EXPECT_TRUE(d.inputs.empty());  // kept as bytes by default
  EXPECT_EQ(d.pixels.size(), 12u);
  const Tensor x = all_inputs(d);
  EXPECT_EQ(x.shape(), (Shape{2, 6}));  // images are flattened
  EXPECT_EQ(d.targets.shape(), (Shape{2, 10}));
  EXPECT_EQ(x[6], 1.0f);              // 255
  EXPECT_FLOAT_EQ(x[1], 1.0f / 255);  // 1
  EXPECT_EQ(x[0], 0.0f);
  // Held as floats instead: the same values.
  const Dataset floats = load_idx_pair(dir + "/images", dir + "/labels", {.keep_pixels = false});
  EXPECT_TRUE(floats.pixels.empty());
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_EQ(floats.inputs[i], x[i]);
  EXPECT_EQ(d.labels, (std::vector<int32_t>{7, 3}));
  for (int64_t k = 0; k < 10; ++k) {
    EXPECT_EQ(d.targets[k], k == 7 ? 1.0f : 0.0f);
    EXPECT_EQ(d.targets[10 + k], k == 3 ? 1.0f : 0.0f);
  }
  const Dataset r = load_idx_pair(dir + "/images", dir + "/labels",
                                  {.scale = InputScale::Rashid, .targets = {0.01f, 0.99f}});
  EXPECT_FLOAT_EQ(all_inputs(r)[0], 0.01f);
  EXPECT_FLOAT_EQ(all_inputs(r)[6], 1.0f);
  const Dataset shaped = load_idx_pair(dir + "/images", dir + "/labels", {.sample_shape = {1, 2, 3}});
  EXPECT_EQ(all_inputs(shaped).shape(), (Shape{2, 1, 2, 3}));
  EXPECT_THROW((void)load_idx_pair(dir + "/images", dir + "/labels", {.sample_shape = {1, 2, 2}}), Error);
  EXPECT_FLOAT_EQ(r.targets[7], 0.99f);
  EXPECT_FLOAT_EQ(r.targets[0], 0.01f);
}

TEST(IdxPair, CountMismatchAndBadLabels) {
  const std::string dir = testing::temp_dir();
  write_bytes(dir + "/images", kImages);
  write_bytes(dir + "/three", {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3});
  std::string msg = error_of([&] { (void)load_idx_pair(dir + "/images", dir + "/three", {}); }, dir + "/three");
  EXPECT_NE(msg.find("2 images"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3 labels"), std::string::npos) << msg;
  EXPECT_NE(msg.find(dir + "/images"), std::string::npos) << msg;

  write_bytes(dir + "/ten", {0, 0, 8, 1, 0, 0, 0, 2, 4, 10});
  msg = error_of([&] { (void)load_idx_pair(dir + "/images", dir + "/ten", {}); }, dir + "/ten");
  EXPECT_NE(msg.find("label 10"), std::string::npos) << msg;
  EXPECT_NE(msg.find("index 1"), std::string::npos) << msg;
  // swapped arguments: the rank check catches it
  (void)error_of([&] { (void)load_idx_pair(dir + "/three", dir + "/images", {}); }, dir + "/three");
}

TEST(Dataset, SliceGatherAndScale) {
  const std::string dir = testing::temp_dir();
  write_bytes(dir + "/images", kImages);
  write_bytes(dir + "/labels", kLabels);
  for (bool keep_pixels : {true, false}) {
    const Dataset d = load_idx_pair(dir + "/images", dir + "/labels", {.keep_pixels = keep_pixels});
    const Dataset second = d.slice(1, 2);
    EXPECT_EQ(second.size(), 1);
    EXPECT_EQ(second.labels, std::vector<int32_t>{3});
    EXPECT_EQ(all_inputs(second)[0], 1.0f);
    EXPECT_EQ(d.slice(2, 2).size(), 0);
    EXPECT_THROW((void)d.slice(1, 3), Error);
    Tensor x, y;
    const int64_t rows[] = {1, 0, 1};
    d.gather(rows, x, y);
    EXPECT_EQ(x.shape(), (Shape{3, 6}));
    EXPECT_EQ(y.shape(), (Shape{3, 10}));
    EXPECT_EQ(x[0], 1.0f);
    EXPECT_EQ(x[6], 0.0f);
    EXPECT_EQ(y[10 + 7], 1.0f);
  }
  EXPECT_EQ(scale_pixel(0, InputScale::Unit), 0.0f);
  EXPECT_EQ(scale_pixel(255, InputScale::Unit), 1.0f);
  EXPECT_FLOAT_EQ(scale_pixel(0, InputScale::Rashid), 0.01f);
  EXPECT_FLOAT_EQ(scale_pixel(255, InputScale::Rashid), 1.0f);
  const uint8_t pixels[] = {1, 2, 3}, labels[] = {5};
  EXPECT_THROW((void)make_dataset(pixels, labels, {2}, 10, InputScale::Unit, {}), Error);
  EXPECT_THROW((void)make_dataset(pixels, labels, {3}, 4, InputScale::Unit, {}), Error);  // label 5 of 4 classes
}

// A fake MNIST folder: 12 training and 5 test images of 28x28.
void write_fake_mnist(const std::string& dir, bool gzip) {
  auto write = [&](const std::string& name, const IdxArray& a) {
    write_idx(dir + "/" + name, a);
    if (gzip) {
      const Bytes plain = read_bytes(dir + "/" + name);
      fs::remove(dir + "/" + name);
      write_gzip(dir + "/" + name + ".gz", plain);
    }
  };
  for (auto [prefix, n] : {std::pair{std::string("train"), 12}, std::pair{std::string("t10k"), 5}}) {
    IdxArray images{{n, 28, 28}, Bytes(static_cast<std::size_t>(n * 784))}, labels{{n}, {}};
    for (int i = 0; i < n; ++i) {
      images.data[static_cast<std::size_t>(i * 784)] = static_cast<uint8_t>(i);
      labels.data.push_back(static_cast<uint8_t>(i % 10));
    }
    write(prefix + "-images-idx3-ubyte", images);
    write(prefix + "-labels-idx1-ubyte", labels);
  }
}

TEST(Mnist, LoadsAndSplitsAFolder) {
  for (bool gzip : {false, true}) {
    const std::string dir = testing::temp_dir();
    write_fake_mnist(dir, gzip);
    const Mnist m = load_mnist(dir, {.train_size = 10});
    EXPECT_EQ(m.training.size(), 10);
    EXPECT_EQ(m.validation.size(), 2);
    EXPECT_EQ(m.test.size(), 5);
    EXPECT_EQ(all_inputs(m.training).shape(), (Shape{10, 784}));
    EXPECT_EQ(m.validation.labels, (std::vector<int32_t>{0, 1}));  // samples 10 and 11
    EXPECT_FLOAT_EQ(all_inputs(m.validation)[784], 11.0f / 255);
    EXPECT_EQ(load_mnist_test(dir).size(), 5);
    EXPECT_THROW((void)load_mnist(dir, {.train_size = 13}), Error);
    EXPECT_THROW((void)load_mnist(dir, {.train_size = 0}), Error);
  }
}

TEST(Mnist, MissingFilesAreNamed) {
  const std::string dir = testing::temp_dir();
  std::string msg = error_of([&] { (void)load_mnist(dir); }, dir + "/train-");  // images or labels first
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
  write_fake_mnist(dir, false);
  fs::remove(dir + "/t10k-labels-idx1-ubyte");
  (void)error_of([&] { (void)load_mnist_test(dir); }, dir + "/t10k-labels-idx1-ubyte");
}

// ---- IDX of any element type and rank ----

// An IDX file: type code, big-endian dimensions, then `data` as given.
Bytes idx_file(uint8_t type, std::initializer_list<uint32_t> dims, const Bytes& data) {
  Bytes b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(d >> shift));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::string array_error(const std::string& path) {
  return error_of([&] { (void)read_idx_array(path); }, path);
}

TEST(IdxArray, EveryElementType) {
  const std::string p = testing::temp_dir() + "/f";
  struct Case {
    Bytes file;
    const char* dtype;
    Shape shape;
    std::vector<float> values;
  };
  const Case cases[] = {
      {idx_file(0x09, {3}, {0x80, 0x7f, 0xff}), "idx:sbyte", {3}, {-128, 127, -1}},
      {idx_file(0x0B, {2, 2}, {0x80, 0x00, 0x7f, 0xff, 0x01, 0x02, 0xff, 0xfe}), "idx:int16", {2, 2},
       {-32768, 32767, 258, -2}},
      {idx_file(0x0C, {3}, {0x80, 0, 0, 0, 0x01, 0, 0, 0x01, 0xff, 0xff, 0xff, 0xff}), "idx:int32", {3},
       {-2147483648.0f, 16777216.0f, -1}},  // 16777217 rounds to the nearest float
      {idx_file(0x0D, {1, 3}, {0x3f, 0xc0, 0, 0, 0xbe, 0x80, 0, 0, 0x7f, 0x80, 0, 0}), "idx:float32", {1, 3},
       {1.5f, -0.25f, INFINITY}},
      {idx_file(0x0E, {2}, {0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a, 0xc0, 0, 0, 0, 0, 0, 0, 0}),
       "idx:float64", {2}, {0.1f, -2.0f}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.dtype);
    write_bytes(p, c.file);
    const NdArray a = read_idx_array(p);
    EXPECT_EQ(a.dtype, c.dtype);
    EXPECT_EQ(a.shape, c.shape);
    EXPECT_EQ(a.values, c.values);
    EXPECT_TRUE(a.bytes.empty());
    EXPECT_EQ(a.integral, c.dtype[4] != 'f');
  }
}

TEST(IdxArray, UnsignedBytesOfAnyRankPlainOrGzip) {
  const std::string dir = testing::temp_dir();
  const Bytes file = idx_file(0x08, {1, 2, 1, 3}, {9, 8, 7, 6, 5, 4});
  write_bytes(dir + "/plain", file);
  write_gzip(dir + "/packed.gz", file);
  for (const char* name : {"/plain", "/packed.gz"}) {
    const NdArray a = read_idx_array(dir + name);
    EXPECT_EQ(a.dtype, "idx:ubyte");
    EXPECT_EQ(a.shape, (Shape{1, 2, 1, 3}));
    EXPECT_EQ(a.bytes, (Bytes{9, 8, 7, 6, 5, 4}));
    EXPECT_TRUE(a.values.empty());
    EXPECT_TRUE(a.integral);
  }
  // MNIST's files read the same either way.
  write_bytes(dir + "/images", kImages);
  const NdArray images = read_idx_array(dir + "/images");
  EXPECT_EQ(images.shape, read_idx(dir + "/images", 3).dims);
  EXPECT_EQ(images.bytes, read_idx(dir + "/images", 3).data);
}

TEST(IdxArray, MalformedFiles) {
  const std::string p = testing::temp_dir() + "/f";
  const std::pair<Bytes, const char*> cases[] = {
      {{0, 0, 0x0A, 1, 0, 0, 0, 1, 5}, "element type 10 is unknown"},
      {{0, 0, 0x08, 0}, "no dimensions"},
      {{1, 0, 0x0D, 1, 0, 0, 0, 1, 5, 5, 5, 5}, "bad magic"},
      {{0, 0, 0x0E, 2, 0, 0, 0, 1}, "truncated IDX header"},
      {idx_file(0x0E, {3}, Bytes(23)), "truncated: header promises 24 bytes of data, file has 23"},
      {idx_file(0x0B, {2}, Bytes(6)), "2 unexpected bytes after the data"},
      // 2^32 - 1 doubles claimed by a 40-byte file: refused before anything is allocated.
      {idx_file(0x0E, {0xffffffff}, Bytes(8)), "header promises 34359738360 bytes"},
      {idx_file(0x0D, {0xffffffff, 0xffffffff}, {}), "implausibly large"},
  };
  for (const auto& [bytes, expect] : cases) {
    SCOPED_TRACE(expect);
    write_bytes(p, bytes);
    const std::string msg = array_error(p);
    EXPECT_NE(msg.find(expect), std::string::npos) << msg;
  }
  (void)array_error(p + "-missing");
}
}  // namespace
}  // namespace neurite
