// Your own table: read a CSV, let neurite split and prepare it, train, report per class, save.
//   own_table FILE.csv TARGET [IGNORED,COLUMNS]
// e.g. own_table data/vega/seattle-weather.csv weather date
#include <cstdio>
#include <neurite/neurite.h>

using namespace neurite;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FILE.csv TARGET [IGNORED,COLUMNS]\n", argv[0]);
    return 2;
  }
  try {
    // The run as data: own-data defaults (ReLU, Adam, ...), then our choices.
    nlohmann::json settings = own_data_defaults();
    settings.update({{"target", argv[2]}, {"ignore", argc > 3 ? argv[3] : ""}, {"layers", "in,32,out"}, {"epochs", 30}});
    RunConfig config = run_config_from_json(settings);
    validate(config);

    // Read, split (seeded, stratified) and prepare on the training split only.
    LoadedData data = load_data({.train = argv[1]}, config.data.source, config.data.targets, config.training.seed);
    const auto outputs = static_cast<int64_t>(data.class_names.size());
    fit_to_data(config, data.preparation.sample_shape, outputs, data.preparation.task, /*pixels=*/false);

    Network net = build_network(config);
    const auto cost = build_cost(config);
    const auto optimizer = make_optimizer(config.optimizer);
    const std::vector<EvaluationSet> sets = {{"test", &data.test}};
    const TrainResult result = train(net, *cost, *optimizer, data.training, sets, config.training);

    const ClassificationReport report =
        classification_report(confusion_matrix(net, data.test), data.class_names);
    std::printf("test accuracy %.2f%% after %zu epochs\n", 100 * report.accuracy(), result.epochs.size());
    for (const ClassMetrics& c : report.classes)
      std::printf("%-10s precision %.3f  recall %.3f  f1 %.3f  (%lld)\n", c.name.c_str(), c.precision, c.recall,
                  c.f1, static_cast<long long>(c.support));
    // The model file keeps the preparation: `neurite eval` and `neurite predict` apply it.
    save_model("own_table.safetensors", net, model_info(config, &result, data.preparation, data.class_names));
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
