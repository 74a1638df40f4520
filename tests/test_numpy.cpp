// NumPy's .npy and .npz files: real ones written by Debian's numpy (/usr/bin/python3; those tests
// skip without it) compared value by value, and hand-made bytes for every malformed file.
#include <gtest/gtest.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "neurite/data/numpy.h"
#include "neurite/error.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

constexpr const char* kNoNumpy = "Debian's numpy is not installed (/usr/bin/python3 cannot import numpy)";

bool have_numpy() {
  static const bool ok = testing::run_shell("/usr/bin/python3 -c 'import numpy'").exit_code == 0;
  return ok;
}

// Runs a Python script in `dir` with Debian's python3 (the first python3 on PATH has no numpy).
void run_python(const std::string& dir, const std::string& script) {
  std::ofstream(dir + "/make.py") << "import numpy as np\n" << script;
  const testing::CommandResult r = testing::run_shell("cd '" + dir + "' && /usr/bin/python3 make.py");
  ASSERT_EQ(r.exit_code, 0) << script << "\n" << r.output;
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Exact: the same bits (so -0 is not 0), or both NaN. `expected` is converted as a float would be.
void expect_floats(const std::vector<float>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const auto e = static_cast<float>(expected[i]);
    if (std::isnan(e))
      EXPECT_TRUE(std::isnan(actual[i])) << "at " << i << ": " << actual[i];
    else
      EXPECT_EQ(std::bit_cast<uint32_t>(actual[i]), std::bit_cast<uint32_t>(e)) << "at " << i << ": " << actual[i]
                                                                                 << ", expected " << e;
  }
}

// The message of the neurite::Error `f` throws, checked to be one line naming `must_name`.
template <class F>
std::string error_naming(F&& f, const std::string& must_name) {
  const std::string msg = testing::error_of(f);
  EXPECT_NE(msg.find(must_name), std::string::npos) << "message does not name " << must_name << ": " << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  return msg;
}

// ---- files from NumPy ----

struct NumericCase {
  const char* type;    // without the byte order
  const char* python;  // the values as a Python list
  std::vector<double> expected;
};
const double kInf = INFINITY, kNan = NAN;
const NumericCase kNumeric[] = {
    {"b1", "[True, False, True, True, False, False]", {1, 0, 1, 1, 0, 0}},
    {"i1", "[-128, 127, 0, -1, 5, 100]", {-128, 127, 0, -1, 5, 100}},
    {"i2", "[-32768, 32767, 0, -1, 258, 1]", {-32768, 32767, 0, -1, 258, 1}},
    {"u2", "[0, 65535, 1, 256, 258, 40000]", {0, 65535, 1, 256, 258, 40000}},
    {"i4", "[-2**31, 2**31 - 1, 0, -1, 16777217, 65536]", {-2147483648.0, 2147483647.0, 0, -1, 16777217, 65536}},
    {"u4", "[0, 2**32 - 1, 1, 123456789, 7, 2**31]", {0, 4294967295.0, 1, 123456789, 7, 2147483648.0}},
    {"i8", "[-2**63, 2**63 - 1, 0, -1, 2**40 + 1, -12345]",
     {-9223372036854775808.0, 9223372036854775807.0, 0, -1, 1099511627777.0, -12345}},
    {"u8", "[0, 2**64 - 1, 1, 2**63, 3, 2**53]",
     {0, 18446744073709551615.0, 1, 9223372036854775808.0, 3, 9007199254740992.0}},
    {"f2", "[0.5, 65504, 2**-24, -0.0, float('inf'), float('nan'), 0.333251953125, -2**-14]",
     {0.5, 65504, 5.9604644775390625e-08, -0.0, kInf, kNan, 0.333251953125, -6.103515625e-05}},
    {"f4", "[0.1, 3.4028234663852886e38, -0.0, float('-inf'), 1e-45, 16777217, float('nan'), -7.5]",
     {0.1, 3.4028234663852886e38, -0.0, -kInf, 1e-45, 16777217, kNan, -7.5}},
    {"f8", "[0.1, 1e300, -2.5, 5e-324, float('nan'), -1e-300]", {0.1, kInf, -2.5, 0.0, kNan, -0.0}},
};

std::vector<std::string> byte_orders(const char* type) {
  if (type[1] == '1') return {"|"};
  return {"<", ">"};
}

TEST(Npy, EveryNumericTypeInBothByteOrders) {
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  const std::string dir = testing::temp_dir();
  std::string script;
  for (const NumericCase& c : kNumeric)
    for (const std::string& order : byte_orders(c.type))
      script += "np.save('" + std::string(c.type) + (order == ">" ? "_be" : "") + ".npy', np.array(" + c.python +
                ", dtype='" + order + c.type + "').reshape(2, -1))\n";
  run_python(dir, script);
  for (const NumericCase& c : kNumeric)
    for (const std::string& order : byte_orders(c.type)) {
      SCOPED_TRACE(order + c.type);
      const NdArray a = read_npy(dir + "/" + c.type + (order == ">" ? "_be" : "") + ".npy");
      EXPECT_EQ(a.dtype, order + c.type);
      EXPECT_EQ(a.shape, (Shape{2, static_cast<int64_t>(c.expected.size() / 2)}));
      EXPECT_EQ(a.integral, c.type[0] != 'f');
      EXPECT_TRUE(a.bytes.empty());
      EXPECT_TRUE(a.strings.empty());
      EXPECT_FALSE(a.is_text());
      expect_floats(a.values, c.expected);
    }
}

TEST(Npy, UnsignedBytesGoToBytes) {
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  const std::string dir = testing::temp_dir();
  run_python(dir, "np.save('u1.npy', np.array([0, 255, 1, 128, 7, 42], dtype='u1').reshape(3, 2))\n");
  const NdArray a = read_npy(dir + "/u1.npy");
  EXPECT_EQ(a.dtype, "|u1");
  EXPECT_EQ(a.shape, (Shape{3, 2}));
  EXPECT_EQ(a.bytes, (Bytes{0, 255, 1, 128, 7, 42}));
  EXPECT_TRUE(a.values.empty());
  EXPECT_TRUE(a.integral);
  EXPECT_EQ(a.size(), 6);
}

TEST(Npy, TextArrays) {
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  const std::string dir = testing::temp_dir();
  run_python(dir, R"py(
words = ['cat', 'd\u00f6g', '\u732b', '\U0001f408', '']
np.save('u.npy', np.array(words))
np.save('u_be.npy', np.array(words, dtype='>U4'))
np.save('s.npy', np.array([b'ab', b'', b'xyz\x00q'], dtype='S5'))
np.save('labels.npy', np.array(['cat', 'dog', 'cat']))
)py");
  const std::vector<std::string> words = {"cat", "d\xc3\xb6g", "\xe7\x8c\xab", "\xf0\x9f\x90\x88", ""};
  for (const char* file : {"u.npy", "u_be.npy"}) {
    const NdArray u = read_npy(dir + "/" + file);
    EXPECT_EQ(u.strings, words) << file;
    EXPECT_EQ(u.shape, Shape{5});
    EXPECT_TRUE(u.is_text());
    EXPECT_FALSE(u.integral);
    EXPECT_TRUE(u.values.empty());
  }
  EXPECT_EQ(read_npy(dir + "/u.npy").dtype, "<U3");  // the longest word's length
  EXPECT_EQ(read_npy(dir + "/u_be.npy").dtype, ">U4");
  const NdArray s = read_npy(dir + "/s.npy");
  EXPECT_EQ(s.dtype, "|S5");
  EXPECT_EQ(s.strings, (std::vector<std::string>{"ab", "", std::string("xyz\0q", 5)}));  // inner NUL kept
  EXPECT_EQ(read_npy(dir + "/labels.npy").strings, (std::vector<std::string>{"cat", "dog", "cat"}));
}

TEST(Npy, FortranOrderIsReorderedToCOrder) {
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  const std::string dir = testing::temp_dir();
  run_python(dir, R"py(
np.save('i4.npy', np.asfortranarray(np.arange(24, dtype='<i4').reshape(2, 3, 4)))
np.save('u1.npy', np.asfortranarray(np.arange(12, dtype='u1').reshape(3, 4)))
np.save('text.npy', np.asfortranarray(np.array([['a', 'bb', 'ccc'], ['d', 'ee', 'f']])))
np.save('f8.npy', np.asfortranarray(np.arange(6, dtype='>f8').reshape(3, 2) / 4))
for name in ['i4', 'u1', 'text', 'f8']:
    assert b"'fortran_order': True" in open(name + '.npy', 'rb').read(200), name
)py");
  const NdArray i4 = read_npy(dir + "/i4.npy");
  EXPECT_EQ(i4.shape, (Shape{2, 3, 4}));
  std::vector<double> counting(24);
  for (int i = 0; i < 24; ++i) counting[static_cast<std::size_t>(i)] = i;
  expect_floats(i4.values, counting);
  const NdArray u1 = read_npy(dir + "/u1.npy");
  EXPECT_EQ(u1.shape, (Shape{3, 4}));
  EXPECT_EQ(u1.bytes, (Bytes{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(read_npy(dir + "/text.npy").strings, (std::vector<std::string>{"a", "bb", "ccc", "d", "ee", "f"}));
  expect_floats(read_npy(dir + "/f8.npy").values, {0, 0.25, 0.5, 0.75, 1, 1.25});
}

TEST(Npy, ScalarsEmptyArraysAndFormatVersions) {
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  const std::string dir = testing::temp_dir();
  run_python(dir, R"py(
np.save('scalar.npy', np.float32(2.5))
np.save('empty.npy', np.zeros((0, 5), dtype='<f4'))
with open('v2.npy', 'wb') as f:
    np.lib.format.write_array(f, np.arange(6, dtype='<f8').reshape(2, 3) / 8, version=(2, 0))
with open('v3.npy', 'wb') as f:
    np.lib.format.write_array(f, np.array(['\u00e4', 'bc']), version=(3, 0))
)py");
  const NdArray scalar = read_npy(dir + "/scalar.npy");
  EXPECT_EQ(scalar.shape, Shape{});
  expect_floats(scalar.values, {2.5});
  const NdArray empty = read_npy(dir + "/empty.npy");
  EXPECT_EQ(empty.shape, (Shape{0, 5}));
  EXPECT_TRUE(empty.values.empty());
  EXPECT_EQ(read_bytes(dir + "/v2.npy").at(6), 2);
  EXPECT_EQ(read_bytes(dir + "/v3.npy").at(6), 3);
  const NdArray v2 = read_npy(dir + "/v2.npy");
  EXPECT_EQ(v2.shape, (Shape{2, 3}));
  expect_floats(v2.values, {0, 0.125, 0.25, 0.375, 0.5, 0.625});
  EXPECT_EQ(read_npy(dir + "/v3.npy").strings, (std::vector<std::string>{"\xc3\xa4", "bc"}));
}

TEST(Npz, SavezAndSavezCompressed) {
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  const std::string dir = testing::temp_dir();
  run_python(dir, R"py(
import zipfile
arrays = dict(z_images=np.arange(6, dtype='<f4').reshape(2, 3) / 4, a_labels=np.array(['cat', 'dog']),
              m=np.arange(10000, dtype='<i4') % 7, pixels=np.array([[0, 255], [9, 8]], dtype='u1'))
np.savez('plain.npz', **arrays)
np.savez_compressed('packed.npz', **arrays)
assert all(i.compress_type == zipfile.ZIP_STORED for i in zipfile.ZipFile('plain.npz').infolist())
assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zipfile.ZipFile('packed.npz').infolist())
)py");
  for (const char* file : {"plain.npz", "packed.npz"}) {
    SCOPED_TRACE(file);
    const auto arrays = read_npz(dir + "/" + file);
    ASSERT_EQ(arrays.size(), 4u);
    EXPECT_EQ(arrays[0].first, "z_images");  // the archive's order, not sorted
    EXPECT_EQ(arrays[1].first, "a_labels");
    EXPECT_EQ(arrays[2].first, "m");
    EXPECT_EQ(arrays[3].first, "pixels");
    EXPECT_EQ(arrays[0].second.shape, (Shape{2, 3}));
    expect_floats(arrays[0].second.values, {0, 0.25, 0.5, 0.75, 1, 1.25});
    EXPECT_EQ(arrays[1].second.strings, (std::vector<std::string>{"cat", "dog"}));
    const NdArray& m = arrays[2].second;
    ASSERT_EQ(m.values.size(), 10000u);
    for (std::size_t i = 0; i < m.values.size(); ++i)
      ASSERT_EQ(m.values[i], static_cast<float>(i % 7)) << "at " << i;
    EXPECT_EQ(arrays[3].second.bytes, (Bytes{0, 255, 9, 8}));
  }
}

TEST(Npy, WrittenFilesReadBackAndNumPyLoadsThem) {
  const std::string dir = testing::temp_dir();
  const std::vector<float> six = {0.5f, -1.25f, 1024.0f, -0.0f, 3.0f, 65536.0f};
  write_npy(dir + "/m.npy", {2, 3}, six);
  write_npy(dir + "/v.npy", {5}, std::span(six).first(5));
  write_npy(dir + "/s.npy", {}, std::span(six).first(1));
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.path().extension() == ".npy" ? 1 : 100;
  EXPECT_EQ(files, 3);  // no temporary left behind
  const Bytes raw = read_bytes(dir + "/m.npy");
  ASSERT_GE(raw.size(), 10u);
  EXPECT_EQ(raw[6], 1);  // version 1.0
  const std::size_t header = raw[8] | (raw[9] << 8);
  EXPECT_EQ((10 + header) % 64, 0u);  // the data aligned as NumPy aligns it
  EXPECT_EQ(raw.size(), 10 + header + 24);
  const NdArray m = read_npy(dir + "/m.npy");
  EXPECT_EQ(m.dtype, "<f4");
  EXPECT_EQ(m.shape, (Shape{2, 3}));
  expect_floats(m.values, {0.5, -1.25, 1024, -0.0, 3, 65536});
  EXPECT_EQ(read_npy(dir + "/v.npy").shape, Shape{5});
  EXPECT_EQ(read_npy(dir + "/s.npy").shape, Shape{});
  (void)error_naming([&] { write_npy(dir + "/bad.npy", {2, 2}, six); }, dir + "/bad.npy");
  if (!have_numpy()) GTEST_SKIP() << kNoNumpy;
  run_python(dir, R"py(
m, v, s = np.load('m.npy'), np.load('v.npy'), np.load('s.npy')
assert m.dtype == np.float32 and m.shape == (2, 3), (m.dtype, m.shape)
assert m.tolist() == [[0.5, -1.25, 1024.0], [-0.0, 3.0, 65536.0]], m
assert v.shape == (5,) and v.tolist() == [0.5, -1.25, 1024.0, -0.0, 3.0], v
assert s.shape == () and s == 0.5, s
)py");
}

// ---- hand-made files ----

void put16(Bytes& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, v & 0xffff);
  put16(b, v >> 16);
}
void put64(Bytes& b, uint64_t v) {
  put32(b, static_cast<uint32_t>(v));
  put32(b, static_cast<uint32_t>(v >> 32));
}

// An NPY file around the header dict text, padded as NumPy pads it.
Bytes npy(const std::string& dict, const Bytes& body, uint8_t major = 1) {
  std::string header = dict;
  const std::size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  Bytes out = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  if (major == 1)
    put16(out, static_cast<uint32_t>(header.size()));
  else
    put32(out, static_cast<uint32_t>(header.size()));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::string dict(const std::string& descr, const std::string& shape, const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

Bytes floats_le(std::initializer_list<float> values) {
  Bytes b;
  for (float v : values) put32(b, std::bit_cast<uint32_t>(v));
  return b;
}

std::string npy_error(const Bytes& bytes) {
  return error_naming([&] { (void)parse_npy(bytes, "data.npy"); }, "data.npy: ");
}

TEST(Npy, HandMadeFiles) {
  const NdArray a = parse_npy(npy(dict("<f4", "(3,)"), floats_le({1.5f, -2, 0.25f})), "a.npy");
  expect_floats(a.values, {1.5, -2, 0.25});
  // Big-endian, double quotes, keys in another order, Python 2's long integers, version 2.0.
  const NdArray b = parse_npy(npy("{\"shape\": (1L, 2L), \"descr\": \">i2\", \"fortran_order\": False}",
                                  {0xff, 0xfe, 0x01, 0x00}, 2),
                              "b.npy");
  EXPECT_EQ(b.shape, (Shape{1, 2}));
  expect_floats(b.values, {-2, 256});
  // Fortran order in two dimensions: the file holds the columns one after another.
  const NdArray f = parse_npy(npy(dict("<f4", "(2, 3)", "True"), floats_le({1, 4, 2, 5, 3, 6})), "f.npy");
  expect_floats(f.values, {1, 2, 3, 4, 5, 6});
  // A zero dimension beside huge ones: nothing to read, nothing to allocate.
  const NdArray z = parse_npy(npy(dict("<f8", "(0, 1000000000000000000, 1000000000000000000)"), {}), "z.npy");
  EXPECT_EQ(z.size(), 0);
  EXPECT_TRUE(z.values.empty());
}

TEST(Npy, SizesAreCheckedBeforeAllocating) {
  EXPECT_EQ(npy_error(npy(dict("<f4", "(10, 784)"), Bytes(1200))),
            "data.npy: body has 1200 bytes, the header's shape (10, 784) of '<f4' needs 31360");
  // Each would need terabytes or more; allocating first would throw std::bad_alloc, not an Error.
  EXPECT_NE(npy_error(npy(dict("<f4", "(1000000000000,)"), Bytes(16))).find("needs 4000000000000"), std::string::npos);
  EXPECT_NE(npy_error(npy(dict("|u1", "(1000000000000,)"), Bytes(16))).find("needs 1000000000000"), std::string::npos);
  EXPECT_NE(npy_error(npy(dict("<U1000", "(1000000000000000,)"), {})).find("needs 4000000000000000000"),
            std::string::npos);
  EXPECT_NE(npy_error(npy(dict("<f8", "(4611686018427387904, 4611686018427387904)"), {})).find("more than 2^63"),
            std::string::npos);
  EXPECT_NE(npy_error(npy(dict("|b1", "(9223372036854775807, 2)"), {})).find("more than 2^63"), std::string::npos);
  EXPECT_NE(npy_error(npy(dict("<f4", "(2,)"), floats_le({1, 2, 3}))).find("4 unexpected bytes after the data"),
            std::string::npos);
}

TEST(Npy, UnsupportedElementTypes) {
  EXPECT_EQ(npy_error(npy(dict("<c16", "(2,)"), Bytes(32))),
            "data.npy: element type '<c16' (complex) is not supported (numbers, booleans or text)");
  const std::pair<const char*, const char*> cases[] = {
      {"|O", "'|O' (Python objects)"}, {"<M8[ns]", "(dates and times)"}, {"<m8[s]", "(dates and times)"},
      {"|V8", "(raw records)"},        {"<c8", "(complex)"},             {"<f16", "'<f16' (unknown)"},
      {"<i3", "'<i3' (unknown)"},      {"f4", "'f4' (unknown)"},         {"<U0", "(unknown)"},
      {"<x4", "(unknown)"},            {"", "'' (unknown)"},             {"<u16", "(unknown)"},
  };
  for (const auto& [descr, expect] : cases) {
    const std::string msg = npy_error(npy(dict(descr, "(1,)"), Bytes(8)));
    EXPECT_NE(msg.find(expect), std::string::npos) << msg;
    EXPECT_NE(msg.find("is not supported"), std::string::npos) << msg;
  }
  const std::string structured = "{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (1,), }";
  EXPECT_NE(npy_error(npy(structured, Bytes(8))).find("structured"), std::string::npos);
  // UTF-32 that is no character: a lone surrogate.
  EXPECT_NE(npy_error(npy(dict("<U1", "(1,)"), {0x00, 0xd8, 0, 0})).find("not a Unicode character"), std::string::npos);
}

TEST(Npy, MalformedFiles) {
  Bytes v4 = npy(dict("<f4", "(1,)"), floats_le({1}));
  v4[6] = 4;
  Bytes v11 = npy(dict("<f4", "(1,)"), floats_le({1}));
  v11[7] = 1;
  Bytes long_header = npy(dict("<f4", "(1,)"), {});
  long_header.resize(40);
  const std::pair<Bytes, const char*> cases[] = {
      {{}, "not an NPY file (bad magic)"},
      {{0x93, 'N', 'U', 'M'}, "bad magic"},
      {{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0}, "bad magic"},
      {{0x93, 'N', 'U', 'M', 'P', 'X', 1, 0, 0, 0}, "bad magic"},
      {{0x93, 'N', 'U', 'M', 'P', 'Y', 1}, "truncated NPY header"},
      {{0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0x10, 0}, "truncated NPY header"},
      {long_header, "truncated NPY header"},
      {v4, "unsupported NPY version 4.0 (1.0, 2.0 or 3.0)"},
      {v11, "unsupported NPY version 1.1"},
      {npy("", {}), "malformed NPY header at character 54 (expected '{')"},  // after the padding
      {npy("[1, 2]", {}), "expected '{'"},
      {npy("{'descr': '<f4', 'fortran_order': False}", {}), "no 'shape' key"},
      {npy("{'descr': '<f4', 'shape': (1,)}", floats_le({1})), "no 'fortran_order' key"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", {}), "unexpected key 'x'"},
      {npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", {}), "'descr' given twice"},
      {npy("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", {}), "malformed"},
      {npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", {}), "expected True or False"},
      {npy(dict("<f4", "(-2,)"), {}), "expected a dimension"},
      {npy(dict("<f4", "(99999999999999999999,)"), {}), "expected a dimension"},
      {npy(dict("<f4", "(2.5,)"), {}), "malformed"},
      {npy(dict("<f4", "(1, 2"), {}), "malformed"},
      {npy(dict("<f4", "(1,)") + " x", floats_le({1})), "text after the dict"},
      {npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", {}), "expected '}'"},
      {npy("{'descr': \"<f4', 'fortran_order': False, 'shape': (1,)}", {}), "unterminated string"},
  };
  for (const auto& [bytes, expect] : cases) {
    SCOPED_TRACE(expect);
    const std::string msg = npy_error(bytes);
    EXPECT_NE(msg.find(expect), std::string::npos) << msg;
  }
}

TEST(Npy, FileErrorsNameTheFile) {
  const std::string dir = testing::temp_dir();
  EXPECT_NE(error_naming([&] { (void)read_npy(dir + "/missing.npy"); }, dir + "/missing.npy").find("no such file"),
            std::string::npos);
  (void)error_naming([&] { (void)read_npy(dir); }, dir);
  write_bytes(dir + "/short.npy", npy(dict("<f4", "(10, 784)"), Bytes(1200)));
  EXPECT_EQ(error_naming([&] { (void)read_npy(dir + "/short.npy"); }, dir + "/short.npy"),
            dir + "/short.npy: body has 1200 bytes, the header's shape (10, 784) of '<f4' needs 31360");
}

// ---- hand-made zip archives (PKWARE's APPNOTE.TXT) ----

struct Member {
  std::string name;
  Bytes data;
  bool deflate = false;
  uint64_t claimed_size = 0;  // non-zero: the uncompressed size the headers claim, in a zip64 field
};

Bytes raw_deflate(const Bytes& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&z, static_cast<uLong>(data.size())));
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Bytes make_zip(const std::vector<Member>& members) {
  Bytes out, central;
  for (const Member& m : members) {
    const Bytes packed = m.deflate ? raw_deflate(m.data) : m.data;
    const auto crc = static_cast<uint32_t>(crc32(0, m.data.data(), static_cast<uInt>(m.data.size())));
    const bool zip64 = m.claimed_size != 0;
    const auto offset = static_cast<uint32_t>(out.size());
    auto header = [&](Bytes& b, bool local) {
      put32(b, local ? 0x04034b50 : 0x02014b50);
      if (!local) put16(b, 45);  // made by
      put16(b, zip64 ? 45 : 20);  // version needed
      put16(b, 0);                // flags
      put16(b, m.deflate ? 8 : 0);
      put32(b, 0x00210000);  // 1980-01-01 00:00
      put32(b, crc);
      put32(b, zip64 ? 0xffffffff : static_cast<uint32_t>(packed.size()));
      put32(b, zip64 ? 0xffffffff : static_cast<uint32_t>(m.data.size()));
      put16(b, static_cast<uint32_t>(m.name.size()));
      put16(b, zip64 ? 20 : 0);  // extra field
      if (!local) {
        put32(b, 0);  // comment length, disk
        put16(b, 0);  // internal attributes
        put32(b, 0);  // external attributes
        put32(b, offset);
      }
      b.insert(b.end(), m.name.begin(), m.name.end());
      if (zip64) {
        put16(b, 1);
        put16(b, 16);
        put64(b, m.claimed_size);
        put64(b, packed.size());
      }
    };
    header(out, true);
    out.insert(out.end(), packed.begin(), packed.end());
    header(central, false);
  }
  const auto central_offset = static_cast<uint32_t>(out.size());
  out.insert(out.end(), central.begin(), central.end());
  put32(out, 0x06054b50);
  put32(out, 0);  // disk numbers
  put16(out, static_cast<uint32_t>(members.size()));
  put16(out, static_cast<uint32_t>(members.size()));
  put32(out, static_cast<uint32_t>(central.size()));
  put32(out, central_offset);
  put16(out, 0);  // comment length
  return out;
}

const Bytes kOneTwoThree = npy(dict("<f4", "(3,)"), floats_le({1, 2, 3}));

TEST(Npz, HandMadeArchives) {
  const std::string dir = testing::temp_dir();
  Bytes big;
  for (int i = 0; i < 3000; ++i) put32(big, std::bit_cast<uint32_t>(static_cast<float>(i % 5)));
  write_bytes(dir + "/a.npz", make_zip({{"b.npy", kOneTwoThree},
                                        {"sub/", {}},
                                        {"sub/a.npy", npy(dict("<f4", "(3000,)"), big), true}}));
  const auto arrays = read_npz(dir + "/a.npz");
  ASSERT_EQ(arrays.size(), 2u);
  EXPECT_EQ(arrays[0].first, "b");
  expect_floats(arrays[0].second.values, {1, 2, 3});
  EXPECT_EQ(arrays[1].first, "sub/a");
  ASSERT_EQ(arrays[1].second.values.size(), 3000u);
  EXPECT_EQ(arrays[1].second.values[2999], 4.0f);
}

TEST(Npz, MalformedArchives) {
  const std::string dir = testing::temp_dir();
  const std::string p = dir + "/data.npz";
  auto npz_error = [&](const Bytes& bytes) {
    write_bytes(p, bytes);
    return error_naming([&] { (void)read_npz(p); }, p);
  };
  EXPECT_NE(error_naming([&] { (void)read_npz(dir + "/missing.npz"); }, dir + "/missing.npz").find("no such file"),
            std::string::npos);
  EXPECT_NE(error_naming([&] { (void)read_npz(dir); }, dir).find("not a regular file"), std::string::npos);
  EXPECT_NE(npz_error(kOneTwoThree).find("not an NPZ file (not a zip archive)"), std::string::npos);
  EXPECT_NE(npz_error({'h', 'e', 'l', 'l', 'o'}).find("not a zip archive"), std::string::npos);
  EXPECT_NE(npz_error({}).find("not a zip archive"), std::string::npos);
  EXPECT_NE(npz_error(make_zip({})).find("no .npy arrays"), std::string::npos);
  EXPECT_NE(npz_error(make_zip({{"x.npy", kOneTwoThree}, {"notes.txt", {'h', 'i'}}}))
                .find("member 'notes.txt' is not a .npy file"),
            std::string::npos);
  // A member that is no NPY file is named inside the archive.
  EXPECT_NE(npz_error(make_zip({{"x.npy", {'h', 'i'}}})).find(p + ":x.npy: not an NPY file"), std::string::npos);
  // A claimed size past the limit is refused before reading.
  EXPECT_NE(npz_error(make_zip({{"x.npy", kOneTwoThree, false, uint64_t{1} << 40}})).find("(kMaxDecompressedBytes)"),
            std::string::npos);
  // Damaged data: a stored member's CRC fails, a deflated member's stream breaks.
  Bytes stored = make_zip({{"x.npy", kOneTwoThree}});
  stored[30 + 5 + kOneTwoThree.size() - 1] ^= 0x40;  // the last data byte, after the 30-byte header and name
  EXPECT_NE(npz_error(stored).find(p + ":x.npy: corrupt member"), std::string::npos);
  Bytes deflated = make_zip({{"x.npy", kOneTwoThree, true}});
  for (std::size_t i = 30 + 5; i < 30 + 5 + 20; ++i) deflated[i] ^= 0x5a;
  EXPECT_NE(npz_error(deflated).find(p + ":x.npy: "), std::string::npos);
  // Cut short: the central directory is gone.
  const Bytes whole = make_zip({{"x.npy", kOneTwoThree}, {"y.npy", kOneTwoThree}});
  (void)npz_error(Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(whole.size() / 2)));
  // A central directory that points at the wrong place.
  Bytes moved = whole;
  moved[moved.size() - 6] ^= 0x10;
  (void)npz_error(moved);
}

}  // namespace
}  // namespace neurite
