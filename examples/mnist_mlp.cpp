// Nielsen's network on MNIST, written as the explicit training loop a library user writes:
// shuffle, then for each mini-batch zero_grad -> forward -> cost -> backward -> step; evaluate
// on the test set after each epoch. (neurite::train does the same with schedules, checkpoints ...)
//
//   build/examples/mnist_mlp data/mnist [epochs]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "neurite/neurite.h"

int main(int argc, char** argv) {
  using namespace neurite;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MNIST_FOLDER [EPOCHS]\n", argv[0]);
    return 2;
  }
  const int epochs = argc > 2 ? std::atoi(argv[2]) : 3;
  try {
    const Mnist mnist = load_mnist(argv[1]);  // 50,000 training, 10,000 validation, 10,000 test

    // 784 -> 30 sigmoid -> 10 logits; the cross-entropy cost applies the output sigmoid itself.
    Network net({784}, {.init = {.kind = Initializer::Kind::NielsenScaled}, .seed = 1});
    net.add({{"type", "dense"}, {"out", 30}}).add({{"type", "sigmoid"}}).add({{"type", "dense"}, {"out", 10}});
    const SigmoidCrossEntropyCost cost;
    Sgd optimizer(/*rate=*/0.5);
    std::vector<Parameter> params = net.parameters();

    Rng shuffler(/*seed=*/1, /*stream=*/1);
    std::vector<int64_t> order(static_cast<std::size_t>(mnist.training.size()));
    std::iota(order.begin(), order.end(), 0);
    const std::size_t batch = 10;
    Tensor x, y;
    for (int epoch = 0; epoch < epochs; ++epoch) {
      shuffler.shuffle(std::span<int64_t>(order));
      net.set_training(true);
      for (std::size_t start = 0; start < order.size(); start += batch) {
        const std::size_t count = std::min<std::size_t>(batch, order.size() - start);
        mnist.training.gather(std::span<const int64_t>(order).subspan(start, count), x, y);
        net.zero_grad();
        const Tensor& output = net.forward(x);
        cost.gradient(output, y, net.output_grad());
        net.backward();
        optimizer.step(params);
      }
      net.set_training(false);
      const SetMeasure test = measure(net, cost, mnist.test, "test");
      std::printf("Epoch %d: %lld / %lld  (cost %.4f)\n", epoch, static_cast<long long>(test.correct),
                  static_cast<long long>(test.total), test.cost);
    }
    save_model("mnist_mlp.safetensors", net, ModelInfo{.cost = cost.name()});
    std::printf("saved mnist_mlp.safetensors\n");
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
