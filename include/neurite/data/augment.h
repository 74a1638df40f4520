// On-the-fly data augmentation: every training image is redrawn each epoch with a small random
// rotation, shift, zoom and shear, so the network sees new variants of the same digits.
// Seed 003 (Rashid) rotates each image by +10 and -10 degrees with scipy.ndimage.rotate
// (order=1, reshape=False, cval=0.01); Nielsen's expanded MNIST shifts by one pixel.
//
// Coordinates: x is the column (rightwards), y the row (downwards, row 0 is the top of the
// picture); the centre of an h x w image is ((w - 1) / 2, (h - 1) / 2), as in scipy.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/rng.h"
#include "neurite/tensor.h"

namespace neurite {

struct AugmentOptions {
  double rotate_degrees = 0;  // uniform random angle in [-r, r] (seed 003: 10)
  int shift_pixels = 0;       // uniform random integer shift in [-s, s] on each axis (Nielsen: 1)
  double scale = 0;           // random zoom factor in [1 - scale, 1 + scale]
  double shear = 0;           // random horizontal shear (tangent) in [-shear, shear]
  double probability = 1.0;   // chance that an image is transformed; otherwise it is kept as is

  // Whether any transformation is requested (and can happen: probability > 0).
  bool enabled() const;
};

// Throws a one-line Error naming the bad value: rotation in [0, 180] degrees, shift >= 0,
// scale and shear in [0, 1), probability in [0, 1].
void validate(const AugmentOptions& options);

// The command-line form "rotate=10,shift=1,scale=0.1,shear=0.1,p=0.5" (any subset, any order);
// "" or "none" is no augmentation. An unknown key or a bad value is an Error naming it.
AugmentOptions augment_options_from_text(const std::string& text);
// The inverse, for logs: "none" when nothing is requested, else only the keys that differ from
// the defaults, numbers written so that they read back exactly.
std::string to_text(const AugmentOptions& options);

// An inverse map: for the output pixel `out` the value is read at the source position
//   source = M * (out - centre) + centre + t,   M = [[a, b], [c, d]],  t = (tx, ty).
// The default is the identity.
struct AffineTransform {
  double a = 1, b = 0, c = 0, d = 1;
  double tx = 0, ty = 0;
};

// A distortion as the eye sees the content move. Applied about the centre in this order: zoom,
// shear, rotation; then the shift, so the content moves by exactly (dx, dy) pixels.
struct Distortion {
  double degrees = 0;  // counter-clockwise on screen (scipy.ndimage.rotate's sense)
  double zoom = 1;     // > 1 enlarges
  double shear = 0;    // horizontal: a point moves right by shear * (its distance below the centre)
  double dx = 0;       // rightwards, pixels
  double dy = 0;       // downwards, pixels
  bool is_identity() const;
};

// The inverse map that produces the distortion.
AffineTransform inverse_map(const Distortion& distortion);
AffineTransform rotation(double degrees);      // counter-clockwise on screen
AffineTransform shift(double dx, double dy);  // content moves right by dx, down by dy

// One random distortion for one image. Draws from rng in a fixed order (probability, angle,
// zoom, shear, shift x, shift y), each only when its option is on; a skipped image is the
// identity.
Distortion random_distortion(const AugmentOptions& options, Rng& rng);
AffineTransform random_transform(const AugmentOptions& options, Rng& rng);

// Resamples one row-major h x w image through `inverse` by bilinear interpolation. A source
// position outside [0, w - 1] x [0, h - 1] reads `background`, like scipy.ndimage's
// mode="constant" (no blending with the background across the border). `in` and `out` must
// not overlap. Images must be at least 2 x 2 and under 2^31 pixels (else an Error).
void warp_image(const float* in, float* out, int64_t height, int64_t width,
                const AffineTransform& inverse, float background);

// Rashid's deterministic rotation, equal to scipy.ndimage.rotate(image, degrees, reshape=False,
// order=1, cval=background) up to float rounding: positive degrees turn the picture
// counter-clockwise as seen on screen (row 0 at the top).
void rotate_image(const float* in, float* out, int64_t height, int64_t width, double degrees,
                  float background);

// Augments a batch in place: (N, height * width) or (N, 1, height, width). Each image draws its
// own distortion from rng in batch order, so the same rng state gives the same batch.
class Augmenter {
 public:
  Augmenter(AugmentOptions options, int64_t height, int64_t width, float background);

  void apply(Tensor& batch, Rng& rng);
  const AugmentOptions& options() const { return options_; }

 private:
  void require_batch_shape(const Tensor& batch) const;

  AugmentOptions options_;
  int64_t height_;
  int64_t width_;
  float background_;
  std::vector<float> scratch_;  // one image: the source while its row of the batch is rewritten
};

}  // namespace neurite
