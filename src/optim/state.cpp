// The slots and step counter that stateful optimisers keep, and their checkpoint round trip.
#include <algorithm>

#include "neurite/error.h"
#include "neurite/optim/optimizer.h"
#include "neurite/io/json_input.h"

namespace neurite {

SlotState::SlotState(std::vector<std::string> slot_names) : slot_names_(std::move(slot_names)) {}

void SlotState::require_same_count(std::span<const Parameter> parameters) const {
  const std::size_t held = tensors_.size() / std::max<std::size_t>(slot_names_.size(), 1);
  require(parameters.size() == held, "the optimizer state holds " + std::to_string(held) +
                                         " parameters but was given " + std::to_string(parameters.size()));
}

void SlotState::prepare(std::span<const Parameter> parameters) {
  if (slot_names_.empty()) return;
  if (!allocated_) {
    tensors_.clear();
    for (const Parameter& p : parameters)
      for (std::size_t s = 0; s < slot_names_.size(); ++s) tensors_.emplace_back(p.value->shape());
    allocated_ = true;
    return;
  }
  require_same_count(parameters);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const Shape& held = at(i, 0).shape();
    require(parameters[i].value->shape() == held, "parameter '" + parameters[i].name + "' has shape " +
                                                      to_string(parameters[i].value->shape()) +
                                                      " but its optimizer state has " + to_string(held));
  }
}

void SlotState::clear() {
  tensors_.clear();
  allocated_ = false;
}

std::vector<std::pair<std::string, const Tensor*>> SlotState::named(std::span<const Parameter> parameters) const {
  std::vector<std::pair<std::string, const Tensor*>> all;
  if (!allocated_ || slot_names_.empty()) return all;
  require_same_count(parameters);
  for (std::size_t i = 0; i < parameters.size(); ++i)
    for (std::size_t s = 0; s < slot_names_.size(); ++s)
      all.emplace_back(parameters[i].name + "." + slot_names_[s], &tensors_[i * slot_names_.size() + s]);
  return all;
}

// Copies every tensor in before changing anything, so a failed load leaves the state as it was.
void SlotState::load(const std::function<const Tensor*(const std::string&)>& find,
                     std::span<const Parameter> parameters) {
  std::vector<Tensor> loaded;
  for (const Parameter& p : parameters)
    for (const std::string& slot : slot_names_) {
      const std::string name = p.name + "." + slot;
      const Tensor* t = find(name);
      require(t != nullptr, "optimizer state '" + name + "' is missing");
      require(t->shape() == p.value->shape(), "optimizer state '" + name + "' has shape " + to_string(t->shape()) +
                                                  ", expected " + to_string(p.value->shape()));
      loaded.push_back(*t);
    }
  tensors_ = std::move(loaded);
  allocated_ = true;
}

StatefulOptimizer::StatefulOptimizer(double rate, std::vector<std::string> slot_names)
    : Optimizer(rate), slots_(std::move(slot_names)) {}

void StatefulOptimizer::begin_step(std::span<const Parameter> parameters) {
  slots_.prepare(parameters);
  ++steps_;
}

nlohmann::json StatefulOptimizer::state_scalars() const { return {{"t", steps_}}; }

std::vector<std::pair<std::string, const Tensor*>> StatefulOptimizer::state_tensors(
    std::span<const Parameter> parameters) const {
  return slots_.named(parameters);
}

// t = 0 means the state was saved before the first step: there are no tensors to restore.
void StatefulOptimizer::load_state(const nlohmann::json& scalars,
                                   const std::function<const Tensor*(const std::string&)>& find,
                                   std::span<const Parameter> parameters) {
  require(scalars.is_object() && scalars.contains("t") && scalars["t"].is_number_integer() &&
              scalars["t"].get<int64_t>() >= 0,
          name() + " optimizer state needs a step count \"t\" >= 0, got " + quoted_prefix(scalars));
  const auto t = scalars["t"].get<int64_t>();
  if (t == 0)
    slots_.clear();
  else
    slots_.load(find, parameters);
  steps_ = t;
}

}  // namespace neurite
