// Model files: network + settings round trip bit-exactly, the metadata PyTorch and neurite read,
// files that do not fit their architecture, and failed saves that leave the old file intact.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "neurite/io/file.h"
#include "neurite/io/safetensors.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> read_bytes(const std::string& path) { return read_file_bytes(path); }

Network trained_looking(const std::vector<int64_t>& sizes, ActivationKind act, bool bias, uint64_t seed) {
  Network net = make_mlp(sizes, act, bias);
  Rng rng(seed);
  net.initialize({}, rng);
  return net;
}

const ModelInfo kTraining{.scale = InputScale::Rashid,
                          .targets = {0.01f, 0.99f},
                          .cost = "quadratic",
                          .class_names = {"zero", "one", "two"},
                          .extra = {{"note", "quote \" and \\ and \n newline, unicode \xc3\xa9"}, {"epochs_run", 3}}};

// The message of the neurite::Error that loading `path` throws; it must name the file.
std::string load_error(const std::string& path) {
  try {
    (void)load_model(path);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a " << typeid(e).name() << " instead of neurite::Error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "loading " << path << " succeeded";
  return {};
}

TEST(ModelFile, RoundTripIsBitExact) {
  const std::string dir = testing::temp_dir();
  for (bool bias : {true, false}) {
    const std::string path = dir + (bias ? "/bias.safetensors" : "/nobias.safetensors");
    Network net = trained_looking({784, 30, 10}, bias ? ActivationKind::Sigmoid : ActivationKind::ReLU, bias, 3);
    save_model(path, net, kTraining);
    Model model = load_model(path);
    EXPECT_EQ(to_json(model.info), to_json(kTraining));
    EXPECT_EQ(model.info.class_name(1), "one");
    EXPECT_EQ(model.info.class_name(7), "7");
    EXPECT_EQ(model.network.architecture(), net.architecture());
    auto original = net.parameters(), loaded = model.network.parameters();
    ASSERT_EQ(original.size(), loaded.size());
    for (std::size_t i = 0; i < original.size(); ++i) {
      EXPECT_EQ(loaded[i].name, original[i].name);
      ASSERT_EQ(loaded[i].value->shape(), original[i].value->shape());
      EXPECT_EQ(std::memcmp(loaded[i].value->data(), original[i].value->data(),
                            static_cast<std::size_t>(original[i].value->size()) * 4), 0) << original[i].name;
    }
    const Tensor x = testing::random_tensor({5, 784}, 9, 0, 1);
    const Tensor a = net.forward(x);
    const Tensor& b = model.network.forward(x);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * 4), 0);
  }
}

TEST(ModelFile, MetadataForPyTorchAndNeurite) {
  const std::string path = testing::temp_dir() + "/m.safetensors";
  Network net = trained_looking({784, 30, 10}, ActivationKind::Sigmoid, true, 1);
  save_model(path, net, kTraining);
  const SafetensorsFile file = read_safetensors(path);
  EXPECT_EQ(file.metadata.at("format"), "pt");
  const auto description = nlohmann::json::parse(file.metadata.at("neurite"));
  EXPECT_EQ(description["version"], kModelFormatVersion);
  EXPECT_EQ(description["architecture"], net.architecture());
  EXPECT_EQ(description["training"], to_json(kTraining));
  EXPECT_EQ(description["training"]["scale"], "rashid");
  EXPECT_EQ(description["training"]["note"], kTraining.extra["note"]);
  EXPECT_EQ(file.at("0.weight").shape(), (Shape{30, 784}));  // PyTorch's (out, in)
  EXPECT_EQ(file.at("0.bias").shape(), (Shape{30}));
  EXPECT_EQ(file.at("2.weight").shape(), (Shape{10, 30}));
  EXPECT_EQ(file.at("2.bias").shape(), (Shape{10}));
  EXPECT_EQ(file.tensors.size(), 4u);
  EXPECT_EQ(file.metadata.size(), 2u);
}

// Rewrites a saved model through `edit` and returns the new file's path.
template <class Edit>
std::string edited_model(const std::string& dir, const std::string& name, Edit edit) {
  const std::string good = dir + "/good.safetensors";
  if (!fs::exists(good)) {
    Network net = trained_looking({6, 4, 3}, ActivationKind::Sigmoid, true, 1);
    save_model(good, net, kTraining);
  }
  SafetensorsFile file = read_safetensors(good);
  nlohmann::json description = nlohmann::json::parse(file.metadata.at("neurite"));
  edit(file, description);
  if (!description.is_null()) file.metadata["neurite"] = description.dump();
  const std::string path = dir + "/" + name + ".safetensors";
  write_safetensors(path, file);
  return path;
}

using Tensors = std::vector<std::pair<std::string, Tensor>>;
void remove_tensor(Tensors& tensors, const std::string& name) {
  std::erase_if(tensors, [&](const auto& t) { return t.first == name; });
}

TEST(ModelFile, TensorsThatDoNotFitTheArchitecture) {
  const std::string dir = testing::temp_dir();
  std::string msg = load_error(edited_model(dir, "missing", [](SafetensorsFile& f, auto&) { remove_tensor(f.tensors, "2.bias"); }));
  EXPECT_NE(msg.find("missing tensor '2.bias'"), std::string::npos) << msg;
  msg = load_error(edited_model(dir, "extra", [](SafetensorsFile& f, auto&) { f.tensors.emplace_back("4.weight", Tensor({2})); }));
  EXPECT_NE(msg.find("'4.weight'"), std::string::npos) << msg;
  msg = load_error(edited_model(dir, "shape", [](SafetensorsFile& f, auto&) {
    remove_tensor(f.tensors, "0.weight");
    f.tensors.emplace_back("0.weight", Tensor({6, 4}));  // transposed
  }));
  EXPECT_NE(msg.find("(6, 4)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(4, 6)"), std::string::npos) << msg;
  msg = load_error(edited_model(dir, "nobias_arch", [](SafetensorsFile&, nlohmann::json& d) {
    d["architecture"]["layers"][0]["bias"] = false;  // the file still has 0.bias
  }));
  EXPECT_NE(msg.find("'0.bias'"), std::string::npos) << msg;
}

TEST(ModelFile, BadNeuriteMetadata) {
  const std::string dir = testing::temp_dir();
  std::string msg = load_error(edited_model(dir, "nometa", [](SafetensorsFile& f, nlohmann::json& d) {
    f.metadata.erase("neurite");
    d = nullptr;
  }));
  EXPECT_NE(msg.find("\"neurite\" metadata"), std::string::npos) << msg;
  msg = load_error(edited_model(dir, "notjson", [](SafetensorsFile& f, nlohmann::json& d) {
    f.metadata["neurite"] = "{architecture: oops";
    d = nullptr;
  }));
  EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;
  msg = load_error(edited_model(dir, "noarch", [](SafetensorsFile&, nlohmann::json& d) { d.erase("architecture"); }));
  EXPECT_NE(msg.find("architecture"), std::string::npos) << msg;
  msg = load_error(edited_model(dir, "future", [](SafetensorsFile&, nlohmann::json& d) { d["version"] = 99; }));
  EXPECT_NE(msg.find("99"), std::string::npos) << msg;
  msg = load_error(edited_model(dir, "noversion", [](SafetensorsFile&, nlohmann::json& d) { d.erase("version"); }));
  EXPECT_NE(msg.find("version"), std::string::npos) << msg;
}

// A broken architecture is a corrupt model file like any other: the message must say which file.
TEST(ModelFile, BadArchitectureNamesTheFile) {
  const std::string dir = testing::temp_dir();
  std::string msg = load_error(edited_model(dir, "unknown_layer", [](SafetensorsFile&, nlohmann::json& d) {
    d["architecture"]["layers"][1]["type"] = "softmax9";
  }));
  EXPECT_NE(msg.find("softmax9"), std::string::npos) << msg;
  msg = load_error(edited_model(dir, "unchained", [](SafetensorsFile&, nlohmann::json& d) {
    d["architecture"]["layers"][2]["in"] = 5;
  }));
  msg = load_error(edited_model(dir, "noinput", [](SafetensorsFile&, nlohmann::json& d) { d["architecture"].erase("input"); }));
}

// Sizes in the architecture are checked against the file before a huge network is allocated.
TEST(ModelFile, AbsurdArchitectureSizesGiveAnErrorNotBadAlloc) {
  const std::string dir = testing::temp_dir();
  (void)load_error(edited_model(dir, "huge", [](SafetensorsFile&, nlohmann::json& d) {
    d["architecture"] = {{"input", {1 << 20}},
                         {"layers", {{{"type", "dense"}, {"in", 1 << 20}, {"out", 1 << 20}, {"bias", true}}}}};
  }));
}

TEST(ModelFile, SaveErrorsNameThePath) {
  Network net = trained_looking({6, 4, 3}, ActivationKind::Sigmoid, true, 1);
  const std::string path = testing::temp_dir() + "/missing/folder/m.safetensors";
  try {
    save_model(path, net, kTraining);
    FAIL() << "saved into a missing folder";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  (void)load_error(path);
}

// The disk fills up halfway through the write (simulated with RLIMIT_FSIZE): the old model stays.
TEST(ModelFile, FailedWriteLeavesTheOldModelIntact) {
  const std::string dir = testing::temp_dir();
  const std::string path = dir + "/m.safetensors";
  Network small = trained_looking({6, 4, 3}, ActivationKind::Sigmoid, true, 1);
  save_model(path, small, kTraining);
  const std::vector<uint8_t> good = read_bytes(path);

  Network big = trained_looking({784, 100, 10}, ActivationKind::Sigmoid, true, 2);  // ~320 KB
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit limit = old_limit;
  limit.rlim_cur = 64 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  std::string message;
  try {
    save_model(path, big, kTraining);
  } catch (const Error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_NE(message.find(path), std::string::npos) << "save did not fail as it should: '" << message << "'";
  EXPECT_EQ(read_bytes(path), good);
  EXPECT_NO_THROW((void)load_model(path));
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
}

// A network trained at the logits is saved as it predicts: the cost's activation appended.
TEST(ModelFile, LogitCostsSaveTheNetworkAsItPredicts) {
  const std::string path = testing::temp_dir() + "/logits.safetensors";
  Network logits = trained_looking({6, 4, 3}, ActivationKind::Tanh, true, 2);  // ends in an identity layer
  const ModelInfo info{.cost = "log-likelihood"};
  save_model(path, logits, info);
  Model model = load_model(path);
  EXPECT_EQ(model.network.summary(), logits.summary() + " -> softmax");
  const Tensor x = testing::random_tensor({5, 6}, 4);
  Tensor expected;
  SoftmaxLogLikelihoodCost().predict(logits.forward(x), expected);
  const Tensor& probabilities = model.network.forward(x);
  EXPECT_EQ(std::memcmp(expected.data(), probabilities.data(), static_cast<std::size_t>(expected.size()) * 4), 0);
  Network again = trained_network(model);
  EXPECT_EQ(again.architecture(), logits.architecture());
  const Tensor& z = again.forward(x);
  const Tensor& z0 = logits.forward(x);
  EXPECT_EQ(std::memcmp(z.data(), z0.data(), static_cast<std::size_t>(z.size()) * 4), 0);
  // A network that already ends in softmax is refused rather than given a second one.
  Network twice = make_mlp(MlpOptions{.sizes = {6, 3}, .output = ActivationKind::Softmax});
  EXPECT_NE(testing::error_of([&] { save_model(path, twice, info); }).find("already ends in softmax"), std::string::npos);
}

TEST(ModelFile, MetadataOfTheWrongTypeIsRefusedNamingTheFile) {
  const std::string dir = testing::temp_dir();
  const std::vector<std::pair<std::string, nlohmann::json>> cases = {
      {"scale", 3}, {"scale", "huge"}, {"targets", "x"}, {"targets", {0.9, 0.1}}, {"targets", {1}},
      {"cost", "hinge"}, {"cost", 2}, {"class_names", "abc"}, {"task", nullptr}};
  for (const auto& c : cases) {
    const std::string& key = c.first;  // named, not bound: clang 14 cannot capture a binding
    const nlohmann::json& value = c.second;
    const std::string path = edited_model(dir, "bad-" + key + std::to_string(value.dump().size()),
                                          [&](SafetensorsFile&, nlohmann::json& d) { d["training"][key] = value; });
    const std::string msg = load_error(path);
    EXPECT_FALSE(msg.empty()) << key << " = " << value.dump();
  }
}

}  // namespace
}  // namespace neurite
