// Loads a saved model and predicts one picture: the input is prepared the way the model was
// trained (its ModelInfo says how pixels were scaled), and the model file's last layer turns the
// outputs into probabilities.
//
//   build/examples/predict_image MODEL.safetensors digit.png
#include <cstdio>

#include "neurite/neurite.h"

int main(int argc, char** argv) {
  using namespace neurite;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MODEL IMAGE\n", argv[0]);
    return 2;
  }
  try {
    Model model = load_model(argv[1]);
    const GrayImage image = read_gray_image(argv[2]);  // PNG or PGM, white ink on black as in MNIST
    const Tensor x = model_input(model, image.pixels);  // a batch of one, scaled as in training
    const Tensor& probabilities = model.network.forward(x);
    int64_t best = 0;
    for (int64_t k = 0; k < probabilities.size(); ++k) {
      std::printf("%s: %.4f\n", model.info.class_name(k).c_str(), probabilities[k]);
      if (probabilities[k] > probabilities[best]) best = k;
    }
    std::printf("predicted: %s\n", model.info.class_name(best).c_str());
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
