// `neurite serve` started on its own for each test: following a CLI training through its log,
// a clean exit on SIGINT (while training and streaming) and SIGTERM, no MNIST files, bad starts.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "serve_support.h"
#include "test_support.h"

namespace neurite {
namespace {

using namespace testing;
using namespace std::chrono_literals;

class ServeAlone : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing::mnist_dir();
    if (data_.empty()) GTEST_SKIP() << "MNIST not found";
    dir_ = testing::temp_dir();
  }
  std::string data_, dir_;
};

TEST_F(ServeAlone, FollowsACliTrainingThroughItsLog) {
  const std::string log = dir_ + "/train.jsonl";
  ServerProcess server(page_server_args({"--watch-log", log, "--data", data_}));
  const auto trained = testing::run_cli("train --epochs 2 --train-size 3000 --data " + data_ + " --log " + log);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const auto events = read_events(server.port(), 1);
  int epochs = 0;
  for (const auto& [type, data] : events) epochs += type == "epoch";
  EXPECT_EQ(epochs, 2);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().second["state"], "finished");
  auto c = client_of(server);
  EXPECT_EQ(body_of(c.Get("/api/runs/1"))["source"], "log");
  EXPECT_EQ(c.Post("/api/runs/1/pause", "", "application/json")->status, 409);
}

TEST_F(ServeAlone, StopsCleanlyOnSigintWhileTrainingAndStreaming) {
  ServerProcess server(page_server_args({"--data", data_, "--specs", testing::source_dir() + "/models"}));
  auto c = client_of(server);
  const auto started = c.Post("/api/runs", R"({"spec": "nielsen-ch3", "epochs": 50})", "application/json");
  ASSERT_TRUE(started && started->status == 201);
  std::thread stream([&] { read_events(server.port(), 1); });  // an open event stream
  std::this_thread::sleep_for(500ms);
  const auto begun = std::chrono::steady_clock::now();
  EXPECT_EQ(server.stop(SIGINT), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 10s);
  stream.join();
  const std::string said = server.read_rest(1s);
  EXPECT_NE(said.find("interrupted, stopping"), std::string::npos) << said;
  EXPECT_NE(said.find("stopped"), std::string::npos) << said;
}

TEST_F(ServeAlone, StopsCleanlyOnSigterm) {
  ServerProcess server(page_server_args({"--data", data_}));
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_NE(server.read_rest(1s).find("terminated, stopping"), std::string::npos);
}

TEST_F(ServeAlone, WithoutMnistFilesSaysWhereItLooked) {
  ServerProcess server(page_server_args({"--data", dir_, "--specs", testing::source_dir() + "/models"}));
  auto c = client_of(server);
  const auto image = c.Get("/api/mnist/test/0.png");
  ASSERT_TRUE(image);
  EXPECT_EQ(image->status, 503);
  EXPECT_NE(image->body.find("no MNIST test files in " + dir_), std::string::npos) << image->body;
  const auto run = c.Post("/api/runs", R"({"spec": "nielsen-ch3"})", "application/json");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, 503);
  EXPECT_NE(run->body.find("no MNIST training files"), std::string::npos) << run->body;
}

TEST_F(ServeAlone, RefusesBadStartsWithOneLine) {
  testing::expect_one_line_error("serve --model " + testing::source_dir() + "/models/seed001-cnn.json --port 0",
                                 "seed001-cnn.json");
  testing::expect_one_line_error("serve --port 70000", "--port");
  testing::expect_one_line_error("serve --web " + dir_ + " --port 0", "no index.html");
}

}  // namespace
}  // namespace neurite
