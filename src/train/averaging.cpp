#include "neurite/train/averaging.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "neurite/error.h"
#include "ops/pieces.h"

namespace neurite {

namespace {
// Tensors from this size are averaged by all threads (see adam.cpp).
constexpr int64_t kMinParallel = int64_t{1} << 15;
}  // namespace

void validate_average_decay(double decay) {
  require(decay == 0 || (decay > 0 && decay < 1),
          "weight-averaging decay must be 0 (off) or in (0, 1), got " + std::to_string(decay));
}

std::vector<Buffer> averaged_tensors(Network& net) {
  std::vector<Buffer> tensors;
  for (const Parameter& p : net.parameters()) tensors.push_back({p.name, p.value});
  for (const Buffer& b : net.buffers())
    if (!b.name.ends_with("num_batches_tracked")) tensors.push_back(b);
  return tensors;
}

void update_average(std::vector<Tensor>& average, int64_t step, double decay, std::span<const Buffer> tensors) {
  if (average.empty())  // the first step starts the average at the current values
    for (const Buffer& t : tensors) average.push_back(*t.value);
  const auto d = static_cast<float>(std::min(decay, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step))));
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    float* avg = average[i].data();
    const float* w = tensors[i].value->data();
    for_each_piece(average[i].size(), kMinParallel, [=](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t k = begin; k < end; ++k) avg[k] = d * avg[k] + (1.0f - d) * w[k];
    });
  }
}

void swap_weights(std::span<const Buffer> tensors, std::vector<Tensor>& other) {
  require(other.size() == tensors.size(), "weight averaging holds " + std::to_string(other.size()) +
                                              " tensors for a network with " + std::to_string(tensors.size()));
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    require(other[i].shape() == tensors[i].value->shape(),
            "weight averaging: " + tensors[i].name + " is " + to_string(tensors[i].value->shape()) + ", its average " +
                to_string(other[i].shape()));
    std::swap(*tensors[i].value, other[i]);
  }
}

}  // namespace neurite
