// neurite::mpi: the processes of an `mpirun` as a training world (train/communicator.h), on Open MPI
// or any MPI 3 library. Optional: built when CMake finds MPI, linked as neurite::mpi. The header
// does not include <mpi.h>, so a program that uses it needs no MPI compiler wrapper.
//
//   neurite::mpi::MpiWorld world(argc, argv);   // MPI_Init; MPI_Finalize when it goes
//   neurite::train(net, cost, optimizer, data, sets, options, callbacks, nullptr, &world);
#pragma once
#include "neurite/train/communicator.h"

namespace neurite::mpi {

// Whether this process was started by mpirun or srun (their environment variables say so): a
// plain `neurite train` does not start MPI at all.
bool launched_by_mpirun();
// How many processes of this run share this machine (1 when not under mpirun).
int local_size();

class MpiWorld final : public Communicator {
 public:
  // Starts MPI (one thread calls it; the others compute). Only one MpiWorld may exist.
  MpiWorld(int& argc, char**& argv);
  ~MpiWorld() override;  // MPI_Finalize
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void broadcast(std::span<std::byte> bytes, int root) override;
  void sum_exactly(std::span<double> values) override;
  std::unique_ptr<Pending> exchange(std::span<const float> send, const Layout& send_layout, std::span<float> receive,
                                    const Layout& receive_layout) override;
  std::unique_ptr<Pending> gather(std::span<const float> mine, std::span<float> all, const Layout& layout) override;

  // Ends every process of the run now (MPI_Abort), so that none waits for one that failed.
  [[noreturn]] void abort(int exit_code);

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace neurite::mpi
