// Backquery (seed 003, Rashid's "Make Your Own Neural Network"): ask a trained sigmoid network
// what input it would consider the ideal picture of a digit by running it backwards.
//
// From the wanted outputs (0.01 everywhere, 0.99 at the digit) each layer is undone in reverse:
//   sigmoid  ->  logit, its inverse: z = ln(a / (1 - a))
//   dense    ->  x = W^T (z - b), then rescaled into [0.01, 0.99]
// W^T is not an inverse of W; it only spreads each output's signal back along the same links.
// The rescale keeps every value strictly inside (0, 1) so that the next logit is finite, and it
// also makes the final picture span a fixed range.
#pragma once
#include <cstdint>

#include "neurite/data/dataset.h"
#include "neurite/data/image.h"
#include "neurite/network.h"

namespace neurite {

// `target` holds one value per network output (any shape of that element count). Returns the
// input-layer values, shaped like one network input, all in [0.01, 0.99].
// Takes the network non-const only because Dense exposes its weights through non-const accessors;
// nothing is changed. Throws an Error naming the layer when a layer is neither dense nor sigmoid,
// and when a value reaching a logit is not strictly between 0 and 1.
Tensor backquery(Network& network, const Tensor& target);

// One-hot target vector: `targets.off` everywhere, `targets.on` at `label`.
Tensor one_hot_target(int64_t classes, int64_t label, TargetValues targets);

// Turns backquery values into a picture the way the seed shows them (matplotlib's
// imshow(cmap='Greys'), which stretches min..max of the data over white..black): the largest
// value becomes black ink, the smallest white paper. So a digit appears dark on white, the
// opposite of MNIST's own white-on-black files. Throws unless width * height == values.size().
GrayImage backquery_image(const Tensor& values, int64_t width, int64_t height);

}  // namespace neurite
