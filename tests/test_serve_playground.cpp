// `neurite serve`'s Playground and Backprop stepper API: sessions that train and draw, the same
// settings giving the same network, weight edits, the exported model evaluated by the CLI, the
// stepper's numbers; and every bad request refused with a 4xx naming the field.
#include <gtest/gtest.h>

#include <fstream>

#include "serve_support.h"
#include "test_support.h"

namespace neurite {
namespace {

using namespace testing;
using nlohmann::json;

httplib::Result post(httplib::Client& c, const std::string& path, const json& body) {
  return c.Post(path, body.dump(), "application/json");
}

// The status and error line of a refused request.
std::pair<int, std::string> refusal(httplib::Client& c, const std::string& path, const json& body) {
  const httplib::Result r = post(c, path, body);
  if (!r) return {0, "no answer"};
  return {r->status, json::parse(r->body).value("error", "")};
}

const json kXor = {{"data", {{"set", "xor"}, {"points", 200}, {"seed", 3}}},
                   {"network", {{"features", {"x1", "x2", "x1x2"}}, {"hidden", {3}}, {"rate", 0.1}, {"seed", 2}}}};

class ServePlayground : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(server_.port(), 0) << server_.first_line(); }
  ServerProcess server_{page_server_args({})};
  httplib::Client c_ = client_of(server_);
};

TEST_F(ServePlayground, ASessionTrainsDrawsAndIsReproducible) {
  const json first = body_of(post(c_, "/api/playground", kXor));
  EXPECT_EQ(first["epoch"], 0);
  EXPECT_EQ(first["data"]["points"].size(), 200u);
  EXPECT_EQ(first["maps"]["output"]["side"], 50);
  EXPECT_EQ(first["maps"]["features"].size(), 3u);
  EXPECT_EQ(first["maps"]["layers"].at(0).size(), 3u);
  EXPECT_EQ(first["maps"]["layers"][0][0]["bytes"].get<std::string>().size(), 4u * ((16 * 16 + 2) / 3));
  const std::string id = std::to_string(first["id"].get<int>());
  json state;
  for (int i = 0; i < 4; ++i) state = body_of(post(c_, "/api/playground/" + id + "/step", {{"epochs", 25}}));
  EXPECT_EQ(state["epoch"], 100);
  EXPECT_GE(state["losses"]["test_accuracy"].get<double>(), 0.95);
  EXPECT_FALSE(state.contains("data"));  // the points and the features' maps come once
  EXPECT_FALSE(state["maps"].contains("features"));

  // The same settings again: the same first weights, the same numbers after the same steps.
  const json again = body_of(post(c_, "/api/playground", kXor));
  EXPECT_EQ(again["weights"], first["weights"]);
  const json one = body_of(post(c_, "/api/playground/" + std::to_string(again["id"].get<int>()) + "/step", json::object()));
  const json reference = body_of(post(c_, "/api/playground", kXor));
  const json other = body_of(post(c_, "/api/playground/" + std::to_string(reference["id"].get<int>()) + "/step", json::object()));
  EXPECT_EQ(one["weights"], other["weights"]);
  EXPECT_EQ(one["losses"], other["losses"]);
}

TEST_F(ServePlayground, WeightEditsAndTheExportedModelEvaluatedByTheCli) {
  const json created = body_of(post(c_, "/api/playground", kXor));
  const std::string id = std::to_string(created["id"].get<int>());
  const json edited = body_of(post(c_, "/api/playground/" + id + "/weight", {{"layer", 1}, {"to", 0}, {"from", -1}, {"value", 2.5}}));
  EXPECT_EQ(edited["weights"][1]["biases"][0], 2.5);
  EXPECT_NE(edited["maps"]["output"]["bytes"], created["maps"]["output"]["bytes"]);
  const json trained = body_of(post(c_, "/api/playground/" + id + "/step", {{"epochs", 100}}));

  const auto model = c_.Get("/api/playground/" + id + "/model.safetensors");
  const auto test = c_.Get("/api/playground/" + id + "/data.csv?split=test");
  ASSERT_TRUE(model && test);
  ASSERT_EQ(model->status, 200);
  ASSERT_EQ(test->status, 200);
  const std::string dir = temp_dir();
  std::ofstream(dir + "/pg.safetensors", std::ios::binary) << model->body;
  std::ofstream(dir + "/pg-test.csv", std::ios::binary) << test->body;
  // The CLI's count on the exported test points is the page's test accuracy.
  const CommandResult eval = run_cli("eval " + dir + "/pg.safetensors --data " + dir + "/pg-test.csv");
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  const auto correct = std::lround(trained["losses"]["test_accuracy"].get<double>() * 100);
  EXPECT_NE(eval.output.find(std::to_string(correct) + " / 100 correct"), std::string::npos) << eval.output;
}

// Debian's httplib compresses with Brotli at quality 11 (50 ms for a 37 KB state); the server
// leaves "br" out of what a browser accepts, so gzip answers.
TEST_F(ServePlayground, BrowsersGetGzipNotBrotli) {
  const json created = body_of(post(c_, "/api/playground", kXor));
  for (const char* accepted : {"gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "br"}) {
    const auto r = c_.Get("/api/playground/" + std::to_string(created["id"].get<int>()), {{"Accept-Encoding", accepted}});
    ASSERT_TRUE(r);
    EXPECT_NE(r->get_header_value("Content-Encoding"), "br") << accepted;
  }
  const auto r = c_.Get("/api/playground/" + std::to_string(created["id"].get<int>()), {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(r->get_header_value("Content-Encoding"), "gzip");
}

TEST_F(ServePlayground, AnUploadedCsvBecomesThePoints) {
  std::string csv = "u,v,target\n";
  for (int i = 0; i < 40; ++i) csv += std::to_string(i) + "," + std::to_string(i % 7) + "," + std::to_string(i * 0.5) + "\n";
  const json state = body_of(post(c_, "/api/playground", {{"data", {{"set", "csv"}, {"csv", csv}, {"csv_name", "mine.csv"}}}}));
  EXPECT_TRUE(state["data"]["regression"].get<bool>());
  EXPECT_EQ(state["data"]["name"], "mine.csv");
  EXPECT_EQ(state["network"]["loss"], "mse");
  EXPECT_EQ(state["data"]["points"].size(), 40u);
  const auto [status, error] = refusal(c_, "/api/playground", {{"data", {{"set", "csv"}, {"csv", "a,b,c\n1,2,x\n"}, {"csv_name", "bad.csv"}}}});
  EXPECT_EQ(status, 400);
  EXPECT_NE(error.find("bad.csv"), std::string::npos) << error;
  EXPECT_EQ(error.find("neurite-playground"), std::string::npos) << error;  // not the temporary file's name
  EXPECT_EQ(refusal(c_, "/api/playground", {{"data", {{"set", "csv"}, {"csv", std::string(300 << 10, '1')}}}}).first, 413);
}

TEST_F(ServePlayground, BadRequestsAreRefusedNamingTheField) {
  const std::pair<json, std::string> cases[] = {
      {{{"data", {{"set", "moons"}}}}, "data.set"},
      {{{"data", {{"set", "xor"}, {"points", 1e9}}}}, "data.points"},
      {{{"data", {{"set", "xor"}, {"noise", 2}}}}, "data.noise"},
      {{{"data", {{"set", "xor"}, {"train_ratio", "half"}}}}, "data.train_ratio"},
      {{{"data", {{"set", "csv"}}}}, "data needs \"csv\""},
      {{{"data", "xor"}}, "body.data"},
      {{{"network", {{"hidden", {9}}}}}, "\"hidden\""},
      {{{"network", {{"hidden", {1, 1, 1, 1, 1, 1, 1}}}}}, "\"hidden\""},
      {{{"network", {{"features", {"x9"}}}}}, "feature 'x9'"},
      {{{"network", {{"rate", "fast"}}}}, "\"rate\""},
      {{{"network", {{"batch", 0}}}}, "\"batch\""},
      {{{"network", {{"loss", "mse"}}}}, "\"loss\""},
      {{{"network", {{"optimizer", "lbfgs"}}}}, "lbfgs"},
      {{{"network", {{"lambda", -1}}}}, "\"lambda\""},
      {{{"network", {{"seed", -1}}}}, "\"seed\""},
      {{{"output_side", 1000}}, "body.output_side"},
  };
  for (const auto& [body, field] : cases) {
    const auto [status, error] = refusal(c_, "/api/playground", body);
    EXPECT_EQ(status, 400) << body.dump();
    EXPECT_NE(error.find(field), std::string::npos) << body.dump() << " -> " << error;
  }
  const json created = body_of(post(c_, "/api/playground", kXor));
  const std::string id = std::to_string(created["id"].get<int>());
  EXPECT_EQ(refusal(c_, "/api/playground/" + id + "/step", {{"epochs", 1000}}).second.find("body.epochs"), 0u);
  EXPECT_NE(refusal(c_, "/api/playground/" + id + "/weight", {{"layer", 5}, {"to", 0}, {"from", 0}, {"value", 1}}).second.find("body.layer"), std::string::npos);
  EXPECT_NE(refusal(c_, "/api/playground/" + id + "/weight", {{"layer", 0}, {"to", 5}, {"from", 0}, {"value", 1}}).second.find("neuron 5"), std::string::npos);
  EXPECT_NE(refusal(c_, "/api/playground/" + id + "/weight", {{"layer", 0}, {"to", 0}, {"from", 0}, {"value", "x"}}).second.find("body.value"), std::string::npos);
  EXPECT_EQ(refusal(c_, "/api/playground/999/step", json::object()).first, 404);
  EXPECT_EQ(c_.Get("/api/playground/" + id + "/data.csv?split=half")->status, 400);
  EXPECT_EQ(c_.Get("/api/playground/abc")->status, 404);
}

TEST_F(ServePlayground, TheStepperGivesMazursAndRashidsNumbers) {
  const json mazur = body_of(post(c_, "/api/backprop", {{"example", "mazur"}}));
  EXPECT_NEAR(mazur["trace"]["total_error"].get<double>(), 0.298371109, 5e-10);
  EXPECT_NEAR(mazur["trace"]["new_weights"][1][0][0].get<double>(), 0.35891648, 5e-9);
  EXPECT_NEAR(mazur["trace"]["new_weights"][0][0][0].get<double>(), 0.149780716, 5e-10);
  EXPECT_EQ(mazur["trace"]["new_biases"], mazur["example"]["biases"]);
  const json rashid = body_of(post(c_, "/api/backprop", {{"example", "rashid"}}));
  EXPECT_NEAR(rashid["trace"]["forward"][1][0]["a"].get<double>(), 0.726, 5e-4);
  EXPECT_NEAR(rashid["trace"]["forward"][1][1]["a"].get<double>(), 0.709, 5e-4);
  json custom = mazur["example"];
  custom["inputs"][0] = 1.0;
  const json changed = body_of(post(c_, "/api/backprop", {{"example", custom}}));
  EXPECT_NE(changed["trace"]["total_error"], mazur["trace"]["total_error"]);
  custom["targets"] = {0.5};
  const auto [status, error] = refusal(c_, "/api/backprop", {{"example", custom}});
  EXPECT_EQ(status, 400);
  EXPECT_NE(error.find("\"targets\""), std::string::npos) << error;
  EXPECT_EQ(refusal(c_, "/api/backprop", json::object()).first, 400);
}

}  // namespace
}  // namespace neurite
