// Tick values and their labels, for linear and log axes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "neurite/error.h"
#include "neurite/viz/plot.h"

namespace neurite {

namespace {

// Slack for floating-point noise when a bound lies exactly on a tick.
constexpr double kEpsilon = 1e-9;

// The smallest step of 1, 2, 2.5 or 5 times a power of ten that is at least `raw`.
double nice_step(double raw, bool integers) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double multiple : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    const double step = multiple * magnitude;
    if (integers && step != std::floor(step)) continue;  // 2.5 between epochs, 0.5 ...
    if (step >= raw * (1 - kEpsilon)) return integers ? std::max(step, 1.0) : step;
  }
  return 10 * magnitude;
}

std::vector<double> linear_ticks(double lo, double hi, int target_count, bool integers) {
  if (hi - lo <= 0) {  // one value: give it room on both sides
    const double room = integers ? 1.0 : (lo == 0 ? 1.0 : std::abs(lo) * 0.1);
    lo -= room;
    hi += room;
  }
  const double step = nice_step((hi - lo) / std::max(1, target_count - 1), integers);
  const auto first = static_cast<int64_t>(std::floor(lo / step + kEpsilon));
  const auto last = static_cast<int64_t>(std::ceil(hi / step - kEpsilon));
  std::vector<double> ticks;
  for (int64_t k = first; k <= last; ++k) ticks.push_back(k == 0 ? 0.0 : static_cast<double>(k) * step);
  return ticks;
}

// Powers of ten, every `stride`-th one when the range spans many decades.
std::vector<double> decade_ticks(int low_exponent, int high_exponent) {
  const int stride = std::max(1, (high_exponent - low_exponent + 9) / 10);
  std::vector<double> ticks;
  for (int e = low_exponent; e < high_exponent + stride; e += stride) ticks.push_back(std::pow(10.0, e));
  return ticks;
}

// 1, 2, 5 times each power of ten, trimmed to the ticks just enclosing [lo, hi].
std::vector<double> one_two_five_ticks(double lo, double hi, int low_exponent, int high_exponent) {
  std::vector<double> all;
  for (int e = low_exponent; e <= high_exponent; ++e)
    for (double m : {1.0, 2.0, 5.0}) all.push_back(m * std::pow(10.0, e));
  std::vector<double> ticks;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bool below_needed = i + 1 < all.size() && all[i + 1] <= lo * (1 + kEpsilon);
    const bool above_needed = i > 0 && all[i - 1] >= hi * (1 - kEpsilon);
    if (!below_needed && !above_needed) ticks.push_back(all[i]);
  }
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi) {
  // Not below 10^-307, the smallest power of ten a normal double holds: a denormal value (a
  // gradient norm of 5e-324) would otherwise put a tick at 10^-324, which is 0.
  const auto low = static_cast<int>(std::max<double>(std::numeric_limits<double>::min_exponent10,
                                                     std::floor(std::log10(lo) + kEpsilon)));
  int high = static_cast<int>(std::ceil(std::log10(hi) - kEpsilon));
  if (high == low) ++high;  // lo == hi == a power of ten
  return high - low >= 3 ? decade_ticks(low, high) : one_two_five_ticks(lo, hi, low, high);
}

// Decimals that show every multiple of `step` exactly: 2 for 0.25, 0 for 5.
int decimals_for(double step) {
  for (int decimals = 0; decimals < 12; ++decimals) {
    const double scaled = step * std::pow(10.0, decimals);
    if (std::abs(scaled - std::round(scaled)) <= 1e-6 * scaled) return decimals;
  }
  return 12;
}

std::string superscript(int number) {
  static const char* const digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string text = number < 0 ? "⁻" : "";
  for (char c : std::to_string(std::abs(number))) text += digits[c - '0'];
  return text;
}

std::string log_label(double value) {
  const int exponent = static_cast<int>(std::floor(std::log10(value) + kEpsilon));
  const double mantissa = std::round(value / std::pow(10.0, exponent) * 1000) / 1000;
  char buffer[32];
  if (exponent >= -3 && exponent <= 4) {
    std::snprintf(buffer, sizeof buffer, "%.*f", std::max(0, -exponent), value);
    return buffer;
  }
  const std::string power = "10" + superscript(exponent);
  if (mantissa == 1) return power;
  std::snprintf(buffer, sizeof buffer, "%g×", mantissa);
  return buffer + power;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, AxisScale scale, int target_count, bool integers) {
  require(std::isfinite(lo) && std::isfinite(hi) && lo <= hi,
          "axis range " + std::to_string(lo) + " .. " + std::to_string(hi) + " is not a range");
  if (scale == AxisScale::Linear) return linear_ticks(lo, hi, target_count, integers);
  require(lo > 0, "a log axis needs positive values, got " + std::to_string(lo));
  return log_ticks(lo, hi);
}

std::string tick_label(double value, double step, AxisScale scale) {
  if (scale == AxisScale::Log) return log_label(value);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals_for(step), value == 0 ? 0.0 : value);
  return buffer;
}

}  // namespace neurite
