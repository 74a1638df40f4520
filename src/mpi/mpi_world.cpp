#include "neurite/mpi/mpi_world.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>

#include "neurite/error.h"

namespace neurite::mpi {

namespace {
void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("MPI ") + what + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

int environment_number(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::atoi(value) : 0;
}

// A non-blocking collective. Dropped unfinished only when the run is failing anyway: MPI does
// not allow freeing such a request, so it is left to MPI_Abort or the end of the process.
class MpiPending final : public Communicator::Pending {
 public:
  bool done() override {
    int flag = 0;
    check(MPI_Test(&request, &flag, MPI_STATUS_IGNORE), "MPI_Test");
    return flag != 0;
  }
  void wait() override { check(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait"); }
  MPI_Request request = MPI_REQUEST_NULL;
};
}  // namespace

bool launched_by_mpirun() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(name)) return true;
  return false;
}

int local_size() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"})
    if (const int n = environment_number(name); n > 0) return n;
  return 1;
}

MpiWorld::MpiWorld(int& argc, char**& argv) {
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  // Errors come back as codes (turned into neurite::Error) instead of ending the process unexplained.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiWorld::~MpiWorld() { MPI_Finalize(); }

void MpiWorld::broadcast(std::span<std::byte> bytes, int root) {
  for (std::size_t done = 0; done < bytes.size();) {  // MPI counts are ints
    const int count = static_cast<int>(std::min<std::size_t>(bytes.size() - done, INT_MAX));
    check(MPI_Bcast(bytes.data() + done, count, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
    done += static_cast<std::size_t>(count);
  }
}

void MpiWorld::sum_exactly(std::span<double> values) {
  check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD),
        "MPI_Allreduce");
}

std::unique_ptr<Communicator::Pending> MpiWorld::exchange(std::span<const float> send, const Layout& send_layout,
                                                          std::span<float> receive, const Layout& receive_layout) {
  auto pending = std::make_unique<MpiPending>();
  check(MPI_Ialltoallv(send.data(), send_layout.counts.data(), send_layout.offsets.data(), MPI_FLOAT, receive.data(),
                       receive_layout.counts.data(), receive_layout.offsets.data(), MPI_FLOAT, MPI_COMM_WORLD,
                       &pending->request),
        "MPI_Ialltoallv");
  return pending;
}

std::unique_ptr<Communicator::Pending> MpiWorld::gather(std::span<const float> mine, std::span<float> all,
                                                        const Layout& layout) {
  auto pending = std::make_unique<MpiPending>();
  check(MPI_Iallgatherv(mine.data(), static_cast<int>(mine.size()), MPI_FLOAT, all.data(), layout.counts.data(),
                        layout.offsets.data(), MPI_FLOAT, MPI_COMM_WORLD, &pending->request),
        "MPI_Iallgatherv");
  return pending;
}

void MpiWorld::abort(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; this satisfies [[noreturn]]
}

}  // namespace neurite::mpi
