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
  dz.resize(a.shape());
  const float scale = static_cast<float>(1.0 / batch_size(a));
  for (int64_t i = 0; i < a.size(); ++i) dz[i] = (a[i] - y[i]) * scale;
  return true;
}

std::unique_ptr<Cost> make_cost(const std::string& name) {
  if (name == "quadratic") return std::make_unique<QuadraticCost>();
  if (name == "cross-entropy" || name == "crossentropy")
    return std::make_unique<CrossEntropyCost>();
  throw Error("unknown cost '" + name + "' (expected quadratic or cross-entropy)");
}

}  // namespace neurite
