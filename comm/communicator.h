// Collective communication over raw buffers (DESIGN section 4). This is the interface every backend
// implements; the `local` backend (size 1) is always built. MPI and NCCL backends come with the
// collective-communication work.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kernels/common/scalar_type.h"

namespace tandem::comm {

using kernels::ScalarType;

enum class ReduceOp { kSum, kAvg, kMin, kMax, kProduct };

// A buffer on the host (device < 0) or on CUDA device `device`.
struct Buffer {
  void* data = nullptr;
  size_t count = 0;
  ScalarType dtype = ScalarType::kFloat32;
  int device = -1;
};

// Completion handle of a non-blocking collective.
class Work {
 public:
  virtual ~Work() = default;
  virtual void wait() = 0;  // throws on failure
  virtual bool test() = 0;  // true when complete
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual int local_rank() const = 0;
  virtual int local_size() const = 0;
  virtual std::string backend() const = 0;

  // `name` identifies the collective in stall and mismatch reports.
  virtual std::unique_ptr<Work> all_reduce(const Buffer& in, const Buffer& out, ReduceOp op,
                                           const std::string& name) = 0;
  virtual std::unique_ptr<Work> broadcast(const Buffer& buf, int root, const std::string& name) = 0;
  // out holds size() * in.count elements, rank-major.
  virtual std::unique_ptr<Work> all_gather(const Buffer& in, const Buffer& out,
                                           const std::string& name) = 0;
  virtual void barrier() = 0;
};

// The single-process communicator: rank 0 of 1; collectives copy in to out.
std::unique_ptr<Communicator> make_local_communicator();

size_t element_size(ScalarType t);

}  // namespace tandem::comm
