// Character language models (seed 002's RNN language model): a recurrent network reads a text
// one character at a time (one-hot) and predicts the next one with a softmax over the alphabet.
//
// Training cuts the text into `batch` contiguous streams and reads them in windows of
// `sequence` characters, side by side. The recurrent layers keep their state from one window to
// the next (the gradient stops at the window's start: truncated BPTT), so the model sees the
// text as one long sequence; a stream that reaches its end starts again from its beginning with
// a fresh state. Loss is the mean negative log-likelihood per character, in nats; perplexity is
// its exponential.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "neurite/data/text.h"
#include "neurite/network.h"
#include "neurite/rng.h"
#include "neurite/train/clipping.h"

namespace neurite {

struct LanguageModelShape {
  std::string cell = "lstm";  // rnn, lstm or gru
  int64_t layers = 2;
  int64_t hidden = 256;
};

// (sequence, V) one-hot -> `layers` recurrent layers -> dense(V) on every step: the logits, which
// the log-likelihood cost (training) and the sampler turn into a softmax. PyTorch's
// initialisation, seeded.
Network build_language_model(const LanguageModelShape& shape, int64_t vocabulary, int64_t sequence, uint64_t seed = 1);

// The alphabet a character model's file records (`neurite lm train` writes it in the model's
// metadata), checked against its network: an array of distinct bytes, one per input and per
// output of a step. Errors name `source`.
Vocabulary recorded_vocabulary(const nlohmann::json& alphabet, const Network& network, const std::string& source);

// The same layers (and weights) for another window length: sampling reads one character at a time.
Network with_sequence_length(Network& network, int64_t sequence);

struct LanguageModelTraining {
  int64_t sequence = 64;  // characters per window
  int64_t batch = 32;     // streams read side by side
  double rate = 2e-3;     // Adam's rate
  Clipping clipping = {.norm = 5.0};
  int64_t steps = 1000;   // windows per stream to train on
  double seconds = 0;     // > 0: stop after this much training time, even before `steps`
  int64_t report_every = 100;
  uint64_t seed = 1;
};

struct LanguageModelReport {
  int64_t step = 0;        // steps done so far
  double loss = 0;         // mean training loss per character over the steps since the last report
  double seconds = 0;      // training time so far
  double chars_per_second = 0;
};

// One-hot windows of `codes`: x (N, T, V) holds characters [p, p+T) of each stream and y (N, T, V)
// the characters [p+1, p+T+1) that follow.
struct Streams {
  Streams(const std::vector<int32_t>& codes, int64_t batch, int64_t sequence, int64_t vocabulary);
  // Fills the next window; returns true when the streams wrapped around (the state must restart).
  bool next(Tensor& x, Tensor& y);
  int64_t windows_per_pass() const { return (length_ - 1) / sequence_; }

 private:
  const std::vector<int32_t>& codes_;
  int64_t batch_, sequence_, vocabulary_, length_, position_ = 0;
};

// Trains in place; `report` is called every report_every steps and after the last, `on_step`
// (for a progress display) after every step, its loss the mean since the last report. Returns
// the number of steps done. A loss that is not finite is an Error naming the step.
int64_t train_language_model(Network& network, const std::vector<int32_t>& codes, int64_t vocabulary,
                             const LanguageModelTraining& options,
                             const std::function<void(const LanguageModelReport&)>& report,
                             const std::function<void(const LanguageModelReport&)>& on_step = {});

// Mean loss per character (nats) over `codes`, read as `batch` streams with the state carried.
double language_model_loss(Network& network, const std::vector<int32_t>& codes, int64_t vocabulary, int64_t batch);

// Starts from `prime` (its characters are fed first; empty: a newline) and draws `length`
// characters, each from the softmax of logits / temperature. The network must read windows of 1.
// Characters are bytes: a multi-byte UTF-8 character cut at `length` is finished (up to three
// bytes more) or dropped, so the text never ends part-way through one.
std::string sample_text(Network& network, const Vocabulary& vocabulary, const std::string& prime, int64_t length,
                        double temperature, Rng& rng);

// Recurrent layers of the network that keep their state between forward passes, or not.
void keep_recurrent_state(Network& network, bool keep);
void reset_recurrent_state(Network& network);

}  // namespace neurite
