// A small MPI job that fails on purpose, run by mpi_failure_test under mpirun:
//   skip  - rank 1 skips the all-reduce 'grads' (sequence 1) and waits; the others must stall,
//           report which ranks reached it, and abort the job.
//   kill  - rank 1 kills itself with SIGKILL after the first collective; the job must end.
//   split - rank 1 skips split (sequence 1 of the world communicator); the others must stall in
//           it and report it like a collective.
// Early exits (issue 14: finalising MPI under peers inside a collective crashed or hung mpirun):
//   leave - rank 1 returns from main instead of calling 'grads'; the others stall in it.
//   truncate - with the check off, rank 1's broadcast fails with MPI_ERR_TRUNCATE and it returns
//           from main; the others stall in 'grads'. Rank 1 must abort the job.
//   pending - rank 1 starts 'grads' and returns from main before it completes (the others join it
//           only later). Rank 1 must abort the job.
// An optional second argument is ignored: the tests tag each job's processes with it.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "comm/communicator.h"

using tandem::comm::Buffer;
using tandem::comm::ReduceOp;

int main(int argc, char** argv) {
  const std::string mode = argc == 2 || argc == 3 ? argv[1] : "";
  if (mode != "skip" && mode != "kill" && mode != "split" && mode != "leave" &&
      mode != "truncate" && mode != "pending") {
    std::fprintf(stderr, "usage: %s skip|kill|split|leave|truncate|pending [tag]\n", argv[0]);
    return 2;
  }
  const bool kill = mode == "kill";
  auto comm = tandem::comm::make_communicator();
  float data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  Buffer buf{.data = data, .count = 8};
  comm->all_reduce(buf, buf, ReduceOp::kSum, "warmup");
  if (mode == "truncate") {
    // Without the check (which would name the mismatch on every rank instead), rank 1 expects 4
    // elements where the root sends 8: MPI_ERR_TRUNCATE on rank 1 only.
    tandem::comm::CommOptions options = comm->options();
    options.check = false;
    comm->set_options(options);
    Buffer part{.data = data, .count = comm->rank() == 1 ? size_t{4} : size_t{8}};
    try {
      comm->broadcast(part, 0, "params");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rank %d caught: %s\n", comm->rank(), e.what());
      return 1;
    }
  }
  if (comm->rank() == 1 && mode == "leave") return 0;
  if (comm->rank() == 1 && mode == "pending") {
    auto work = comm->iall_reduce(buf, buf, ReduceOp::kSum, "grads");
    return 0;  // without waiting for it
  }
  if (mode == "pending") std::this_thread::sleep_for(std::chrono::milliseconds(500));
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
