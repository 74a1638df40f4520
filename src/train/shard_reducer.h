// Sums the gradients of a global mini-batch's micro-shards in a fixed order, wherever they were
// computed. The batch is cut into S shards; process r of N computes the shards
// [S r / N, S (r + 1) / N). Each parameter gradient element is then owned by one process, which
// receives that element of every shard's gradient and adds them in shard order 0, 1, ..., S - 1;
// the owners' sums are then gathered by everyone. A single process does the same additions on
// its own, so the bits depend on S but never on N.
//
// Gradients travel in buckets of consecutive layers, last layer first: a bucket's exchange starts
// as soon as backward has finished its layers on this process's last shard, while backward goes
// on with earlier layers (PyTorch DDP's and Horovod's "tensor fusion" idea). The traffic of one
// step is (local shards + 1) (N - 1) / N gradients per process: with one shard per process, what
// a ring allreduce moves.
#pragma once
#include <chrono>
#include <memory>
#include <vector>

#include "neurite/layers/layer.h"
#include "neurite/train/communicator.h"

namespace neurite {

// The first of `count` samples (or shards) that part k of `parts` near-equal runs begins with.
inline int64_t part_begin(int64_t count, int64_t parts, int64_t k) { return count * k / parts; }

class ShardReducer {
 public:
  // `layers[i]` holds layer i's parameters; `shards` is S.
  ShardReducer(std::vector<std::vector<Parameter>> layers, int shards, Communicator& world);
  ~ShardReducer();
  ShardReducer(const ShardReducer&) = delete;
  ShardReducer& operator=(const ShardReducer&) = delete;

  int first_shard() const { return first_shard_; }  // this process's shards: [first, end)
  int end_shard() const { return end_shard_; }

  // Backward of local shard `local` (0-based among this process's) has finished layer `layer`:
  // its gradients are kept, and on the last local shard a bucket whose layers are all done
  // starts its exchange. Pending exchanges are polled so that they progress meanwhile.
  void layer_done(std::size_t layer, int local);
  // A local shard without samples (a short last batch): its gradient is zero.
  void empty_shard(int local);
  // Waits for every exchange, sums in shard order and leaves the batch's gradient in every
  // parameter's grad, on every process.
  void finish();
  // Seconds spent blocked waiting for other processes, since construction.
  double waited_seconds() const { return waited_; }

 private:
  struct Bucket;
  void keep(Bucket& bucket, std::size_t layer, int local, bool zero);
  void start(Bucket& bucket);
  void poll();
  void wait(Communicator::Pending& pending);

  Communicator& world_;
  int shards_, first_shard_, end_shard_;
  std::vector<std::vector<Parameter>> layers_;
  std::vector<std::unique_ptr<Bucket>> buckets_;  // in backward order: the last layers first
  std::vector<int> bucket_of_layer_;              // -1: the layer has no parameters
  std::vector<int64_t> offset_of_layer_;          // the layer's first float in its bucket
  double waited_ = 0;
};

}  // namespace neurite
