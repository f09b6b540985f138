// A small MPI job that fails on purpose, run by mpi_failure_test under mpirun:
//   skip  - rank 1 skips the all-reduce 'grads' (sequence 1) and waits; the others must stall,
//           report which ranks reached it, and abort the job.
//   kill  - rank 1 kills itself with SIGKILL after the first collective; the job must end.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include "comm/communicator.h"

using tandem::comm::Buffer;
using tandem::comm::ReduceOp;

int main(int argc, char** argv) {
  if (argc != 2 || (std::strcmp(argv[1], "skip") != 0 && std::strcmp(argv[1], "kill") != 0)) {
    std::fprintf(stderr, "usage: %s skip|kill\n", argv[0]);
    return 2;
  }
  const bool kill = std::strcmp(argv[1], "kill") == 0;
  auto comm = tandem::comm::make_communicator();
  float data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  Buffer buf{.data = data, .count = 8};
  comm->all_reduce(buf, buf, ReduceOp::kSum, "warmup");
  if (comm->rank() == 1) {
    if (kill) std::raise(SIGKILL);
    std::this_thread::sleep_for(std::chrono::seconds(60));  // skips 'grads'; the job is aborted
    return 0;
  }
  comm->all_reduce(buf, buf, ReduceOp::kSum, "grads");
  std::printf("rank %d finished, which it should not have\n", comm->rank());
  return 0;
}
