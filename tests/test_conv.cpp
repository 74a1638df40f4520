// Convolution and pooling: seed 002's worked case, the fast path against the reference loops on
// many odd geometries, gradient checks of every new layer, max pooling's routing, determinism
// across thread counts, and the errors for shapes that do not fit.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include "neurite/gradcheck.h"
#include "neurite/layers/activation.h"
#include "neurite/layers/conv2d.h"
#include "neurite/layers/dense.h"
#include "neurite/layers/pool2d.h"
#include "neurite/ops/gemm.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;
using testing::random_tensor;

// ---- Seed 002's case: a 5x5x3 input, two 3x3 filters, stride 2, zero padding 1 -----------

Tensor seed_input() {
  return Tensor::from({1, 3, 5, 5}, {0, 1, 1, 0, 2, 2, 2, 2, 2, 1, 1, 0, 0, 2, 0, 0, 1, 1, 0, 0, 1, 2, 0, 0, 2,
                                     1, 0, 2, 2, 0, 0, 0, 0, 2, 0, 1, 2, 1, 2, 1, 1, 0, 0, 0, 0, 1, 2, 1, 1, 1,
                                     2, 1, 2, 0, 0, 1, 0, 0, 1, 0, 0, 2, 1, 0, 1, 0, 1, 2, 2, 2, 2, 1, 0, 0, 1});
}

Conv2d seed_layer() {
  Conv2d conv({.in_channels = 3, .out_channels = 2, .kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}});
  conv.weight() = Tensor::from({2, 3, 3, 3}, {-1, 1, 0, 0, 1, 0, 0, 1, 1,     // filter 0, channel 0
                                              -1, -1, 0, 0, 0, 0, 0, -1, 0,    // channel 1
                                              0, 0, -1, 0, 1, 0, 1, -1, -1,    // channel 2
                                              1, 1, -1, -1, -1, 1, 0, -1, 1,   // filter 1
                                              0, 1, 0, -1, 0, -1, -1, 1, 0,
                                              -1, 0, 0, -1, 0, 1, -1, 0, 0});
  conv.bias() = Tensor::from({2}, {1, 0});
  return conv;
}

TEST(SeedConv, ForwardReproducesTheSeedsFeatureMaps) {
  for (bool reference : {false, true}) {
    Conv2d conv = seed_layer();
    conv.use_reference(reference);
    Tensor y;
    conv.forward(seed_input(), y);
    testing::expect_values(y, {1, 2, 3, 3}, {6, 7, 5, 3, -1, -1, 2, -1, 4,  //
                                             2, -5, -8, 1, -4, -4, 0, -5, -5},
                           0.0f);
  }
}

// The seed's check: error = sum of all outputs, so dE/dy is all ones; every weight's gradient
// is compared with (E(w + eps) - E(w - eps)) / 2 eps. The values are integers, so exact.
TEST(SeedConv, GradientCheckOfTheSeedsFilters) {
  Conv2d conv = seed_layer();
  const Tensor x = seed_input();
  Tensor y, dx;
  conv.forward(x, y);
  const Tensor ones(y.shape(), 1.0f);
  conv.backward(x, y, ones, &dx);
  const auto sum_of_outputs = [&] {
    Tensor out;
    conv.forward(x, out);
    double s = 0;
    for (float v : out.span()) s += v;
    return s;
  };
  const float eps = 1e-3f;
  Tensor& w = conv.weight();
  const Tensor& dw = *conv.parameters()[0].grad;
  for (int64_t i = 0; i < w.size(); ++i) {
    const float saved = w[i];
    w[i] = saved + eps;
    const double plus = sum_of_outputs();
    w[i] = saved - eps;
    const double minus = sum_of_outputs();
    w[i] = saved;
    EXPECT_NEAR(dw[i], (plus - minus) / (2 * eps), 1e-2) << "weight " << i;
  }
  // Filter 0's gradient, computed independently with PyTorch's conv2d on the same case.
  const float expected_filter0[27] = {5, 6, 5, 5, 7, 5, 5, 6, 5, 2, 1, 2, 9, 9, 9, 2, 1, 2, 4, 5, 4, 4, 9, 4, 4, 5, 4};
  for (int i = 0; i < 27; ++i) EXPECT_FLOAT_EQ(dw[i], expected_filter0[i]) << "weight " << i;
  EXPECT_FLOAT_EQ((*conv.parameters()[1].grad)[0], 9.0f);  // nine outputs per filter
}

// ---- Fast path against the reference loops --------------------------------------------

struct Geometry {
  int64_t c, o, h, w, kh, kw, sh, sw, ph, pw;
};

class ConvPaths : public ::testing::TestWithParam<Geometry> {};

// One sample batch's forward and backward results through one algorithm (or the reference).
struct ConvResults {
  Tensor y, dw, db, dx;
};

struct ConvCase {
  ConvGeometry g;
  int64_t n;
  Tensor x, w, b, dy;

  ConvCase(const Geometry& p, int64_t batch)
      : g{.in_channels = p.c, .in_h = p.h, .in_w = p.w, .out_channels = p.o, .kernel_h = p.kh, .kernel_w = p.kw,
          .stride_h = p.sh, .stride_w = p.sw, .pad_h = p.ph, .pad_w = p.pw},
        n(batch),
        x(random_tensor({batch, p.c, p.h, p.w}, 1)),
        w(random_tensor({p.o, p.c, p.kh, p.kw}, 2)),
        b(random_tensor({p.o}, 3)),
        dy(random_tensor({batch, p.o, g.out_h(), g.out_w()}, 4)) {}

  // Gradients accumulate: every run starts them from the same non-zero values.
  ConvResults run(std::optional<ConvAlgorithm> algorithm) const {
    ConvResults r{Tensor(dy.shape()), random_tensor(w.shape(), 5), random_tensor(b.shape(), 6), Tensor(x.shape())};
    if (algorithm) {
      conv2d_forward(g, n, x.data(), w.data(), b.data(), r.y.data(), *algorithm);
      conv2d_backward(g, n, x.data(), w.data(), dy.data(), r.dw.data(), r.db.data(), r.dx.data(), *algorithm);
    } else {
      conv2d_forward_reference(g, n, x.data(), w.data(), b.data(), r.y.data());
      conv2d_backward_reference(g, n, x.data(), w.data(), dy.data(), r.dw.data(), r.db.data(), r.dx.data());
    }
    return r;
  }
};

TEST_P(ConvPaths, FastPathsAgreeWithTheReferenceLoops) {
  const ConvCase c(GetParam(), 5);
  const ConvResults ref = c.run(std::nullopt);
  const auto expect_close = [](const Tensor& a, const Tensor& r, const char* what) {
    for (int64_t i = 0; i < a.size(); ++i)
      ASSERT_NEAR(a[i], r[i], 1e-4f * std::max(1.0f, std::abs(r[i]))) << what << " at " << i;
  };
  for (ConvAlgorithm algorithm : {ConvAlgorithm::Auto, ConvAlgorithm::Im2col}) {
    SCOPED_TRACE(algorithm == ConvAlgorithm::Auto ? "auto" : "im2col");
    const ConvResults fast = c.run(algorithm);
    expect_close(fast.y, ref.y, "output");
    expect_close(fast.dw, ref.dw, "weight gradient");
    expect_close(fast.db, ref.db, "bias gradient");
    expect_close(fast.dx, ref.dx, "input gradient");
  }
}

// The direct path (stride 1) adds the same terms in the same order as im2col + GEMM: the same
// bits, so switching algorithms never changes a trained model. That holds in GCC and clang
// Release builds; in the sanitizer build they agree within float rounding (a relative 1e-5,
// NEURITE_TEST_SANITIZED in test_support.h).
TEST_P(ConvPaths, DirectGivesTheBitsOfIm2col) {
  const ConvCase c(GetParam(), 7);
  const ConvResults direct = c.run(ConvAlgorithm::Auto), im2col = c.run(ConvAlgorithm::Im2col);
  const std::pair<const Tensor*, const Tensor*> pairs[] = {
      {&direct.y, &im2col.y}, {&direct.dw, &im2col.dw}, {&direct.db, &im2col.db}, {&direct.dx, &im2col.dx}};
  for (std::size_t t = 0; t < std::size(pairs); ++t)
    for (int64_t i = 0; i < pairs[t].first->size(); ++i)
#if defined(NEURITE_TEST_SANITIZED)
      ASSERT_NEAR((*pairs[t].first)[i], (*pairs[t].second)[i], 1e-5f * (1.0f + std::abs((*pairs[t].first)[i])))
          << "tensor " << t << " at " << i;
#else
      ASSERT_EQ((*pairs[t].first)[i], (*pairs[t].second)[i]) << "tensor " << t << " at " << i;
#endif
}

INSTANTIATE_TEST_SUITE_P(
    OddGeometries, ConvPaths,
    ::testing::Values(Geometry{1, 16, 28, 28, 5, 5, 1, 1, 2, 2},   // seed 001's first layer
                      Geometry{16, 32, 14, 14, 5, 5, 1, 1, 2, 2},  // and its second
                      Geometry{3, 2, 5, 5, 3, 3, 2, 2, 1, 1},      // seed 002's case
                      Geometry{2, 3, 9, 8, 3, 2, 2, 1, 1, 0},      // non-square kernel, mixed stride
                      Geometry{4, 5, 7, 11, 1, 1, 1, 1, 0, 0},     // 1x1: no im2col copy
                      Geometry{3, 4, 6, 6, 1, 1, 2, 2, 1, 1},      // 1x1 strided and padded
                      Geometry{2, 2, 4, 4, 4, 4, 1, 1, 0, 0},      // kernel as big as the image
                      Geometry{1, 3, 5, 7, 3, 5, 3, 2, 2, 3},      // padding wider than the stride
                      Geometry{5, 1, 10, 10, 3, 3, 3, 3, 0, 0},    // stride that skips pixels
                      // Stride 1 shapes for the direct path's blocks: channels beyond two vectors
                      // and not a multiple of one, rows wider than a block, kernels wider than
                      // its five columns, no padding, 1x1.
                      Geometry{37, 50, 9, 31, 7, 3, 1, 1, 3, 1},
                      Geometry{6, 16, 14, 14, 5, 5, 1, 1, 0, 0},   // LeNet-5's second layer
                      Geometry{3, 70, 6, 43, 2, 11, 1, 1, 1, 4},
                      Geometry{20, 3, 5, 5, 1, 1, 1, 1, 0, 0},
                      // Strided shapes for the direct forward pass and weight gradient: the
                      // speed run's two layers, a padded one, a stride of 2 across only.
                      Geometry{1, 32, 28, 28, 5, 5, 2, 2, 0, 0},
                      Geometry{32, 64, 12, 12, 3, 3, 2, 2, 0, 0},
                      Geometry{17, 20, 15, 33, 3, 3, 2, 2, 1, 1},
                      Geometry{9, 5, 8, 30, 3, 3, 1, 2, 1, 1},
                      // The strided input gradient's classes: a stride of 3 down, 2 across, an
                      // odd width, a kernel taller than the stride.
                      Geometry{12, 7, 11, 9, 4, 3, 3, 2, 2, 1},
                      // The padded input and the padded dy have the same size, 8 x 5 x 5, but
                      // different borders.
                      Geometry{8, 8, 5, 5, 4, 4, 2, 2, 0, 0}));

TEST(ConvPaths, SameBitsWhateverTheThreadCount) {
  const ConvGeometry g{.in_channels = 6, .in_h = 14, .in_w = 14, .out_channels = 16, .kernel_h = 5, .kernel_w = 5,
                       .pad_h = 2, .pad_w = 2};
  const int64_t n = 23;  // not a multiple of the group size
  const Tensor x = random_tensor({n, 6, 14, 14}, 1), w = random_tensor({16, 6, 5, 5}, 2),
               b = random_tensor({16}, 3), dy = random_tensor({n, 16, 14, 14}, 4);
  const auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor y(dy.shape()), dw(w.shape()), db(b.shape()), dx(x.shape());
    conv2d_forward(g, n, x.data(), w.data(), b.data(), y.data());
    conv2d_backward(g, n, x.data(), w.data(), dy.data(), dw.data(), db.data(), dx.data());
    return std::vector<Tensor>{y, dw, db, dx};
  };
  const auto one = run(1), two = run(2);
  set_num_threads(2);
  for (std::size_t t = 0; t < one.size(); ++t)
    for (int64_t i = 0; i < one[t].size(); ++i) ASSERT_EQ(one[t][i], two[t][i]) << "tensor " << t << " at " << i;
}

// ---- Winograd (opt-in, 5x5 kernels): the reference's results within rounding ----------

struct WinogradShape {
  int64_t c, o, h, w, pad, batch;
};

class WinogradConv : public ::testing::TestWithParam<WinogradShape> {};

// Every output, weight, bias and input gradient within a relative 2e-5 of the reference's largest
// value (measured: 3e-6 to 6e-6). A wrong transform entry, a tile read one pixel off or a
// dropped tile is off by the size of a whole term.
TEST_P(WinogradConv, AgreesWithTheReferenceLoops) {
  const WinogradShape p = GetParam();
  const ConvCase c(Geometry{p.c, p.o, p.h, p.w, 5, 5, 1, 1, p.pad, p.pad}, p.batch);
  const ConvResults ref = c.run(std::nullopt), wino = c.run(ConvAlgorithm::Winograd);
  const std::pair<const Tensor*, const Tensor*> pairs[] = {
      {&wino.y, &ref.y}, {&wino.dw, &ref.dw}, {&wino.db, &ref.db}, {&wino.dx, &ref.dx}};
  const char* names[] = {"output", "weight gradient", "bias gradient", "input gradient"};
  for (std::size_t t = 0; t < std::size(pairs); ++t) {
    float largest = 0.0f;
    for (int64_t i = 0; i < pairs[t].second->size(); ++i) largest = std::max(largest, std::abs((*pairs[t].second)[i]));
    for (int64_t i = 0; i < pairs[t].first->size(); ++i)
      ASSERT_NEAR((*pairs[t].first)[i], (*pairs[t].second)[i], 2e-5f * largest) << names[t] << " at " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, WinogradConv,
    ::testing::Values(WinogradShape{16, 32, 14, 14, 2, 7},   // seed 001's second layer, a batch of 7
                      WinogradShape{16, 16, 9, 11, 0, 3},    // no padding, outputs not whole tiles
                      WinogradShape{32, 16, 7, 5, 4, 4},     // padding 4, fewer outputs than inputs
                      WinogradShape{16, 48, 5, 5, 0, 2},     // a single output per map
                      WinogradShape{48, 32, 20, 13, 1, 11}), // three vectors of channels, 11 samples
    [](const auto& param_info) {
      const WinogradShape& p = param_info.param;
      return std::to_string(p.c) + "x" + std::to_string(p.h) + "x" + std::to_string(p.w) + "_to_" +
             std::to_string(p.o) + "_pad" + std::to_string(p.pad);
    });

// Winograd's sums run in fixed groups of samples, like the direct path's: the same bits on 1 and
// 2 threads.
TEST(WinogradConv, SameBitsWhateverTheThreadCount) {
  const ConvCase c(Geometry{16, 32, 14, 14, 5, 5, 1, 1, 2, 2}, 23);
  const auto run = [&](int threads) {
    set_num_threads(threads);
    return c.run(ConvAlgorithm::Winograd);
  };
  const ConvResults one = run(1), two = run(2);
  set_num_threads(2);
  const std::pair<const Tensor*, const Tensor*> pairs[] = {
      {&one.y, &two.y}, {&one.dw, &two.dw}, {&one.db, &two.db}, {&one.dx, &two.dx}};
  for (std::size_t t = 0; t < std::size(pairs); ++t)
    for (int64_t i = 0; i < pairs[t].first->size(); ++i)
      ASSERT_EQ((*pairs[t].first)[i], (*pairs[t].second)[i]) << "tensor " << t << " at " << i;
}

// Each thread keeps its scratch while a layer's shape stays: layers of two shapes taking turns
// must each get what they get alone (padding borders and the zeros beyond the last output tile
// rebuilt on each change).
TEST(WinogradConv, LayersOfTwoShapesTakingTurns) {
  const ConvCase a(Geometry{16, 32, 14, 14, 5, 5, 1, 1, 2, 2}, 6), b(Geometry{32, 16, 9, 7, 5, 5, 1, 1, 4, 4}, 5);
  const ConvResults a_alone = a.run(ConvAlgorithm::Winograd);
  const ConvResults b_between = b.run(ConvAlgorithm::Winograd);
  const ConvResults a_again = a.run(ConvAlgorithm::Winograd);
  const ConvResults b_again = b.run(ConvAlgorithm::Winograd);
  const std::pair<const Tensor*, const Tensor*> pairs[] = {{&a_alone.y, &a_again.y},   {&a_alone.dx, &a_again.dx},
                                                           {&a_alone.dw, &a_again.dw}, {&b_between.y, &b_again.y},
                                                           {&b_between.dx, &b_again.dx}};
  for (std::size_t t = 0; t < std::size(pairs); ++t)
    for (int64_t i = 0; i < pairs[t].first->size(); ++i)
      ASSERT_EQ((*pairs[t].first)[i], (*pairs[t].second)[i]) << "tensor " << t << " at " << i;
}

// Where Winograd does not apply (a 3x3 kernel, one input channel, a stride) it is the direct
// path, bit for bit.
TEST(WinogradConv, FallsBackToTheDirectPathElsewhere) {
  for (const Geometry& p : {Geometry{16, 16, 8, 8, 3, 3, 1, 1, 1, 1}, Geometry{1, 16, 12, 12, 5, 5, 1, 1, 2, 2},
                            Geometry{16, 16, 12, 12, 5, 5, 2, 2, 2, 2}}) {
    const ConvCase c(p, 3);
    const ConvResults wino = c.run(ConvAlgorithm::Winograd), direct = c.run(ConvAlgorithm::Auto);
    for (int64_t i = 0; i < wino.y.size(); ++i) ASSERT_EQ(wino.y[i], direct.y[i]) << i;
    for (int64_t i = 0; i < wino.dx.size(); ++i) ASSERT_EQ(wino.dx[i], direct.dx[i]) << i;
  }
}

// Feature maps are big enough for activations to split between threads: the same bits anyway,
// including exp's and tanh's vector and scalar paths at the pieces' edges.
TEST(ConvPaths, ActivationsOnBigFeatureMapsGiveTheSameBitsOnAnyThreadCount) {
  const Tensor x = random_tensor({7, 16, 37, 41}, 3, -4.0f, 4.0f);  // 170,016 values: not a multiple of 64
  const Tensor dy = random_tensor(x.shape(), 4);
  for (ActivationKind kind : {ActivationKind::Sigmoid, ActivationKind::Tanh, ActivationKind::ReLU}) {
    const auto run = [&](int threads) {
      set_num_threads(threads);
      Activation act(kind);
      Tensor y, dx;
      act.forward(x, y);
      act.backward(x, y, dy, &dx);
      return std::vector<Tensor>{y, dx};
    };
    const auto one = run(1), two = run(2);
    set_num_threads(2);
    for (std::size_t t = 0; t < 2; ++t)
      for (int64_t i = 0; i < x.size(); ++i)
        ASSERT_EQ(one[t][i], two[t][i]) << activation_name(kind) << " tensor " << t << " at " << i;
  }
}

// ---- Pooling ---------------------------------------------------------------------------

TEST(MaxPool, PicksTheLargestAndRoutesTheGradientToIt) {
  MaxPool2d pool({.kernel = {2, 2}});
  const Tensor x = Tensor::from({1, 1, 4, 4}, {1, 5, 2, 0,  //
                                               3, 4, 7, 7,  // a tie: the first 7 wins
                                               0, 0, -1, -2,  //
                                               9, 0, -3, -4});
  Tensor y, dx;
  pool.forward(x, y);
  testing::expect_values(y, {1, 1, 2, 2}, {5, 7, 9, -1});
  pool.backward(x, y, Tensor::from({1, 1, 2, 2}, {10, 20, 30, 40}), &dx);
  testing::expect_values(dx, {1, 1, 4, 4}, {0, 10, 0, 0, 0, 0, 20, 0, 0, 0, 40, 0, 30, 0, 0, 0});
}

// The vectorised 2x2 path against a plain scan: values from a small set make ties common, and the
// widths cross vector boundaries (35 inputs -> 17 outputs) and leave an odd column over.
TEST(MaxPool, TwoByTwoRowsMatchAPlainScanWithTies) {
  Rng rng(7, 1);
  for (const Shape& shape : {Shape{2, 3, 37, 35}, Shape{1, 1, 5, 4}, Shape{1, 2, 2, 67}}) {
    Tensor x(shape);
    for (float& v : x.span()) v = static_cast<float>(static_cast<int>(rng.uniform(0.0, 4.0)) - 2);
    MaxPool2d pool({.kernel = {2, 2}});
    Tensor y, dx(shape);
    for (float& v : dx.span()) v = std::numeric_limits<float>::quiet_NaN();  // every input must be written
    pool.forward(x, y);
    Tensor dy(y.shape());
    for (int64_t i = 0; i < dy.size(); ++i) dy[i] = static_cast<float>(i + 1);
    pool.backward(x, y, dy, &dx);
    const int64_t h = shape[2], w = shape[3], oh = h / 2, ow = w / 2;
    Tensor expected_dx(shape);
    for (int64_t p = 0; p < shape[0] * shape[1]; ++p)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          int64_t best = (2 * oy) * w + 2 * ox;
          for (int64_t i = 0; i < 2; ++i)
            for (int64_t j = 0; j < 2; ++j)
              if (x[p * h * w + (2 * oy + i) * w + 2 * ox + j] > x[p * h * w + best]) best = (2 * oy + i) * w + 2 * ox + j;
          const int64_t out = (p * oh + oy) * ow + ox;
          ASSERT_EQ(y[out], x[p * h * w + best]) << to_string(shape) << " output " << out;
          expected_dx[p * h * w + best] += dy[out];
        }
    for (int64_t i = 0; i < dx.size(); ++i) ASSERT_EQ(dx[i], expected_dx[i]) << to_string(shape) << " input " << i;
  }
}

TEST(AvgPool, AveragesAndSpreadsTheGradientEvenly) {
  AvgPool2d pool({.kernel = {2, 2}, .stride = {1, 1}});
  const Tensor x = Tensor::from({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor y, dx;
  pool.forward(x, y);
  testing::expect_values(y, {1, 1, 1, 2}, {3, 4});
  pool.backward(x, y, Tensor::from({1, 1, 1, 2}, {4, 8}), &dx);
  testing::expect_values(dx, {1, 1, 2, 3}, {1, 3, 2, 1, 3, 2});  // overlapping windows add up
}

TEST(Pooling, OutputSizeRoundsDownLikePyTorch) {
  MaxPool2d pool({.kernel = {2, 2}});
  EXPECT_EQ(pool.output_shape({3, 7, 5}), (Shape{3, 3, 2}));
  AvgPool2d strided({.kernel = {3, 2}, .stride = {2, 3}});
  EXPECT_EQ(strided.output_shape({1, 9, 8}), (Shape{1, 4, 3}));
}

// ---- Gradient checks of whole conv networks -------------------------------------------

// Small random biases keep units away from ReLU's kink and max pooling's ties.
void initialize(Network& net, uint64_t seed) {
  Rng rng(seed, 3);
  net.initialize({.kind = Initializer::Kind::Xavier}, rng);
  for (Parameter& p : net.parameters())
    if (p.name.ends_with(".bias"))
      for (float& b : p.value->span()) b = static_cast<float>(rng.uniform(-0.3, 0.3));
}

struct GradCase {
  const char* name;
  Conv2dOptions first, second;
  const char* pool;  // "maxpool2d" or "avgpool2d"
  Size2 pool_kernel, pool_stride;
  ActivationKind activation;
};

class ConvGradCheck : public ::testing::TestWithParam<GradCase> {};

// input (2, 9, 8) -> conv -> activation -> pool -> conv -> flatten -> dense(3) -> softmax
TEST_P(ConvGradCheck, BackpropMatchesNumericalGradient) {
  const GradCase c = GetParam();
  for (bool reference : {false, true}) {
    Network net({2, 9, 8});
    auto first = std::make_unique<Conv2d>(c.first);
    auto second = std::make_unique<Conv2d>(c.second);
    first->use_reference(reference);
    second->use_reference(reference);
    net.add(std::move(first));
    net.add(std::make_unique<Activation>(c.activation));
    const Pool2dOptions pool{.kernel = c.pool_kernel, .stride = c.pool_stride};
    if (std::string(c.pool) == "maxpool2d") net.add(std::make_unique<MaxPool2d>(pool));
    else net.add(std::make_unique<AvgPool2d>(pool));
    net.add(std::move(second));
    net.add(std::make_unique<Flatten>());
    net.add(std::make_unique<Dense>(DenseOptions{.in = element_count(net.output_shape()), .out = 3}));
    net.add(std::make_unique<Activation>(ActivationKind::Softmax));
    initialize(net, 7);
    const Tensor x = random_tensor({3, 2, 9, 8}, 11, 0.0f, 1.0f);
    Tensor y({3, 3}, 0.0f);
    for (int64_t i = 0; i < 3; ++i) y[i * 3 + i % 3] = 1.0f;
    const auto cost = make_cost("log-likelihood");
    // The float cost (about 1.1) leaves ~1e-5 of noise in a central difference, and an input
    // next to an overlapping pooling window's near-tie adds more: gradients of 1e-3 are compared
    // against a floor of 1e-2 (the largest here are ~0.1). A wrong gradient is off by far more
    // (CatchesAWrongWeightGradient below fails a 5% error in one weight per filter).
    const GradCheckReport report = gradient_check(net, *cost, x, y, {.floor = 1e-2});
    EXPECT_TRUE(report.passed) << c.name << (reference ? " (reference)" : " (fast)") << "\n" << report.describe();
    EXPECT_EQ(report.entries.size(), 7u);  // 3 weights, 3 biases, the input
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layers, ConvGradCheck,
    ::testing::Values(
        GradCase{"relu-maxpool", {.in_channels = 2, .out_channels = 3, .kernel = {3, 3}, .padding = {1, 1}},
                 {.in_channels = 3, .out_channels = 2, .kernel = {2, 2}}, "maxpool2d", {2, 2}, {2, 2},
                 ActivationKind::ReLU},
        GradCase{"strided-nonsquare-avgpool",
                 {.in_channels = 2, .out_channels = 4, .kernel = {3, 2}, .stride = {2, 1}, .padding = {1, 0}},
                 {.in_channels = 4, .out_channels = 3, .kernel = {1, 2}, .stride = {1, 2}}, "avgpool2d", {2, 3},
                 {1, 1}, ActivationKind::Tanh},
        GradCase{"overlapping-maxpool-sigmoid",
                 {.in_channels = 2, .out_channels = 3, .kernel = {2, 3}, .padding = {2, 1}},
                 {.in_channels = 3, .out_channels = 2, .kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}},
                 "maxpool2d", {3, 3}, {2, 1}, ActivationKind::Sigmoid}),
    [](const auto& param_info) {
      std::string name = param_info.param.name;
      for (char& ch : name)
        if (ch == '-') ch = '_';
      return name;
    });

// A Winograd layer inside a network: backprop through its transforms matches the numerical
// gradient, for its weights, its bias and the layers before it.
TEST(ConvGradCheck, ThroughAWinogradLayer) {
  Network net({2, 6, 6});
  net.add(std::make_unique<Conv2d>(Conv2dOptions{.in_channels = 2, .out_channels = 16, .kernel = {3, 3}}));
  net.add(std::make_unique<Activation>(ActivationKind::Tanh));
  net.add(std::make_unique<Conv2d>(Conv2dOptions{.in_channels = 16, .out_channels = 16, .kernel = {5, 5},
                                                 .padding = {2, 2}, .algorithm = ConvAlgorithm::Winograd}));
  net.add(std::make_unique<Flatten>());
  net.add(std::make_unique<Dense>(DenseOptions{.in = 16 * 4 * 4, .out = 3}));
  net.add(std::make_unique<Activation>(ActivationKind::Softmax));
  initialize(net, 5);
  const Tensor x = random_tensor({2, 2, 6, 6}, 13, 0.0f, 1.0f);
  const Tensor y = Tensor::from({2, 3}, {1, 0, 0, 0, 0, 1});
  const GradCheckReport report = gradient_check(net, *make_cost("log-likelihood"), x, y, {.floor = 1e-2});
  EXPECT_TRUE(report.passed) << report.describe();
}

// The check must catch a wrong conv gradient: a layer whose backward drops one input channel's
// contribution to the weight gradient fails, with the blame on that layer's weight.
class BrokenConv : public Conv2d {
 public:
  using Conv2d::Conv2d;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override {
    Conv2d::backward(x, y, dy, dx);
    Tensor& dw = *parameters()[0].grad;
    const int64_t per_filter = dw.size() / dw.dim(0);
    for (int64_t i = 0; i < dw.size(); ++i)
      if (i % per_filter == 1) dw[i] *= 1.05f;  // 5% off in one weight of every filter
  }
};

TEST(ConvGradCheck, CatchesAWrongWeightGradient) {
  Network net({1, 6, 6});
  net.add(std::make_unique<BrokenConv>(Conv2dOptions{.in_channels = 1, .out_channels = 2, .kernel = {3, 3}}));
  net.add(std::make_unique<Activation>(ActivationKind::Sigmoid));
  net.add(std::make_unique<Flatten>());
  net.add(std::make_unique<Dense>(DenseOptions{.in = 32, .out = 2}));
  net.add(std::make_unique<Activation>(ActivationKind::Softmax));
  initialize(net, 3);
  const Tensor x = random_tensor({2, 1, 6, 6}, 5, 0.0f, 1.0f);
  const Tensor y = Tensor::from({2, 2}, {1, 0, 0, 1});
  const GradCheckReport report = gradient_check(net, *make_cost("log-likelihood"), x, y);
  EXPECT_FALSE(report.passed);
  for (const GradCheckEntry& e : report.entries) {
    if (e.name == "0.weight") EXPECT_GT(e.max_error, 1e-2);
    else EXPECT_LT(e.max_error, 1e-2) << e.name;
  }
}

// ---- Shapes that do not fit -------------------------------------------------------------

TEST(ConvShapes, MismatchesNameTheLayerAndBothShapes) {
  Network net({1, 28, 28});
  net.add(std::make_unique<Conv2d>(Conv2dOptions{.in_channels = 1, .out_channels = 6, .kernel = {5, 5}}));
  const std::string channels = error_of([&] {
    net.add(std::make_unique<Conv2d>(Conv2dOptions{.in_channels = 3, .out_channels = 4, .kernel = {3, 3}}));
  });
  EXPECT_NE(channels.find("layer 1 (conv2d)"), std::string::npos) << channels;
  EXPECT_NE(channels.find("(6, 24, 24)"), std::string::npos) << channels;
  const std::string dense = error_of([&] { net.add(std::make_unique<Dense>(DenseOptions{.in = 3456, .out = 10})); });
  EXPECT_NE(dense.find("flatten"), std::string::npos) << dense;
  const std::string too_small = error_of([&] {
    net.add(std::make_unique<Conv2d>(Conv2dOptions{.in_channels = 6, .out_channels = 4, .kernel = {25, 25}}));
  });
  EXPECT_NE(too_small.find("smaller than the kernel"), std::string::npos) << too_small;
}

TEST(ConvShapes, BadOptionsAreRefused) {
  EXPECT_NE(error_of([] { Conv2d({.in_channels = 1, .out_channels = 0, .kernel = {3, 3}}); }).find("out_channels=0"),
            std::string::npos);
  EXPECT_NE(error_of([] { Conv2d({.kernel = {3, 3}, .stride = {0, 1}}); }).find("stride"), std::string::npos);
  EXPECT_NE(error_of([] { Conv2d({.kernel = {3, 3}, .padding = {-1, 0}}); }).find("padding"), std::string::npos);
  EXPECT_NE(error_of([] { MaxPool2d({.kernel = {0, 2}}); }).find("positive kernel"), std::string::npos);
  EXPECT_NE(error_of([] { make_layer({{"type", "conv2d"}, {"in_channels", 1}, {"out_channels", 2}, {"kernel", "x"}}); })
                .find("kernel"),
            std::string::npos);
  EXPECT_NE(error_of([] { make_layer({{"type", "convolution"}}); }).find("unknown layer type 'convolution'"),
            std::string::npos);
}

TEST(ConvConfig, RoundTripsThroughJson) {
  Conv2d conv({.in_channels = 2, .out_channels = 3, .kernel = {3, 2}, .stride = {2, 1}, .padding = {1, 0},
               .bias = false, .init = "he"});
  const LayerPtr copy = make_layer(conv.config());
  EXPECT_EQ(copy->config(), conv.config());
  EXPECT_FALSE(conv.config().contains("algorithm"));  // the default is left out of saved models
  Conv2d wino({.in_channels = 16, .out_channels = 16, .kernel = {5, 5}, .algorithm = ConvAlgorithm::Winograd});
  EXPECT_EQ(wino.config().at("algorithm"), "winograd");
  EXPECT_EQ(make_layer(wino.config())->config(), wino.config());
  EXPECT_NE(wino.summary().find("winograd"), std::string::npos) << wino.summary();
  const std::string bad = error_of([] {
    make_layer({{"type", "conv2d"}, {"in_channels", 1}, {"out_channels", 2}, {"kernel", 5}, {"algorithm", "fft"}});
  });
  EXPECT_NE(bad.find("algorithm 'fft'"), std::string::npos) << bad;
  MaxPool2d pool({.kernel = {3, 3}, .stride = {2, 2}});
  EXPECT_EQ(make_layer(pool.config())->config(), pool.config());
  EXPECT_EQ(make_layer(Flatten().config())->type(), "flatten");
}

}  // namespace
}  // namespace neurite
