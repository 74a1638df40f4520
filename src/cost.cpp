#include "neurite/cost.h"

#include <algorithm>
#include <cmath>

#include "neurite/error.h"

namespace neurite {

namespace {
void require_same(const Tensor& a, const Tensor& y, const char* cost) {
  if (a.shape() != y.shape())  // checked every batch: build the message only on failure
    throw Error(std::string(cost) + " cost: output shape " + to_string(a.shape()) + " does not match target shape " +
                to_string(y.shape()));
}
double batch_size(const Tensor& a) { return a.rank() ? static_cast<double>(a.dim(0)) : 1.0; }

// dC/dz = (a - y) / N: what sigmoid + cross-entropy reduces to.
void output_minus_target(const Tensor& a, const Tensor& y, Tensor& dz) {
  dz.resize(a.shape());
  const float scale = static_cast<float>(1.0 / batch_size(a));
  for (int64_t i = 0; i < a.size(); ++i) dz[i] = (a[i] - y[i]) * scale;
}

// ln(1 + e^z) without overflow for large z or loss of precision for very negative z.
double softplus(double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))); }
}  // namespace

double QuadraticCost::value(const Tensor& a, const Tensor& y) const {
  require_same(a, y, "quadratic");
  double sum = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - y[i];
    sum += d * d;
  }
  return 0.5 * sum / batch_size(a);
}

void QuadraticCost::gradient(const Tensor& a, const Tensor& y, Tensor& da) const {
  require_same(a, y, "quadratic");
  da.resize(a.shape());
  const float scale = static_cast<float>(1.0 / batch_size(a));
  for (int64_t i = 0; i < a.size(); ++i) da[i] = (a[i] - y[i]) * scale;
}

double CrossEntropyCost::value(const Tensor& a, const Tensor& y) const {
  require_same(a, y, "cross-entropy");
  // Clamping keeps a saturated output (a exactly 0 or 1) finite, like Nielsen's nan_to_num.
  constexpr double tiny = 1e-12;
  double sum = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double ai = std::clamp(static_cast<double>(a[i]), tiny, 1.0 - tiny);
    sum -= y[i] * std::log(ai) + (1.0 - y[i]) * std::log(1.0 - ai);
  }
  return sum / batch_size(a);
}

void CrossEntropyCost::gradient(const Tensor& a, const Tensor& y, Tensor& da) const {
  require_same(a, y, "cross-entropy");
  da.resize(a.shape());
  const double scale = 1.0 / batch_size(a);
  constexpr double tiny = 1e-12;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double ai = std::clamp(static_cast<double>(a[i]), tiny, 1.0 - tiny);
    da[i] = static_cast<float>(scale * (ai - y[i]) / (ai * (1.0 - ai)));
  }
}

bool CrossEntropyCost::fused_gradient(ActivationKind activation, const Tensor& a, const Tensor& y,
                                      Tensor& dz) const {
  if (activation != ActivationKind::Sigmoid) return false;
  require_same(a, y, "cross-entropy");
  output_minus_target(a, y, dz);
  return true;
}

double CrossEntropyCost::fused_value(ActivationKind activation, const Tensor& z, const Tensor& a,
                                     const Tensor& y) const {
  if (activation != ActivationKind::Sigmoid) return value(a, y);
  require_same(z, y, "cross-entropy");
  double sum = 0;
  for (int64_t i = 0; i < z.size(); ++i) {
    const double zi = z[i];
    sum += softplus(zi) - y[i] * zi;  // -[y ln s(z) + (1-y) ln(1-s(z))]
  }
  return sum / batch_size(z);
}

namespace {
// Softmax rows: every sample, or every step of every sample for sequences (N, T, classes). The
// log-likelihood is averaged over them, as PyTorch's CrossEntropyLoss does over (N*T, classes).
int64_t softmax_rows(const Tensor& a) {
  const int64_t cols = a.rank() ? a.dim(a.rank() - 1) : 0;
  return cols ? std::max<int64_t>(a.size() / cols, 1) : 1;
}
}  // namespace

double LogLikelihoodCost::value(const Tensor& a, const Tensor& y) const {
  require_same(a, y, "log-likelihood");
  constexpr double tiny = 1e-30;  // a softmax output that underflowed to 0 costs -ln(1e-30), not inf
  double sum = 0;
  for (int64_t i = 0; i < a.size(); ++i)
    if (y[i] != 0.0f) sum -= y[i] * std::log(std::max(static_cast<double>(a[i]), tiny));
  return sum / static_cast<double>(softmax_rows(a));
}

void LogLikelihoodCost::gradient(const Tensor& a, const Tensor& y, Tensor& da) const {
  require_same(a, y, "log-likelihood");
  da.resize(a.shape());
  const double scale = 1.0 / static_cast<double>(softmax_rows(a));
  constexpr double tiny = 1e-30;
  for (int64_t i = 0; i < a.size(); ++i)
    da[i] = static_cast<float>(-scale * y[i] / std::max(static_cast<double>(a[i]), tiny));
}

// dC/dz_k = a_k sum_j y_j - y_k: exactly a - y for one-hot targets, and still right for targets
// that do not sum to one (0.1 / 0.9).
bool LogLikelihoodCost::fused_gradient(ActivationKind activation, const Tensor& a, const Tensor& y,
                                       Tensor& dz) const {
  if (activation != ActivationKind::Softmax) return false;
  require_same(a, y, "log-likelihood");
  dz.resize(a.shape());
  const int64_t rows = softmax_rows(a), cols = a.size() / rows;
  const float scale = static_cast<float>(1.0 / static_cast<double>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const float* ar = a.data() + r * cols;
    const float* yr = y.data() + r * cols;
    float* d = dz.data() + r * cols;
    float target_sum = 0.0f;
    for (int64_t k = 0; k < cols; ++k) target_sum += yr[k];
    for (int64_t k = 0; k < cols; ++k) d[k] = (ar[k] * target_sum - yr[k]) * scale;
  }
  return true;
}

double LogLikelihoodCost::fused_value(ActivationKind activation, const Tensor& z, const Tensor& a,
                                      const Tensor& y) const {
  if (activation != ActivationKind::Softmax) return value(a, y);
  require_same(z, y, "log-likelihood");
  const int64_t rows = softmax_rows(z), cols = z.size() / rows;
  double sum = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* zr = z.data() + r * cols;
    const float* yr = y.data() + r * cols;
    const double top = *std::max_element(zr, zr + cols);
    double exp_sum = 0;
    for (int64_t k = 0; k < cols; ++k) exp_sum += std::exp(zr[k] - top);
    const double log_sum_exp = top + std::log(exp_sum);
    for (int64_t k = 0; k < cols; ++k) sum += yr[k] * (log_sum_exp - zr[k]);
  }
  return sum / static_cast<double>(rows);
}

std::unique_ptr<Cost> make_cost(const std::string& name) {
  if (name == "quadratic") return std::make_unique<QuadraticCost>();
  if (name == "cross-entropy" || name == "crossentropy")
    return std::make_unique<CrossEntropyCost>();
  if (name == "log-likelihood" || name == "nll") return std::make_unique<LogLikelihoodCost>();
  throw Error("unknown cost '" + name + "' (expected quadratic, cross-entropy or log-likelihood)");
}

void require_compatible(const Cost& cost, ActivationKind output) {
  if (cost.name() == "cross-entropy")
    require(output == ActivationKind::Sigmoid,
            "the cross-entropy cost needs sigmoid outputs (values in (0, 1)), got " + activation_name(output) +
                (output == ActivationKind::Softmax ? "; use the log-likelihood cost with softmax" : ""));
  if (cost.name() == "log-likelihood")
    require(output == ActivationKind::Softmax,
            "the log-likelihood cost needs softmax outputs (a probability distribution), got " + activation_name(output));
}

}  // namespace neurite
