// XOR from scratch: the function a single perceptron cannot learn (seed 002), learned by a 2-4-1
// network in the explicit training loop: zero_grad -> forward -> cost -> backward -> step.
//
//   build/examples/xor
#include <cstdio>

#include "neurite/neurite.h"

int main() {
  using namespace neurite;
  // The four inputs (N = 4, two features) and their targets (4, 1).
  const Tensor x = Tensor::from({4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  const Tensor y = Tensor::from({4, 1}, {0, 1, 1, 0});

  // Weights are drawn as each layer is added, from the seed: the same seed, the same network.
  Network net({2}, {.init = {.kind = Initializer::Kind::Xavier}, .seed = 3});
  net.add({{"type", "dense"}, {"out", 4}})  // "in" is taken from the layer before
      .add({{"type", "tanh"}})
      .add({{"type", "dense"}, {"out", 1}});  // the logit: the cost applies the sigmoid
  const SigmoidCrossEntropyCost cost;
  Adam optimizer(/*rate=*/0.05);
  std::vector<Parameter> params = net.parameters();

  for (int step = 0; step <= 1000; ++step) {
    net.zero_grad();
    const Tensor& output = net.forward(x);
    const double c = cost.value(output, y);
    cost.gradient(output, y, net.output_grad());
    net.backward();
    optimizer.step(params);
    if (step % 250 == 0) std::printf("step %4d  cost %.4f\n", step, c);
  }

  Tensor predicted;
  cost.predict(net.forward(x), predicted);  // the sigmoid of the logit
  int right = 0;
  for (int i = 0; i < 4; ++i) {
    std::printf("%g xor %g = %.3f\n", x[2 * i], x[2 * i + 1], predicted[i]);
    right += (predicted[i] > 0.5f) == (y[i] > 0.5f);
  }
  return right == 4 ? 0 : 1;
}
