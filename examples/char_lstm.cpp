// A character language model: an LSTM reads a text one character at a time and learns to predict
// the next one (truncated BPTT over windows, Adam, gradient clipping), then writes a sample.
// Without a file it learns a built-in rhyme, which it should then recite.
//
//   build/examples/char_lstm [TEXT_FILE] [STEPS]
#include <cstdio>
#include <cstdlib>

#include "neurite/neurite.h"

int main(int argc, char** argv) {
  using namespace neurite;
  try {
    std::string text;
    if (argc > 1) {
      text = read_text_corpus(argv[1]).text;
    } else {
      for (int i = 0; i < 40; ++i) text += "twinkle twinkle little star, how I wonder what you are. ";
    }
    const int64_t steps = argc > 2 ? std::atoll(argv[2]) : 300;
    const Vocabulary vocabulary = Vocabulary::of_text(text);
    const std::vector<int32_t> codes = vocabulary.encode(text);

    LanguageModelTraining training{.sequence = 32, .batch = 8, .rate = 0.01, .steps = steps, .report_every = 100};
    Network net = build_language_model({.cell = "lstm", .layers = 1, .hidden = 64}, vocabulary.size(),
                                       training.sequence, /*seed=*/1);
    std::printf("%zu characters, alphabet of %lld; %s\n", text.size(), static_cast<long long>(vocabulary.size()),
                net.summary().c_str());
    train_language_model(net, codes, vocabulary.size(), training, [](const LanguageModelReport& r) {
      std::printf("step %4lld  loss %.3f nats/char  (%.0f chars/s)\n", static_cast<long long>(r.step), r.loss,
                  r.chars_per_second);
    });

    Network reader = with_sequence_length(net, 1);  // the same weights, one character at a time
    Rng rng(/*seed=*/2, /*stream=*/7);
    std::printf("sample: twinkle%s\n", sample_text(reader, vocabulary, "twinkle", 60, 0.5, rng).c_str());
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
