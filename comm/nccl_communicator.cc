// The `nccl` backend: collectives on CUDA device buffers, enqueued on the communicator's own
// stream (so they overlap with compute streams), with the ncclUniqueId bootstrapped over another
// communicator (mpi under a launcher). Work handles poll a CUDA event and ncclCommGetAsyncError;
// an asynchronous error or a stall past the timeout aborts the NCCL communicator with
// ncclCommAbort and reports the collective's name and sequence number.
#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <thread>

#include "comm/communicator.h"

namespace tandem::comm {
namespace {

ncclDataType_t nccl_type(ScalarType t) {
  switch (t) {
    case ScalarType::kFloat64:
      return ncclFloat64;
    case ScalarType::kFloat16:
      return ncclFloat16;
    case ScalarType::kBFloat16:
      return ncclBfloat16;
    case ScalarType::kInt32:
      return ncclInt32;
    case ScalarType::kInt64:
      return ncclInt64;
    case ScalarType::kUInt8:
      return ncclUint8;
    default:
      return ncclFloat32;
  }
}

ncclRedOp_t nccl_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kAvg:
      return ncclAvg;
    case ReduceOp::kMin:
      return ncclMin;
    case ReduceOp::kMax:
      return ncclMax;
    case ReduceOp::kProduct:
      return ncclProd;
    default:
      return ncclSum;
  }
}

// Shared by a communicator and its Work handles, which may outlive it.
struct NcclState {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  int device = 0;
  bool aborted = false;
  std::string prefix;
  ~NcclState() {
    if (comm != nullptr && !aborted) ncclCommDestroy(comm);
    if (stream != nullptr) cudaStreamDestroy(stream);
  }
};

class NcclWork : public Work {
 public:
  NcclWork(std::shared_ptr<NcclState> state, std::string what, std::chrono::milliseconds timeout)
      : state_(std::move(state)), what_(std::move(what)), timeout_(timeout) {
    cudaSetDevice(state_->device);
    cudaEventCreateWithFlags(&event_, cudaEventDisableTiming);
    cudaEventRecord(event_, state_->stream);
    start_ = std::chrono::steady_clock::now();
  }
  ~NcclWork() override { cudaEventDestroy(event_); }

  void wait() override {
    while (!test()) std::this_thread::sleep_for(std::chrono::microseconds(50));
    if (!error_.empty()) throw CommError(error_);
  }
  bool test() override {
    if (done_) return true;
    cudaError_t status = cudaEventQuery(event_);
    if (status == cudaSuccess) return done_ = true;
    if (status != cudaErrorNotReady)
      return fail(std::string("CUDA: ") + cudaGetErrorString(status));
    ncclResult_t async = ncclSuccess;
    ncclCommGetAsyncError(state_->comm, &async);
    if (async != ncclSuccess && async != ncclInProgress)
      return fail(std::string("NCCL: ") + ncclGetErrorString(async));
    if (std::chrono::steady_clock::now() - start_ > timeout_)
      return fail("did not complete within " +
                  std::to_string(static_cast<double>(timeout_.count()) / 1000.0) +
                  " s (a rank skipped it or died)");
    return false;
  }
  std::string error() override { return error_; }

 private:
  bool fail(const std::string& why) {
    if (!state_->aborted) {
      ncclCommAbort(state_->comm);  // unblocks the stream; the communicator is unusable after
      state_->aborted = true;
    }
    error_ = state_->prefix + what_ + " failed: " + why + "; the NCCL communicator was aborted";
    return done_ = true;
  }

  std::shared_ptr<NcclState> state_;
  std::string what_;
  std::chrono::milliseconds timeout_;
  cudaEvent_t event_ = nullptr;
  std::chrono::steady_clock::time_point start_;
  bool done_ = false;
  std::string error_;
};

class NcclCommunicator : public Communicator {
 public:
  NcclCommunicator(std::shared_ptr<Communicator> bootstrap, std::shared_ptr<NcclState> state)
      : bootstrap_(std::move(bootstrap)), state_(std::move(state)) {}

  int rank() const override { return bootstrap_->rank(); }
  int size() const override { return bootstrap_->size(); }
  int local_rank() const override { return bootstrap_->local_rank(); }
  int local_size() const override { return bootstrap_->local_size(); }
  std::string backend() const override { return "nccl"; }
  std::unique_ptr<Communicator> split(int color, int key) override {
    std::shared_ptr<Communicator> sub = bootstrap_->split(color, key);
    return make_nccl_communicator(sub, state_->device);
  }

 protected:
  std::unique_ptr<Work> submit(Collective c) override;

 private:
  void check(ncclResult_t r, const std::string& what) {
    if (r != ncclSuccess && r != ncclInProgress)
      throw CommError(prefix() + what + ": " + ncclGetErrorString(r));
  }
  void enqueue(const Collective& c);

  std::shared_ptr<Communicator> bootstrap_;
  std::shared_ptr<NcclState> state_;
  uint64_t next_sequence_ = 0;
};

void NcclCommunicator::enqueue(const Collective& c) {
  const ncclDataType_t type = nccl_type(c.in.dtype);
  const size_t esize = element_size(c.in.dtype);
  ncclComm_t comm = state_->comm;
  cudaStream_t stream = state_->stream;
  const std::string what = kind_name(c.kind);
  switch (c.kind) {
    case CollectiveKind::kAllReduce:
      check(ncclAllReduce(c.in.data, c.out.data, c.in.count, type, nccl_op(c.op), comm, stream),
            what);
      break;
    case CollectiveKind::kBroadcast:
      check(ncclBroadcast(c.in.data, c.in.data, c.in.count, type, c.root, comm, stream), what);
      break;
    case CollectiveKind::kAllGather:
      check(ncclAllGather(c.in.data, c.out.data, c.in.count, type, comm, stream), what);
      break;
    case CollectiveKind::kReduceScatter:
      check(
          ncclReduceScatter(c.in.data, c.out.data, c.out.count, type, nccl_op(c.op), comm, stream),
          what);
      break;
    case CollectiveKind::kAllGatherV: {
      // One broadcast per rank into its slice of the output, fused by a group call.
      check(ncclGroupStart(), what);
      size_t offset = 0;
      for (size_t r = 0; r < c.counts.size(); ++r) {
        char* dst = static_cast<char*>(c.out.data) + offset * esize;
        const void* src = static_cast<int>(r) == rank() ? c.in.data : dst;
        check(ncclBroadcast(src, dst, c.counts[r], type, static_cast<int>(r), comm, stream), what);
        offset += c.counts[r];
      }
      check(ncclGroupEnd(), what);
      break;
    }
    case CollectiveKind::kAllToAll: {
      const size_t block = c.in.count / static_cast<size_t>(size());
      if (c.in.data == c.out.data && block > 0)
        throw CommError(prefix() + "all_to_all '" + c.name +
                        "': the nccl backend needs distinct input and output buffers");
      check(ncclGroupStart(), what);
      for (int r = 0; r < size(); ++r) {
        const size_t at = static_cast<size_t>(r) * block * esize;
        check(ncclSend(static_cast<const char*>(c.in.data) + at, block, type, r, comm, stream),
              what);
        check(ncclRecv(static_cast<char*>(c.out.data) + at, block, type, r, comm, stream), what);
      }
      check(ncclGroupEnd(), what);
      break;
    }
    case CollectiveKind::kBarrier: {
      // NCCL has no barrier: an all-reduce of nothing still synchronises every rank.
      check(ncclAllReduce(nullptr, nullptr, 0, ncclInt32, ncclSum, comm, stream), what);
      break;
    }
  }
}

std::unique_ptr<Work> NcclCommunicator::submit(Collective c) {
  const bool host = c.kind != CollectiveKind::kBarrier &&
                    (c.in.device != state_->device || c.out.device != state_->device);
  if (host)
    throw CommError(prefix() + kind_name(c.kind) + " '" + c.name + "': the nccl backend takes " +
                    "buffers on CUDA device " + std::to_string(state_->device) + ", got devices " +
                    std::to_string(c.in.device) + " and " + std::to_string(c.out.device));
  if (state_->aborted)
    throw CommError(prefix() + kind_name(c.kind) + " '" + c.name +
                    "': the NCCL communicator was aborted after an earlier failure");
  c.sequence = next_sequence_++;
  cudaSetDevice(state_->device);
  enqueue(c);
  return std::make_unique<NcclWork>(state_,
                                    std::string(kind_name(c.kind)) + " '" + c.name +
                                        "' (sequence " + std::to_string(c.sequence) + ")",
                                    options().timeout);
}

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(std::shared_ptr<Communicator> bootstrap,
                                                     int device) {
  const std::string prefix =
      "[rank " + std::to_string(bootstrap->rank()) + "/" + std::to_string(bootstrap->size()) + "] ";
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0)
    throw CommError(prefix + "nccl communicator: no CUDA device is visible");
  if (device < 0) device = bootstrap->local_rank() % devices;
  if (device >= devices)
    throw CommError(prefix + "nccl communicator: device " + std::to_string(device) +
                    " requested, " + std::to_string(devices) + " visible");
  // Rank 0 makes the unique id; the bootstrap communicator carries it to everyone.
  ncclUniqueId id{};
  if (bootstrap->rank() == 0 && ncclGetUniqueId(&id) != ncclSuccess)
    throw CommError(prefix + "nccl communicator: ncclGetUniqueId failed");
  bootstrap->broadcast({.data = &id, .count = sizeof id, .dtype = ScalarType::kUInt8}, 0,
                       "nccl_unique_id");
  auto state = std::make_shared<NcclState>();
  state->device = device;
  state->prefix = prefix;
  cudaSetDevice(device);
  if (cudaStreamCreateWithFlags(&state->stream, cudaStreamNonBlocking) != cudaSuccess)
    throw CommError(prefix + "nccl communicator: cannot create its CUDA stream");
  ncclResult_t r = ncclCommInitRank(&state->comm, bootstrap->size(), id, bootstrap->rank());
  if (r != ncclSuccess)
    throw CommError(prefix +
                    "nccl communicator: ncclCommInitRank failed: " + ncclGetErrorString(r));
  auto comm = std::make_unique<NcclCommunicator>(std::move(bootstrap), std::move(state));
  return comm;
}

}  // namespace tandem::comm
