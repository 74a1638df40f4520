// Each subcommand lives in its own file and registers itself on the top-level app.
#pragma once
#include <CLI/CLI.hpp>

namespace neurite::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_backquery_command(CLI::App& app);
void add_backprop_command(CLI::App& app);  // the page's Backprop stepper, in text
void add_export_command(CLI::App& app);    // ONNX
void add_import_command(CLI::App& app);    // PyTorch state_dicts
void add_gradcheck_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_ensemble_command(CLI::App& app);
void add_lm_command(CLI::App& app);       // lm train, lm sample
void add_long_range_command(CLI::App& app);
void add_serve_command(CLI::App& app);   // the local page
void add_seed_commands(CLI::App& app);  // perceptron, linear-unit, rashid-example, csv

}  // namespace neurite::cli
