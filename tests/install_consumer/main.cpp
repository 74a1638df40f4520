// Uses the installed neurite through its umbrella header: a network built by hand, one built by
// make_mlp, and one rebuilt from its JSON architecture (the layer registry, inside the library).
#include <cstdio>
#include <memory>

#include <neurite/neurite.h>

using namespace neurite;

int main() {
  // 2 -> 3 -> 2, every weight 0.5 and bias 0: each hidden unit gets sigmoid(1.5), each output
  // sigmoid(1.5 * sigmoid(1.5)) = 0.7732.
  Network net({2});
  net.add(std::make_unique<Dense>(DenseOptions{.in = 2, .out = 3}));
  net.add(std::make_unique<Activation>(ActivationKind::Sigmoid));
  net.add(std::make_unique<Dense>(DenseOptions{.in = 3, .out = 2}));
  net.add(std::make_unique<Activation>(ActivationKind::Sigmoid));
  for (Parameter& p : net.parameters()) p.value->fill(p.name.ends_with("weight") ? 0.5f : 0.0f);
  const Tensor& y = net.forward(Tensor::from({1, 2}, {1.0f, 2.0f}));
  std::printf("hand-built %s: %.4f %.4f\n", to_string(y.shape()).c_str(), y[0], y[1]);

  Network mlp = make_mlp({784, 30, 10}, ActivationKind::Sigmoid);
  Rng rng(1);
  mlp.initialize(Initializer{}, rng);
  const Tensor& out = mlp.forward(Tensor({4, 784}, 0.5f));
  std::printf("mlp %s: %lld parameters, output %s\n", mlp.summary().c_str(),
              static_cast<long long>(mlp.parameter_count()), to_string(out.shape()).c_str());

  Network copy = Network::from_architecture(mlp.architecture());
  std::printf("from its architecture: %s\n", copy.summary().c_str());
  return 0;
}
