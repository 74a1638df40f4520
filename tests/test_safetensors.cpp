// safetensors files: bit-exact round trips, the byte layout PyTorch expects, every kind of
// corruption giving a neurite::Error that names the file, and atomic replacement.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "neurite/error.h"
#include "neurite/io/file.h"
#include "neurite/io/safetensors.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> read_bytes(const std::string& path) { return read_file_bytes(path); }

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A file with the given header length field, header text and data bytes.
std::vector<uint8_t> raw_file(uint64_t length, const std::string& header, std::size_t data_bytes) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(length >> (8 * i)));  // little-endian
  for (char c : header) bytes.push_back(static_cast<uint8_t>(c));
  bytes.resize(bytes.size() + data_bytes, 0x3f);
  return bytes;
}
std::vector<uint8_t> raw_file(const nlohmann::json& header, std::size_t data_bytes) {
  const std::string text = header.dump();
  return raw_file(text.size(), text, data_bytes);
}

// The message of the neurite::Error that reading `path` throws; fails the test unless it names the file.
std::string read_error(const std::string& path) {
  try {
    (void)read_safetensors(path);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message is not one line: " << msg;
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a " << typeid(e).name() << " instead of neurite::Error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "reading " << path << " succeeded";
  return {};
}

std::vector<uint32_t> bits(const Tensor& t) {
  std::vector<uint32_t> out(static_cast<std::size_t>(t.size()));
  if (t.size()) std::memcpy(out.data(), t.data(), out.size() * 4);
  return out;
}

SafetensorsFile sample_file() {
  SafetensorsFile f;
  f.metadata = {{"format", "pt"},
                {"notes", "quotes \" backslash \\ newline \n tab \t unicode \xc3\xa9\xe2\x82\xac and {json: [1]}"},
                {"empty", ""}};
  Tensor special = Tensor::from({2, 3}, {0.0f, -0.0f, std::numeric_limits<float>::infinity(),
                                         -std::numeric_limits<float>::denorm_min(), 1e-38f, -3.25f});
  f.tensors.emplace_back("0.weight", testing::random_tensor({30, 784}, 1));
  f.tensors.emplace_back("0.bias", testing::random_tensor({30}, 2));
  f.tensors.emplace_back("special", special);
  f.tensors.emplace_back("empty", Tensor({0, 4}));
  f.tensors.emplace_back("scalar", Tensor::from({}, {42.5f}));
  return f;
}

TEST(Safetensors, RoundTripIsBitExact) {
  const std::string path = testing::temp_dir() + "/m.safetensors";
  const SafetensorsFile original = sample_file();
  write_safetensors(path, original);
  const SafetensorsFile back = read_safetensors(path);
  EXPECT_EQ(back.metadata, original.metadata);
  ASSERT_EQ(back.tensors.size(), original.tensors.size());
  for (const auto& [name, t] : original.tensors) {
    const Tensor& r = back.at(name);
    EXPECT_EQ(r.shape(), t.shape()) << name;
    EXPECT_EQ(bits(r), bits(t)) << name;
  }
  // NaN payloads survive too
  SafetensorsFile nan_file;
  Tensor nan_tensor({2});
  const uint32_t payloads[2] = {0x7fc00001u, 0xffa00000u};
  std::memcpy(nan_tensor.data(), payloads, 8);
  nan_file.tensors.emplace_back("n", nan_tensor);
  write_safetensors(path, nan_file);
  EXPECT_EQ(bits(read_safetensors(path).at("n")), bits(nan_tensor));
  EXPECT_TRUE(read_safetensors(path).metadata.empty());
}

TEST(Safetensors, AtNamesAMissingTensor) {
  const SafetensorsFile f = sample_file();
  try {
    (void)f.at("9.weight");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'9.weight'"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, TensorsComeBackInFileOrder) {
  // The header documents `tensors` as being "in file order".
  const std::string path = testing::temp_dir() + "/order.safetensors";
  SafetensorsFile f;
  for (const char* name : {"2.weight", "10.weight", "0.bias", "0.weight"}) f.tensors.emplace_back(name, Tensor({1}));
  write_safetensors(path, f);
  const SafetensorsFile back = read_safetensors(path);
  std::vector<std::string> names;
  for (const auto& [name, t] : back.tensors) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"2.weight", "10.weight", "0.bias", "0.weight"}));
}

TEST(Safetensors, ByteLayout) {
  const std::string path = testing::temp_dir() + "/layout.safetensors";
  SafetensorsFile f;
  f.metadata = {{"format", "pt"}};
  f.tensors.emplace_back("a", Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}));
  f.tensors.emplace_back("b", Tensor::from({2}, {-1, 0.5f}));
  write_safetensors(path, f);
  const std::vector<uint8_t> bytes = read_bytes(path);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | bytes[static_cast<std::size_t>(i)];  // little-endian
  ASSERT_EQ(bytes.size(), 8 + length + 8 * 4);
  EXPECT_EQ(length % 8, 0u) << "header padded to 8 bytes";
  const std::string text(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(length));
  EXPECT_EQ(text.front(), '{');
  const auto header = nlohmann::json::parse(text);
  EXPECT_EQ(header["__metadata__"], (nlohmann::json{{"format", "pt"}}));
  EXPECT_EQ(header["a"]["dtype"], "F32");
  EXPECT_EQ(header["a"]["shape"], nlohmann::json::array({2, 3}));
  EXPECT_EQ(header["a"]["data_offsets"], nlohmann::json::array({0, 24}));
  EXPECT_EQ(header["b"]["shape"], nlohmann::json::array({2}));
  EXPECT_EQ(header["b"]["data_offsets"], nlohmann::json::array({24, 32}));
  EXPECT_EQ(header.size(), 3u);
  // raw little-endian float32 data
  float a[6], b[2];
  std::memcpy(a, bytes.data() + 8 + length, 24);
  std::memcpy(b, bytes.data() + 8 + length + 24, 8);
  EXPECT_EQ(a[0], 1.0f);
  EXPECT_EQ(a[5], 6.0f);
  EXPECT_EQ(b[0], -1.0f);
  EXPECT_EQ(b[1], 0.5f);
  EXPECT_EQ(bytes[8 + length + 4], 0x00);  // 2.0f = 0x40000000, little-endian
  EXPECT_EQ(bytes[8 + length + 7], 0x40);
}

TEST(Safetensors, MissingFile) {
  const std::string path = testing::temp_dir() + "/nope.safetensors";
  EXPECT_NE(read_error(path).find("cannot open"), std::string::npos);
  EXPECT_FALSE(read_error(testing::temp_dir()).empty()) << "a directory is not a file";
}

TEST(Safetensors, TruncatedAnywhere) {
  const std::string dir = testing::temp_dir();
  const std::string good = dir + "/good.safetensors";
  SafetensorsFile f;
  f.metadata = {{"format", "pt"}};
  f.tensors.emplace_back("w", testing::random_tensor({4, 5}, 1));
  f.tensors.emplace_back("b", testing::random_tensor({4}, 2));
  write_safetensors(good, f);
  const std::vector<uint8_t> bytes = read_bytes(good);
  uint64_t length;
  std::memcpy(&length, bytes.data(), 8);
  for (std::size_t cut : {std::size_t{0}, std::size_t{3}, std::size_t{7}, std::size_t{8}, std::size_t{20},
                          8 + length - 1, 8 + length, 8 + length + 1, 8 + length + 80, bytes.size() - 1}) {
    const std::string path = dir + "/cut" + std::to_string(cut) + ".safetensors";
    write_bytes(path, std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut)));
    SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
    (void)read_error(path);
  }
}

TEST(Safetensors, BadHeaderLength) {
  const std::string dir = testing::temp_dir();
  const nlohmann::json header = {{"w", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}}};
  const std::string text = header.dump();
  write_bytes(dir + "/long.st", raw_file(text.size() + 9, text, 8));  // one byte past the end
  EXPECT_NE(read_error(dir + "/long.st").find("truncated"), std::string::npos);
  write_bytes(dir + "/absurd.st", raw_file(uint64_t{1} << 62, text, 8));
  EXPECT_NE(read_error(dir + "/absurd.st").find("implausible"), std::string::npos);
  write_bytes(dir + "/max.st", raw_file(std::numeric_limits<uint64_t>::max(), text, 8));
  (void)read_error(dir + "/max.st");
  write_bytes(dir + "/short.st", raw_file(text.size() - 1, text, 8));  // cuts the JSON
  (void)read_error(dir + "/short.st");
}

TEST(Safetensors, InvalidJson) {
  const std::string dir = testing::temp_dir();
  for (const std::string& text : {std::string("{\"w\": {\"dtype\": \"F32\", "), std::string("not json at all"),
                                   std::string("[1, 2, 3]"), std::string("\"just a string\""), std::string("")}) {
    write_bytes(dir + "/bad.st", raw_file(text.size(), text, 8));
    SCOPED_TRACE(text);
    (void)read_error(dir + "/bad.st");
  }
}

TEST(Safetensors, BadEntries) {
  const std::string dir = testing::temp_dir();
  const std::string path = dir + "/bad.st";
  struct Case {
    nlohmann::json entry;
    std::size_t data;
    const char* expect;
  };
  const Case cases[] = {
      {{{"dtype", "U8"}, {"shape", {2}}, {"data_offsets", {0, 2}}}, 2, "dtype \"U8\" is not one of"},
      {{{"dtype", 32}, {"shape", {2}}, {"data_offsets", {0, 8}}}, 8, "dtype 32"},
      {{{"dtype", "F16"}, {"shape", {2}}, {"data_offsets", {0, 8}}}, 8, "needs 4 bytes"},  // F32's size, not F16's
      {{{"dtype", "F64"}, {"shape", {2}}, {"data_offsets", {0, 8}}}, 8, "larger than its 8 data bytes"},
      {{{"dtype", "F32"}, {"shape", {2, 3}}, {"data_offsets", {0, 20}}}, 24, "(2, 3)"},   // shape/offset mismatch
      {{{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 12}}}, 12, "12"},          // too many bytes
      {{{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 1000}}}, 8, "1000"},       // past the end
      {{{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {8, 16}}}, 8, "16"},           // past the end
      {{{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {8, 0}}}, 8, "data_offsets"},  // reversed
      {{{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0}}}, 8, "data_offsets"},
      {{{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", "0-8"}}, 8, "data_offsets"},
      {{{"dtype", "F32"}, {"shape", {-2}}, {"data_offsets", {0, 8}}}, 8, "shape"},
      {{{"dtype", "F32"}, {"shape", "2"}, {"data_offsets", {0, 8}}}, 8, "shape"},
      {{{"dtype", "F32"}, {"shape", {7.9e33}}, {"data_offsets", {0, 8}}}, 8, "shape must be a list of whole numbers"},
      {{{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8e30}}}, 8, "data_offsets must hold two whole"},
      {{{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {-1, 8}}}, 8, "data_offsets must hold two whole"},
      {{{"dtype", "F32"}, {"data_offsets", {0, 8}}}, 8, "shape"},
      {{{"shape", {2}}, {"data_offsets", {0, 8}}}, 8, "dtype"},
      {nlohmann::json::array({1, 2}), 8, "dtype"},
  };
  for (const Case& c : cases) {
    write_bytes(path, raw_file(nlohmann::json{{"w", c.entry}}, c.data));
    SCOPED_TRACE(c.entry.dump());
    const std::string msg = read_error(path);
    EXPECT_NE(msg.find("'w'"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
  }
}

// PyTorch's files may hold other element types: each is read as float32.
TEST(Safetensors, OtherElementTypesAreConvertedToFloat) {
  const std::string path = testing::temp_dir() + "/types.st";
  const double f64[2] = {0.1, -2.5};
  const uint16_t f16[3] = {0x3C00, 0xC500, 0x0001};  // 1, -5, the smallest subnormal 2^-24
  const uint16_t bf16[2] = {0x3F80, 0xC0A0};         // 1, -5
  const int64_t i64[2] = {17, -3};
  const int32_t i32[1] = {123456};
  const nlohmann::json header = {{"a", {{"dtype", "F64"}, {"shape", {2}}, {"data_offsets", {0, 16}}}},
                                 {"b", {{"dtype", "F16"}, {"shape", {3}}, {"data_offsets", {16, 22}}}},
                                 {"c", {{"dtype", "BF16"}, {"shape", {2}}, {"data_offsets", {22, 26}}}},
                                 {"d", {{"dtype", "I64"}, {"shape", {2}}, {"data_offsets", {26, 42}}}},
                                 {"e", {{"dtype", "I32"}, {"shape", {1}}, {"data_offsets", {42, 46}}}}};
  std::vector<uint8_t> bytes = raw_file(header, 0);
  const auto append = [&](const void* p, std::size_t n) {
    bytes.insert(bytes.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  };
  append(f64, sizeof f64), append(f16, sizeof f16), append(bf16, sizeof bf16), append(i64, sizeof i64), append(i32, sizeof i32);
  write_bytes(path, bytes);
  const SafetensorsFile file = read_safetensors(path);
  EXPECT_EQ(file.at("a")[0], 0.1f);
  EXPECT_EQ(file.at("a")[1], -2.5f);
  EXPECT_EQ(file.at("b")[0], 1.0f);
  EXPECT_EQ(file.at("b")[1], -5.0f);
  EXPECT_EQ(file.at("b")[2], std::ldexp(1.0f, -24));
  EXPECT_EQ(file.at("c")[0], 1.0f);
  EXPECT_EQ(file.at("c")[1], -5.0f);
  EXPECT_EQ(file.at("d")[0], 17.0f);
  EXPECT_EQ(file.at("d")[1], -3.0f);
  EXPECT_EQ(file.at("e")[0], 123456.0f);
}

TEST(Safetensors, BadMetadata) {
  const std::string path = testing::temp_dir() + "/meta.st";
  write_bytes(path, raw_file(nlohmann::json{{"__metadata__", {{"format", 1}}}}, 0));
  EXPECT_NE(read_error(path).find("'format'"), std::string::npos);
  write_bytes(path, raw_file(nlohmann::json{{"__metadata__", "pt"}}, 0));
  EXPECT_NE(read_error(path).find("__metadata__"), std::string::npos);
}

// Shapes whose element count does not fit, or that would need terabytes, must be rejected by
// comparing with the data_offsets before anything is allocated.
TEST(Safetensors, AbsurdShapesAreRejectedWithoutAllocating) {
  const std::string path = testing::temp_dir() + "/huge.st";
  const int64_t big = int64_t{1} << 32;
  // 2^32 * 2^32 elements wraps to 0 in 64 bits: must not pass as an empty tensor
  write_bytes(path, raw_file(nlohmann::json{{"w", {{"dtype", "F32"}, {"shape", {big, big}}, {"data_offsets", {0, 0}}}}}, 0));
  (void)read_error(path);
  // 2^40 elements (4 TiB) for 4 bytes of data
  write_bytes(path, raw_file(nlohmann::json{{"w", {{"dtype", "F32"}, {"shape", {1 << 20, 1 << 20}}, {"data_offsets", {0, 4}}}}}, 4));
  (void)read_error(path);
}

// ---- atomic replacement ----

std::vector<std::string> leftover_temporaries(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) found.push_back(entry.path().string());
  return found;
}

TEST(Safetensors, SaveReplacesAtomicallyAndLeavesNoTemporary) {
  const std::string dir = testing::temp_dir();
  const std::string path = dir + "/m.safetensors";
  write_safetensors(path, sample_file());
  SafetensorsFile other;
  other.tensors.emplace_back("x", Tensor({3}, 1.0f));
  write_safetensors(path, other);  // replaces the bigger file completely
  EXPECT_EQ(read_safetensors(path).tensors.size(), 1u);
  EXPECT_TRUE(leftover_temporaries(dir).empty());
}

TEST(Safetensors, FailedSaveLeavesTheGoodFileUntouched) {
  const std::string dir = testing::temp_dir();
  const std::string path = dir + "/m.safetensors";
  write_safetensors(path, sample_file());
  const std::vector<uint8_t> good = read_bytes(path);
  SafetensorsFile other;
  other.tensors.emplace_back("x", Tensor({3}, 1.0f));

  // The temporary cannot be created: a folder sits where it would go.
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  fs::create_directory(temp);
  try {
    write_safetensors(path, other);
    ADD_FAILURE() << "saving succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  fs::remove(temp);
  EXPECT_EQ(read_bytes(path), good);
  EXPECT_TRUE(leftover_temporaries(dir).empty());

  // The folder does not exist.
  const std::string missing = dir + "/no/such/folder/m.safetensors";
  try {
    write_safetensors(missing, other);
    ADD_FAILURE() << "saving succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir + "/no"));
}

}  // namespace
}  // namespace neurite
