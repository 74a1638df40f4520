#include "neurite/gradcheck.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <numeric>

namespace neurite {

namespace {

// Which entries of a tensor of `size` elements to check.
std::vector<int64_t> pick_entries(int64_t size, const GradCheckOptions& o, Rng& rng) {
  std::vector<int64_t> all(static_cast<std::size_t>(size));
  std::iota(all.begin(), all.end(), 0);
  if (o.max_per_tensor <= 0 || size <= o.max_per_tensor) return all;
  rng.shuffle(std::span<int64_t>(all));
  all.resize(static_cast<std::size_t>(o.max_per_tensor));
  return all;
}

// (C(v + eps) - C(v - eps)) / 2eps at entry i, dividing by the step actually taken in float.
double central_difference(Tensor& value, int64_t i, double eps, const std::function<double()>& cost_now) {
  const float saved = value[i];
  const float up_value = static_cast<float>(saved + eps), down_value = static_cast<float>(saved - eps);
  value[i] = up_value;
  const double up = cost_now();
  value[i] = down_value;
  const double down = cost_now();
  value[i] = saved;
  return (up - down) / (static_cast<double>(up_value) - static_cast<double>(down_value));
}

double relative_error(double analytic, double numeric, double floor) {
  return std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), floor});
}

// Compares the analytic gradient of one tensor with central differences of the cost.
GradCheckEntry check_tensor(const std::string& name, const std::string& layer, Tensor& value,
                            const Tensor& analytic, const std::function<double()>& cost_now,
                            const GradCheckOptions& o, Rng& rng, const GradCheckProgress& progress) {
  GradCheckEntry e{.name = name, .layer = layer};
  const std::vector<int64_t> entries = pick_entries(value.size(), o, rng);
  for (int64_t i : entries) {
    double error = std::numeric_limits<double>::infinity(), numeric = 0;
    for (double eps : o.steps) {
      const double n = central_difference(value, i, eps, cost_now);
      const double err = relative_error(analytic[i], n, o.floor);
      if (err < error) {
        error = err;
        numeric = n;
      }
    }
    const double a = analytic[i];
    if (error > e.max_error || e.worst_index < 0) {
      e.max_error = error;
      e.worst_index = i;
      e.analytic = a;
      e.numeric = numeric;
    }
    ++e.checked;
    if (progress) progress(e, static_cast<int64_t>(entries.size()));
  }
  return e;
}

}  // namespace

GradCheckReport gradient_check(Network& net, const Cost& cost, const Tensor& x,
                               const Tensor& target, const GradCheckOptions& o, const GradCheckProgress& progress) {
  // Random layers (dropout in training mode) must draw the same mask in every pass, so each
  // pass starts from the generators' state before the analytic one.
  const std::vector<Rng::State> generators = net.generator_states();
  net.zero_grad();
  const Tensor& output = net.forward(x);
  cost.gradient(output, target, net.output_grad());
  net.backward(/*want_input_grad=*/true);
  const Tensor input_grad = net.input_grad();
  Tensor input = x;
  auto cost_now = [&] {
    net.set_generator_states(generators);
    return cost.value(net.forward(input), target);
  };

  Rng rng(o.seed, /*stream=*/7);
  GradCheckReport report;
  for (Parameter& p : net.parameters()) {
    const std::string index = p.name.substr(0, p.name.find('.'));
    const std::string layer = net.layer(std::stoul(index)).type();
    const Tensor analytic = *p.grad;
    report.entries.push_back(check_tensor(p.name, layer, *p.value, analytic, cost_now, o, rng, progress));
  }
  report.entries.push_back(check_tensor("input", "-", input, input_grad, cost_now, o, rng, progress));
  net.zero_grad();
  for (const auto& e : report.entries) report.max_error = std::max(report.max_error, e.max_error);
  report.passed = report.max_error <= o.tolerance;
  return report;
}

std::string GradCheckReport::describe() const {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-12s %-10s %8s %12s %14s %14s\n", "tensor", "layer", "checked",
                "max rel err", "backprop", "numeric");
  out += line;
  for (const auto& e : entries) {
    std::snprintf(line, sizeof line, "%-12s %-10s %8lld %12.3e %14.6e %14.6e\n", e.name.c_str(),
                  e.layer.c_str(), static_cast<long long>(e.checked), e.max_error, e.analytic, e.numeric);
    out += line;
  }
  return out;
}

}  // namespace neurite
