// What the fused dense step takes on, and the chosen kernel family's copy of it.
#include "dense_chain.h"

#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "ops/kernels.h"

namespace neurite {

namespace {
bool hidden_activation(ActivationKind kind) {
  return kind == ActivationKind::Identity || kind == ActivationKind::Sigmoid || kind == ActivationKind::Tanh ||
         kind == ActivationKind::ReLU;
}
}  // namespace

bool DenseChain::fits(const Network& net, const Optimizer& optimizer, const TrainOptions& o) {
  const auto* sgd = dynamic_cast<const Sgd*>(&optimizer);
  if (!sgd || sgd->momentum() != 0) return false;
  if (o.batch > kMaxBatch || o.shards > 0 || o.gradient_norms || o.average_decay > 0 || o.clipping.active() ||
      o.regularization.l1 != 0 || o.regularization.max_norm > 0)
    return false;
  if (net.input_shape().size() != 1 || net.layer_count() == 0) return false;
  for (std::size_t i = 0; i < net.layer_count(); ++i) {
    const neurite::Layer& layer = net.layer(i);
    if (dynamic_cast<const Dense*>(&layer)) continue;
    const auto* activation = dynamic_cast<const Activation*>(&layer);
    if (!activation || i == 0 || !dynamic_cast<const Dense*>(&net.layer(i - 1))) return false;
    const bool last = i + 1 == net.layer_count();
    if (!hidden_activation(activation->kind()) && !(last && activation->kind() == ActivationKind::Softmax))
      return false;
  }
  return true;
}

std::unique_ptr<DenseChain> DenseChain::create(Network& net) { return kernels::chosen().make_dense_chain(net); }

}  // namespace neurite
