// The character language model's pieces: corpus reading, streams of windows, sampling, the
// adding problem, and the lm / long-range commands' bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "neurite/data/text.h"
#include "neurite/error.h"
#include "neurite/layers/recurrent.h"
#include "neurite/train/language_model.h"
#include "neurite/train/long_range.h"
#include "test_support.h"

namespace neurite {
namespace {

// In the test's own folder (made once per test: temp_dir() starts it afresh).
std::string test_dir() {
  static std::string dir, test;
  const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  if (test != name) dir = testing::temp_dir(), test = name;
  return dir;
}

std::string write_text(const std::string& name, const std::string& contents) {
  const std::string path = test_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TextCorpus, AlphabetIsTheSortedBytesOfTheText) {
  const TextCorpus c = read_text_corpus(write_text("t.txt", "hello, world\n"));
  EXPECT_EQ(c.vocabulary.size(), 10);  // \n, space, comma, d, e, h, l, o, r, w
  EXPECT_EQ(c.vocabulary.symbol(0), '\n');
  EXPECT_EQ(c.vocabulary.index('w'), c.vocabulary.size() - 1);
  const std::vector<int32_t> codes = c.vocabulary.encode("hello");
  EXPECT_EQ(codes[2], codes[3]);
  EXPECT_NE(error_of([&] { (void)c.vocabulary.encode("z"); }).find("not in the model's alphabet"), std::string::npos);
}

TEST(TextCorpus, EmptyAndBinaryFilesAreRefusedByName) {
  const std::string empty = write_text("empty.txt", "");
  EXPECT_NE(error_of([&] { read_text_corpus(empty); }).find("empty.txt: the text is empty"), std::string::npos);
  const std::string nul = write_text("nul.bin", std::string("abc\0def", 7));
  EXPECT_NE(error_of([&] { read_text_corpus(nul); }).find("binary"), std::string::npos);
  std::string noisy(1000, 'a');
  for (int i = 0; i < 50; ++i) noisy[static_cast<std::size_t>(i * 20)] = '\x01';
  const std::string control = write_text("control.bin", noisy);
  EXPECT_NE(error_of([&] { read_text_corpus(control); }).find("50 control characters"), std::string::npos);
}

// Stream n covers characters [n L, (n + 1) L); each window's targets are its inputs shifted by
// one, and consecutive windows continue where the last one stopped.
TEST(Streams, WindowsFollowEachOtherAndTargetsAreTheNextCharacter) {
  std::vector<int32_t> codes(40);
  for (int32_t i = 0; i < 40; ++i) codes[static_cast<std::size_t>(i)] = i % 7;
  Streams streams(codes, 2, 3, 7);  // L = 20
  Tensor x, y;
  auto code_at = [](const Tensor& t, int64_t n, int64_t s) {
    for (int64_t k = 0; k < 7; ++k)
      if (t[(n * 3 + s) * 7 + k] == 1.0f) return static_cast<int32_t>(k);
    return int32_t{-1};
  };
  EXPECT_FALSE(streams.next(x, y));
  EXPECT_EQ(code_at(x, 0, 0), 0);
  EXPECT_EQ(code_at(x, 1, 0), 20 % 7);
  EXPECT_EQ(code_at(y, 1, 2), 23 % 7);
  EXPECT_FALSE(streams.next(x, y));
  EXPECT_EQ(code_at(x, 0, 0), 3);
  for (int i = 0; i < 4; ++i) streams.next(x, y);  // windows at 6, 9, 12, 15: then 18 + 3 + 1 > 20
  EXPECT_TRUE(streams.next(x, y));
  EXPECT_EQ(code_at(x, 0, 0), 0);
  EXPECT_NE(error_of([&] { Streams(codes, 4, 10, 7); }).find("too short"), std::string::npos);
}

// A short training on a repetitive text must learn it: the loss falls far below log(V).
TEST(LanguageModel, LearnsARepetitiveTextAndSamplesItBack) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "abcabd ";
  const Vocabulary vocabulary = Vocabulary::of_text(text);
  const std::vector<int32_t> codes = vocabulary.encode(text);
  Network net = build_language_model({.cell = "gru", .layers = 1, .hidden = 24}, vocabulary.size(), 8);
  Rng rng(1, 0);
  net.initialize({.kind = Initializer::Kind::PyTorch}, rng);
  double last = 0;
  train_language_model(net, codes, vocabulary.size(),
                       {.sequence = 8, .batch = 4, .rate = 1e-2, .steps = 150, .report_every = 50},
                       [&](const LanguageModelReport& r) { last = r.loss; });
  EXPECT_LT(last, 0.5) << "log(V) = " << std::log(vocabulary.size());
  Network reader = with_sequence_length(net, 1);
  Rng sampler(3, 7);
  const std::string sample = sample_text(reader, vocabulary, "abca", 20, 0.1, sampler);
  EXPECT_EQ(sample.substr(0, 3), "bd ");
  // The same seed gives the same text.
  Rng again(3, 7);
  EXPECT_EQ(sample_text(reader, vocabulary, "abca", 20, 0.1, again), sample);
}

TEST(LongRange, AddingProblemMarksOneStepInEachHalf) {
  Rng rng(2, 0);
  Tensor x, y;
  make_adding_batch(5, 10, rng, x, y);
  for (int64_t n = 0; n < 5; ++n) {
    float sum = 0;
    int marks_first = 0, marks_second = 0;
    for (int64_t t = 0; t < 10; ++t)
      if (x[(n * 10 + t) * 2 + 1] == 1.0f) {
        sum += x[(n * 10 + t) * 2];
        (t < 5 ? marks_first : marks_second) += 1;
      }
    EXPECT_EQ(marks_first, 1);
    EXPECT_EQ(marks_second, 1);
    EXPECT_FLOAT_EQ(y[n], sum);
  }
}

TEST(LmCommand, BadInputGetsOneClearLine) {
  const std::string empty = write_text("empty.txt", "");
  testing::expect_one_line_error("lm train --text " + empty, "empty.txt: the text is empty");
  const std::string binary = write_text("binary.bin", std::string("ab\0cd", 5));
  testing::expect_one_line_error("lm train --text " + binary, "looks like a binary file");
  const std::string text = write_text("small.txt", "some words to read\n");
  testing::expect_one_line_error("lm train --text " + text + " --sequence 0", "--sequence: must be a positive number, got 0");
  testing::expect_one_line_error("lm train --text " + text + " --clip-norm 0", "--clip-norm: must be a positive number");
  testing::expect_one_line_error("lm train --text " + text + " --clip-norm -1", "--clip-norm: must be a positive number");
  testing::expect_one_line_error("lm train --text " + text + " --steps 5", "too short");
  testing::expect_one_line_error("lm sample --model /nonexistent.model", "/nonexistent.model");
  testing::expect_one_line_error("long-range --steps 1", "--steps: must be a whole number from 2 to 100000, got 1");
}

// A model file of another kind given to lm sample: an MLP from `neurite train`.
TEST(LmCommand, SampleRefusesAModelOfAnotherKind) {
  if (testing::mnist_dir().empty()) GTEST_SKIP() << "no MNIST files";
  const std::string model = test_dir() + "/mlp.model";
  const auto run = testing::run_cli("train --layers 784,10,10 --epochs 1 --train-size 100 --data " +
                                    testing::mnist_dir() + " --out " + model);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  testing::expect_one_line_error("lm sample --model " + model, "not a character language model");
}

// Save, load, sample: the command line round trip on a small text.
TEST(LmCommand, TrainSavesAModelThatSampleLoads) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "the cat sat. ";
  const std::string path = write_text("cat.txt", text), model = test_dir() + "/cat.model";
  const auto train = testing::run_cli("lm train --text " + path + " --out " + model +
                                      " --layers 1 --hidden 32 --sequence 16 --batch 4 --steps 60 --sample 0 --rate 0.01");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_NE(train.output.find("held-out: loss"), std::string::npos) << train.output;
  const auto a = testing::run_cli("lm sample --model " + model + " --prime \"the \" --length 40 --seed 5");
  const auto b = testing::run_cli("lm sample --model " + model + " --prime \"the \" --length 40 --seed 5");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.output.rfind("the ", 0), 0u) << a.output;
  EXPECT_EQ(a.output.size(), 4u + 40u + 1u) << a.output;
  testing::expect_one_line_error("lm sample --model " + model + " --prime \"XYZ\"", "--prime");
}

}  // namespace
}  // namespace neurite
