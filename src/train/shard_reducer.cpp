#include "shard_reducer.h"

#include <algorithm>
#include <climits>

#include "neurite/error.h"

namespace neurite {

namespace {
// Buckets close once they hold this many floats (1 MiB): large enough that a collective's fixed
// cost is small beside its bytes, small enough that the first ones start early in backward.
constexpr int64_t kBucketFloats = int64_t{1} << 18;

int to_count(int64_t floats, std::size_t layer) {
  if (floats > INT_MAX)
    throw Error("layer " + std::to_string(layer) + "'s gradients take " + std::to_string(floats) +
                " floats in one exchange, more than MPI's counts reach (2^31 - 1): give each process fewer shards");
  return static_cast<int>(floats);
}
}  // namespace

struct ShardReducer::Bucket {
  std::vector<std::size_t> layers;  // last layer first
  int64_t size = 0;                 // floats
  std::vector<int64_t> slice;       // process q owns elements [slice[q], slice[q + 1])
  std::vector<float> send;          // slice-major: for each q, each local shard's slice q
  std::vector<float> received;      // shard-major: every shard's copy of this process's slice
  std::vector<float> sum;           // this process's slice, summed over the shards in order
  std::vector<float> whole;         // every slice's sum: the bucket's gradient
  Layout send_layout, receive_layout, gather_layout;
  std::size_t layers_done = 0;      // on this process's last shard
  std::unique_ptr<Communicator::Pending> exchange, gathering;
};

ShardReducer::ShardReducer(std::vector<std::vector<Parameter>> layers, int shards, Communicator& world)
    : world_(world), shards_(shards), layers_(std::move(layers)) {
  require(shards > 0, "shards must be positive, got " + std::to_string(shards));
  const int n = world.size(), me = world.rank();
  first_shard_ = static_cast<int>(part_begin(shards, n, me));
  end_shard_ = static_cast<int>(part_begin(shards, n, me + 1));
  const int64_t local = end_shard_ - first_shard_;

  bucket_of_layer_.assign(layers_.size(), -1);
  offset_of_layer_.assign(layers_.size(), 0);
  for (std::size_t i = layers_.size(); i-- > 0;) {
    if (layers_[i].empty()) continue;
    if (buckets_.empty() || buckets_.back()->size >= kBucketFloats) buckets_.push_back(std::make_unique<Bucket>());
    Bucket& b = *buckets_.back();
    b.layers.push_back(i);
    offset_of_layer_[i] = b.size;
    for (const Parameter& p : layers_[i]) b.size += p.grad->size();
    bucket_of_layer_[i] = static_cast<int>(buckets_.size() - 1);
  }
  for (auto& bucket : buckets_) {
    Bucket& b = *bucket;
    for (int q = 0; q <= n; ++q) b.slice.push_back(part_begin(b.size, n, q));
    const int64_t mine = b.slice[me + 1] - b.slice[me];
    b.send.resize(static_cast<std::size_t>(local * b.size));
    b.received.resize(static_cast<std::size_t>(shards * mine));
    b.sum.resize(static_cast<std::size_t>(mine));
    b.whole.resize(static_cast<std::size_t>(b.size));
    for (int q = 0; q < n; ++q) {
      const int64_t theirs = b.slice[q + 1] - b.slice[q];
      const int64_t their_first = part_begin(shards, n, q), their_shards = part_begin(shards, n, q + 1) - their_first;
      b.send_layout.counts.push_back(to_count(local * theirs, b.layers.front()));
      b.send_layout.offsets.push_back(to_count(local * b.slice[q], b.layers.front()));
      b.receive_layout.counts.push_back(to_count(their_shards * mine, b.layers.front()));
      b.receive_layout.offsets.push_back(to_count(their_first * mine, b.layers.front()));
      b.gather_layout.counts.push_back(to_count(theirs, b.layers.front()));
      b.gather_layout.offsets.push_back(to_count(b.slice[q], b.layers.front()));
    }
  }
}

ShardReducer::~ShardReducer() = default;

// Copies layer `layer`'s gradients (or zeros) into the send buffer, each element to the slice of
// the process that owns it, at local shard `local`'s place in that slice.
void ShardReducer::keep(Bucket& b, std::size_t layer, int local, bool zero) {
  const int64_t shards_here = end_shard_ - first_shard_;
  int64_t offset = offset_of_layer_[layer];
  for (const Parameter& p : layers_[layer]) {
    const int64_t begin = offset, end = offset + p.grad->size();
    for (std::size_t q = 0; q + 1 < b.slice.size(); ++q) {
      const int64_t from = std::max(begin, b.slice[q]), to = std::min(end, b.slice[q + 1]);
      if (from >= to) continue;
      const int64_t width = b.slice[q + 1] - b.slice[q];
      float* out = b.send.data() + shards_here * b.slice[q] + local * width + (from - b.slice[q]);
      if (zero) std::fill(out, out + (to - from), 0.0f);
      else std::copy(p.grad->data() + (from - begin), p.grad->data() + (to - begin), out);
    }
    offset = end;
  }
}

void ShardReducer::start(Bucket& b) {
  b.exchange = world_.exchange(b.send, b.send_layout, b.received, b.receive_layout);
}

void ShardReducer::poll() {
  for (auto& b : buckets_)
    if (b->exchange) b->exchange->done();  // asking is what lets MPI move the data
}

void ShardReducer::wait(Communicator::Pending& pending) {
  const auto start = std::chrono::steady_clock::now();
  pending.wait();
  waited_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void ShardReducer::layer_done(std::size_t layer, int local) {
  const int index = bucket_of_layer_.at(layer);
  if (index >= 0) {
    Bucket& b = *buckets_[static_cast<std::size_t>(index)];
    keep(b, layer, local, /*zero=*/false);
    if (local == end_shard_ - first_shard_ - 1 && ++b.layers_done == b.layers.size()) start(b);
  }
  poll();
}

void ShardReducer::empty_shard(int local) {
  for (auto& b : buckets_)
    for (std::size_t layer : b->layers) keep(*b, layer, local, /*zero=*/true);
}

void ShardReducer::finish() {
  for (auto& b : buckets_)
    if (!b->exchange) start(*b);  // no local shard, or the last one was empty
  for (auto& bucket : buckets_) {
    Bucket& b = *bucket;
    wait(*b.exchange);
    // The fixed order: shard 0, then 1, 2, ... - the same additions at any number of processes.
    const std::size_t mine = b.sum.size();
    std::copy(b.received.begin(), b.received.begin() + static_cast<std::ptrdiff_t>(mine), b.sum.begin());
    for (int k = 1; k < shards_; ++k) {
      const float* shard = b.received.data() + static_cast<std::size_t>(k) * mine;
      for (std::size_t e = 0; e < mine; ++e) b.sum[e] += shard[e];
    }
    b.gathering = world_.gather(b.sum, b.whole, b.gather_layout);
  }
  for (auto& bucket : buckets_) {
    Bucket& b = *bucket;
    wait(*b.gathering);
    const float* from = b.whole.data();
    for (std::size_t layer : b.layers)
      for (const Parameter& p : layers_[layer]) {
        std::copy(from, from + p.grad->size(), p.grad->data());
        from += p.grad->size();
      }
    b.exchange.reset();
    b.gathering.reset();
    b.layers_done = 0;
  }
}

}  // namespace neurite
