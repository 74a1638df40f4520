// The command run from any folder: the page's files, the shipped specs and the MNIST folder are
// found beside the executable (<exe dir>/../share/neurite, then the source tree of a build-tree
// binary), never in the working directory; a missing one is one line naming where it was looked
// for, checked from empty temporary folders. And progress: the training bar and
// gradcheck's line under a pseudo-terminal, plain lines without one.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "neurite/io/model_file.h"
#include "server_process.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using testing::expect_one_line_error;
using testing::run_shell;

std::string quoted(const std::string& text) { return "'" + text + "'"; }

// `neurite <args>` (or another copy of the binary) run in `folder`; `environment` like "A=1 B=2".
testing::CommandResult run_in(const std::string& folder, const std::string& args, const std::string& environment = "",
                              const std::string& binary = NEURITE_CLI) {
  return run_shell("cd " + quoted(folder) + " && env " + environment + " " + quoted(binary) + " " + args);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string small_model(const std::string& dir) {
  Network net = make_mlp({784, 10, 10}, ActivationKind::Sigmoid);
  Rng rng(1);
  net.initialize({}, rng);
  save_model(dir + "/small.safetensors", net, ModelInfo{.scale = InputScale::Unit});
  return dir + "/small.safetensors";
}

// A copy of the binary in <prefix>/bin with share/neurite beside it, as `cmake --install` lays
// it out: its page has its own index.html, and its models/ a spec the source tree lacks.
std::string installed_copy(const fs::path& prefix) {
  const fs::path share = prefix / "share" / "neurite", source = testing::source_dir();
  fs::create_directories(prefix / "bin");
  fs::copy_file(NEURITE_CLI, prefix / "bin" / "neurite");
  fs::create_directories(share / "web" / "node_modules");
  fs::create_directories(share / "web" / "js");
  fs::create_directories(share / "models");
  for (const char* file : {"app.js", "style.css", "playground.css", "stepper.css", "js/common.js", "js/models.js",
                           "js/draw.js", "js/train.js", "js/inside.js", "js/playground.js", "js/stepper.js"})
    fs::copy_file(source / "web" / file, share / "web" / file);
  fs::copy(source / "web" / "node_modules" / "uplot", share / "web" / "node_modules" / "uplot",
           fs::copy_options::recursive);
  std::ofstream(share / "web" / "index.html") << "<!doctype html><title>the installed page</title>\n";
  fs::copy_file(source / "models" / "seed001-cnn.json", share / "models" / "only-installed.json");
  return (prefix / "bin" / "neurite").string();
}

TEST(CliAnywhere, ServesThePageFromAnotherFolder) {
  if (!fs::exists(testing::source_dir() + "/web/node_modules/uplot")) GTEST_SKIP() << "no web/node_modules";
  const std::string dir = testing::temp_dir();
  fs::create_directories(dir + "/web");  // a decoy: the working directory is never looked in
  std::ofstream(dir + "/web/index.html") << "the working directory's page\n";
  const testing::ServerProcess server({}, dir);
  ASSERT_GT(server.port(), 0) << server.first_line();
  const std::string page = server.get("/");
  EXPECT_EQ(page.rfind("HTTP/1.1 200", 0), 0u) << page.substr(0, 200);
  EXPECT_NE(page.find(read_text(testing::source_dir() + "/web/index.html")), std::string::npos) << page.substr(0, 400);
  // The page's training list reads the shipped specs, found the same way.
  EXPECT_NE(server.get("/api/specs").find("\"seed001-cnn\""), std::string::npos);
}

TEST(CliAnywhere, TheInstallLayoutComesFirst) {
  if (!fs::exists(testing::source_dir() + "/web/node_modules/uplot")) GTEST_SKIP() << "no web/node_modules";
  const std::string dir = testing::temp_dir();
  const std::string neurite = installed_copy(fs::path(dir) / "prefix");
  fs::create_directories(dir + "/elsewhere");
  const testing::ServerProcess server({}, dir + "/elsewhere", neurite);
  ASSERT_GT(server.port(), 0) << server.first_line();
  EXPECT_NE(server.get("/").find("the installed page"), std::string::npos);
  // A spec only the install has, by bare name: it is read, so the next error is the data's.
  expect_one_line_error(run_in(dir + "/elsewhere", "train --model only-installed --data nowhere", "", neurite),
                        "nowhere/");
}

TEST(CliAnywhere, ShippedSpecsByName) {
  const std::string dir = testing::temp_dir();
  // Each resolves to models/seed001-cnn.json, which is read: the flag error says it was.
  for (const char* name : {"seed001-cnn", "seed001-cnn.json", "models/seed001-cnn.json"}) {
    SCOPED_TRACE(name);
    expect_one_line_error(run_in(dir, std::string("train --layers 784,10 --model ") + name), "cannot be combined");
  }
  // A file at the path given wins over the shipped spec; a bare name never reads the working
  // directory's models/.
  fs::create_directories(dir + "/models");
  std::ofstream(dir + "/models/seed001-cnn.json") << "not json";
  expect_one_line_error(run_in(dir, "train --model models/seed001-cnn.json"),
                        "models/seed001-cnn.json: not valid JSON");
  expect_one_line_error(run_in(dir, "train --layers 784,10 --model seed001-cnn"), "cannot be combined");
  // gradcheck takes a spec too, by name: its network with fresh weights.
  const auto checked = run_in(dir, "gradcheck --model lenet5 --cost log-likelihood --max-per-tensor 5");
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("(1, 28, 28) -> conv2d(6, 5x5, pad 2x2) -> tanh"), std::string::npos) << checked.output;
  EXPECT_NE(checked.output.find("PASS"), std::string::npos) << checked.output;
}

TEST(CliAnywhere, AMissingSpecNamesEveryPlaceLookedAt) {
  const std::string dir = testing::temp_dir();
  const auto r = run_in(dir, "train --model no-such-spec");
  expect_one_line_error(r, "no-such-spec");
  const std::string exe_dir = fs::canonical(NEURITE_CLI).parent_path().string();
  const std::string installed = (fs::path(exe_dir).parent_path() / "share/neurite/models/no-such-spec.json").string();
  EXPECT_NE(r.output.find(installed), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(testing::source_dir() + "/models/no-such-spec.json"), std::string::npos) << r.output;
}

TEST(CliAnywhere, NeuriteMnistIsHonoured) {
  const std::string dir = testing::temp_dir();
  const std::string model = small_model(dir);
  fs::create_directories(dir + "/empty");
  // An empty folder named by NEURITE_MNIST: one line naming it, the variable and the remedy.
  const std::vector<std::string> commands = {"eval " + model, "predict --index 0 " + model,
                                             "ensemble " + model + " " + model, "csv export --out x.csv", "train"};
  for (const std::string& args : commands) {
    SCOPED_TRACE(args);
    const auto r = run_in(dir, args, "NEURITE_MNIST=" + dir + "/empty");
    expect_one_line_error(r, dir + "/empty");
    EXPECT_NE(r.output.find("NEURITE_MNIST"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("scripts/fetch-mnist.sh"), std::string::npos) << r.output;
  }
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const auto from_env = run_in(dir, "predict --index 0 " + model, "NEURITE_MNIST=" + testing::mnist_dir());
  EXPECT_EQ(from_env.exit_code, 0) << from_env.output;
  EXPECT_NE(from_env.output.find("true label: 7"), std::string::npos) << from_env.output;
  // --data given is used as given, whatever NEURITE_MNIST says.
  const auto given = run_in(dir, "predict --index 0 --data " + testing::mnist_dir() + " " + model,
                            "NEURITE_MNIST=" + dir + "/empty");
  EXPECT_EQ(given.exit_code, 0) << given.output;
}

TEST(CliAnywhere, MnistInTheSourceTreeIsFoundFromAnywhere) {
  if (!fs::exists(testing::source_dir() + "/data/mnist/t10k-images-idx3-ubyte")) GTEST_SKIP() << "no data/mnist";
  const std::string dir = testing::temp_dir();
  const auto r = run_in(dir, "predict --index 0 " + small_model(dir), "-u NEURITE_MNIST");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("true label: 7"), std::string::npos) << r.output;
}

TEST(CliAnywhere, TheLanguageModelsTextIsFoundLikeMnist) {
  const std::string dir = testing::temp_dir();
  const std::string tiny = "lm train --steps 2 --report-every 1 --hidden 8 --sample 0 --out lm.model";
  expect_one_line_error(run_in(dir, tiny, "NEURITE_CORPUS=" + dir + "/none.txt"), dir + "/none.txt");
  if (!fs::exists(testing::source_dir() + "/data/kjv.txt")) GTEST_SKIP() << "no data/kjv.txt";
  const auto r = run_in(dir, tiny, "-u NEURITE_CORPUS");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind(testing::source_dir() + "/data/kjv.txt: ", 0), 0u) << r.output;
}

// ---- Progress on a terminal ----------------------------------------------------------------

bool have_script() { return run_shell("command -v script").exit_code == 0; }

// `neurite <args>` under a pseudo-terminal (util-linux's script), in a temporary folder.
testing::CommandResult run_on_terminal(const std::string& args) {
  const std::string command = quoted(NEURITE_CLI) + " " + args;
  return run_shell("cd " + quoted(testing::temp_dir()) + " && script -qfec " + quoted(command) + " /dev/null");
}

// The last drawing of the line that starts with `start`: the text after the last "\r" + start.
std::string last_drawn(const std::string& output, const std::string& start) {
  const auto at = output.rfind("\r" + start);
  if (at == std::string::npos) return "";
  return output.substr(at + 1, output.find_first_of("\r\n\033", at + 1) - at - 1);
}

double cost_of(const std::string& line) {
  const auto at = line.find("  cost ");
  return at == std::string::npos ? -1 : std::stod(line.substr(at + 7));
}

TEST(CliProgress, TrainingShowsEpochSpeedTimeLeftAndCost) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  if (!have_script()) GTEST_SKIP() << "no script (util-linux)";
  // About a second an epoch on one core here: long enough for the bar to be drawn a few times.
  const std::string args = "train --data " + testing::mnist_dir() +
                           " --layers 784,100,10 --init nielsen-scaled --train-size 30000 --epochs 2 --threads 1";
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_on_terminal(args);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // "epoch 2/2 [=====>      ] 12340/30000  119562 samples/s  0.1 s left (run 0.1 s)  cost 0.0437"
  const std::string first = r.output.substr(r.output.find("\repoch 1/2 [") + 1, 200);
  const std::string last = last_drawn(r.output, "epoch 2/2 [");
  ASSERT_FALSE(last.empty()) << r.output;
  EXPECT_NE(last.find("/30000  "), std::string::npos) << last;
  EXPECT_NE(last.find(" samples/s  "), std::string::npos) << last;
  EXPECT_NE(last.find(" left (run "), std::string::npos) << last;
  // The running mean cost per sample: Nielsen's quadratic cost falls from about 1 to under 0.1.
  EXPECT_GT(cost_of(last), 0.0) << last;
  EXPECT_LT(cost_of(last), 0.3) << last;
  EXPECT_LT(cost_of(last), cost_of(first)) << first << "\n" << last;
  // The plain lines are still there, each on a line of its own once the bar is cleared.
  EXPECT_NE(r.output.find("\r\033[KEpoch 1: "), std::string::npos) << r.output;
  // At most ten drawings a second (plus the first of each epoch); one per batch would be 6000.
  std::size_t drawings = 0;
  for (auto at = r.output.find("\repoch "); at != std::string::npos; at = r.output.find("\repoch ", at + 1)) ++drawings;
  EXPECT_LE(static_cast<double>(drawings), 10 * seconds + 2) << drawings << " drawings in " << seconds << " s";
}

TEST(CliProgress, NothingButPlainLinesWithoutATerminal) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const auto r = testing::run_cli("train --data " + testing::mnist_dir() + " --train-size 5000 --epochs 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find('\r'), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("samples/s"), std::string::npos) << r.output;
}

TEST(CliProgress, GradcheckShowsTheTensorBeingChecked) {
  if (!have_script()) GTEST_SKIP() << "no script (util-linux)";
  const std::string args = "gradcheck --layers 100,40,10 --max-per-tensor 0";
  const auto r = run_on_terminal(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string line = last_drawn(r.output, "checking 0.weight (dense) [");
  ASSERT_FALSE(line.empty()) << r.output;
  EXPECT_NE(line.find("/4000 entries, tensor 1 of 5"), std::string::npos) << line;
  EXPECT_NE(last_drawn(r.output, "checking input (-) ["), "") << r.output;
  // Without a terminal: no progress line, and the same table, a row per tensor.
  const auto plain = testing::run_cli(args);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(plain.output.find("checking"), std::string::npos) << plain.output;
  for (const char* row : {"\n0.weight     dense", "\n0.bias       dense", "\n2.weight", "\n2.bias", "\ninput "})
    EXPECT_NE(plain.output.find(row), std::string::npos) << row << "\n" << plain.output;
  EXPECT_NE(plain.output.find("PASS"), std::string::npos) << plain.output;
}

}  // namespace
}  // namespace neurite
