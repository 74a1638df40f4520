// The hostile inputs of the reliability review (tests/fixtures/hostile/, copied from the review's
// reproducers): each gives one line naming the file and the problem and a non-zero exit, never a
// crash, a hang or an allocation the file's size does not justify. The server answers such a
// request with a 400 and keeps serving.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include "neurite/data/idx.h"
#include "neurite/data/image_folder.h"
#include "neurite/data/picture.h"
#include "neurite/data/table.h"
#include "neurite/io/json_input.h"
#include "neurite/io/model_file.h"
#include "neurite/network.h"
#include "serve_support.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::expect_one_line_error;
namespace fs = std::filesystem;

std::string hostile(const std::string& name) { return testing::source_dir() + "/tests/fixtures/hostile/" + name; }

// The message of the neurite::Error that `read` throws, or "read" when it throws none.
template <class Read>
std::string error_of(Read&& read) {
  try {
    read();
    return "read";
  } catch (const Error& e) {
    return e.what();
  }
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(JsonDepth, CountsBracketsOutsideStringsOnly) {
  const std::string deep_64 = std::string(64, '[') + std::string(64, ']');
  EXPECT_FALSE(json_too_deep(deep_64));
  EXPECT_TRUE(json_too_deep("[" + deep_64 + "]"));
  // Brackets inside strings, escaped quotes included, are text.
  EXPECT_FALSE(json_too_deep("{\"a\": \"" + std::string(100, '[') + "\\\"" + std::string(100, '{') + "\"}"));
  // Closing brackets lower the depth again: many shallow values are fine.
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += "[[1]],";
  EXPECT_FALSE(json_too_deep(wide + "0]"));
}

// ~100,000 nested brackets: before, copying or printing the parsed value ran out of stack.
TEST(HostileInputs, DeeplyNestedJsonIsRefusedByEveryReader) {
  const std::string limit = "JSON nested deeper than 64 levels";
  expect_one_line_error("train --model " + hostile("spec_deep_nesting.json"), limit);
  expect_one_line_error("train --model " + hostile("spec_deep_training_objects.json"), limit);
  expect_one_line_error("eval " + hostile("model_deep_header.safetensors"), "model_deep_header.safetensors: header: " + limit);
  expect_one_line_error("eval " + hostile("model_deep_architecture.safetensors"),
                        "model_deep_architecture.safetensors: \"neurite\" metadata: " + limit);
  expect_one_line_error("plot " + hostile("log_deep_nesting.jsonl") + " --out " + testing::temp_dir() + "/p.png",
                        "log_deep_nesting.jsonl:1: " + limit);
}

// Metadata of the wrong JSON type: before, "internal error: [json.exception.type_error.302]".
TEST(HostileInputs, MetadataOfTheWrongTypeIsNamed) {
  expect_one_line_error("eval " + hostile("scale_num.safetensors"), "scale_num.safetensors: model metadata \"scale\" has the wrong type: 3");
  expect_one_line_error("eval " + hostile("targets_str.safetensors"), "model metadata \"targets\" has the wrong type");
  expect_one_line_error("eval " + hostile("training_num.safetensors"), "model metadata \"training\" must be an object");
  expect_one_line_error("lm sample --model " + hostile("lm_task_num.safetensors"), "model metadata \"task\" has the wrong type: 7");
  expect_one_line_error("lm sample --model " + hostile("lm_alphabet_str.safetensors"),
                        "lm_alphabet_str.safetensors: the model's \"alphabet\" must be a list of bytes");
}

// A character model whose network predicts fewer characters than its alphabet holds: before, a
// crash while sampling.
TEST(HostileInputs, LanguageModelAlphabetMustMatchItsNetwork) {
  expect_one_line_error("lm sample --model " + hostile("lm_output_narrower_than_alphabet.safetensors"),
                        "the alphabet has 3 characters, but the network reads 3 and predicts 2 per step");
}

// NaN weights: before, accepted, so eval printed one class for every image (and the fast exp
// converted NaN to an integer under UBSan). The fuzzer's model crashes are NaN weights too.
TEST(HostileInputs, NonFiniteWeightsAreRefusedWhenTheModelIsRead) {
  expect_one_line_error("eval " + hostile("nan_weights_fast_exp.safetensors"), "tensor '0.weight_ih_reverse' holds NaN at element 402");
  expect_one_line_error("eval " + hostile("lstm_nan_weight.safetensors"), "tensor '0.weight_ih' holds NaN at element 0");
  for (const char* name : {"fuzz_model-crash-36dea5eedee5d3", "fuzz_model-crash-45ea23c380bbe1", "fuzz_model-crash-5c65e170c3651d"})
    expect_one_line_error(std::string("eval ") + hostile(name), "holds NaN");
  expect_one_line_error("lm sample --model " + hostile("fuzz_lm_model-crash-64b6643b0e4774"), "holds NaN");
}

// Training logs: a gradient norm of 5e-324 put a log axis tick at 10^-324, which is 0, and the
// minor grid then looped for ever; an empty log is one line.
TEST(HostileInputs, TrainingLogsThatHungOrWereEmpty) {
  const std::string out = testing::temp_dir();
  const testing::CommandResult r = testing::run_cli("plot " + hostile("log_denormal_grad_norm_hang.jsonl") + " --out " + out);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote " + out + "/gradient-norms.png"), std::string::npos) << r.output;
  expect_one_line_error("plot " + hostile("fuzz_training_log-crash-da39a3ee5e6b4b") + " --out " + out,
                        "empty training log (no complete record)");
}

// A few hundred bytes describing layers that need gigabytes: before, std::bad_alloc as an
// "internal error", or gigabytes allocated first. Now refused by the limits, before allocating.
TEST(HostileInputs, HugeLayersAreRefusedBeforeAllocating) {
  expect_one_line_error("eval " + hostile("model_conv_padding_14GiB_activation.safetensors"),
                        "layer 0 (conv2d): its output (1, 60028, 60028) is 3603360784 values per sample, over the limit "
                        "of 67108864 (kMaxSampleValues)");
  expect_one_line_error("eval " + hostile("model_lstm_2_5GiB_200bytes.safetensors"),
                        "lstm layer 16384 -> 4096 would hold 16384 x 20480 weights, over the limit of 134217728 "
                        "(kMaxLayerWeights)");
  expect_one_line_error("train --model " + hostile("spec_conv_2GiB.json"),
                        "spec_conv_2GiB.json: layer 0 (conv2d): conv2d 1 -> 65536 with kernel 64x64 would hold");
  expect_one_line_error("train --model " + hostile("spec_lstm_huge_bad_alloc.json"),
                        "spec_lstm_huge_bad_alloc.json: layer 0 (lstm): lstm layer 28 -> 65536 would hold");
  // Twice the padding overflowed int64 (UBSan: signed integer overflow).
  expect_one_line_error("train --model " + hostile("spec_conv_padding_overflow.json"),
                        "spec_conv_padding_overflow.json: layer 0 (conv2d): conv2d padding 4611686018427387904x4611686018427387904 "
                        "is over the limit of 67108864 (kMaxSampleValues)");
  // 1e300 converted to an integer was undefined behaviour (it came out as -2^63).
  expect_one_line_error("train --model " + hostile("spec_dense_in_1e300.json"),
                        "spec_dense_in_1e300.json: layer 0 (dense): option \"in\" is 1e+300, out of range");
}

// Layers each within their limits that together are not: before, a spec of twenty large dense
// layers allocated them all (20 GiB), and a thousand activation layers on a large input kept an
// output of 256 MiB each. The second large layer is refused before its tensors exist.
TEST(HostileInputs, WholeNetworksAreHeldToTheirLimits) {
  const auto refusal = [](const nlohmann::json& architecture) {
    return error_of([&] { Network::from_architecture(architecture); });
  };
  const nlohmann::json dense_11585 = {{"type", "dense"}, {"in", 11585}, {"out", 11585}};
  // Two layers each just under kMaxLayerWeights; the first one's biases tip the second over.
  EXPECT_EQ(refusal({{"input", {11585}}, {"layers", {dense_11585, dense_11585}}}),
            "layer 1 (dense): dense layer 11585 -> 11585 would hold 134212225 weights, more than the network's "
            "remaining 134211646 of 2^28 (kMaxNetworkWeights)");
  nlohmann::json relus = nlohmann::json::array();
  for (int i = 0; i < 3; ++i) relus.push_back({{"type", "relu"}});
  EXPECT_EQ(refusal({{"input", {kMaxSampleValues}}, {"layers", relus}}),
            "layer 2 (relu): the layers' outputs would add up to more than 2^27 values per sample (kMaxNetworkSampleValues)");
  relus.erase(relus.size() - 1);
  EXPECT_EQ(refusal({{"input", {kMaxSampleValues}}, {"layers", relus}}), "read");
}

// A checkpoint's state with numbers out of range: 1e300 converted to int came out as
// -2147483648 (undefined behaviour); the fuzzer's checkpoint also holds NaN weights.
TEST(HostileInputs, CheckpointStateNumbersAreChecked) {
  expect_one_line_error("train --resume " + hostile("ckpt_next_epoch_1e300.safetensors"),
                        "ckpt_next_epoch_1e300.safetensors: \"next_epoch\" must be a whole number from -2147483648 to "
                        "2147483647, got 1e+300");
  expect_one_line_error("train --resume " + hostile("ckpt_fuzzer_found_float_to_uint.safetensors"), "holds NaN");
}

// An image that is not a regular file: before, a folder gave "internal error: basic_filebuf::
// underflow", a FIFO blocked for ever and /dev/zero was read until memory ran out.
TEST(HostileInputs, ImagesMustBeRegularFiles) {
  const std::string dir = testing::temp_dir();
  Network net = make_mlp({784, 10}, ActivationKind::Sigmoid);
  Rng rng(5);
  net.initialize(Initializer{}, rng);
  const std::string model = dir + "/model.safetensors";
  save_model(model, net, ModelInfo{});
  const std::string fifo = dir + "/fifo.png";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& image : {dir, fifo, std::string("/dev/zero")}) {
    expect_one_line_error("predict " + model + " --image " + image, image + ": cannot open: not a regular file");
    expect_one_line_error("inspect " + model + " --image " + image + " --out " + dir + "/inside",
                          image + ": cannot open: not a regular file");
  }
}

// Numbers out of range in a spec or a training log: before, 1e300 or 2^63 - 1 converted to an
// integer (undefined behaviour), and confusion counts whose sums overflowed int64.
TEST(HostileInputs, OutOfRangeNumbersInSpecsAndLogsAreNamed) {
  expect_one_line_error("train --model " + hostile("spec_epochs_1e300.json"),
                        "spec_epochs_1e300.json: epochs must be a whole number, got 1e+300");
  // The spec fuzzer's input: nlohmann casts a float size to int64 unchecked (undefined behaviour).
  expect_one_line_error("train --model " + hostile("spec_input_size_1e33.json"),
                        "spec_input_size_1e33.json: \"input\" must be a list of whole numbers, got [7.88889e+33]");
  const std::string out = testing::temp_dir() + "/charts";
  expect_one_line_error("plot " + hostile("log_best_epoch_1e300.jsonl") + " --out " + out,
                        "log_best_epoch_1e300.jsonl:2: \"best_epoch\" is not a whole number from -1 to 2147483647");
  expect_one_line_error("plot " + hostile("log_epoch_int64_max.jsonl") + " --out " + out,
                        "log_epoch_int64_max.jsonl:1: \"epoch\" is not a whole number from -1 to 2147483647");
  expect_one_line_error("plot " + hostile("log_confusion_int64_overflow.jsonl") + " --out " + out,
                        "log_confusion_int64_overflow.jsonl:1: \"confusion\" counts add up to more than 2^53");
}

// Zero images of 2^32 - 1 x 2^32 - 1 pixels (the fuzzer's input: a mode byte, the images file's
// length in two bytes, little-endian, then the images and labels files): before, accepted, and
// the sample size overflowed downstream.
TEST(HostileInputs, IdxShapesAreBoundedEvenWithZeroItems) {
  const std::string bytes = contents(hostile("idx_zero_images_huge_dims.bin"));
  const std::size_t images = static_cast<uint8_t>(bytes[1]) | static_cast<std::size_t>(static_cast<uint8_t>(bytes[2])) << 8;
  const std::string dir = testing::temp_dir();
  std::ofstream(dir + "/t10k-images-idx3-ubyte", std::ios::binary) << bytes.substr(3, images);
  std::ofstream(dir + "/t10k-labels-idx1-ubyte", std::ios::binary) << bytes.substr(3 + images);
  EXPECT_THROW(
      {
        try {
          read_idx_array(dir + "/t10k-images-idx3-ubyte");
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("IDX dimensions are implausibly large (over 2^32 elements)"),
                    std::string::npos) << e.what();
          throw;
        }
      },
      Error);
}

// 2 MB of gzip that expands to 2.2 GB: before, read whole. Now decompression stops at 1 GiB.
TEST(HostileInputs, GzipBombStopsAtTheDecompressedLimit) {
  const std::string bomb = hostile("gzbomb_folder/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(error_of([&] { read_idx(bomb, 3); }), bomb + ": expands to more than 1024 MiB (kMaxDecompressedBytes); not read");
}

// A first row of 20,000 fields, then a million one-field lines (2 MB): before, the table
// reserved 20,000 x 1,000,000 cells (80 GB) before finding line 2 short.
TEST(HostileInputs, WideFirstRowReservesNoMoreThanTheFileCanFill) {
  const std::string path = testing::temp_dir() + "/wide.csv";
  {
    std::ofstream out(path);
    for (int c = 0; c < 20000; ++c) out << (c ? ",1" : "1");
    out << '\n';
    for (int r = 0; r < 1000000; ++r) out << "1\n";
  }
  EXPECT_EQ(error_of([&] { read_csv(path); }), path + ", line 2 (row 2): 1 fields, the first line has 20000");
}

// 20,000 JSON records, each with a key of its own (270 KB): before, a 20,000 x 20,000 table of
// missing values (1.6 GB), its keys found by a quadratic search.
TEST(HostileInputs, JsonRecordsOfManyKeysAreHeldToTheCellLimit) {
  const std::string path = testing::temp_dir() + "/keys.json";
  {
    std::ofstream out(path);
    out << '[';
    for (int r = 0; r < 20000; ++r) out << (r ? "," : "") << "{\"k" << r << "\": 1}";
    out << ']';
  }
  EXPECT_EQ(error_of([&] { read_json_records(path); }),
            path + ": 20000 records of 20000 keys make more than 2^28 cells (kMaxTableValues)");
}

// An image folder whose first picture is 8192x8192 (a PNG of about 65 KB) and twenty more of 8x8: every
// picture is resized to the first one's size, so before, the folder reserved 21 x 64 MiB and
// grew each 8x8 picture to 64 MiB. Held to kMaxFolderSamples now, and so is a size given as an
// option.
TEST(HostileInputs, ImageFolderIsHeldToTheSampleLimit) {
  const std::string root = testing::temp_dir() + "/folder";
  fs::create_directories(root + "/a");
  write_png(root + "/a/0.png", Picture{8192, 8192, 1, std::vector<uint8_t>(8192 * 8192)});
  for (int i = 1; i <= 20; ++i) write_png(root + "/a/" + std::to_string(i) + ".png", Picture{8, 8, 1, std::vector<uint8_t>(64)});
  const auto refusal = [&](const ImageFolderOptions& options) { return error_of([&] { read_image_folder(root, options); }); };
  EXPECT_EQ(refusal({}), root + ": 21 pictures of 8192x8192x1 samples are more than 2^30 in all (kMaxFolderSamples); "
                                "give a smaller size");
  EXPECT_EQ(refusal({.channels = 3, .width = 8192, .height = 4096}),
            root + ": 21 pictures of 8192x4096x3 samples are more than 2^30 in all (kMaxFolderSamples); give a smaller size");
  EXPECT_EQ(refusal({.channels = 0, .width = int64_t{1} << 40, .height = int64_t{1} << 40}),
            root + ": pictures of 1099511627776x1099511627776 are more than 2^28 pixels (kMaxPictureSamples)");
  EXPECT_EQ(refusal({.channels = 0, .width = 64, .height = 64}), "read");
}

// Paths the system refuses: before, "internal error: filesystem error: ... Too many levels of
// symbolic links".
TEST(HostileInputs, SymbolicLinkLoopsAreNamed) {
  const std::string dir = testing::temp_dir();
  const std::string loop = dir + "/loop";
  ASSERT_EQ(symlink(loop.c_str(), loop.c_str()), 0);
  expect_one_line_error("train --epochs 1 --data " + loop, loop + ": Too many levels of symbolic links");
  expect_one_line_error("train --epochs 1 --data " + loop + "/table.csv", "Too many levels of symbolic links");
}

// A JSON value an error quotes is cut short: before, a nested value made a line of 200 KB.
TEST(HostileInputs, ErrorsQuoteAShortPrefixOfAJsonValue) {
  const std::string dir = testing::temp_dir();
  std::ofstream(dir + "/spec.json") << "{\"layers\": [{\"type\": \"dense\", \"out\": 10}], \"training\": {\"epochs\": \"" +
                                          std::string(100000, 'x') + "\"}}";
  const testing::CommandResult r = testing::run_cli("train --model " + dir + "/spec.json");
  expect_one_line_error(r, "epochs must be a whole number, got \"xxxx");
  EXPECT_LT(r.output.size(), 400u) << r.output.substr(0, 400);
}

// Before, one 200 KB POST killed the whole server.
TEST(HostileInputs, ServerRefusesDeeplyNestedJsonAndKeepsServing) {
  testing::ServerProcess server(testing::page_server_args({}));
  ASSERT_NE(server.port(), 0) << server.first_line();
  httplib::Client client = testing::client_of(server);
  const std::string body = contents(hostile("http_deep_model_field.json"));
  const httplib::Result r = client.Post("/api/predict", body, "application/json");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("deeper than 64 levels"), std::string::npos) << r->body;
  const httplib::Result models = client.Get("/api/models");
  ASSERT_TRUE(models) << "the server stopped answering";
  EXPECT_EQ(models->status, 200);
}

}  // namespace
}  // namespace neurite
