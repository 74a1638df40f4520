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
    Shape shape = model.network.input_shape();
    require(element_count(shape) == image.width * image.height,
            std::string(argv[2]) + ": the model takes " + to_string(shape) + " inputs, the picture has " +
                std::to_string(image.width * image.height) + " pixels");
    shape.insert(shape.begin(), 1);  // a batch of one
    Tensor x(shape);
    for (int64_t i = 0; i < x.size(); ++i) x[i] = scale_pixel(image.pixels[static_cast<std::size_t>(i)], model.info.scale);

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
