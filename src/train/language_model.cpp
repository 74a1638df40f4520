#include "neurite/train/language_model.h"

#include <chrono>
#include <cmath>

#include "neurite/cost.h"
#include "neurite/error.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/recurrent.h"
#include "neurite/optim/optimizer.h"
#include "neurite/io/json_input.h"

namespace neurite {

// ---- The network -----------------------------------------------------------------------

Network build_language_model(const LanguageModelShape& shape, int64_t vocabulary, int64_t sequence, uint64_t seed) {
  require(shape.cell == "rnn" || shape.cell == "lstm" || shape.cell == "gru",
          "language model cell must be rnn, lstm or gru, got '" + shape.cell + "'");
  require(shape.layers > 0 && shape.layers <= 16, "language model layers must be 1 to 16, got " + std::to_string(shape.layers));
  require(sequence > 0, "sequence length must be positive, got " + std::to_string(sequence));
  require(vocabulary > 1, "the text needs at least two different characters, got " + std::to_string(vocabulary));
  Network net({sequence, vocabulary}, {.init = {.kind = Initializer::Kind::PyTorch}, .seed = seed});
  for (int64_t i = 0; i < shape.layers; ++i) net.add({{"type", shape.cell}, {"hidden", shape.hidden}});
  net.add({{"type", "dense"}, {"out", vocabulary}});  // logits: the cost applies softmax
  return net;
}

Vocabulary recorded_vocabulary(const nlohmann::json& alphabet, const Network& network, const std::string& source) {
  require(alphabet.is_array() && !alphabet.empty(), source + ": the model's \"alphabet\" must be a list of bytes");
  std::vector<uint8_t> bytes;
  for (const nlohmann::json& b : alphabet) {
    require(b.is_number_unsigned() && b.get<uint64_t>() <= 255,
            source + ": the model's \"alphabet\" holds " + quoted_prefix(b) + ", not a byte (0-255)");
    bytes.push_back(static_cast<uint8_t>(b.get<uint64_t>()));
  }
  const auto size = static_cast<int64_t>(bytes.size());
  const auto per_step = [](const Shape& s) { return s.empty() ? int64_t{0} : s.back(); };
  require(per_step(network.input_shape()) == size && per_step(network.output_shape()) == size,
          source + ": the alphabet has " + std::to_string(size) + " characters, but the network reads " +
              std::to_string(per_step(network.input_shape())) + " and predicts " +
              std::to_string(per_step(network.output_shape())) + " per step");
  try {
    return Vocabulary(std::move(bytes));
  } catch (const Error& e) {
    throw Error(source + ": the model's alphabet: " + e.what());
  }
}

Network with_sequence_length(Network& network, int64_t sequence) {
  const Shape& in = network.input_shape();
  require(in.size() == 2, "not a sequence model: its input is " + to_string(in));
  Network copy({sequence, in[1]});
  for (std::size_t i = 0; i < network.layer_count(); ++i) copy.add(network.layer(i).config());
  std::vector<Parameter> from = network.parameters(), to = copy.parameters();
  for (std::size_t i = 0; i < from.size(); ++i) *to[i].value = *from[i].value;
  return copy;
}

void keep_recurrent_state(Network& network, bool keep) {
  for (std::size_t i = 0; i < network.layer_count(); ++i)
    if (auto* r = dynamic_cast<Recurrent*>(&network.layer(i))) r->keep_state(keep);
}

void reset_recurrent_state(Network& network) {
  for (std::size_t i = 0; i < network.layer_count(); ++i)
    if (auto* r = dynamic_cast<Recurrent*>(&network.layer(i))) r->reset_state();
}

// ---- Streams of windows ----------------------------------------------------------------

Streams::Streams(const std::vector<int32_t>& codes, int64_t batch, int64_t sequence, int64_t vocabulary)
    : codes_(codes), batch_(batch), sequence_(sequence), vocabulary_(vocabulary),
      length_(static_cast<int64_t>(codes.size()) / std::max<int64_t>(batch, 1)) {
  require(batch > 0 && sequence > 0, "batch and sequence length must be positive, got " + std::to_string(batch) +
                                         " and " + std::to_string(sequence));
  require(length_ > sequence, "the text (" + std::to_string(codes.size()) + " characters) is too short for " +
                                  std::to_string(batch) + " streams of windows of " + std::to_string(sequence) +
                                  " characters");
}

bool Streams::next(Tensor& x, Tensor& y) {
  bool wrapped = false;
  if (position_ + sequence_ + 1 > length_) {
    position_ = 0;
    wrapped = true;
  }
  x.resize({batch_, sequence_, vocabulary_});
  y.resize({batch_, sequence_, vocabulary_});
  x.fill(0.0f);
  y.fill(0.0f);
  for (int64_t n = 0; n < batch_; ++n) {
    const int32_t* stream = codes_.data() + n * length_ + position_;
    for (int64_t t = 0; t < sequence_; ++t) {
      x[(n * sequence_ + t) * vocabulary_ + stream[t]] = 1.0f;
      y[(n * sequence_ + t) * vocabulary_ + stream[t + 1]] = 1.0f;
    }
  }
  position_ += sequence_;
  return wrapped;
}

// ---- Training and evaluation -----------------------------------------------------------

int64_t train_language_model(Network& network, const std::vector<int32_t>& codes, int64_t vocabulary,
                             const LanguageModelTraining& o,
                             const std::function<void(const LanguageModelReport&)>& report,
                             const std::function<void(const LanguageModelReport&)>& on_step) {
  require(o.steps > 0 || o.seconds > 0, "give a number of steps or of seconds to train for");
  require(o.report_every > 0, "report interval must be positive, got " + std::to_string(o.report_every));
  validate(o.clipping);
  Streams streams(codes, o.batch, o.sequence, vocabulary);
  const auto cost = make_cost("log-likelihood");
  const auto optimizer = make_optimizer({.rate = o.rate, .kind = AdamOptions{}});
  std::vector<Parameter> params = network.parameters();
  network.set_training(true);
  keep_recurrent_state(network, true);
  reset_recurrent_state(network);
  Tensor x, y;
  double loss_sum = 0, seconds = 0;
  int64_t since_report = 0, step = 0;
  const int64_t limit = o.steps > 0 ? o.steps : INT64_MAX;
  while (step < limit && (o.seconds <= 0 || seconds < o.seconds)) {
    if (streams.next(x, y)) reset_recurrent_state(network);
    const auto start = std::chrono::steady_clock::now();
    network.zero_grad();
    const Tensor& output = network.forward(x);
    const double loss = cost->value(output, y);
    cost->gradient(output, y, network.output_grad());
    network.backward();
    require(std::isfinite(loss), "training diverged: loss is " + std::to_string(loss) + " at step " + std::to_string(step) +
                                     " (try a smaller rate or --clip-norm)");
    clip_gradients(params, o.clipping);
    optimizer->step(params);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    loss_sum += loss;
    ++since_report;
    ++step;
    const bool last = step == limit || (o.seconds > 0 && seconds >= o.seconds);
    const LanguageModelReport now{.step = step, .loss = loss_sum / static_cast<double>(since_report), .seconds = seconds,
                                  .chars_per_second = static_cast<double>(step * o.batch * o.sequence) / seconds};
    if (on_step) on_step(now);
    if (since_report == o.report_every || last) {
      report(now);
      loss_sum = 0;
      since_report = 0;
    }
  }
  network.set_training(false);
  reset_recurrent_state(network);
  return step;
}

double language_model_loss(Network& network, const std::vector<int32_t>& codes, int64_t vocabulary, int64_t batch) {
  const int64_t sequence = network.input_shape()[0];
  Streams streams(codes, batch, sequence, vocabulary);
  const auto cost = make_cost("log-likelihood");
  keep_recurrent_state(network, true);
  reset_recurrent_state(network);
  Tensor x, y;
  double sum = 0;
  const int64_t windows = streams.windows_per_pass();
  for (int64_t w = 0; w < windows; ++w) {
    streams.next(x, y);
    sum += cost->value(network.forward(x), y);  // mean over the window's characters
  }
  reset_recurrent_state(network);
  keep_recurrent_state(network, false);
  return sum / static_cast<double>(windows);
}

// ---- Sampling --------------------------------------------------------------------------

namespace {
// An index drawn from p^(1/temperature), renormalised: softmax(logits / temperature).
int64_t draw(const float* p, int64_t classes, double temperature, Rng& rng) {
  std::vector<double> q(static_cast<std::size_t>(classes));
  double total = 0;
  for (int64_t k = 0; k < classes; ++k) total += q[static_cast<std::size_t>(k)] = std::pow(std::max(double{p[k]}, 0.0), 1.0 / temperature);
  if (!(total > 0)) return 0;
  double u = rng.uniform() * total;
  for (int64_t k = 0; k < classes; ++k) {
    u -= q[static_cast<std::size_t>(k)];
    if (u < 0) return k;
  }
  return classes - 1;
}
}  // namespace

namespace {

// Bytes the last UTF-8 character of `text` still lacks; 0 when it is whole (or is no UTF-8 lead).
int utf8_bytes_missing(const std::string& text) {
  int continuation = 0;
  for (auto it = text.rbegin(); it != text.rend() && continuation < 4; ++it) {
    const auto byte = static_cast<uint8_t>(*it);
    if ((byte & 0xC0) == 0x80) {
      ++continuation;
      continue;
    }
    const int needed = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : byte >= 0xC0 ? 1 : 0;
    return needed > continuation ? needed - continuation : 0;
  }
  return 0;
}

// Drops a last character that is cut short (its lead byte and the continuation bytes after it).
void drop_cut_character(std::string& text) {
  if (utf8_bytes_missing(text) == 0) return;
  while (!text.empty() && (static_cast<uint8_t>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty()) text.pop_back();
}

}  // namespace

std::string sample_text(Network& network, const Vocabulary& vocabulary, const std::string& prime, int64_t length,
                        double temperature, Rng& rng) {
  require(network.input_shape() == Shape({1, vocabulary.size()}), "sampling needs a network that reads one character");
  require(std::isfinite(temperature) && temperature > 0, "temperature must be positive, got " + std::to_string(temperature));
  require(length >= 0, "sample length must not be negative, got " + std::to_string(length));
  const std::string start = prime.empty() ? std::string("\n") : prime;
  std::vector<int32_t> codes = vocabulary.encode(start);
  keep_recurrent_state(network, true);
  reset_recurrent_state(network);
  const int64_t v = vocabulary.size();
  Tensor x({1, 1, v});
  std::string out;
  Tensor probabilities;
  auto feed = [&](int32_t code) {
    x.fill(0.0f);
    x[code] = 1.0f;
    activate(ActivationKind::Softmax, network.forward(x), probabilities);
    return probabilities.data();
  };
  const float* p = nullptr;
  for (int32_t code : codes) p = feed(code);
  // The model draws bytes; past `length`, up to three more finish a multi-byte character, and one
  // still cut short is dropped, so the sample holds whole characters.
  for (int64_t i = 0; i < length || (i < length + 3 && utf8_bytes_missing(out) > 0); ++i) {
    const int64_t next = draw(p, v, temperature, rng);
    out.push_back(static_cast<char>(vocabulary.symbol(next)));
    p = feed(static_cast<int32_t>(next));
  }
  drop_cut_character(out);
  reset_recurrent_state(network);
  keep_recurrent_state(network, false);
  return out;
}

}  // namespace neurite
