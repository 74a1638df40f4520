#include "processes.h"

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "neurite/train/communicator.h"

#ifdef NEURITE_WITH_MPI
#include "neurite/mpi/mpi_world.h"
#endif

namespace neurite::cli {

namespace {
#ifdef NEURITE_WITH_MPI
std::unique_ptr<mpi::MpiWorld>& world() {
  static std::unique_ptr<mpi::MpiWorld> instance;
  return instance;
}
#endif
}  // namespace

void start_processes([[maybe_unused]] int& argc, [[maybe_unused]] char**& argv) {
#ifdef NEURITE_WITH_MPI
  if (!mpi::launched_by_mpirun()) return;
  world() = std::make_unique<mpi::MpiWorld>(argc, argv);
  if (world()->rank() != 0) std::freopen("/dev/null", "w", stdout);  // errors still reach stderr
#endif
}

Communicator* processes() {
#ifdef NEURITE_WITH_MPI
  return world().get();
#else
  return nullptr;
#endif
}

int process_rank() { return processes() ? processes()->rank() : 0; }
int process_count() { return processes() ? processes()->size() : 1; }

int threads_per_process(int requested) {
  if (requested > 0) return requested;
#ifdef NEURITE_WITH_MPI
  if (processes()) return std::max(1, omp_get_num_procs() / mpi::local_size());
#endif
  return omp_get_num_procs();
}

void end_processes_after_error([[maybe_unused]] int exit_code) {
#ifdef NEURITE_WITH_MPI
  if (processes() && processes()->size() > 1) {
    std::fflush(stderr);
    world()->abort(exit_code);
  }
#endif
}

void stop_processes() {
#ifdef NEURITE_WITH_MPI
  world().reset();
#endif
}

}  // namespace neurite::cli
