// Seed 001's convolutional network, built in code and trained with neurite::train, the loop the
// command uses (shuffling, Adam, evaluation after each epoch). One epoch on the first `images`
// training images.
//
//   build/examples/seed_cnn data/mnist [images]
#include <cstdio>
#include <cstdlib>

#include "neurite/neurite.h"

int main(int argc, char** argv) {
  using namespace neurite;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MNIST_FOLDER [TRAINING_IMAGES]\n", argv[0]);
    return 2;
  }
  const int64_t images = argc > 2 ? std::atoll(argv[2]) : 50000;
  try {
    // Each digit as one 28x28 channel, standardised to mean 0 and deviation 1.
    const Mnist mnist = load_mnist(argv[1], {.scale = InputScale::Standard, .train_size = images,
                                             .sample_shape = {1, 28, 28}});

    // conv 16 5x5 pad 2 -> relu -> max-pool 2 -> conv 32 5x5 pad 2 -> relu -> max-pool 2
    // -> dense 100 sigmoid -> dense 10 (logits: the log-likelihood cost applies the softmax).
    Network net({1, 28, 28}, {.init = {.kind = Initializer::Kind::He}, .seed = 1});
    for (int channels : {16, 32})
      net.add({{"type", "conv2d"}, {"out_channels", channels}, {"kernel", 5}, {"padding", 2}})
          .add({{"type", "relu"}})
          .add({{"type", "maxpool2d"}, {"kernel", 2}});
    net.add({{"type", "flatten"}})
        .add({{"type", "dense"}, {"out", 100}})
        .add({{"type", "sigmoid"}})
        .add({{"type", "dense"}, {"out", 10}});
    std::printf("%s, %lld parameters\n", net.summary().c_str(), static_cast<long long>(net.parameter_count()));

    const SoftmaxLogLikelihoodCost cost;
    Adam optimizer(/*rate=*/0.001, /*beta1=*/0.9, /*beta2=*/0.99);
    const std::vector<EvaluationSet> sets{{"test", &mnist.test}};
    TrainCallbacks callbacks;
    callbacks.on_epoch = [](const EpochResult& r) {
      std::printf("Epoch %d: %lld / %lld  (%.1f s)\n", r.epoch, static_cast<long long>(r.correct),
                  static_cast<long long>(r.total), r.seconds);
    };
    train(net, cost, optimizer, mnist.training, sets, TrainOptions{.epochs = 1, .batch = 50, .seed = 1}, callbacks);

    save_model("seed_cnn.safetensors", net, ModelInfo{.scale = InputScale::Standard, .cost = cost.name()});
    std::printf("saved seed_cnn.safetensors\n");
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
