// The processes of `mpirun -np N neurite ...` as the command sees them. Without mpirun (or in a
// build without MPI) there is one process and nothing here starts MPI.
#pragma once

namespace neurite {
class Communicator;
}

namespace neurite::cli {

// Starts MPI when mpirun started this process; the others' standard output is closed, so that
// only process 0 prints. Call once, first thing in main.
void start_processes(int& argc, char**& argv);
// The world of processes, or nullptr for a plain single process.
Communicator* processes();
// This process's number (0 alone) and how many there are.
int process_rank();
int process_count();
// Threads per process: what --threads gives, else the cores shared among this machine's processes.
int threads_per_process(int requested);
// After an error: with several processes, ends them all now (so none waits for this one), else returns.
void end_processes_after_error(int exit_code);
// Finalises MPI at a normal exit.
void stop_processes();

}  // namespace neurite::cli
