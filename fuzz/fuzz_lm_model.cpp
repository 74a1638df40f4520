// Character language models (`neurite lm sample`): the model file, its recorded alphabet checked
// against the network, then a few characters sampled as the CLI does.
#include "support.h"
#include "neurite/io/model_file.h"
#include "neurite/rng.h"
#include "neurite/train/language_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  const std::string& path = fuzz::write_input({data, size}, ".safetensors");
  fuzz::read_or_refuse([&] {
    Model model = load_model(path);
    require(model.info.extra.contains("alphabet"), "not a language model");
    const Vocabulary vocabulary = recorded_vocabulary(model.info.extra["alphabet"], model.network, path);
    if (model.network.parameter_count() > (1 << 20)) return;
    Network logits = trained_network(model);
    Network reader = with_sequence_length(logits, 1);
    Rng rng(1, 7);
    sample_text(reader, vocabulary, "", 8, 1.0, rng);
  });
  return 0;
}
