// The processes that train one model together (data parallelism), as the trainer sees them: a
// rank and a size, and the few collective operations it needs. A single process is a world of
// one (LocalWorld); neurite::mpi's MpiWorld (neurite/mpi/mpi_world.h) spans processes started by
// mpirun. The trainer never sums floats through these operations: they only move them, and the
// trainer adds them up itself in a fixed order (train/shard_reducer), so the result cannot depend
// on how many processes there are or how the transport orders its reductions.
#pragma once
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace neurite {

// Where each process's part of a buffer lies: counts[r] floats from offsets[r], for every rank r.
struct Layout {
  std::vector<int> counts, offsets;
};

class Communicator {
 public:
  // A collective started and not yet known to be complete. done() polls it and so lets it
  // progress (MPI moves data only inside its calls); wait() blocks until it is complete.
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual bool done() = 0;
    virtual void wait() = 0;
  };

  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Every process receives root's bytes (their count must agree).
  virtual void broadcast(std::span<std::byte> bytes, int root) = 0;
  // Every process receives the sum over processes of each value. Used only where at most one
  // process gives a value other than zero, so the sum is exact in any order.
  virtual void sum_exactly(std::span<double> values) = 0;
  // All-to-all: the floats `send` holds for rank q (send_layout's part q) arrive in `receive` at
  // this rank's receive_layout part for the sender. Non-blocking: the buffers must stay alive
  // and untouched until the Pending is done.
  virtual std::unique_ptr<Pending> exchange(std::span<const float> send, const Layout& send_layout,
                                            std::span<float> receive, const Layout& receive_layout) = 0;
  // All-gather: this rank's `mine` lands in every rank's `all` at layout part rank(). Non-blocking.
  virtual std::unique_ptr<Pending> gather(std::span<const float> mine, std::span<float> all, const Layout& layout) = 0;
};

// A world of one process: every operation is a copy.
class LocalWorld final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void broadcast(std::span<std::byte>, int) override {}
  void sum_exactly(std::span<double>) override {}
  std::unique_ptr<Pending> exchange(std::span<const float> send, const Layout& send_layout, std::span<float> receive,
                                    const Layout& receive_layout) override;
  std::unique_ptr<Pending> gather(std::span<const float> mine, std::span<float> all, const Layout& layout) override;
};

// Convenience forms over broadcast(): a string and a float tensor's values from root.
void broadcast_text(Communicator& world, std::string& text, int root);
void broadcast_floats(Communicator& world, std::span<float> values, int root);

}  // namespace neurite
