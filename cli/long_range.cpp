// neurite long-range: seed 002's exploding / vanishing gradients, made visible. A vanilla RNN
// and an LSTM (or GRU) train on the adding problem with T steps; the command prints how much of
// the error signal reaches each step and which network learns, and can draw it.
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "common.h"
#include "neurite/error.h"
#include "neurite/io/atomic_file.h"
#include "neurite/ops/gemm.h"
#include "neurite/train/long_range.h"
#include "neurite/viz/plot.h"

namespace neurite::cli {

namespace {

struct LongRangeArgs {
  LongRangeOptions options;
  std::vector<std::string> cells{"rnn", "lstm"};
  std::string out;
  int threads = 0;
};

std::string norms_at(const std::vector<double>& norms) {
  const std::size_t t = norms.size();
  std::string s;
  char buffer[64];
  for (std::size_t at : {std::size_t{0}, t / 4, t / 2, 3 * t / 4, t - 1}) {
    std::snprintf(buffer, sizeof buffer, " %9.2e", norms[at]);
    s += buffer;
  }
  return s;
}

void run(const LongRangeArgs& a) {
  if (a.threads > 0) set_num_threads(a.threads);
  require(a.options.steps >= 2, "--steps must be at least 2, got " + std::to_string(a.options.steps));
  const int64_t t = a.options.steps;
  std::printf("adding problem, T = %lld steps, hidden %lld, batch %lld, %lld batches, Adam %g, clip norm %g\n",
              static_cast<long long>(t), static_cast<long long>(a.options.hidden),
              static_cast<long long>(a.options.batch), static_cast<long long>(a.options.iterations), a.options.rate,
              a.options.clipping.norm);
  std::printf("mean |dL/dh_t| in the first batch at t = 0, T/4, T/2, 3T/4, T-1; test MSE (always answering 1: %.4f)\n",
              1.0 / 6.0);
  LineChart chart{.title = "How much error signal reaches each step (adding problem, T = " + std::to_string(t) + ")",
                  .subtitle = "mean |dL/dh_t| over the first training batch",
                  .x_label = "time step t",
                  .y_label = "|dL/dh_t|",
                  .series = {},
                  .y_scale = AxisScale::Log};
  for (const std::string& cell : a.cells) {
    LongRangeOptions o = a.options;
    o.cell = cell;
    const LongRangeResult r = train_long_range(o);
    std::printf("%-5s first batch:%s  last batch:%s  test MSE %.4f  %s\n", cell.c_str(),
                norms_at(r.first_gradient_norms).c_str(), norms_at(r.last_gradient_norms).c_str(), r.test_mse,
                r.learned() ? "learns" : "does not learn");
    std::fflush(stdout);
    Series series{.label = cell, .x = {}, .y = r.first_gradient_norms};
    for (int64_t i = 0; i < t; ++i) series.x.push_back(static_cast<double>(i));
    chart.series.push_back(series);
  }
  if (!a.out.empty()) {
    std::filesystem::create_directories(a.out);
    const std::string path = a.out + "/gradient-per-step.png";
    write_file_atomically(path, render_line_chart(chart, ImageFormat::Png));
    std::printf("wrote %s\n", path.c_str());
  }
}

}  // namespace

void add_long_range_command(CLI::App& app) {
  auto args = std::make_shared<LongRangeArgs>();
  LongRangeArgs& a = *args;
  CLI::App* cmd = app.add_subcommand(
      "long-range", "Exploding and vanishing gradients: a vanilla RNN and an LSTM on the adding problem");
  cmd->add_option("--steps", a.options.steps, "Sequence length T")->check(CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          const long long v = std::stoll(text);
          if (v >= 2 && v <= 100000) return {};
        } catch (const std::exception&) {
        }
        return "must be a whole number from 2 to 100000, got " + text;
      },
      "2..100000"))->capture_default_str();
  cmd->add_option("--hidden", a.options.hidden, "State size")->check(positive_number())->capture_default_str();
  cmd->add_option("--batch", a.options.batch, "Sequences per batch")->check(positive_number())->capture_default_str();
  cmd->add_option("--iterations", a.options.iterations, "Training batches")->check(positive_number())
      ->capture_default_str();
  cmd->add_option("--rate", a.options.rate, "Adam's learning rate")->check(positive_number())->capture_default_str();
  cmd->add_option("--clip-norm", a.options.clipping.norm, "Gradient clipping by global norm")
      ->check(positive_number())->capture_default_str();
  cmd->add_option("--cells", a.cells, "Cells to compare")->delimiter(',')
      ->check(CLI::IsMember({"rnn", "lstm", "gru"}))->capture_default_str();
  cmd->add_option("--seed", a.options.seed, "Random seed")->capture_default_str();
  cmd->add_option("--out", a.out, "Folder for gradient-per-step.png");
  cmd->add_option("--threads", a.threads, "Worker threads (default: all cores)");
  cmd->callback([args] { run(*args); });
}

}  // namespace neurite::cli
