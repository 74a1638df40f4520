// A digit someone drew, turned into an MNIST-like 28x28 image the way MNIST's images were made
// (LeCun et al., "Gradient-based learning applied to document recognition", 1998): the ink's
// bounding box is scaled, keeping its aspect ratio, to fit a 20x20 box with anti-aliasing, and
// the result is placed in a 28x28 field so that its centre of mass falls on the field's centre.
// A network trained on MNIST then sees a drawing as it saw its training digits.
#pragma once
#include <cstdint>

#include "neurite/data/image.h"
#include "neurite/data/mnist.h"

namespace neurite {

// The field is kMnistSide (28) square.
constexpr int64_t kMnistBox = 20;  // the box the digit is scaled into

// Pixels brighter than this are ink when the bounding box is measured (the faint edges of an
// anti-aliased stroke, and stray specks, do not stretch the box). Every pixel inside the box
// counts towards the scaled image.
constexpr uint8_t kInkThreshold = 32;

struct MnistDigit {
  GrayImage image;     // 28x28, white ink on black
  bool empty = false;  // no ink at all: the image is black
};

// `drawing`: white ink on black, any size (at least 1x1). Each output pixel of the scaled box is
// the average of the drawing over the area it covers (a box filter, exact for fractional
// coverage): that is the anti-aliasing. The centre of mass is moved onto pixel (14, 14) by whole
// pixels, clamped so that no ink leaves the field.
MnistDigit mnist_digit_from_drawing(const GrayImage& drawing);

}  // namespace neurite
