// `neurite train`'s chapter-3 features through the command line: impossible hyper-parameters
// fail before any data is read, with one line naming the flag; a model spec file builds its
// network (dropout, per-layer initializers) and supplies settings that flags override; the
// JSON-lines log holds what --monitor and --grad-norms measured; --resume refuses changed
// settings and bad checkpoints without touching any file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "neurite/io/file.h"
#include "neurite/io/model_file.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using testing::expect_one_line_error;
using testing::run_cli;

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::vector<nlohmann::json> read_log(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(CliTrain, ImpossibleHyperParametersAreNamed) {
  // No --data folder exists here: every one of these must fail on its value first.
  const std::string data = " --data /nonexistent";
  expect_one_line_error("train --dropout 1" + data, "--dropout");
  expect_one_line_error("train --dropout -0.1" + data, "--dropout");
  expect_one_line_error("train --input-dropout 1.5" + data, "--input-dropout");
  expect_one_line_error("train --l2 -5" + data, "--l2");
  expect_one_line_error("train --l1 -1" + data, "--l1");
  expect_one_line_error("train --max-norm -3" + data, "--max-norm");
  expect_one_line_error("train --patience 0" + data, "--patience");
  expect_one_line_error("train --patience 3 --stop-when-worse" + data, "--stop-when-worse");
  expect_one_line_error("train --optimizer adamx" + data, "adamx");
  expect_one_line_error("train --optimizer sgd --momentum 1.5" + data, "momentum");
  expect_one_line_error("train --optimizer sgd --nesterov" + data, "nesterov");
  expect_one_line_error("train --optimizer adam --beta1 1" + data, "beta1");
  expect_one_line_error("train --optimizer adam --eps 0" + data, "eps");
  expect_one_line_error("train --optimizer adamw --weight-decay -1" + data, "--weight-decay");
  expect_one_line_error("train --optimizer adam --momentum 0.9" + data, "--momentum is not a setting of the adam optimizer");
  expect_one_line_error("train --epochs 2.5" + data, "--epochs 2.5: expected a whole number");
  expect_one_line_error("train --rate 0" + data, "--rate must be positive, got 0");
  expect_one_line_error("train --optimizer lion" + data, "--optimizer 'lion' is unknown");
  expect_one_line_error("train --schedule sawtooth" + data, "sawtooth");
  expect_one_line_error("train --schedule step --step-factor 0" + data, "factor");
  expect_one_line_error("train --schedule plateau --plateau-patience 0" + data, "patience");
  expect_one_line_error("train --augment rotate=200" + data, "200");
  expect_one_line_error("train --augment spin=3" + data, "spin");
  expect_one_line_error("train --init glorot" + data, "glorot");
  expect_one_line_error("train --cost log-likelihood --output sigmoid" + data, "softmax");
  expect_one_line_error("train --output softmax --cost cross-entropy" + data, "log-likelihood");
  expect_one_line_error("train --checkpoint-every 0" + data, "--checkpoint-every");
}

TEST(CliTrain, BadSpecFilesAreNamed) {
  const std::string dir = testing::temp_dir();
  write_text(dir + "/broken.json", "{\"layers\": [");
  expect_one_line_error("train --spec " + dir + "/broken.json", "broken.json: not valid JSON");
  write_text(dir + "/typo.json", R"({"layers": [{"type": "dense", "out": 10}, {"type": "sigmoid"}], "training": {"rat": 1}})");
  expect_one_line_error("train --spec " + dir + "/typo.json", "unknown training setting 'rat'");
  write_text(dir + "/dashes.json", R"({"layers": [{"type": "dense", "out": 10}], "training": {"train-size": 9}})");
  expect_one_line_error("train --spec " + dir + "/dashes.json", "unknown training setting 'train-size' (the key is 'train_size')");
  write_text(dir + "/zero.json", R"({"layers": [{"type": "dense", "out": 10}, {"type": "sigmoid"}], "training": {"epochs": 0}})");
  expect_one_line_error("train --spec " + dir + "/zero.json", "zero.json: epochs must be positive, got 0");
  write_text(dir + "/wrong.json", R"({"layers": [{"type": "dense", "out": 12}, {"type": "sigmoid"}]})");
  expect_one_line_error("train --spec " + dir + "/wrong.json --data /nonexistent", "10 outputs");
  write_text(dir + "/layer.json", R"({"layers": [{"type": "dense", "out": 10, "init": "glorot"}]})");
  expect_one_line_error("train --spec " + dir + "/layer.json", "glorot");
  expect_one_line_error("train --spec " + dir + "/missing.json", "missing.json");
  write_text(dir + "/ok.json", R"({"layers": [{"type": "dense", "out": 10}, {"type": "sigmoid"}]})");
  expect_one_line_error("train --spec " + dir + "/ok.json --layers 784,30,10", "--layers cannot be combined with --model");
  write_text(dir + "/file", "");
  expect_one_line_error("train --checkpoint-dir " + dir + "/file/sub --data /nonexistent", "cannot create the checkpoint folder");
}

// Convolutional specs: each mistake is named with its layer and the shapes involved.
TEST(CliTrain, BadConvSpecsNameTheLayerAndTheShapes) {
  const std::string dir = testing::temp_dir();
  const auto spec = [&](const std::string& name, const std::string& layers) {
    write_text(dir + "/" + name, R"({"input": [1, 28, 28], "layers": [)" + layers + "]}");
    return "train --model " + dir + "/" + name + " --data /nonexistent";
  };
  expect_one_line_error(spec("flat.json", R"({"type": "conv2d", "out_channels": 6, "kernel": 5}, {"type": "dense", "out": 10})"),
                        "layer 1 (dense): takes a flat input, but the layers before it give (6, 24, 24) (put a flatten");
  expect_one_line_error(spec("unknown.json", R"({"type": "convolution", "out_channels": 6, "kernel": 5})"),
                        "layer 0 (convolution): unknown layer type 'convolution'");
  expect_one_line_error(spec("missing.json", R"({"type": "conv2d", "kernel": 5})"),
                        "layer 0 (conv2d): bad options for layer 'conv2d'");
  expect_one_line_error(spec("missing.json", R"({"type": "conv2d", "kernel": 5})"), "key 'out_channels' not found");
  expect_one_line_error(spec("channels.json", R"({"type": "conv2d", "out_channels": 6, "kernel": 5},
                                                 {"type": "conv2d", "in_channels": 3, "out_channels": 4, "kernel": 3})"),
                        "layer 1 (conv2d): conv2d(3 -> 4, kernel 3x3) cannot take input (6, 24, 24)");
  expect_one_line_error(spec("small.json", R"({"type": "maxpool2d", "kernel": 2}, {"type": "conv2d", "out_channels": 4, "kernel": 15})"),
                        "cannot take input (1, 14, 14): the padded image is smaller than the kernel");
  expect_one_line_error(spec("stride.json", R"({"type": "conv2d", "out_channels": 4, "kernel": 3, "stride": 0})"),
                        "conv2d stride must be positive");
  expect_one_line_error(spec("out.json", R"({"type": "conv2d", "out_channels": 4, "kernel": 3}, {"type": "flatten"},
                                             {"type": "dense", "out": 7})"),
                        "10 outputs");
}

TEST(CliTrain, ResumeRefusesMissingTruncatedAndForeignFiles) {
  const std::string dir = testing::temp_dir();
  expect_one_line_error("train --resume " + dir + "/none.safetensors", "none.safetensors");
  write_text(dir + "/short.safetensors", "12345");
  expect_one_line_error("train --resume " + dir + "/short.safetensors", "short.safetensors");
  Network net = make_mlp({784, 30, 10}, ActivationKind::Sigmoid);
  save_model(dir + "/model.safetensors", net, ModelInfo{});
  expect_one_line_error("train --resume " + dir + "/model.safetensors", "not a training checkpoint");
}

// The rest trains on the real MNIST files (a few thousand images, a second or two each).
class CliTrainMnist : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing::mnist_dir();
    if (data_.empty()) GTEST_SKIP() << "MNIST not found (run scripts/fetch-mnist.sh)";
    dir_ = testing::temp_dir();
  }
  std::string data_, dir_;
};

TEST_F(CliTrainMnist, SpecFileBuildsTheNetworkAndFlagsOverrideItsSettings) {
  write_text(dir_ + "/spec.json", R"({
    "input": [784],
    "layers": [{"type": "dropout", "p": 0.2},
               {"type": "dense", "out": 40, "init": "he"}, {"type": "relu"}, {"type": "dropout", "p": 0.5},
               {"type": "dense", "out": 10, "init": "xavier"}, {"type": "softmax"}],
    "training": {"cost": "log-likelihood", "optimizer": "adam", "rate": 0.001, "batch": 32, "epochs": 5,
                 "train_size": 3000}})");
  const auto r = run_cli("train --spec " + dir_ + "/spec.json --epochs 2 --data " + data_ + " --out " + dir_ + "/m.safetensors");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("dropout(0.2) -> dense(40) -> relu -> dropout(0.5) -> dense(10) -> softmax"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("3000 training images"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Epoch 1:"), std::string::npos) << r.output;  // --epochs 2 won over the spec's 5
  EXPECT_EQ(r.output.find("Epoch 2:"), std::string::npos) << r.output;
  const Model m = load_model(dir_ + "/m.safetensors");
  EXPECT_EQ(m.info.extra["settings"]["optimizer"], "adam");
  EXPECT_EQ(m.network.architecture()["layers"][1]["init"], "he");
  const auto eval = run_cli("eval " + dir_ + "/m.safetensors --data " + data_);
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
}

TEST_F(CliTrainMnist, LogHoldsMonitoredCostsAccuraciesNormsAndTheConfusionMatrix) {
  const std::string log = dir_ + "/run.jsonl";
  const auto r = run_cli("train --layers 784,20,10 --train-size 55000 --epochs 2 --monitor --grad-norms --cost cross-entropy"
                         " --l2 1 --rate 0.5 --data " + data_ + " --log " + log);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("validation"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("gradient norms"), std::string::npos) << r.output;
  // "progress" records (at most two a second, and one at each epoch's end) come between the others.
  std::vector<nlohmann::json> lines, progress;
  for (const nlohmann::json& record : read_log(log)) (record["type"] == "progress" ? progress : lines).push_back(record);
  ASSERT_EQ(lines.size(), 5u);  // start, 2 epochs, evaluation, end
  EXPECT_EQ(lines[0]["type"], "start");
  EXPECT_EQ(lines[0]["sets"]["validation"], 5000);
  ASSERT_GE(progress.size(), 2u);
  for (const nlohmann::json& p : progress) {
    EXPECT_EQ(p["total"], 55000);
    EXPECT_LE(p["done"].get<int64_t>(), 55000);
    EXPECT_GT(p["cost"].get<double>(), 0.0);
  }
  EXPECT_EQ(progress.back()["epoch"], 1);
  EXPECT_EQ(progress.back()["done"], 55000);
  for (int e = 0; e < 2; ++e) {
    const nlohmann::json& epoch = lines[1 + e];
    EXPECT_EQ(epoch["type"], "epoch");
    EXPECT_EQ(epoch["epoch"], e);
    for (const char* set : {"train", "validation", "test"}) {
      ASSERT_TRUE(epoch.contains(set)) << set;
      EXPECT_GT(epoch[set]["accuracy"].get<double>(), 0.8) << set;
      EXPECT_GT(epoch[set]["cost"].get<double>(), 0.0) << set;
    }
    EXPECT_EQ(epoch["train"]["total"], 55000);
    EXPECT_GT(epoch["grad_norms"]["0.weight"].get<double>(), 0.0);
    EXPECT_GT(epoch["grad_norms"]["2.bias"].get<double>(), 0.0);
  }
  const nlohmann::json& evaluation = lines[3];
  EXPECT_EQ(evaluation["type"], "evaluation");
  int64_t total = 0, wrong = 0;
  for (int label = 0; label < 10; ++label)
    for (int predicted = 0; predicted < 10; ++predicted) {
      const int64_t n = evaluation["confusion"][label][predicted];
      total += n;
      if (label != predicted) wrong += n;
    }
  EXPECT_EQ(total, 10000);
  EXPECT_EQ(evaluation["misclassified"].size(), static_cast<std::size_t>(std::min<int64_t>(wrong, 300)));
  EXPECT_EQ(lines[4]["type"], "end");
  EXPECT_EQ(lines[4]["stopped"], "epochs");
}

TEST_F(CliTrainMnist, ResumeRefusesChangedSettingsAndLeavesFilesAlone) {
  const auto r = run_cli("train --layers 784,20,10 --train-size 2000 --epochs 2 --data " + data_ + " --checkpoint-dir " + dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string checkpoint = dir_ + "/checkpoint.safetensors";
  ASSERT_TRUE(fs::exists(checkpoint));
  ASSERT_TRUE(fs::exists(dir_ + "/best.safetensors"));
  const std::vector<uint8_t> before = read_file_bytes(checkpoint);
  expect_one_line_error("train --resume " + checkpoint + " --layers 784,50,10 --data " + data_, "--layers cannot be changed");
  expect_one_line_error("train --resume " + checkpoint + " --rate 9 --data " + data_, "--rate cannot be changed");
  EXPECT_TRUE(read_file_bytes(checkpoint) == before);
  // More epochs may be asked for; the run continues after epoch 1.
  const auto more = run_cli("train --resume " + checkpoint + " --epochs 3 --data " + data_);
  ASSERT_EQ(more.exit_code, 0) << more.output;
  EXPECT_NE(more.output.find("resuming from"), std::string::npos) << more.output;
  EXPECT_EQ(more.output.find("Epoch 1:"), std::string::npos) << more.output;
  EXPECT_NE(more.output.find("Epoch 2:"), std::string::npos) << more.output;
}

TEST_F(CliTrainMnist, EarlyStoppingAndPlateauEndTheRun) {
  const auto r = run_cli("train --layers 784,10,10 --train-size 1000 --epochs 60 --rate 8 --patience 2 --data " + data_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stopped early"), std::string::npos) << r.output;
  const auto p = run_cli("train --layers 784,10,10 --train-size 1000 --epochs 200 --rate 8 --schedule plateau"
                         " --plateau-patience 1 --data " + data_);
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("learning rate now 4"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("learning rate fell below its floor"), std::string::npos) << p.output;
}

}  // namespace
}  // namespace neurite
