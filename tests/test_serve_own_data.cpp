// `neurite serve` with a model trained on a table (Vega's seattle-weather.csv): listed with its
// task and class names, no drawing, a confusion matrix of its own test split with one row and
// column per class, and the model file and its ONNX export downloaded byte for byte. Skipped
// without the table.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "neurite/io/file.h"
#include "serve_support.h"
#include "test_support.h"

namespace neurite {
namespace {

using namespace testing;
using nlohmann::json;

TEST(ServeOwnData, ATableModelIsListedConfusedAndDownloaded) {
  const char* vega = std::getenv("NEURITE_VEGA");
  const std::string table = std::string(vega ? vega : "") + "/seattle-weather.csv";
  if (!vega || !std::filesystem::exists(table)) GTEST_SKIP() << "NEURITE_VEGA/seattle-weather.csv not found";
  const std::string dir = temp_dir(), model = dir + "/weather.safetensors";
  const CommandResult trained = run_cli("train --data " + table + " --ignore date --epochs 3 --threads 1 --out " + model);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;

  ServerProcess server(page_server_args({"--model", model}));
  ASSERT_NE(server.port(), 0) << server.first_line();
  httplib::Client c = client_of(server);
  const json listed = body_of(c.Get("/api/models"))["models"].at(0);
  EXPECT_EQ(listed["name"], "weather");
  EXPECT_EQ(listed["task"], "classification");
  EXPECT_EQ(listed["classes"], json({"drizzle", "fog", "rain", "snow", "sun"}));
  EXPECT_FALSE(listed["draw"].get<bool>());
  EXPECT_FALSE(listed["mnist"].get<bool>());
  EXPECT_FALSE(listed["filters"].get<bool>());
  EXPECT_FALSE(listed["backquery"].get<bool>());

  const auto refused = c.Post("/api/predict", json({{"model", "weather"}, {"image", std::vector<int>(784, 0)}}).dump(),
                              "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422);

  // The confusion matrix is the test split `neurite eval` measures: the same counts.
  const json confusion = body_of(c.Get("/api/models/weather/confusion"));
  EXPECT_EQ(confusion["classes"], listed["classes"]);
  ASSERT_EQ(confusion["matrix"].size(), 5u);
  EXPECT_EQ(confusion["total"], 292);
  const CommandResult eval = run_cli("eval " + model);
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find(std::to_string(confusion["correct"].get<int>()) + " / 292 correct"), std::string::npos)
      << eval.output << confusion.dump();
  const auto gallery = c.Get("/api/models/weather/gallery?actual=0&predicted=0");
  ASSERT_TRUE(gallery);
  EXPECT_EQ(gallery->status, 422);  // the gallery shows MNIST digits

  const auto download = c.Get("/api/models/weather/model.safetensors");
  ASSERT_TRUE(download);
  EXPECT_EQ(download->status, 200);
  EXPECT_NE(download->get_header_value("Content-Disposition").find("weather.safetensors"), std::string::npos);
  const std::vector<uint8_t> file = read_file_bytes(model);
  EXPECT_EQ(download->body, std::string(file.begin(), file.end()));  // the same model file, byte for byte

  // The ONNX export, as `neurite export --onnx` writes it, byte for byte.
  const auto onnx = c.Get("/api/models/weather/model.onnx");
  ASSERT_TRUE(onnx);
  EXPECT_EQ(onnx->status, 200) << onnx->body;
  EXPECT_NE(onnx->get_header_value("Content-Disposition").find("weather.onnx"), std::string::npos);
  const CommandResult exported = run_cli("export " + model + " --onnx " + dir + "/weather.onnx");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const std::vector<uint8_t> written = read_file_bytes(dir + "/weather.onnx");
  EXPECT_EQ(onnx->body, std::string(written.begin(), written.end()));
}

// A model that cannot be exported (a categorical column) gets 422 naming why.
TEST(ServeOwnData, AModelThatCannotBeExportedGets422) {
  const std::string dir = temp_dir(), table = dir + "/shop.csv", model = dir + "/shop.safetensors";
  std::ofstream(table) << "size,colour,price\n1,red,3\n2,blue,5\n3,red,7\n4,green,9\n5,blue,11\n6,red,13\n";
  const CommandResult trained = run_cli("train --data " + table + " --epochs 1 --threads 1 --out " + model);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  ServerProcess server(page_server_args({"--model", model}));
  ASSERT_NE(server.port(), 0) << server.first_line();
  httplib::Client c = client_of(server);
  const auto onnx = c.Get("/api/models/shop/model.onnx");
  ASSERT_TRUE(onnx);
  EXPECT_EQ(onnx->status, 422);
  EXPECT_NE(onnx->body.find("column 'colour' is categorical"), std::string::npos) << onnx->body;
}

}  // namespace
}  // namespace neurite
