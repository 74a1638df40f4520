// A run described as data: a RunConfig from JSON (the keys a model spec's "training" holds and
// `neurite train` names its flags after), checked, then built and trained. The model file
// records the configuration, so the run can be told and repeated.
//
//   build/examples/run_config data/mnist ['{"epochs": 2, "optimizer": "sgd", "rate": 0.5}']
#include <cstdio>

#include "neurite/neurite.h"

int main(int argc, char** argv) {
  using namespace neurite;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MNIST_FOLDER [JSON_OVERRIDES]\n", argv[0]);
    return 2;
  }
  try {
    nlohmann::json settings = {{"layers", "784,100,10"}, {"activation", "relu"}, {"init", "he"},
                               {"output", "softmax"},    {"cost", "log-likelihood"},
                               {"optimizer", "adam"},    {"rate", 0.001},
                               {"schedule", "cosine-steps"}, {"batch", 32},
                               {"epochs", 1},            {"train_size", 20000}};
    if (argc > 2) settings.update(nlohmann::json::parse(argv[2]));
    const RunConfig config = run_config_from_json(settings);
    validate(config);  // an error names the key: "epochs must be positive, got 0"

    Network net = build_network(config);  // seeded weights; the cost applies the softmax
    const auto cost = build_cost(config);
    const auto optimizer = make_optimizer(config.optimizer);
    const Mnist mnist = load_mnist(argv[1], mnist_options(config, net.input_shape()));
    const std::vector<EvaluationSet> sets{{"test", &mnist.test}};
    TrainCallbacks callbacks;
    callbacks.on_epoch = [](const EpochResult& r) {
      std::printf("Epoch %d: %lld / %lld  (rate %.3g)\n", r.epoch, static_cast<long long>(r.correct),
                  static_cast<long long>(r.total), r.rate);
    };
    std::printf("%s with %s\n", net.summary().c_str(), kind_name(config.optimizer).c_str());
    const TrainResult result = train(net, *cost, *optimizer, mnist.training, sets, config.training, callbacks);

    save_model("run_config.safetensors", net, model_info(config, &result));
    std::printf("saved run_config.safetensors; its settings: %s\n",
                load_model("run_config.safetensors").info.extra["settings"].dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
