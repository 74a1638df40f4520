// Data augmentation: the geometry of warp_image (directions, exact copies, borders, bilinear
// weights), Rashid's rotation against values scipy.ndimage.rotate printed, the Augmenter's
// determinism and probability, and the options' checks and text / JSON forms.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "neurite/data/augment.h"
#include "neurite/error.h"
#include "neurite/rng.h"
#include "neurite/tensor.h"
#include "test_support.h"

namespace neurite {
namespace {

using testing::error_of;
using Image = std::vector<float>;

constexpr int64_t kSide = 28;

// Distinct values, so every pixel's origin can be told apart.
Image numbered_image(int64_t height, int64_t width) {
  Image image(static_cast<std::size_t>(height * width));
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i + 1);
  return image;
}

// A soft round blob of ink on a zero background, centred at (cx, cy).
Image blob_image(double cx, double cy, double radius) {
  Image image(kSide * kSide);
  for (int64_t y = 0; y < kSide; ++y) {
    for (int64_t x = 0; x < kSide; ++x) {
      const double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
      image[static_cast<std::size_t>(y * kSide + x)] =
          static_cast<float>(std::exp(-r2 / (2 * radius * radius)));
    }
  }
  return image;
}

Image warped(const Image& in, int64_t height, int64_t width, const AffineTransform& m,
             float background = 0.0f) {
  Image out(in.size(), -1.0f);
  warp_image(in.data(), out.data(), height, width, m, background);
  return out;
}

float at(const Image& image, int64_t width, int64_t y, int64_t x) {
  return image[static_cast<std::size_t>(y * width + x)];
}

double total(const Image& image) {
  double sum = 0;
  for (float v : image) sum += v;
  return sum;
}

TEST(Augment, IdentityAndZeroRotationCopyExactly) {
  const Image in = numbered_image(5, 7);
  EXPECT_EQ(warped(in, 5, 7, AffineTransform{}), in);
  EXPECT_EQ(warped(in, 5, 7, rotation(0)), in);
  EXPECT_EQ(warped(in, 5, 7, rotation(360)), in);
  EXPECT_EQ(warped(in, 5, 7, inverse_map(Distortion{})), in);
}

// Counter-clockwise on screen (row 0 at the top): the top-right corner goes to the top-left,
// so out(y, x) = in(x, n - 1 - y), the same as numpy.rot90 and scipy.ndimage.rotate(90).
TEST(Augment, QuarterTurnIsCounterClockwiseOnScreen) {
  const int64_t n = 5;
  const Image in = numbered_image(n, n);
  const Image out = warped(in, n, n, rotation(90));
  for (int64_t y = 0; y < n; ++y) {
    for (int64_t x = 0; x < n; ++x) EXPECT_EQ(at(out, n, y, x), at(in, n, x, n - 1 - y)) << y << "," << x;
  }
  EXPECT_EQ(at(out, n, 0, 0), at(in, n, 0, n - 1));
  // -90 and 270 turn the other way: back to the original.
  EXPECT_EQ(warped(out, n, n, rotation(-90)), in);
  EXPECT_EQ(warped(out, n, n, rotation(270)), in);
}

TEST(Augment, HalfTurnTwiceReturnsTheOriginal) {
  const Image in = numbered_image(6, 6);
  const Image once = warped(in, 6, 6, rotation(180));
  EXPECT_EQ(at(once, 6, 0, 0), at(in, 6, 5, 5));
  EXPECT_EQ(warped(once, 6, 6, rotation(180)), in);
}

TEST(Augment, OnePixelShiftMovesEveryPixelAndFillsWithBackground) {
  const int64_t h = 4, w = 5;
  const float background = 0.01f;
  const Image in = numbered_image(h, w);
  const Image right = warped(in, h, w, shift(1, 0), background);
  const Image up = warped(in, h, w, shift(0, -1), background);
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      EXPECT_EQ(at(right, w, y, x), x == 0 ? background : at(in, w, y, x - 1));
      EXPECT_EQ(at(up, w, y, x), y == h - 1 ? background : at(in, w, y + 1, x));
    }
  }
  // A shift past the border leaves only background.
  for (float v : warped(in, h, w, shift(-9, 0), background)) EXPECT_EQ(v, background);
}

// Source positions in the image blend the two neighbours equally; the one left of column 0 lies
// outside the image and reads the background (scipy's mode="constant").
TEST(Augment, HalfPixelShiftAveragesNeighbours) {
  const int64_t h = 3, w = 4;
  const Image in = numbered_image(h, w);
  const Image out = warped(in, h, w, shift(0.5, 0), -3.0f);
  for (int64_t y = 0; y < h; ++y) {
    EXPECT_EQ(at(out, w, y, 0), -3.0f);
    for (int64_t x = 1; x < w; ++x) {
      EXPECT_FLOAT_EQ(at(out, w, y, x), 0.5f * (at(in, w, y, x - 1) + at(in, w, y, x)));
    }
  }
  const Image down = warped(in, h, w, shift(0, 0.25), -3.0f);
  EXPECT_FLOAT_EQ(at(down, w, 2, 1), 0.25f * at(in, w, 1, 1) + 0.75f * at(in, w, 2, 1));
}

TEST(Augment, ConstantImageStaysConstantInside) {
  const Image in(kSide * kSide, 0.7f);
  const Distortion distortion{.degrees = 27, .zoom = 0.9, .shear = 0.2, .dx = 1.5, .dy = -2};
  const Image out = warped(in, kSide, kSide, inverse_map(distortion), 0.0f);
  int inside = 0;
  for (float v : out) {
    if (v != 0.0f) {
      EXPECT_NEAR(v, 0.7f, 1e-6f);
      ++inside;
    }
  }
  EXPECT_NEAR(at(out, kSide, kSide / 2, kSide / 2), 0.7f, 1e-6f);
  EXPECT_GT(inside, kSide * kSide / 2);
}

TEST(Augment, CornersAreBackgroundAfterAnEighthTurn) {
  const Image in(kSide * kSide, 1.0f);
  const Image out = warped(in, kSide, kSide, rotation(45), 0.01f);
  for (int64_t y : {int64_t{0}, kSide - 1}) {
    for (int64_t x : {int64_t{0}, kSide - 1}) EXPECT_EQ(at(out, kSide, y, x), 0.01f);
  }
  EXPECT_EQ(at(out, kSide, kSide / 2, kSide / 2), 1.0f);
}

// The forward map written out independently of inverse_map: zoom, shear, rotation (y points
// down, so counter-clockwise sends +x to -y), then the shift.
std::pair<double, double> moved_point(const Distortion& d, double x, double y) {
  const double centre = 0.5 * (kSide - 1);
  double px = d.zoom * (x - centre), py = d.zoom * (y - centre);
  px += d.shear * py;
  const double t = d.degrees * std::numbers::pi / 180;
  const double rx = std::cos(t) * px + std::sin(t) * py;
  const double ry = -std::sin(t) * px + std::cos(t) * py;
  return {rx + centre + d.dx, ry + centre + d.dy};
}

std::pair<double, double> centre_of_mass(const Image& image) {
  double sum = 0, sx = 0, sy = 0;
  for (int64_t y = 0; y < kSide; ++y) {
    for (int64_t x = 0; x < kSide; ++x) {
      const double v = at(image, kSide, y, x);
      sum += v;
      sx += v * static_cast<double>(x);
      sy += v * static_cast<double>(y);
    }
  }
  return {sx / sum, sy / sum};
}

TEST(Augment, BlobMovesWhereTheDistortionSendsIt) {
  const Image in = blob_image(18, 9, 1.2);
  for (const Distortion& d : {Distortion{.degrees = 90}, Distortion{.degrees = 20, .dx = 2, .dy = -1},
                              Distortion{.zoom = 1.15, .shear = 0.2},
                              Distortion{.degrees = -35, .zoom = 0.9, .shear = -0.15, .dx = -1}}) {
    const auto [cx, cy] = centre_of_mass(warped(in, kSide, kSide, inverse_map(d)));
    const auto [ex, ey] = moved_point(d, 18, 9);
    EXPECT_NEAR(cx, ex, 0.1) << d.degrees << " degrees";
    EXPECT_NEAR(cy, ey, 0.1) << d.degrees << " degrees";
  }
}

TEST(Augment, SmallRotationsKeepTheInk) {
  const Image in = blob_image(13, 14.5, 3);
  for (double degrees : {10.0, -10.0, 4.0}) {
    EXPECT_NEAR(total(warped(in, kSide, kSide, rotation(degrees))), total(in), 0.01 * total(in));
  }
}

// Values printed by scipy 1.10.1: ndimage.rotate(image, ±10, reshape=False, order=1, cval=0.01)
// of the 7 x 6 image below (seed 003's augmentation on a small non-square picture).
TEST(Augment, RotateImageMatchesScipy) {
  Image in(7 * 6);
  for (int r = 0; r < 7; ++r) {
    for (int c = 0; c < 6; ++c) in[static_cast<std::size_t>(r * 6 + c)] = static_cast<float>((r * 5 + c * 3) % 11) / 10;
  }
  const Image plus10 = {
      0.0100000f, 0.0100000f, 0.0100000f, 0.4846453f, 0.4024714f, 0.0100000f,  //
      0.4137151f, 0.4825555f, 0.1403315f, 0.4167170f, 0.5228383f, 0.0100000f,  //
      0.7187559f, 0.3530988f, 0.5185574f, 0.6245826f, 0.1830902f, 0.0100000f,  //
      0.6537295f, 0.5766004f, 0.9512365f, 0.2487635f, 0.6233996f, 0.5462705f,  //
      0.0100000f, 0.3403412f, 0.4113942f, 0.6169287f, 0.7939010f, 0.4812441f,  //
      0.0100000f, 0.4610431f, 0.7394856f, 0.3901008f, 0.4040185f, 0.5132805f,  //
      0.0100000f, 0.4144481f, 0.2254360f, 0.0100000f, 0.0100000f, 0.0100000f};
  const Image minus10 = {
      0.0100000f, 0.3035777f, 0.4413195f, 0.0100000f, 0.0100000f, 0.0100000f,  //
      0.0100000f, 0.6319574f, 0.2865671f, 0.2273960f, 0.4675979f, 0.5825489f,  //
      0.0100000f, 0.4127747f, 0.5011926f, 0.7098108f, 0.2513171f, 0.4878683f,  //
      0.6103174f, 0.5505531f, 0.9425541f, 0.2574459f, 0.3694567f, 0.5715456f,  //
      0.5768630f, 0.2815710f, 0.4759081f, 0.6988074f, 0.7872253f, 0.0100000f,  //
      0.4463459f, 0.5729728f, 0.6042552f, 0.2722352f, 0.5680426f, 0.0100000f,  //
      0.0100000f, 0.0100000f, 0.0100000f, 0.6878041f, 0.5161568f, 0.0100000f};
  for (const auto& [degrees, expected] : {std::pair{10.0, plus10}, std::pair{-10.0, minus10}}) {
    Image out(in.size());
    rotate_image(in.data(), out.data(), 7, 6, degrees, 0.01f);
    for (std::size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], expected[i], 1e-6f) << degrees << " at " << i;
  }
}

Tensor digit_batch(int64_t n, uint64_t seed) {
  return testing::random_tensor({n, kSide * kSide}, seed, 0.0f, 1.0f);
}

TEST(Augmenter, SameSeedSameBatchOtherSeedOtherBatch) {
  const AugmentOptions options{.rotate_degrees = 10, .shift_pixels = 2, .scale = 0.1, .shear = 0.1};
  Augmenter augmenter(options, kSide, kSide, 0.0f);
  const Tensor original = digit_batch(6, 1);
  Tensor a = original, b = original, c = original;
  Rng rng_a(42), rng_b(42), rng_c(43);
  augmenter.apply(a, rng_a);
  augmenter.apply(b, rng_b);
  augmenter.apply(c, rng_c);
  EXPECT_TRUE(std::equal(a.span().begin(), a.span().end(), b.span().begin()));
  EXPECT_FALSE(std::equal(a.span().begin(), a.span().end(), c.span().begin()));
  EXPECT_FALSE(std::equal(a.span().begin(), a.span().end(), original.span().begin()));
}

TEST(Augmenter, ImageShapedBatchesGiveTheSameResult) {
  Augmenter augmenter({.rotate_degrees = 15}, kSide, kSide, 0.01f);
  Tensor flat = digit_batch(3, 2);
  Tensor images = flat;
  images.reshape({3, 1, kSide, kSide});
  Rng rng_flat(7), rng_images(7);
  augmenter.apply(flat, rng_flat);
  augmenter.apply(images, rng_images);
  EXPECT_TRUE(std::equal(flat.span().begin(), flat.span().end(), images.span().begin()));
}

TEST(Augmenter, ProbabilityDecidesWhichImagesChange) {
  const Tensor original = digit_batch(200, 3);
  Tensor never = original;
  Rng rng(5);
  Augmenter({.rotate_degrees = 10, .probability = 0}, kSide, kSide, 0.0f).apply(never, rng);
  EXPECT_TRUE(std::equal(never.span().begin(), never.span().end(), original.span().begin()));

  Tensor half = original;
  Augmenter({.rotate_degrees = 10, .probability = 0.5}, kSide, kSide, 0.0f).apply(half, rng);
  int changed = 0;
  for (int64_t i = 0; i < 200; ++i) {
    const float* before = original.data() + i * kSide * kSide;
    changed += !std::equal(before, before + kSide * kSide, half.data() + i * kSide * kSide);
  }
  EXPECT_GT(changed, 70);
  EXPECT_LT(changed, 130);
}

// Nielsen's expanded data: every image is one of the nine whole-pixel shifts of itself.
TEST(Augmenter, ShiftOnlyGivesWholePixelShifts) {
  const Tensor original = digit_batch(20, 4);
  Tensor batch = original;
  Rng rng(9);
  Augmenter({.shift_pixels = 1}, kSide, kSide, 0.0f).apply(batch, rng);
  for (int64_t i = 0; i < 20; ++i) {
    const Image in(original.data() + i * kSide * kSide, original.data() + (i + 1) * kSide * kSide);
    const Image out(batch.data() + i * kSide * kSide, batch.data() + (i + 1) * kSide * kSide);
    bool found = false;
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) found = found || warped(in, kSide, kSide, shift(dx, dy)) == out;
    }
    EXPECT_TRUE(found) << "image " << i;
  }
}

TEST(Augmenter, RandomDistortionsStayInTheirRanges) {
  const AugmentOptions options{.rotate_degrees = 10, .shift_pixels = 2, .scale = 0.2, .shear = 0.3};
  Rng rng(11);
  double largest_angle = 0;
  for (int i = 0; i < 2000; ++i) {
    const Distortion d = random_distortion(options, rng);
    EXPECT_LE(std::abs(d.degrees), 10);
    EXPECT_GE(d.zoom, 0.8);
    EXPECT_LE(d.zoom, 1.2);
    EXPECT_LE(std::abs(d.shear), 0.3);
    EXPECT_LE(std::abs(d.dx), 2);
    EXPECT_EQ(d.dy, std::round(d.dy));
    largest_angle = std::max(largest_angle, std::abs(d.degrees));
  }
  EXPECT_GT(largest_angle, 9.9);
}

TEST(Augmenter, RejectsBatchesOfTheWrongShape) {
  Augmenter augmenter({.shift_pixels = 1}, kSide, kSide, 0.0f);
  Rng rng(1);
  Tensor wrong({2, 785});
  EXPECT_EQ(error_of([&] { augmenter.apply(wrong, rng); }),
            "augment: batch of shape (2, 785) is neither (N, 784) nor (N, 1, 28, 28)");
  EXPECT_EQ(error_of([] { Augmenter({}, 1, 28, 0.0f); }),
            "augment: images must be at least 2 x 2 and under 2^31 pixels, got 1 x 28");
  float pixel = 1.0f;
  EXPECT_EQ(error_of([&] { warp_image(&pixel, &pixel, 1, 1, rotation(10), 0.0f); }),
            "augment: images must be at least 2 x 2 and under 2^31 pixels, got 1 x 1");
}

TEST(AugmentOptions, RejectsEveryBadValueNamingIt) {
  const auto message = [](AugmentOptions o) { return error_of([&] { validate(o); }); };
  EXPECT_EQ(message({.rotate_degrees = 200}), "augment: rotation must be in [0, 180] degrees, got 200");
  EXPECT_EQ(message({.rotate_degrees = -1}), "augment: rotation must be in [0, 180] degrees, got -1");
  EXPECT_EQ(message({.shift_pixels = -1}), "augment: shift must be >= 0 pixels, got -1");
  EXPECT_EQ(message({.scale = 1}), "augment: scale must be in [0, 1), got 1");
  EXPECT_EQ(message({.scale = -0.1}), "augment: scale must be in [0, 1), got -0.1");
  EXPECT_EQ(message({.shear = 1.5}), "augment: shear must be in [0, 1), got 1.5");
  EXPECT_EQ(message({.probability = 1.5}), "augment: probability must be in [0, 1], got 1.5");
  EXPECT_EQ(message({.probability = std::nan("")}), "augment: probability must be in [0, 1], got nan");
  EXPECT_NO_THROW(validate({.rotate_degrees = 180, .shift_pixels = 3, .scale = 0.5, .shear = 0.5}));
}

TEST(AugmentOptions, TextFormRejectsBadKeysAndValues) {
  EXPECT_EQ(error_of([] { augment_options_from_text("rot=10"); }),
            "augment: unknown key 'rot' (known: rotate, shift, scale, shear, p)");
  EXPECT_EQ(error_of([] { augment_options_from_text("rotate=ten"); }),
            "augment: 'rotate' needs a number, got 'ten'");
  EXPECT_EQ(error_of([] { augment_options_from_text("shift=1.5"); }),
            "augment: 'shift' needs a whole number, got '1.5'");
  EXPECT_EQ(error_of([] { augment_options_from_text("rotate=10,shift"); }),
            "augment: expected key=value, got 'shift' in 'rotate=10,shift'");
  EXPECT_EQ(error_of([] { augment_options_from_text("rotate="); }),
            "augment: 'rotate' needs a number, got ''");
  EXPECT_EQ(error_of([] { augment_options_from_text("p=2"); }),
            "augment: probability must be in [0, 1], got 2");
}

bool same(const AugmentOptions& a, const AugmentOptions& b) {
  return a.rotate_degrees == b.rotate_degrees && a.shift_pixels == b.shift_pixels &&
         a.scale == b.scale && a.shear == b.shear && a.probability == b.probability;
}

TEST(AugmentOptions, TextFormRoundTrips) {
  const AugmentOptions all{.rotate_degrees = 10, .shift_pixels = 1, .scale = 0.1, .shear = 0.1, .probability = 0.5};
  EXPECT_EQ(to_text(all), "rotate=10,shift=1,scale=0.1,shear=0.1,p=0.5");
  EXPECT_TRUE(same(augment_options_from_text(to_text(all)), all));
  EXPECT_TRUE(same(augment_options_from_text(" shear = 0.1 , p=0.5,rotate=10,scale=0.1,shift=1"), all));
  EXPECT_EQ(to_text(AugmentOptions{}), "none");
  EXPECT_EQ(to_text({.rotate_degrees = 0.3333333333333333}), "rotate=0.3333333333333333");
  EXPECT_TRUE(same(augment_options_from_text("none"), AugmentOptions{}));
  EXPECT_TRUE(same(augment_options_from_text(""), AugmentOptions{}));
  EXPECT_FALSE(augment_options_from_text("none").enabled());
  EXPECT_TRUE(augment_options_from_text("shift=1").enabled());
  EXPECT_FALSE(augment_options_from_text("rotate=10,p=0").enabled());

}

}  // namespace
}  // namespace neurite
