// The Playground's library: its data sets and features, its network learning the shapes, the
// same seed giving the same network, weight edits, the exported model file; and the Backprop
// stepper's numbers against Mazur's and Rashid's printed ones.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "neurite/playground/backprop_stepper.h"
#include "neurite/playground/playground.h"
#include "neurite/rng.h"
#include "test_support.h"

namespace neurite::playground {
namespace {

// ---- the stepper

TEST(BackpropStepper, MazursTotalErrorAndUpdatedWeights) {
  const BackpropTrace t = trace_backprop(mazur_example());
  EXPECT_NEAR(t.forward[0][0].z, 0.3775, 1e-12);  // net_h1
  EXPECT_NEAR(t.forward[0][0].a, 0.593269992, 5e-10);
  EXPECT_NEAR(t.forward[1][0].a, 0.75136507, 5e-9);  // out_o1
  EXPECT_NEAR(t.forward[1][1].a, 0.772928465, 5e-10);
  EXPECT_NEAR(t.total_error, 0.298371109, 5e-10);
  // His updated weights at rate 0.5, to the digits he prints.
  const double w5_to_w8[] = {0.35891648, 0.408666186, 0.511301270, 0.561370121};
  const double w1_to_w4[] = {0.149780716, 0.19956143, 0.24975114, 0.29950229};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(t.new_weights[1][i / 2][i % 2], w5_to_w8[i], 5e-9) << "w" << 5 + i;
    EXPECT_NEAR(t.new_weights[0][i / 2][i % 2], w1_to_w4[i], 5e-9) << "w" << 1 + i;
  }
  EXPECT_EQ(t.new_biases, mazur_example().biases);  // he leaves them
  EXPECT_LT(t.new_total_error, t.total_error);
}

TEST(BackpropStepper, RashidsForwardPassAndHisRounding) {
  const BackpropTrace t = trace_backprop(rashid_example());
  EXPECT_NEAR(t.forward[0][0].a, 0.761, 5e-4);
  EXPECT_NEAR(t.forward[1][0].a, 0.726, 5e-4);
  EXPECT_NEAR(t.forward[1][1].a, 0.7086, 5e-5);  // exact: 0.709 to three decimals
  EXPECT_NEAR(t.forward[1][2].a, 0.778, 5e-4);
  EXPECT_NEAR(std::round(t.outputs_rounded_by_hand[1] * 1000) / 1000, 0.708, 1e-12);  // the book's 0.708
  EXPECT_TRUE(t.new_biases.empty());
}

// BP1-BP4 against central differences on random networks of every depth: a wrong delta or a
// transposed weight in BP2 fails here.
TEST(BackpropStepper, GradientsMatchFiniteDifferencesOnRandomNetworks) {
  Rng rng(7);
  for (int layers = 1; layers <= kMaxStepperLayers; ++layers) {
    WorkedExample e{.name = "random", .inputs = {rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)}, .targets = {},
                    .weights = {}, .biases = {}};
    std::size_t width = 3;
    for (int l = 0; l < layers; ++l) {
      const std::size_t out = 1 + rng.below(4);
      e.weights.emplace_back(out, std::vector<double>(width));
      e.biases.emplace_back(out);
      for (auto& row : e.weights.back())
        for (double& w : row) w = rng.uniform(-2, 2);
      for (double& b : e.biases.back()) b = rng.uniform(-1, 1);
      width = out;
    }
    for (std::size_t j = 0; j < width; ++j) e.targets.push_back(rng.uniform());
    const BackpropTrace t = trace_backprop(e);
    for (std::size_t l = 0; l < t.weight_gradients.size(); ++l)
      for (std::size_t j = 0; j < t.weight_gradients[l].size(); ++j) {
        EXPECT_NEAR(t.bias_gradients[l][j], t.bias_estimates[l][j], 1e-8);
        for (std::size_t k = 0; k < t.weight_gradients[l][j].size(); ++k)
          EXPECT_NEAR(t.weight_gradients[l][j][k], t.weight_estimates[l][j][k], 1e-8) << l << j << k;
      }
    EXPECT_LT(t.float_network_difference, 1e-6);  // neurite's float layers agree
  }
}

TEST(BackpropStepper, ExamplesRoundTripThroughJsonAndBadOnesAreNamed) {
  const WorkedExample m = mazur_example();
  const WorkedExample back = worked_example_from_json(to_json(m));
  EXPECT_EQ(back.weights, m.weights);
  EXPECT_EQ(back.biases, m.biases);
  EXPECT_FALSE(back.update_biases);
  nlohmann::json j = to_json(m);
  j["inputs"] = {0.05, 0.1, 0.2};
  testing::expect_error([&] { worked_example_from_json(j); }, {"rows must hold 3 weights"});
  j = to_json(m);
  j["targets"][0] = nullptr;
  testing::expect_error([&] { worked_example_from_json(j); }, {"\"targets\" holds null"});
  j = to_json(m);
  j["weights"][0][0][0] = 1e9;
  testing::expect_error([&] { worked_example_from_json(j); }, {"within 1e3"});
  j = to_json(m);
  j["rate"] = 0;
  testing::expect_error([&] { worked_example_from_json(j); }, {"\"rate\""});
  j = to_json(m);
  j["inputs"] = {1, 2, 3, 4, 5};
  testing::expect_error([&] { worked_example_from_json(j); }, {"\"inputs\""});
}

// ---- data

TEST(PlaneData, SetsAreBalancedSplitAndSeeded) {
  for (const char* name : {"circle", "xor", "gauss", "spiral", "plane", "bumps"}) {
    const PlaneSet set = parse_plane_set(name);
    const PlaneData d = make_plane_data({.set = set, .count = 400, .noise = 0.1, .train_ratio = 0.7, .seed = 3});
    ASSERT_EQ(d.points.size(), 400u) << name;
    EXPECT_EQ(d.train_count(), 280) << name;
    EXPECT_EQ(d.regression, set == PlaneSet::Plane || set == PlaneSet::Bumps) << name;
    double blue = 0;
    for (const PlanePoint& p : d.points) {
      EXPECT_LE(std::abs(p.x1), 9.0f) << name;
      if (d.regression) {
        EXPECT_LE(std::abs(p.label), 1.0f);
      } else {
        blue += p.label;
      }
    }
    if (!d.regression) {
      EXPECT_NEAR(blue / 400, 0.5, 0.1) << name;
    }
    const PlaneData again = make_plane_data({.set = set, .count = 400, .noise = 0.1, .train_ratio = 0.7, .seed = 3});
    EXPECT_EQ(again.points[17].x1, d.points[17].x1);
  }
  testing::expect_error([] { make_plane_data({.count = 5}); }, {"points must be from 10"});
  testing::expect_error([] { make_plane_data({.noise = 0.9}); }, {"noise"});
  testing::expect_error([] { parse_plane_set("moons"); }, {"unknown data set 'moons'"});
}

TEST(PlaneData, UsersCsvIsScaledOntoThePlane) {
  const std::string path = testing::temp_dir() + "/points.csv";
  std::ofstream(path) << "a,b,c\n";
  {
    std::ofstream out(path);
    out << "a,b,c\n";
    for (int i = 0; i < 20; ++i) out << i * 10 << "," << -i << "," << (i % 2 ? 1 : -1) << "\n";
  }
  const PlaneData d = read_plane_csv(path, "mine.csv", {.train_ratio = 0.5, .seed = 1});
  EXPECT_FALSE(d.regression);
  float lo = 1e9f, hi = -1e9f;
  for (const PlanePoint& p : d.points) {
    lo = std::min(lo, p.x1), hi = std::max(hi, p.x1);
    EXPECT_TRUE(p.label == 0 || p.label == 1);
  }
  EXPECT_FLOAT_EQ(lo, -6.0f);
  EXPECT_FLOAT_EQ(hi, 6.0f);
  std::ofstream(path) << "a,b\n1,2\n";
  testing::expect_error([&] { read_plane_csv(path, "mine.csv", {}); }, {"mine.csv: needs three columns"});
}

// ---- the playground

PlaygroundConfig config_of(const nlohmann::json& j, bool regression = false) {
  return playground_config_from_json(j, regression);
}

double test_accuracy_after(PlaneSet set, const nlohmann::json& settings, int epochs, double noise = 0) {
  Playground p(make_plane_data({.set = set, .count = 500, .noise = noise, .train_ratio = 0.5, .seed = 1}), config_of(settings));
  for (int e = 0; e < epochs; ++e) p.train_epoch();
  return p.losses().test_accuracy;
}

TEST(Playground, LearnsTheSpiralWithSineFeatures) {
  const nlohmann::json settings = {{"features", {"x1", "x2", "sinx1", "sinx2"}}, {"hidden", {8, 8}}, {"activation", "tanh"},
                                   {"optimizer", "adam"}, {"rate", 0.03}, {"batch", 10}};
  EXPECT_GE(test_accuracy_after(PlaneSet::Spiral, settings, 300), 0.95);
}

TEST(Playground, LearnsXorAndTheCircle) {
  EXPECT_GE(test_accuracy_after(PlaneSet::Xor, {{"hidden", {4, 2}}, {"rate", 0.1}}, 100), 0.95);
  EXPECT_GE(test_accuracy_after(PlaneSet::Circle, {{"features", {"x1sq", "x2sq"}}, {"hidden", nlohmann::json::array()}}, 50), 0.97);
}

TEST(Playground, FitsASurface) {
  Playground p(make_plane_data({.set = PlaneSet::Plane, .count = 300, .seed = 2}),
               config_of({{"hidden", {2}}, {"activation", "identity"}, {"rate", 0.01}}, true));
  const double before = p.losses().test;
  for (int e = 0; e < 50; ++e) p.train_epoch();
  EXPECT_LT(p.losses().test, before / 100);
  EXPECT_EQ(p.losses().test_accuracy, -1);
}

TEST(Playground, DivergenceIsNamed) {
  Playground p(make_plane_data({.set = PlaneSet::Plane}), config_of({{"hidden", {8, 8}}, {"activation", "identity"}, {"rate", 10}}, true));
  testing::expect_error([&] { for (int e = 0; e < 50; ++e) p.train_epoch(); }, {"training diverged", "at learning rate 10"});
}

TEST(Playground, SameSeedSameNetworkAndSameSteps) {
  const PlaneData data = make_plane_data({.set = PlaneSet::Circle, .seed = 4});
  const PlaygroundConfig c = config_of({{"hidden", {3}}, {"seed", 9}, {"regularization", "l2"}, {"lambda", 0.01}});
  Playground a(data, c), b(data, c);
  EXPECT_EQ(a.weights_json(), b.weights_json());
  for (int e = 0; e < 3; ++e) a.train_epoch(), b.train_epoch();
  EXPECT_EQ(a.weights_json(), b.weights_json());
  EXPECT_EQ(a.losses().train, b.losses().train);
  PlaygroundConfig other = c;
  other.seed = 10;
  EXPECT_NE(Playground(data, other).weights_json(), Playground(data, c).weights_json());
}

TEST(Playground, MapsHaveEveryNeuronAndFollowWeightEdits) {
  Playground p(make_plane_data({.set = PlaneSet::Xor}), config_of({{"features", {"x1", "x2", "x1x2"}}, {"hidden", {3, 2}}}));
  PlaneMaps m = p.maps(40, 10);
  EXPECT_EQ(m.output.values.size(), 1600u);
  ASSERT_EQ(m.features.size(), 3u);
  ASSERT_EQ(m.layers.size(), 2u);
  EXPECT_EQ(m.layers[0].size(), 3u);
  EXPECT_EQ(m.layers[1][1].values.size(), 100u);
  // The x1 feature map: -6 + 0.6 at the left of each row, rows from the top.
  EXPECT_FLOAT_EQ(m.features[0].values[0], -5.4f);
  EXPECT_FLOAT_EQ(m.features[1].values[0], 5.4f);
  // Every weight zero but a path that carries x1*x2 to the output: blue exactly where x1 x2 > 0.
  const nlohmann::json weights = p.weights_json();
  for (int64_t l = 0; l < p.weighted_layers(); ++l)
    for (int64_t to = 0; to < static_cast<int64_t>(weights[l]["biases"].size()); ++to)
      for (int64_t from = -1; from < static_cast<int64_t>(weights[l]["weights"][0].size()); ++from) p.set_weight(l, to, from, 0);
  p.set_weight(0, 0, 2, 1);  // neuron 0 of the first hidden layer reads x1*x2
  p.set_weight(1, 0, 0, 5);  // neuron 0 of the second reads it
  p.set_weight(2, 0, 0, 5);  // the output reads that
  EXPECT_EQ(p.weight(2, 0, 0), 5.0f);
  EXPECT_EQ(p.weight(1, 1, -1), 0.0f);
  m = p.maps(40, 10);
  EXPECT_LT(m.output.values[0], -0.5f);  // top left: x1 < 0 < x2, orange
  EXPECT_GT(m.output.values[39], 0.5f);  // top right: both positive, blue
  testing::expect_error([&] { p.set_weight(3, 0, 0, 1); }, {"layer 3 is not one of the 3"});
  testing::expect_error([&] { p.set_weight(0, 0, 3, 1); }, {"input 3"});
  testing::expect_error([&] { p.set_weight(0, 0, 0, NAN); }, {"finite"});
}

TEST(Playground, ConfigErrorsNameTheField) {
  testing::expect_error([] { config_of({{"hidden", {8, 9}}}); }, {"\"hidden\" must be a whole number from 1 to 8"});
  testing::expect_error([] { config_of({{"hidden", {1, 1, 1, 1, 1, 1, 1}}}); }, {"at most 6"});
  testing::expect_error([] { config_of({{"features", {"x3"}}}); }, {"unknown feature 'x3'"});
  testing::expect_error([] { config_of({{"features", {"x1", "x1"}}}); }, {"twice"});
  testing::expect_error([] { config_of({{"rate", -1}}); }, {"\"rate\" must be a number"});
  testing::expect_error([] { config_of({{"batch", 1e300}}); }, {"\"batch\" must be a whole number"});
  testing::expect_error([] { config_of({{"loss", "mse"}}); }, {"\"loss\" for two classes"});
  testing::expect_error([] { config_of({{"loss", "quadratic"}}, true); }, {"\"loss\" for a surface"});
  testing::expect_error([] { config_of({{"activation", "softmax"}}); }, {"\"activation\""});
  testing::expect_error([] { config_of({{"optimizer", "lbfgs"}}); }, {"lbfgs"});
  testing::expect_error([] { config_of({{"regularization", "l3"}}); }, {"\"regularization\""});
  const PlaygroundConfig c = config_of({{"features", {"sinx1"}}, {"hidden", {2}}, {"optimizer", "adam"}, {"regularization", "l1"},
                                        {"lambda", 0.003}, {"seed", 5}, {"loss", "quadratic"}});
  const PlaygroundConfig back = config_of(to_json(c));
  EXPECT_EQ(to_json(back), to_json(c));
}

TEST(Playground, ExportedModelPredictsWhatThePlaygroundShows) {
  for (const char* loss : {"cross-entropy", "quadratic"}) {
    Playground p(make_plane_data({.set = PlaneSet::Circle}),
                 config_of({{"features", {"x1", "x2", "x1sq"}}, {"hidden", {3}}, {"loss", loss}}));
    for (int e = 0; e < 5; ++e) p.train_epoch();
    const std::vector<uint8_t> bytes = p.model_file();
    const std::string path = testing::temp_dir() + "/playground.safetensors";
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    Model model = load_model(path);
    EXPECT_EQ(model.info.task, "binary");
    EXPECT_EQ(model.info.preparation.columns[2].name, "x1^2");
    const PlaneMaps maps = p.maps(4, 2);
    Tensor x({1, 3});
    const float x1 = -4.5f, x2 = 4.5f;  // the top-left cell's centre
    x[0] = x1, x[1] = x2, x[2] = x1 * x1;
    EXPECT_NEAR(2 * model.network.forward(x)[0] - 1, maps.output.values[0], 1e-6) << loss;
  }
}

}  // namespace
}  // namespace neurite::playground
