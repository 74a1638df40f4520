// neurite lm train / lm sample: a character language model on any text file (by default the
// King James Bible from Debian's bible-kjv, which scripts/fetch_corpus.sh extracts).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "commands.h"
#include "common.h"
#include "neurite/error.h"
#include "neurite/io/model_file.h"
#include "neurite/ops/gemm.h"
#include "neurite/train/language_model.h"
#include "resources.h"

namespace neurite::cli {

namespace {

constexpr const char* kTask = kCharLmTask;

struct LmTrainArgs {
  std::string text, out = "out/lm.model";  // text: empty, looked up (resources.h)
  LanguageModelShape shape;
  LanguageModelTraining training;
  double holdout = 0.02;
  double minutes = 0;
  double clip_norm = 5.0;
  int64_t sample = 300;
  double temperature = 0.7;
  int threads = 0;
};

struct LmSampleArgs {
  std::string model, prime;
  int64_t length = 500;
  double temperature = 0.7;
  uint64_t seed = 1;
};

void print_report(const LanguageModelReport& r) {
  std::printf("step %lld: loss %.4f nats/char (perplexity %.2f), %.1f s, %.0f chars/s\n", static_cast<long long>(r.step),
              r.loss, std::exp(r.loss), r.seconds, r.chars_per_second);
  std::fflush(stdout);
}

void run_train(LmTrainArgs a) {
  a.text = corpus_file(a.text);
  if (a.threads > 0) set_num_threads(a.threads);
  require(std::isfinite(a.holdout) && a.holdout > 0 && a.holdout < 0.5,
          "--holdout must be a fraction between 0 and 0.5, got " + std::to_string(a.holdout));
  const TextCorpus corpus = read_text_corpus(a.text);
  const std::vector<int32_t> codes = corpus.vocabulary.encode(corpus.text);
  // The last `holdout` of the text is never trained on: its loss tells whether the model learned
  // the language or the text.
  const auto split = static_cast<std::ptrdiff_t>(static_cast<double>(codes.size()) * (1.0 - a.holdout));
  const std::vector<int32_t> train(codes.begin(), codes.begin() + split), held_out(codes.begin() + split, codes.end());
  const int64_t v = corpus.vocabulary.size();
  a.training.clipping = {.norm = a.clip_norm};
  if (a.minutes > 0) {
    a.training.seconds = a.minutes * 60;
    a.training.steps = 0;  // the time decides
  }
  Network net = build_language_model(a.shape, v, a.training.sequence, a.training.seed);
  Streams(train, a.training.batch, a.training.sequence, v);  // a text too short fails here, before any output
  std::printf("%s: %zu characters, alphabet of %lld; training on %zu, holding out the last %zu\n", a.text.c_str(),
              codes.size(), static_cast<long long>(v), train.size(), held_out.size());
  std::printf("network %s, %lld parameters\n", net.summary().c_str(), static_cast<long long>(net.parameter_count()));
  StatusLine status;
  const auto show_progress = [&](const LanguageModelReport& r) {
    if (!status.due()) return;
    const double fraction = a.training.steps > 0 ? static_cast<double>(r.step) / static_cast<double>(a.training.steps)
                                                 : r.seconds / a.training.seconds;
    char text[160];
    std::snprintf(text, sizeof text, "step %lld %s %.0f chars/s  %s left  loss %.4f", static_cast<long long>(r.step),
                  bar_text(static_cast<int64_t>(fraction * 1000), 1000, 20).c_str(), r.chars_per_second,
                  duration_text(r.seconds * (1 - fraction) / std::max(fraction, 1e-9)).c_str(), r.loss);
    status.show(text);
  };
  const auto report = [&](const LanguageModelReport& r) {
    status.clear();
    print_report(r);
  };
  const int64_t steps = train_language_model(net, train, v, a.training, report, show_progress);
  const double loss = language_model_loss(net, held_out, v, std::min<int64_t>(a.training.batch, 8));
  std::printf("held-out: loss %.4f nats/char, perplexity %.3f\n", loss, std::exp(loss));
  std::vector<uint8_t> alphabet = corpus.vocabulary.symbols();
  ModelInfo info{.cost = "log-likelihood", .task = kTask};
  info.extra = {{"alphabet", alphabet},   {"text", a.text},
                {"steps", steps},         {"sequence", a.training.sequence},
                {"batch", a.training.batch}, {"rate", a.training.rate},
                {"clip_norm", a.clip_norm}, {"held_out_loss", loss},
                {"seed", a.training.seed}};
  save_model(a.out, net, info);
  std::printf("saved %s\n", a.out.c_str());
  if (a.sample > 0) {
    Network reader = with_sequence_length(net, 1);
    Rng sampler(a.training.seed, 7);
    std::printf("sample (temperature %.2f):\n%s\n", a.temperature,
                sample_text(reader, corpus.vocabulary, "\n", a.sample, a.temperature, sampler).c_str());
  }
}

void run_sample(const LmSampleArgs& a) {
  Model model = load_model(a.model);
  require(model.info.task == kTask && model.info.extra.contains("alphabet"),
          a.model + ": not a character language model (make one with neurite lm train)");
  const Vocabulary vocabulary = recorded_vocabulary(model.info.extra["alphabet"], model.network, a.model);
  Network logits = trained_network(model);  // the sampler applies the softmax itself
  Network reader = with_sequence_length(logits, 1);
  Rng rng(a.seed, 7);
  for (char c : a.prime)
    require(vocabulary.contains(static_cast<uint8_t>(c)),
            "--prime: character '" + std::string(1, c) + "' never occurs in the text the model learned");
  std::printf("%s%s\n", a.prime.c_str(), sample_text(reader, vocabulary, a.prime, a.length, a.temperature, rng).c_str());
}

}  // namespace

void add_lm_command(CLI::App& app) {
  CLI::App* lm = app.add_subcommand("lm", "Character language model: train on a text, sample from it");
  lm->require_subcommand(1);

  auto train_args = std::make_shared<LmTrainArgs>();
  LmTrainArgs& t = *train_args;
  CLI::App* train = lm->add_subcommand("train", "Train a recurrent character model on a text file");
  train->add_option("--text", t.text,
                    "Plain text file (default: $NEURITE_CORPUS, else data/kjv.txt, which scripts/fetch_corpus.sh "
                    "makes, in share/neurite beside the executable or in its source tree)");
  train->add_option("--out", t.out, "Save the model here")->capture_default_str();
  train->add_option("--cell", t.shape.cell, "rnn, lstm or gru")->capture_default_str();
  train->add_option("--layers", t.shape.layers, "Recurrent layers stacked")->capture_default_str();
  train->add_option("--hidden", t.shape.hidden, "State size of each layer")->capture_default_str();
  train->add_option("--sequence", t.training.sequence, "Characters per window (truncated BPTT length)")
      ->check(positive_number())->capture_default_str();
  train->add_option("--batch", t.training.batch, "Streams of text read side by side")->check(positive_number())
      ->capture_default_str();
  train->add_option("--rate", t.training.rate, "Adam's learning rate")->check(positive_number())->capture_default_str();
  train->add_option("--clip-norm", t.clip_norm, "Rescale the gradients when their global L2 norm exceeds this")
      ->check(positive_number())->capture_default_str();
  train->add_option("--steps", t.training.steps, "Windows to train on")->capture_default_str();
  train->add_option("--minutes", t.minutes, "Stop after this much training time, even before --steps")
      ->check(positive_number());
  train->add_option("--report-every", t.training.report_every, "Steps between progress lines")->check(positive_number())
      ->capture_default_str();
  train->add_option("--holdout", t.holdout, "Fraction of the text at its end kept for the held-out loss")
      ->capture_default_str();
  train->add_option("--sample", t.sample, "Characters to sample after training (0: none)")->capture_default_str();
  train->add_option("--temperature", t.temperature, "Sampling temperature")->check(positive_number())->capture_default_str();
  train->add_option("--seed", t.training.seed, "Random seed")->capture_default_str();
  train->add_option("--threads", t.threads, "Worker threads (default: all cores)");
  train->callback([train_args] { run_train(*train_args); });

  auto sample_args = std::make_shared<LmSampleArgs>();
  LmSampleArgs& s = *sample_args;
  CLI::App* sample = lm->add_subcommand("sample", "Generate text from a trained character model");
  sample->add_option("--model", s.model, "Model file from neurite lm train")->required();
  sample->add_option("--prime", s.prime, "Text to start from");
  sample->add_option("--length", s.length, "Characters to generate")->check(CLI::NonNegativeNumber)->capture_default_str();
  sample->add_option("--temperature", s.temperature, "Below 1: safer; above 1: more surprising")
      ->check(positive_number())->capture_default_str();
  sample->add_option("--seed", s.seed, "Random seed")->capture_default_str();
  sample->callback([sample_args] { run_sample(*sample_args); });
}

}  // namespace neurite::cli
