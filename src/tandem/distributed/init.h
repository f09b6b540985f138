// Process start for data parallelism (DESIGN section 4): rank, size and local rank from the
// communicator, the launcher cross-checks, the device and thread choice per rank, and the startup
// table. A single process needs no launcher and no MPI.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tandem/core/device.h"

namespace tandem::distributed {

class Strategy;

// Starts data parallelism once per process and returns the process's default strategy:
// DataParallel when a launcher (mpirun, srun) started this process as one of several ranks, the
// one-process default otherwise. Called implicitly by the first fit / tape.gradient /
// apply_gradients; call it first to fail early or to see the startup table before other output.
// A launcher whose variables disagree with MPI (srun starting N singletons) ends with
// DistributedError naming both.
std::shared_ptr<Strategy> init();

// The device of the replica with `local_rank` on a node where `gpus` GPUs are visible (DESIGN
// section 4; CUDA_VISIBLE_DEVICES decides the count): cuda:(local_rank % gpus), or the CPU when
// there is none. The startup table reports it and the NCCL communicator uses it. It is not yet
// the process's default device, because most CUDA kernels are not written yet (DESIGN section 5):
// place a model there with DeviceScope once they are.
Device replica_device(int local_rank, int gpus = cuda_device_count());

// One row of the startup table.
struct RankInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  std::string host;
  std::string device;   // "cpu" or "cuda:N" (local rank modulo the visible GPUs)
  std::string backend;  // the host communicator's ("mpi", "local")
  int threads = 1;      // OpenMP threads of this rank
};
// The table rank 0 prints at start: a header, then one line per rank.
std::string format_rank_table(const std::vector<RankInfo>& rows);

}  // namespace tandem::distributed
