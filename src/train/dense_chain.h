// The training step of a small fully connected network at small batches, in one piece.
//
// At Nielsen's batch of 10 a step of 784-30-10 is about a million multiply-adds: the general
// path's separate passes (zero the gradients, forward, backward, penalty, optimiser) each cost
// about as much as their arithmetic, and most of the first layer's arithmetic is with MNIST's
// zero pixels. Here one step runs forward, backward and the SGD update over each layer's
// weights held transposed, (inputs, outputs padded to whole vectors), so that
//   - an input's row of weights is contiguous: zero inputs are skipped in the forward pass and
//     in the weight gradient (81% of MNIST's pixels), at one vector instruction per nonzero;
//   - the update touches only the rows whose inputs were nonzero (all of them under L2);
//   - nothing is allocated after the first step, and no gradient is zeroed separately.
// The sums run in a fixed order for a given vector width (an output's nonzero inputs dealt
// round two or four partial sums, by how many vectors a block of outputs has; a weight's rows
// into even and odd; the input gradients' lanes halved), so the bits are the same on every run
// and thread count, and may differ between AVX-512 and AVX2.
#pragma once
#include <memory>

#include "neurite/cost.h"
#include "neurite/network.h"
#include "neurite/optim/optimizer.h"
#include "neurite/train/trainer.h"
#include "ops/isa.h"

namespace neurite {

class DenseChain {
 public:
  // Whether training `net` with these settings can take the fused step: dense layers, each
  // followed by at most one of identity, sigmoid, tanh or ReLU (the last may also be softmax),
  // flat inputs, plain SGD (no momentum), no L1, max-norm, clipping, gradient norms, weight
  // averaging or shards, and batches of at most kMaxBatch.
  static bool fits(const Network& net, const Optimizer& optimizer, const TrainOptions& options);
  static constexpr int64_t kMaxBatch = 32;

  // Takes the network's weights into the fused step's layout, in the kernel family chosen at run
  // time (ops/kernels.h); destroying it writes them back, so the network holds the trained
  // weights again however the epoch ends.
  static std::unique_ptr<DenseChain> create(Network& net);
  virtual ~DenseChain() = default;

  // The forward pass of a batch x (N, inputs) and the cost against y; also the cost's gradient,
  // ready for update(). Returns the batch's mean cost.
  virtual double forward(const Tensor& x, const Tensor& y, const Cost& cost) = 0;
  // Backward from the last forward and the SGD step w -= rate (g + l2 w) (biases: no l2).
  virtual void update(float rate, float l2) = 0;
};

namespace dense_chain {
inline namespace NEURITE_ISA {  // one copy per kernel family
std::unique_ptr<DenseChain> make(Network& net);
}  // namespace NEURITE_ISA
}  // namespace dense_chain

}  // namespace neurite
