// `neurite serve` as a user meets it: the real binary started as a process on a free loopback
// port, spoken to over HTTP with cpp-httplib's client. Two small models are trained first (an
// MLP and seed 001's CNN, on part of MNIST). Checks: the API's answers, every kind of bad
// request (4xx with a message, and the server still answering afterwards), 200 concurrent
// predictions, and a training started, paused, resumed and stopped over the API with its event
// stream (test_serve_alone.cpp: servers of their own).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "neurite/data/image.h"
#include "neurite/data/mnist.h"
#include "serve_support.h"
#include "test_support.h"

namespace neurite {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::body_of;
using testing::client_of;
using testing::page_server_args;
using testing::read_events;
using testing::ServerProcess;
using namespace std::chrono_literals;

// The first `count` MNIST test images as 28x28 bytes, and their labels.
struct TestDigits {
  std::vector<std::vector<uint8_t>> images;
  std::vector<uint8_t> labels;
};
TestDigits test_digits(const std::string& dir, int64_t count) {
  const Dataset test = load_mnist_test(dir, MnistOptions{});
  TestDigits digits;
  Tensor row;
  for (int64_t i = 0; i < count; ++i) {
    test.read_inputs(i, 1, row);
    std::vector<uint8_t> image(784);
    for (int64_t p = 0; p < 784; ++p) image[static_cast<std::size_t>(p)] = static_cast<uint8_t>(std::lround(row[p] * 255));
    digits.images.push_back(image);
    digits.labels.push_back(test.labels[static_cast<std::size_t>(i)]);
  }
  return digits;
}

// A digit drawn 5 times larger on a 140x140 canvas, as the page sends it.
json drawing_of(const std::vector<uint8_t>& image) {
  std::vector<int> pixels(140 * 140);
  for (int y = 0; y < 140; ++y)
    for (int x = 0; x < 140; ++x) pixels[static_cast<std::size_t>(y * 140 + x)] = image[static_cast<std::size_t>((y / 5) * 28 + x / 5)];
  return {{"width", 140}, {"height", 140}, {"pixels", pixels}};
}

// ---- One server with two trained models, shared by the tests below --------------------------

class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new std::string(testing::mnist_dir());
    if (data_->empty()) return;
    // ctest runs each test in a process of its own: the two models are trained once per build of
    // neurite and kept in the build tree (`train --out` writes atomically, so two processes
    // training at once both leave whole files).
    const auto built = fs::last_write_time(NEURITE_CLI).time_since_epoch().count();
    dir_ = new std::string((fs::current_path() / ("serve-models-" + std::to_string(static_cast<uint64_t>(built)))).string());
    fs::create_directories(*dir_);
    if (!fs::exists(*dir_ + "/mlp.safetensors")) {
      const auto mlp = testing::run_cli("train --epochs 1 --train-size 10000 --layers 784,30,10 --data " + *data_ +
                                        " --out " + *dir_ + "/mlp.safetensors");
      ASSERT_EQ(mlp.exit_code, 0) << mlp.output;
    }
    if (!fs::exists(*dir_ + "/cnn.safetensors")) {
      const auto cnn = testing::run_cli("train --model " + testing::source_dir() + "/models/seed001-cnn.json" +
                                        " --epochs 1 --train-size 2000 --data " + *data_ + " --out " + *dir_ +
                                        "/cnn.safetensors");
      ASSERT_EQ(cnn.exit_code, 0) << cnn.output;
    }
    server_ = new ServerProcess(page_server_args({"--model", *dir_ + "/mlp.safetensors", "--model", *dir_ + "/cnn.safetensors",
                                                  "--data", *data_, "--specs", testing::source_dir() + "/models"}));
    ASSERT_GT(server_->port(), 0) << "neurite serve did not start: " << server_->first_line() << server_->read_rest(2s);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete dir_;
    delete data_;
  }
  void SetUp() override {
    if (data_->empty()) GTEST_SKIP() << "MNIST not found";
    ASSERT_NE(server_, nullptr);
  }
  static httplib::Client client() { return client_of(*server_); }
  static json post(const std::string& path, const json& body, int expected_status) {
    auto c = client();
    const auto r = c.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expected_status) << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  static json get(const std::string& path, int expected_status = 200) {
    auto c = client();
    const auto r = c.Get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expected_status) << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }

  static std::string* data_;
  static std::string* dir_;
  static ServerProcess* server_;
};
std::string* Serve::data_ = nullptr;
std::string* Serve::dir_ = nullptr;
ServerProcess* Serve::server_ = nullptr;

TEST_F(Serve, ListsTheLoadedModelsWithWhatEachCanShow) {
  const json models = get("/api/models")["models"];
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0]["name"], "mlp");
  EXPECT_EQ(models[0]["kind"], "mlp");
  EXPECT_EQ(models[0]["backquery"], true);
  EXPECT_EQ(models[0]["feature_maps"], false);
  EXPECT_EQ(models[1]["name"], "cnn");
  EXPECT_EQ(models[1]["kind"], "cnn");
  EXPECT_EQ(models[1]["backquery"], false);
  EXPECT_EQ(models[1]["feature_maps"], true);
  EXPECT_EQ(models[1]["input"], json::array({1, 28, 28}));
  EXPECT_EQ(models[1]["layers"][0]["output"], json::array({16, 28, 28}));
}

TEST_F(Serve, PredictsDrawnDigitsAsTheModelPredictsTheOriginals) {
  const TestDigits digits = test_digits(*data_, 20);
  int agree = 0, correct = 0;
  for (std::size_t i = 0; i < digits.images.size(); ++i) {
    const json drawn = post("/api/predict", {{"model", "cnn"}, {"drawing", drawing_of(digits.images[i])}}, 200);
    const json plain = post("/api/predict", {{"model", "cnn"}, {"image", digits.images[i]}}, 200);
    ASSERT_EQ(drawn["empty"], false);
    ASSERT_EQ(drawn["image"].size(), 784u);
    ASSERT_EQ(drawn["probabilities"].size(), 10u);
    double sum = 0;
    for (const json& p : drawn["probabilities"]) sum += p.get<double>();
    EXPECT_NEAR(sum, 1.0, 1e-4);
    agree += drawn["digit"] == plain["digit"];
    correct += plain["digit"] == digits.labels[i];
    EXPECT_EQ(plain["image"], json(digits.images[i])) << "an image is used as it is";
  }
  // The drawing comes back as (nearly) the MNIST digit it was made from.
  EXPECT_GE(agree, 19);
  EXPECT_GE(correct, 15) << "the CNN trained on 2,000 images should still read most digits";
}

TEST_F(Serve, AnEmptyDrawingIsEmpty) {
  const json r = post("/api/predict", {{"model", "mlp"}, {"drawing", drawing_of(std::vector<uint8_t>(784, 0))}}, 200);
  EXPECT_EQ(r["empty"], true);
  EXPECT_TRUE(r["digit"].is_null());
}

TEST_F(Serve, BadRequestsGetAClearFourHundredAndTheServerCarriesOn) {
  auto c = client();
  const auto expect_error = [&](const httplib::Result& r, int status, const std::string& must_say) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    const json body = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body.contains("error")) << r->body;
    EXPECT_NE(body["error"].get<std::string>().find(must_say), std::string::npos) << body["error"];
  };
  const std::string image784 = json(std::vector<int>(784, 0)).dump();
  expect_error(c.Post("/api/predict", "{not json", "application/json"), 400, "not valid JSON");
  expect_error(c.Post("/api/predict", "[1, 2]", "application/json"), 400, "JSON object");
  expect_error(c.Post("/api/predict", "", "application/json"), 400, "JSON body");
  expect_error(c.Post("/api/predict", R"({"image": [1]})", "application/json"), 400, "\"model\"");
  expect_error(c.Post("/api/predict", R"({"model": "nope", "image": )" + image784 + "}", "application/json"), 404,
               "no model named \"nope\"");
  expect_error(c.Post("/api/predict", R"({"model": "mlp", "image": [1, 2, 3]})", "application/json"), 400, "784");
  std::vector<json> not_numbers(784, 0);
  not_numbers[0] = "white";
  expect_error(c.Post("/api/predict", json{{"model", "mlp"}, {"image", not_numbers}}.dump(), "application/json"), 400,
               "body.image[0] must be a number");
  std::vector<int> bad(784, 0);
  bad[5] = 256;
  expect_error(c.Post("/api/predict", json{{"model", "mlp"}, {"image", bad}}.dump(), "application/json"), 400,
               "body.image[5]");
  expect_error(c.Post("/api/predict", R"({"model": "mlp", "drawing": {"width": 4, "height": 4, "pixels": []}})",
                      "application/json"),
               400, "drawing.width");
  expect_error(c.Post("/api/predict", R"({"model": "mlp", "drawing": {"width": 10, "height": 10, "pixels": [0]}})",
                      "application/json"),
               400, "100");
  expect_error(c.Post("/api/predict", R"({"model": "mlp"})", "application/json"), 400, "\"drawing\"");
  expect_error(c.Post("/api/predict", std::string(5 << 20, ' '), "application/json"), 413, "4 MiB");
  expect_error(c.Delete("/api/models"), 405, "takes GET");
  expect_error(c.Get("/api/predict"), 405, "takes POST");
  expect_error(c.Get("/api/nothing"), 404, "nothing at GET /api/nothing");
  expect_error(c.Get("/api/models/cnn/backquery/3.png"), 422, "dense and sigmoid");
  expect_error(c.Get("/api/models/mlp/backquery/10.png"), 404, "digit 10");
  expect_error(c.Post("/api/models/mlp/feature-maps", json{{"image", std::vector<int>(784, 0)}}.dump(), "application/json"),
               422, "no conv layers");
  expect_error(c.Get("/api/mnist/test/10000.png"), 404, "test image");
  expect_error(c.Get("/api/models/mlp/gallery?actual=3"), 400, "predicted");
  expect_error(c.Get("/api/models/mlp/gallery?actual=3&predicted=x"), 400, "predicted");
  expect_error(c.Get("/api/runs/999"), 404, "no run 999");
  expect_error(c.Get("/api/runs/abc"), 404, "no run abc");
  expect_error(c.Post("/api/runs", R"({"spec": "../seed001-cnn"})", "application/json"), 404, "no spec");
  expect_error(c.Post("/api/runs", R"({"spec": "nielsen-ch3", "epochs": 0})", "application/json"), 400, "body.epochs");
  expect_error(c.Post("/api/runs", R"({"spec": "nielsen-ch3", "rate": -1})", "application/json"), 400, "body.rate");
  // Nothing outside the page's own files is served, however the path is spelled.
  for (const char* path : {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/web/index.html", "/index.html/../app.js",
                           "/vendor/../package.json", "/node_modules/uplot/package.json", "//etc/passwd"}) {
    const auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_TRUE(r->status == 404 || r->status == 400) << path << " gave " << r->status;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << path;
  }
  const auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<html"), std::string::npos);
  EXPECT_EQ(get("/api/models")["models"].size(), 2u) << "still answering";
}

TEST_F(Serve, TwoHundredConcurrentPredictionsAllAnswerCorrectly) {
  const TestDigits digits = test_digits(*data_, 50);
  std::vector<int> expected;
  for (const auto& image : digits.images)
    expected.push_back(post("/api/predict", {{"model", "cnn"}, {"image", image}}, 200)["digit"].get<int>());
  std::atomic<int> right{0}, answered{0};
  std::mutex failure_mutex;
  std::string failure;
  std::vector<std::thread> threads;
  for (int t = 0; t < 200; ++t)
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_read_timeout(60, 0);
      const std::size_t i = static_cast<std::size_t>(t) % digits.images.size();
      const char* model = t % 2 ? "cnn" : "mlp";
      const auto r = c.Post("/api/predict", json{{"model", model}, {"image", digits.images[i]}}.dump(), "application/json");
      if (!r || r->status != 200) {
        std::lock_guard lock(failure_mutex);
        failure = r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error());
        return;
      }
      ++answered;
      const json body = json::parse(r->body);
      if (t % 2 == 0 || body["digit"] == expected[i]) ++right;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(answered.load(), 200) << "a failure: " << failure;
  EXPECT_EQ(right.load(), 200);
}

TEST_F(Serve, DrawsFiltersFeatureMapsBackqueryAndTestImages) {
  auto c = client();
  const auto png = [&](const std::string& path) {
    const auto r = c.Get(path);
    EXPECT_TRUE(r && r->status == 200) << path << ": " << (r ? r->body : httplib::to_string(r.error()));
    if (!r) return GrayImage{};
    EXPECT_EQ(r->get_header_value("Content-Type"), "image/png");
    return decode_gray_image(std::vector<uint8_t>(r->body.begin(), r->body.end()), path);
  };
  EXPECT_GT(png("/api/models/cnn/filters.png").width, 100);
  EXPECT_GT(png("/api/models/mlp/filters.png").width, 100);
  const GrayImage backquery = png("/api/models/mlp/backquery/3.png");
  EXPECT_EQ(backquery.width, 224);
  const TestDigits digits = test_digits(*data_, 1);
  const GrayImage first = png("/api/mnist/test/0.png");
  EXPECT_EQ(first.pixels, digits.images[0]);
  const json maps = post("/api/models/cnn/feature-maps", {{"image", digits.images[0]}}, 200)["layers"];
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0]["channels"], 16);
  EXPECT_EQ(maps[1]["channels"], 32);
  EXPECT_EQ(maps[0]["summary"], "conv2d(16, 5x5, pad 2x2) -> relu");
  EXPECT_EQ(maps[0]["png"].get<std::string>().rfind("data:image/png;base64,", 0), 0u);
}

TEST_F(Serve, ConfusionMatrixAndItsGalleryAgreeWithTheTestSet) {
  const json confusion = get("/api/models/mlp/confusion");
  int64_t total = 0, diagonal = 0;
  for (int a = 0; a < 10; ++a)
    for (int p = 0; p < 10; ++p) {
      total += confusion["matrix"][a][p].get<int64_t>();
      if (a == p) diagonal += confusion["matrix"][a][p].get<int64_t>();
    }
  EXPECT_EQ(total, 10000);
  EXPECT_EQ(diagonal, confusion["correct"]);
  const json gallery = get("/api/models/mlp/gallery?actual=4&predicted=9&limit=5");
  EXPECT_EQ(gallery["count"], confusion["matrix"][4][9]);
  const Dataset test = load_mnist_test(*data_, MnistOptions{});
  for (const json& image : gallery["images"]) EXPECT_EQ(test.labels[image["index"].get<std::size_t>()], 4);
  EXPECT_LE(gallery["images"].size(), 5u);
}

TEST_F(Serve, TrainsFromTheApiStreamsItsProgressAndOffersTheModel) {
  const json started = post("/api/runs", {{"spec", "nielsen-ch3"}, {"epochs", 2}, {"train_size", 2000}}, 201);
  const int id = started["id"];
  EXPECT_EQ(started["epochs"], 2) << "the status knows the run's length from the start";
  const auto events = read_events(server_->port(), id);
  ASSERT_FALSE(events.empty());
  int batches = 0, epochs = 0;
  int64_t last_done = -1;
  for (const auto& [type, data] : events) {
    if (type == "batch") {
      ++batches;
      EXPECT_TRUE(data["done"].get<int64_t>() > last_done || data["done"] == 0 || data["epoch"] == 1);
      last_done = data["done"];
      EXPECT_TRUE(std::isfinite(data["cost"].get<double>()));
    }
    if (type == "epoch") {
      ++epochs;
      EXPECT_GT(data["accuracy"].get<double>(), 0.5);
      EXPECT_EQ(data["total"], 10000);
      EXPECT_TRUE(data["gradient_norms"].contains("0.weight"));
    }
  }
  EXPECT_GE(batches, 2);
  EXPECT_EQ(epochs, 2);
  EXPECT_EQ(events.back().first, "state");
  EXPECT_EQ(events.back().second["state"], "finished");
  const std::string model = events.back().second["model"];
  EXPECT_EQ(model, "run-" + std::to_string(id) + "-nielsen-ch3");
  // Replaying from an event id gives the rest again.
  EXPECT_EQ(read_events(server_->port(), id, static_cast<int>(events.size()) - 1).size(), 1u);
  const json status = get("/api/runs/" + std::to_string(id));
  EXPECT_EQ(status["state"], "finished");
  EXPECT_EQ(status["progress"], 1.0);
  const TestDigits digits = test_digits(*data_, 1);
  EXPECT_EQ(post("/api/predict", {{"model", model}, {"image", digits.images[0]}}, 200)["digit"], 7);
}

TEST_F(Serve, PausesResumesAndStopsATraining) {
  const json started = post("/api/runs", {{"spec", "nielsen-ch3"}, {"epochs", 50}, {"train_size", 50000}}, 201);
  const std::string run = "/api/runs/" + std::to_string(started["id"].get<int>());
  post("/api/runs", {{"spec", "nielsen-ch3"}}, 409);  // one at a time
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(post(run + "/pause", json::object(), 200)["state"], "paused");
  std::this_thread::sleep_for(300ms);  // it holds at the next mini-batch
  const double held = get(run)["progress"];
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(get(run)["progress"], held) << "a paused run does not advance";
  post(run + "/pause", json::object(), 409);
  EXPECT_EQ(post(run + "/resume", json::object(), 200)["state"], "running");
  std::this_thread::sleep_for(400ms);
  EXPECT_GT(get(run)["progress"].get<double>(), held);
  post(run + "/stop", json::object(), 200);
  for (int i = 0; i < 200 && get(run)["state"] == "running"; ++i) std::this_thread::sleep_for(50ms);
  const json stopped = get(run);
  EXPECT_EQ(stopped["state"], "stopped");
  EXPECT_FALSE(stopped["model"].is_null()) << "the network trained so far is kept";
  post(run + "/resume", json::object(), 409);
}

// Waits for a run to end and returns its final status.
json wait_for_end(int port, int id) {
  read_events(port, id);  // returns when the run's stream ends
  httplib::Client c("127.0.0.1", port);
  return body_of(c.Get("/api/runs/" + std::to_string(id)));
}

TEST_F(Serve, APausedAndResumedTrainingEndsWithTheBitsOfAnUninterruptedOne) {
  const json settings = {{"spec", "nielsen-ch3"}, {"epochs", 2}, {"train_size", 30000}};
  const int paused_id = post("/api/runs", settings, 201)["id"];
  const std::string run = "/api/runs/" + std::to_string(paused_id);
  while (get(run)["progress"].get<double>() < 0.2) std::this_thread::sleep_for(10ms);
  post(run + "/pause", json::object(), 200);
  std::this_thread::sleep_for(300ms);
  const json held = get(run);
  EXPECT_EQ(held["state"], "paused");
  EXPECT_LT(held["progress"].get<double>(), 0.6) << "paused in the middle of the run";
  post(run + "/resume", json::object(), 200);
  const json paused = wait_for_end(server_->port(), paused_id);
  ASSERT_EQ(paused["state"], "finished");
  const int straight_id = post("/api/runs", settings, 201)["id"];
  const json straight = wait_for_end(server_->port(), straight_id);
  ASSERT_EQ(straight["state"], "finished");
  // The same outputs, to the last digit JSON prints, on a few test images.
  const TestDigits digits = test_digits(*data_, 5);
  for (const auto& image : digits.images)
    EXPECT_EQ(post("/api/predict", {{"model", paused["model"]}, {"image", image}}, 200)["probabilities"],
              post("/api/predict", {{"model", straight["model"]}, {"image", image}}, 200)["probabilities"]);
}

}  // namespace
}  // namespace neurite
