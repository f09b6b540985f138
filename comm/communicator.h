// Collective communication over raw buffers (DESIGN section 4). comm/ knows nothing of tensors:
// a Buffer is a pointer, an element count, a kernels::ScalarType and a device. Every backend
// implements one entry point, `submit`, which starts a described collective and returns a Work
// handle; the named methods below validate arguments and build the description.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/common/scalar_type.h"

namespace tandem::comm {

using kernels::ScalarType;

enum class ReduceOp { kSum, kAvg, kMin, kMax, kProduct };

// comm/ cannot see tandem::DistributedError (it sits below the tensor library); the distributed
// layer translates. Messages start with "[rank r/N] " in multi-rank runs.
class CommError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A buffer on the host (device < 0) or on CUDA device `device`.
struct Buffer {
  void* data = nullptr;
  size_t count = 0;
  ScalarType dtype = ScalarType::kFloat32;
  int device = -1;
};

// Completion handle of a non-blocking collective. A failed collective reports its message through
// error() and makes wait() throw CommError.
class Work {
 public:
  virtual ~Work() = default;
  virtual void wait() = 0;
  virtual bool test() = 0;          // true once complete (successfully or not)
  virtual std::string error() = 0;  // empty while pending or after success
};

enum class CollectiveKind {
  kAllReduce,
  kBroadcast,
  kAllGather,      // equal sizes: out holds size() * in.count elements, rank-major
  kAllGatherV,     // counts[r] elements from rank r, packed rank-major into out
  kReduceScatter,  // in holds size() * out.count elements; rank r receives block r reduced
  kAllToAll,       // in and out hold size() equal blocks; block j of rank i goes to block i of j
  kBarrier,
};

const char* kind_name(CollectiveKind kind);
const char* op_name(ReduceOp op);
const char* dtype_name(ScalarType t);
size_t element_size(ScalarType t);

// Everything a backend needs to run one collective. `sequence` numbers the collectives of one
// communicator from 0, so ranks can say how far they got when one stalls.
struct Collective {
  CollectiveKind kind = CollectiveKind::kBarrier;
  std::string name = {};
  uint64_t sequence = 0;
  Buffer in = {};
  Buffer out = {};
  ReduceOp op = ReduceOp::kSum;
  int root = 0;
  std::vector<size_t> counts = {};  // kAllGatherV only
  // A 16-bit all-reduce whose data travels and is reduced in 16 bits (fusion's compression);
  // otherwise backends without 16-bit reductions reduce in float32.
  bool wire_16bit = false;
};

struct CommOptions {
  // A collective not complete after this long is a stall: reported, then the job is aborted.
  // TANDEM_COMM_TIMEOUT (seconds) overrides the default.
  std::chrono::milliseconds timeout = std::chrono::milliseconds(300000);
  // all_reduce_many packs buffers of one dtype into groups up to this many bytes (0: no fusion).
  // TANDEM_FUSION_THRESHOLD (bytes) overrides the default.
  size_t fusion_threshold = size_t{64} << 20;
  // Buffers of more than this many bytes skip the fusion buffer and are all-reduced in place (one
  // collective each): for them copying in and out costs more than a collective's fixed latency
  // saves. Ignored with compression, which converts every float32 buffer.
  // TANDEM_FUSION_PACK_LIMIT (bytes) overrides the default.
  size_t fusion_pack_limit = size_t{256} << 10;
  // Debug mode: before each collective the ranks all-gather what they call (name, kind, size,
  // dtype, op, root), not only its hash as `check` does. Costs one more small all-gather per
  // collective. TANDEM_COMM_DEBUG=1 turns it on.
  bool fingerprint = false;
  // kFloat16 or kBFloat16: all_reduce_many sends float32 buffers in that type (half the bytes,
  // 16-bit precision); kFloat32 sends them as they are. TANDEM_FUSION_COMPRESSION=float16|bfloat16
  // |none overrides.
  ScalarType compression = ScalarType::kFloat32;
  // Before each collective the ranks compare a hash of what they call (kind, name, sequence,
  // element count, dtype, op, root) in one small all-reduce, and a mismatch fails the call on
  // every rank with what each rank called, instead of mixing unrelated data or hanging. Must be
  // the same on every rank. TANDEM_COMM_CHECK=0 turns it off (mpi backend).
  bool check = true;
};

// The defaults above with the environment overrides applied; throws CommError on a malformed value.
CommOptions options_from_env();

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual int local_rank() const = 0;
  virtual int local_size() const = 0;
  virtual std::string backend() const = 0;

  // Ranks with the same color form a sub-communicator, ordered by key then by rank. Collective.
  virtual std::unique_ptr<Communicator> split(int color, int key) = 0;

  // Non-blocking collectives. Buffers must stay valid until the Work completes.
  std::unique_ptr<Work> iall_reduce(const Buffer& in, const Buffer& out, ReduceOp op,
                                    const std::string& name);
  std::unique_ptr<Work> ibroadcast(const Buffer& buf, int root, const std::string& name);
  std::unique_ptr<Work> iall_gather(const Buffer& in, const Buffer& out, const std::string& name);
  std::unique_ptr<Work> iall_gather_v(const Buffer& in, const Buffer& out,
                                      const std::vector<size_t>& counts, const std::string& name);
  std::unique_ptr<Work> ireduce_scatter(const Buffer& in, const Buffer& out, ReduceOp op,
                                        const std::string& name);
  std::unique_ptr<Work> iall_to_all(const Buffer& in, const Buffer& out, const std::string& name);
  std::unique_ptr<Work> ibarrier(const std::string& name);
  // All-reduces each buffer in place; small buffers of one dtype share one collective through the
  // persistent fusion buffers (options().fusion_threshold). `compression` is the wire type of
  // float32 host buffers (kFloat32: exact; kFloat16 / kBFloat16: half the bytes); nullopt takes
  // options().compression. Callers whose sums must be exact (metric totals) pass kFloat32.
  std::unique_ptr<Work> iall_reduce_many(const std::vector<Buffer>& buffers, ReduceOp op,
                                         const std::string& name,
                                         std::optional<ScalarType> compression = std::nullopt);

  // Blocking forms: the non-blocking one, then wait().
  void all_reduce(const Buffer& in, const Buffer& out, ReduceOp op, const std::string& name);
  void broadcast(const Buffer& buf, int root, const std::string& name);
  void all_gather(const Buffer& in, const Buffer& out, const std::string& name);
  void all_gather_v(const Buffer& in, const Buffer& out, const std::vector<size_t>& counts,
                    const std::string& name);
  void reduce_scatter(const Buffer& in, const Buffer& out, ReduceOp op, const std::string& name);
  void all_to_all(const Buffer& in, const Buffer& out, const std::string& name);
  void barrier(const std::string& name = "barrier");
  void all_reduce_many(const std::vector<Buffer>& buffers, ReduceOp op, const std::string& name,
                       std::optional<ScalarType> compression = std::nullopt);

  const CommOptions& options() const { return options_; }
  void set_options(const CommOptions& options) { options_ = options; }

 protected:
  // Starts `c` (already validated; sequence not yet assigned).
  virtual std::unique_ptr<Work> submit(Collective c) = 0;
  // "[rank r/N] ", put in front of every error message.
  std::string prefix() const;
  // Hands an already checked collective to another communicator (same ranks) with this one's
  // options: how a wrapper reaches the backends it wraps.
  std::unique_ptr<Work> forward(Communicator& to, Collective c) const;

 private:
  std::unique_ptr<Work> checked_submit(Collective c);
  // A pooled fusion buffer of at least `bytes`; free again once the caller drops its reference.
  std::shared_ptr<std::vector<char>> acquire_fusion_buffer(size_t bytes);

  CommOptions options_ = options_from_env();
  std::vector<std::shared_ptr<std::vector<char>>> fusion_pool_;  // persistent across calls
};

// The single-process communicator: rank 0 of 1; collectives copy in to out.
std::unique_ptr<Communicator> make_local_communicator();

// The MPI communicator over MPI_COMM_WORLD (initialises MPI on its communication thread). Throws
// CommError when Tandem was built without MPI.
std::unique_ptr<Communicator> make_mpi_communicator();

// The NCCL communicator on CUDA device `device` (local_rank() modulo the visible devices when
// negative), its ncclUniqueId broadcast over `bootstrap` (an mpi communicator under a launcher, a
// local one for a single process). Throws CommError when Tandem was built without NCCL or no GPU
// is visible.
std::unique_ptr<Communicator> make_nccl_communicator(std::shared_ptr<Communicator> bootstrap,
                                                     int device = -1);

// True when a launcher (mpirun, srun) started this process as one of several.
bool launched_by_mpi_launcher();
// This process's rank in the launched job, from the launcher's environment (OMPI_COMM_WORLD_RANK,
// PMIX_RANK, PMI_RANK, SLURM_PROCID); 0 outside a launcher. Known before any communicator exists,
// so output that only rank 0 prints (the progress bar) needs no MPI.
int launcher_rank();

// The communicator for this process, chosen by each buffer's device: host buffers go to "mpi"
// under a launcher and "local" otherwise (TANDEM_COMM_BACKEND=local|mpi overrides), CUDA buffers
// to an nccl communicator bootstrapped over the host one, created by the first device
// collective. backend() names the host backend.
std::unique_ptr<Communicator> make_communicator();

}  // namespace tandem::comm
