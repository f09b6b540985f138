// A small MPI job that fails on purpose, run by mpi_failure_test under mpirun:
//   skip  - rank 1 skips the all-reduce 'grads' (sequence 1) and waits; the others must stall,
//           report which ranks reached it, and abort the job.
//   kill  - rank 1 kills itself with SIGKILL after the first collective; the job must end.
//   split - rank 1 skips split (sequence 1 of the world communicator); the others must stall in
//           it and report it like a collective.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "comm/communicator.h"

using tandem::comm::Buffer;
using tandem::comm::ReduceOp;

int main(int argc, char** argv) {
  const std::string mode = argc == 2 ? argv[1] : "";
  if (mode != "skip" && mode != "kill" && mode != "split") {
    std::fprintf(stderr, "usage: %s skip|kill|split\n", argv[0]);
    return 2;
  }
  const bool kill = mode == "kill";
  auto comm = tandem::comm::make_communicator();
  float data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  Buffer buf{.data = data, .count = 8};
  comm->all_reduce(buf, buf, ReduceOp::kSum, "warmup");
  if (comm->rank() == 1) {
    if (kill) std::raise(SIGKILL);
    std::this_thread::sleep_for(std::chrono::seconds(60));  // skips 'grads'; the job is aborted
    return 0;
  }
  if (mode == "split") {
    auto child = comm->split(0, comm->rank());
  } else {
    comm->all_reduce(buf, buf, ReduceOp::kSum, "grads");
  }
  std::printf("rank %d finished, which it should not have\n", comm->rank());
  return 0;
}
