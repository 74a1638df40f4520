#include "neurite/cost.h"

#include <algorithm>
#include <cmath>

#include "neurite/error.h"
#include "neurite/io/json_input.h"

namespace neurite {

namespace {
void require_same(const Tensor& a, const Tensor& y, const char* cost) {
  if (a.shape() != y.shape())  // checked every batch: build the message only on failure
    throw Error(std::string(cost) + " cost: output shape " + to_string(a.shape()) + " does not match target shape " +
                to_string(y.shape()));
}
double batch_size(const Tensor& a) { return a.rank() ? static_cast<double>(a.dim(0)) : 1.0; }

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

namespace {
// Mean over every element of f(a - y), and its gradient f'(a - y) / count.
template <class Value>
double elementwise_mean(const Tensor& a, const Tensor& y, const char* name, Value f) {
  require_same(a, y, name);
  double sum = 0;
  for (int64_t i = 0; i < a.size(); ++i) sum += f(static_cast<double>(a[i]) - y[i]);
  return a.size() ? sum / static_cast<double>(a.size()) : 0.0;
}
template <class Slope>
void elementwise_gradient(const Tensor& a, const Tensor& y, Tensor& da, const char* name, Slope slope) {
  require_same(a, y, name);
  da.resize(a.shape());
  const double scale = a.size() ? 1.0 / static_cast<double>(a.size()) : 0.0;
  for (int64_t i = 0; i < a.size(); ++i) da[i] = static_cast<float>(slope(static_cast<double>(a[i]) - y[i]) * scale);
}
double huber(double d) { return std::abs(d) <= 1 ? 0.5 * d * d : std::abs(d) - 0.5; }
double huber_slope(double d) { return std::clamp(d, -1.0, 1.0); }
double sign(double d) { return static_cast<double>((d > 0) - (d < 0)); }
}  // namespace

double MeanSquaredCost::value(const Tensor& a, const Tensor& y) const {
  return elementwise_mean(a, y, "mse", [](double d) { return d * d; });
}
void MeanSquaredCost::gradient(const Tensor& a, const Tensor& y, Tensor& da) const {
  elementwise_gradient(a, y, da, "mse", [](double d) { return 2 * d; });
}
double MeanAbsoluteCost::value(const Tensor& a, const Tensor& y) const {
  return elementwise_mean(a, y, "mae", [](double d) { return std::abs(d); });
}
void MeanAbsoluteCost::gradient(const Tensor& a, const Tensor& y, Tensor& da) const {
  elementwise_gradient(a, y, da, "mae", sign);
}
double HuberCost::value(const Tensor& a, const Tensor& y) const { return elementwise_mean(a, y, "huber", huber); }
void HuberCost::gradient(const Tensor& a, const Tensor& y, Tensor& da) const {
  elementwise_gradient(a, y, da, "huber", huber_slope);
}

// Sigmoid + cross-entropy from the logits: softplus(z) - y z per output equals
// -[y ln s(z) + (1-y) ln(1-s(z))], exact for any z.
double SigmoidCrossEntropyCost::value(const Tensor& z, const Tensor& y) const {
  require_same(z, y, "cross-entropy");
  double sum = 0;
  for (int64_t i = 0; i < z.size(); ++i) {
    const double zi = z[i];
    sum += softplus(zi) - y[i] * zi;
  }
  return sum / batch_size(z);
}

void SigmoidCrossEntropyCost::gradient(const Tensor& z, const Tensor& y, Tensor& dz) const {
  require_same(z, y, "cross-entropy");
  activate(ActivationKind::Sigmoid, z, dz);  // a, then (a - y) / N in place
  const float scale = static_cast<float>(1.0 / batch_size(z));
  for (int64_t i = 0; i < z.size(); ++i) dz[i] = (dz[i] - y[i]) * scale;
}

namespace {
// Softmax rows: every sample, or every step of every sample for sequences (N, T, classes). The
// log-likelihood is averaged over them, as PyTorch's CrossEntropyLoss does over (N*T, classes).
int64_t softmax_rows(const Tensor& a) {
  const int64_t cols = a.rank() ? a.dim(a.rank() - 1) : 0;
  return cols ? std::max<int64_t>(a.size() / cols, 1) : 1;
}
}  // namespace

double SoftmaxLogLikelihoodCost::value(const Tensor& z, const Tensor& y) const {
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

// dC/dz_k = (a_k sum_j y_j - y_k) / rows: exactly a - y for one-hot targets, and still right for
// targets that do not sum to one (0.1 / 0.9).
void SoftmaxLogLikelihoodCost::gradient(const Tensor& z, const Tensor& y, Tensor& dz) const {
  require_same(z, y, "log-likelihood");
  activate(ActivationKind::Softmax, z, dz);  // a, then the gradient in place
  const int64_t rows = softmax_rows(z), cols = z.size() / rows;
  const float scale = static_cast<float>(1.0 / static_cast<double>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y.data() + r * cols;
    float* d = dz.data() + r * cols;
    float target_sum = 0.0f;
    for (int64_t k = 0; k < cols; ++k) target_sum += yr[k];
    for (int64_t k = 0; k < cols; ++k) d[k] = (d[k] * target_sum - yr[k]) * scale;
  }
}

void Cost::predict(const Tensor& output, Tensor& prediction) const {
  activate(output_activation(), output, prediction);
}

bool is_regression_cost(const std::string& name) { return name == "mse" || name == "mae" || name == "huber"; }

std::unique_ptr<Cost> make_cost(const std::string& name) {
  if (name == "quadratic") return std::make_unique<QuadraticCost>();
  if (name == "cross-entropy" || name == "crossentropy") return std::make_unique<SigmoidCrossEntropyCost>();
  if (name == "log-likelihood" || name == "nll") return std::make_unique<SoftmaxLogLikelihoodCost>();
  if (name == "mse") return std::make_unique<MeanSquaredCost>();
  if (name == "mae") return std::make_unique<MeanAbsoluteCost>();
  if (name == "huber") return std::make_unique<HuberCost>();
  throw Error("unknown cost '" + name + "' (expected quadratic, cross-entropy, log-likelihood, mse, mae or huber)");
}

namespace {
const nlohmann::json* last_layer(const nlohmann::json& architecture) {
  require(architecture.is_object() && architecture.contains("layers") && architecture["layers"].is_array(),
          "architecture needs a \"layers\" list: " + quoted_prefix(architecture));
  const nlohmann::json& layers = architecture["layers"];
  return layers.empty() ? nullptr : &layers.back();
}
}  // namespace

nlohmann::json trained_architecture(const nlohmann::json& architecture, const Cost& cost) {
  const ActivationKind own = cost.output_activation();
  if (own == ActivationKind::Identity) return architecture;
  const nlohmann::json* last = last_layer(architecture);
  const std::string type = last && last->is_object() ? last->value("type", "") : "";
  if (!is_activation(type)) return architecture;  // it ends at the logits already
  require(parse_activation(type) == own,
          "the " + cost.name() + " cost applies " + activation_name(own) + " to the network's output itself, but the network ends in " +
              type + (own == ActivationKind::Sigmoid && type == "softmax" ? "; use the log-likelihood cost with softmax" : ""));
  nlohmann::json trained = architecture;
  trained["layers"].erase(trained["layers"].size() - 1);
  return trained;
}

nlohmann::json predicting_architecture(const nlohmann::json& architecture, const Cost& cost) {
  if (cost.output_activation() == ActivationKind::Identity) return architecture;
  const nlohmann::json* last = last_layer(architecture);
  const std::string name = activation_name(cost.output_activation());
  require(!last || !last->is_object() || last->value("type", "") != name,
          "the network already ends in " + name + ", which the " + cost.name() +
              " cost applies itself: train the network without it");
  nlohmann::json predicting = architecture;
  predicting["layers"].push_back({{"type", activation_name(cost.output_activation())}});
  return predicting;
}

}  // namespace neurite
