// The run configuration: its JSON form reads back to the same configuration, every key has a
// default and a type, errors name the key, and what it builds matches its parts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "neurite/error.h"
#include "neurite/train/run_config.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;

TEST(RunConfig, DefaultsAreNielsensNetworkAndFlatJsonReadsBack) {
  RunConfig c = run_config_from_json(nlohmann::json::object());
  EXPECT_EQ(c.mlp.sizes, (std::vector<int64_t>{0, 30, 0}));  // "in,30,out": the data's sizes
  EXPECT_EQ(to_json(c)["layers"], "in,30,out");
  fit_to_data(c, {784}, 10, Task::Classification, /*pixels=*/true);
  EXPECT_EQ(c.mlp.sizes, (std::vector<int64_t>{784, 30, 10}));
  EXPECT_EQ(c.cost, "quadratic");  // MNIST's folder keeps Nielsen's chapter 1 network
  EXPECT_EQ(c.optimizer.rate, 3.0);
  EXPECT_TRUE(std::holds_alternative<SgdOptions>(c.optimizer.kind));
  EXPECT_TRUE(std::holds_alternative<ConstantSchedule>(c.training.schedule));
  EXPECT_EQ(c.training.epochs, 30);
  EXPECT_EQ(c.training.batch, 10);
  const nlohmann::json j = to_json(c);
  EXPECT_EQ(j["layers"], "784,30,10");
  EXPECT_EQ(j["optimizer"], "sgd");
  EXPECT_FALSE(j.contains("beta1"));  // only the chosen kind's keys
  EXPECT_EQ(to_json(run_config_from_json(j)), j);
}

TEST(RunConfig, FitsItselfToTheData) {
  RunConfig table = run_config_from_json({{"layers", "in,16,out"}});
  fit_to_data(table, {6}, 3, Task::Classification, false);
  EXPECT_EQ(table.cost, "log-likelihood");
  EXPECT_EQ(build_network(table).output_shape(), (Shape{3}));
  EXPECT_EQ(predicting_architecture(table)["layers"].back()["type"], "softmax");
  RunConfig regression = run_config_from_json({{"layers", "in,8,out"}});
  fit_to_data(regression, {4}, 2, Task::Regression, false);
  EXPECT_EQ(regression.cost, "mse");
  EXPECT_EQ(predicting_architecture(regression)["layers"].back()["type"], "identity");
  RunConfig binary = run_config_from_json(nlohmann::json::object());
  fit_to_data(binary, {5}, 1, Task::Binary, false);
  EXPECT_EQ(binary.cost, "cross-entropy");
  RunConfig fixed = run_config_from_json({{"layers", "784,30,10"}});
  EXPECT_EQ(error_of([&] { fit_to_data(fixed, {6}, 3, Task::Classification, false); }),
            "layers: the network takes 784 inputs, but each sample has 6 (write 'in' to take the data's)");
  RunConfig wrong_cost = run_config_from_json({{"cost", "log-likelihood"}});
  EXPECT_EQ(error_of([&] { fit_to_data(wrong_cost, {6}, 1, Task::Regression, false); }),
            "cost log-likelihood classifies; a regression takes mse, mae, huber or quadratic");
  RunConfig spec = run_config_from_json({{"architecture", {{"input", nullptr}, {"layers", {{{"type", "dense"}, {"out", 3}}}}}}});
  fit_to_data(spec, {7}, 3, Task::Classification, false);
  EXPECT_EQ(build_network(spec).input_shape(), (Shape{7}));
}

TEST(RunConfig, TypedKindsComeFromTheirKeys) {
  const nlohmann::json given = {{"optimizer", "adam"}, {"rate", 0.001}, {"beta2", 0.99},  {"schedule", "step"},
                                {"step_every", 4},      {"cost", "log-likelihood"},        {"output", "softmax"},
                                {"targets", "0.01,0.99"}, {"scale", "rashid"},             {"stop_when_worse", true},
                                {"augment", "rotate=10"}, {"eval_on", "validation"},       {"seed", 7}};
  const RunConfig c = run_config_from_json(given);
  EXPECT_EQ(std::get<AdamOptions>(c.optimizer.kind).beta2, 0.99);
  EXPECT_EQ(std::get<StepSchedule>(c.training.schedule).step_every, 4);
  EXPECT_EQ(c.mlp.output, ActivationKind::Softmax);
  EXPECT_FLOAT_EQ(c.data.targets.off, 0.01f);
  EXPECT_EQ(c.data.eval_on, WatchedSet::Validation);
  EXPECT_TRUE(c.training.early_stopping.versus_previous);
  EXPECT_FLOAT_EQ(c.training.background, 0.01f);  // Rashid's paper is 0.01
  EXPECT_EQ(c.training.augment.rotate_degrees, 10);
  EXPECT_EQ(c.training.seed, 7u);
  const nlohmann::json j = to_json(c);
  EXPECT_EQ(j["targets"], "0.01,0.99");
  EXPECT_EQ(to_json(run_config_from_json(j)), j);
  for (const auto& [key, value] : given.items()) EXPECT_EQ(j[key], value) << key;
}

TEST(RunConfig, ErrorsNameTheKey) {
  const auto read_error = [](const nlohmann::json& j) { return error_of([&] { run_config_from_json(j); }); };
  EXPECT_EQ(read_error({{"rat", 1}}), "unknown training setting 'rat'");
  EXPECT_EQ(read_error({{"epochs", "many"}}), "epochs must be a whole number, got \"many\"");
  EXPECT_EQ(read_error({{"seed", -1}}), "seed must be a whole number, got -1");
  EXPECT_EQ(read_error({{"momentum", 0.9}, {"optimizer", "rmsprop"}}), "momentum is not a setting of the rmsprop optimizer");
  EXPECT_EQ(read_error({{"init", "glorot"}}).substr(0, 6), "init: ");
  EXPECT_EQ(read_error({{"layers", "784,x"}}).substr(0, 7), "layers:");
  EXPECT_EQ(read_error({{"eval_on", "train"}}), "eval_on train: expected test or validation");
  EXPECT_EQ(read_error({{"architecture", {{"input", {4}}, {"layers", nlohmann::json::array()}}}, {"dropout", 0.5}}),
            "dropout describes a fully connected network, but the architecture is given");
  EXPECT_EQ(read_error({{"patience", 2}, {"stop_when_worse", true}}).substr(0, 15), "stop_when_worse");
  const auto check_error = [](const nlohmann::json& j) { return error_of([&] { validate(run_config_from_json(j)); }); };
  EXPECT_EQ(check_error({{"dropout", 1.5}}), "dropout must be in [0, 1), got 1.5");
  EXPECT_EQ(check_error({{"batch", 0}}), "batch must be positive, got 0");
  EXPECT_EQ(check_error({{"rate", -1.0}}), "rate must be positive, got -1");
  EXPECT_EQ(read_error({{"optimizer", "lion"}}), "optimizer 'lion' is unknown (expected sgd, adam, adamw, rmsprop or adagrad)");
  EXPECT_EQ(check_error({{"optimizer", "adam"}, {"beta1", 1.0}}), "beta1 must be in [0, 1), got 1");
  EXPECT_EQ(check_error({{"schedule", "step"}, {"step_factor", 0.0}}), "step_factor must be in (0, 1], got 0");
  EXPECT_NE(check_error({{"cost", "log-likelihood"}, {"output", "sigmoid"}}).find("softmax"), std::string::npos);
  EXPECT_NO_THROW(validate(run_config_from_json({{"cost", "log-likelihood"}})));  // the output follows the cost
  EXPECT_NO_THROW(validate(run_config_from_json({{"cost", "log-likelihood"}, {"output", "softmax"}})));
}

TEST(RunConfig, BuildsTheNetworkTheCostTrainsWithSeededWeights) {
  const RunConfig c = run_config_from_json({{"layers", "4,3,2"}, {"cost", "log-likelihood"}, {"output", "softmax"}, {"seed", 3}});
  Network a = build_network(c), b = build_network(c);
  EXPECT_EQ(a.summary(), "(4) -> dense(3) -> sigmoid -> dense(2)");  // the cost applies the softmax
  EXPECT_EQ(predicting_architecture(c)["layers"].back()["type"], "softmax");
  ASSERT_EQ(a.parameters().size(), b.parameters().size());
  for (std::size_t i = 0; i < a.parameters().size(); ++i)
    EXPECT_TRUE(std::equal(a.parameters()[i].value->span().begin(), a.parameters()[i].value->span().end(),
                           b.parameters()[i].value->span().begin()));
  const ModelInfo info = model_info(c);
  EXPECT_EQ(info.cost, "log-likelihood");
  EXPECT_EQ(info.extra["settings"], to_json(c));
}

TEST(RunConfig, ModelSpecFillsInSizesAndOverridesWin) {
  const std::string path = testing::temp_dir() + "/spec.json";
  std::ofstream(path) << R"({"input": [1, 8, 8], "layers": [{"type": "conv2d", "out_channels": 2, "kernel": 3},
      {"type": "relu"}, {"type": "flatten"}, {"type": "dense", "out": 3}],
      "training": {"optimizer": "adam", "rate": 0.01, "epochs": 4}})";
  const ModelSpec spec = read_model_spec(path);
  EXPECT_EQ(spec.architecture["layers"][0]["in_channels"], 1);
  EXPECT_EQ(spec.architecture["layers"][3]["in"], 72);
  const RunConfig c = run_config_of(spec, {{"epochs", 9}});
  EXPECT_EQ(c.training.epochs, 9);
  EXPECT_EQ(c.optimizer.rate, 0.01);
  EXPECT_EQ(to_json(c)["architecture"], spec.architecture);
  EXPECT_EQ(build_network(c).input_shape(), (Shape{1, 8, 8}));
  std::ofstream(path) << R"({"layers": [{"type": "dense", "out": 3}], "training": {"rate": "fast"}})";
  EXPECT_EQ(error_of([&] { read_model_spec(path); }), path + ": rate must be a number, got \"fast\"");
}

}  // namespace
}  // namespace neurite
