// Building optimisers from their options, and the options' JSON form.
#include "kinds.h"
#include "neurite/error.h"
#include "neurite/optim/optimizer.h"
#include "neurite/io/json_input.h"

namespace neurite {

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& o) {
  return std::visit(
      [&](const auto& kind) -> std::unique_ptr<Optimizer> {
        return std::make_unique<typename std::decay_t<decltype(kind)>::Builds>(o.rate, kind);
      },
      o.kind);
}

std::string kind_name(const OptimizerOptions& o) { return detail::kind_of(o.kind); }

std::string optimizer_kinds() { return detail::kind_list<OptimizerKind>(); }

nlohmann::json to_json(const OptimizerOptions& o) {
  nlohmann::json j = detail::write_variant(o.kind, "optimizer");
  j["rate"] = o.rate;
  return j;
}

OptimizerOptions optimizer_options_from_json(const nlohmann::json& json) {
  require(json.is_object(), "optimizer options must be a JSON object, got " + quoted_prefix(json));
  OptimizerOptions o;
  const nlohmann::json kind = json.value("optimizer", nlohmann::json(kind_name(o)));
  require(kind.is_string(), "optimizer must be a string, got " + quoted_prefix(kind));
  o.kind = detail::read_variant<OptimizerKind>(kind.get<std::string>(), json, "optimizer", "optimizer");
  if (json.contains("rate")) {
    require(json["rate"].is_number(), "rate must be a number, got " + quoted_prefix(json["rate"]));
    o.rate = json["rate"].get<double>();
  }
  return o;
}

nlohmann::json optimizer_defaults() {
  nlohmann::json j = detail::all_defaults<OptimizerKind>();
  j["optimizer"] = kind_name(OptimizerOptions{});
  j["rate"] = OptimizerOptions{}.rate;
  return j;
}

}  // namespace neurite
