#include "neurite/layers/initializer.h"

#include <cmath>

#include "neurite/error.h"

namespace neurite {

namespace {
constexpr Initializer::Kind kAllKinds[] = {Initializer::Kind::Nielsen, Initializer::Kind::NielsenScaled,
                                           Initializer::Kind::Xavier,  Initializer::Kind::He,
                                           Initializer::Kind::Rashid,  Initializer::Kind::Uniform,
                                           Initializer::Kind::PyTorch};

void fill_normal(Tensor& t, double stddev, Rng& rng) {
  for (float& v : t.span()) v = static_cast<float>(stddev * rng.normal());
}
void fill_uniform(Tensor& t, double limit, Rng& rng) {
  for (float& v : t.span()) v = static_cast<float>(rng.uniform(-limit, limit));
}
}  // namespace

std::string initializer_name(Initializer::Kind kind) {
  switch (kind) {
    case Initializer::Kind::Nielsen: return "nielsen";
    case Initializer::Kind::NielsenScaled: return "nielsen-scaled";
    case Initializer::Kind::Xavier: return "xavier";
    case Initializer::Kind::He: return "he";
    case Initializer::Kind::Rashid: return "rashid";
    case Initializer::Kind::Uniform: return "uniform";
    case Initializer::Kind::PyTorch: return "pytorch";
  }
  return "?";
}

Initializer::Kind parse_initializer(const std::string& name) {
  for (Initializer::Kind kind : kAllKinds)
    if (initializer_name(kind) == name) return kind;
  throw Error("unknown initializer '" + name + "' (expected nielsen, nielsen-scaled, xavier, he, rashid, uniform or pytorch)");
}

void initialize_weights(Tensor& weight, Tensor& bias, int64_t fan_in, int64_t fan_out, const Initializer& init,
                        Rng& rng) {
  const auto in = static_cast<double>(fan_in), out = static_cast<double>(fan_out);
  using Kind = Initializer::Kind;
  switch (init.kind) {
    case Kind::Nielsen:
      fill_normal(weight, 1.0, rng);
      fill_normal(bias, 1.0, rng);
      return;
    case Kind::NielsenScaled:
      fill_normal(weight, 1.0 / std::sqrt(in), rng);
      fill_normal(bias, 1.0, rng);
      return;
    case Kind::Xavier:
      fill_uniform(weight, std::sqrt(6.0 / (in + out)), rng);
      break;
    case Kind::He:
      fill_normal(weight, std::sqrt(2.0 / in), rng);
      break;
    case Kind::Rashid:
      fill_normal(weight, 1.0 / std::sqrt(out), rng);
      break;
    case Kind::Uniform:
      require(init.uniform_limit > 0 && std::isfinite(init.uniform_limit),
              "uniform initializer limit must be positive, got " + std::to_string(init.uniform_limit));
      fill_uniform(weight, init.uniform_limit, rng);
      break;
    case Kind::PyTorch:
      fill_uniform(weight, 1.0 / std::sqrt(in), rng);
      fill_uniform(bias, 1.0 / std::sqrt(in), rng);
      return;
  }
  bias.fill(0.0f);
}

}  // namespace neurite
