// The `mpi` backend's Communicator: numbers collectives, hands them to the communication thread
// (mpi_runtime.h) and returns Work handles that wait on the thread's completion signal.
#include <cstdlib>

#include "comm/mpi_runtime.h"

namespace tandem::comm {
namespace {

// How long Work::wait spins (yielding) before it blocks on the condition variable
// (TANDEM_MPI_SPIN_US overrides; 0: block at once). Waking a blocked thread cost ~5-10 µs here,
// 5-9% of a 1 MB all-reduce; 1 ms covers collectives up to ~8 MB, and MPI's own blocking calls
// busy-poll too.
const std::chrono::microseconds kSpin = [] {
  const char* text = std::getenv("TANDEM_MPI_SPIN_US");
  return std::chrono::microseconds(text != nullptr && *text ? std::atol(text) : 1000);
}();

class MpiWork : public Work {
 public:
  explicit MpiWork(std::shared_ptr<mpi::WorkState> state) : state_(std::move(state)) {}
  void wait() override {
    const auto spin_until = std::chrono::steady_clock::now() + kSpin;
    while (!state_->ready.load(std::memory_order_acquire) &&
           std::chrono::steady_clock::now() < spin_until)
      std::this_thread::yield();
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->done_cv.wait(lock, [&] { return state_->done; });
    if (!state_->error.empty()) throw CommError(state_->error);
  }
  bool test() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->done;
  }
  std::string error() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->error;
  }

 private:
  std::shared_ptr<mpi::WorkState> state_;
};

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator(std::shared_ptr<mpi::Runtime> runtime, std::shared_ptr<mpi::CommState> state)
      : runtime_(std::move(runtime)), state_(std::move(state)) {}
  ~MpiCommunicator() override {
    // Freed at once when idle, so an application that initialised MPI itself may finalise it
    // right after; with collectives still in flight the comm thread frees it when they end.
    runtime_->close(state_);
  }

  int rank() const override { return state_->rank; }
  int size() const override { return state_->size; }
  int local_rank() const override { return state_->local_rank; }
  int local_size() const override { return state_->local_size; }
  std::string backend() const override { return "mpi"; }

  std::unique_ptr<Communicator> split(int color, int key) override {
    if (color < 0)
      throw CommError(prefix() + "split: color must be non-negative, got " + std::to_string(color));
    // A split is a collective of this communicator: it takes a sequence number, so a rank that
    // never calls it is reported by the watchdog like a stalled all-reduce.
    std::shared_ptr<mpi::CommState> child =
        runtime_->split(state_, color, key, next_sequence_++, options().timeout, options().check,
                        options().fingerprint);
    auto result = std::make_unique<MpiCommunicator>(runtime_, child);
    result->set_options(options());
    return result;
  }

 protected:
  std::unique_ptr<Work> submit(Collective c) override {
    if (c.in.device >= 0 || c.out.device >= 0)
      throw CommError(prefix() + kind_name(c.kind) + " '" + c.name +
                      "': the mpi backend takes host buffers; device buffers need nccl");
    auto p = std::make_unique<mpi::Pending>();
    c.sequence = next_sequence_++;
    p->c = std::move(c);
    p->comm = state_;
    p->state = std::make_shared<mpi::WorkState>();
    p->timeout = options().timeout;
    p->check = options().check;
    p->fingerprint = options().fingerprint;
    auto work = std::make_unique<MpiWork>(p->state);
    runtime_->start(std::move(p));
    return work;
  }

 private:
  std::shared_ptr<mpi::Runtime> runtime_;
  std::shared_ptr<mpi::CommState> state_;
  uint64_t next_sequence_ = 0;
};

// Launchers export the job size; a mismatch with MPI's means the processes did not join one job
// (e.g. srun without MPI support starting N singletons), which would otherwise train N copies.
void check_launcher_size(int world_size) {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"}) {
    const char* text = std::getenv(var);
    if (text == nullptr || *text == '\0') continue;
    const int expected = std::atoi(text);
    if (expected > 0 && expected != world_size)
      throw CommError(std::string("launcher variable ") + var + "=" + text +
                      " but MPI_COMM_WORLD has " + std::to_string(world_size) +
                      " ranks: the processes did not start as one MPI job");
    return;
  }
}

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() {
  auto runtime = mpi::Runtime::get();
  check_launcher_size(runtime->world_size());
  std::shared_ptr<mpi::CommState> state;
  runtime->run_sync([&] {
    MPI_Comm world;
    MPI_Comm_dup(MPI_COMM_WORLD, &world);
    state = runtime->adopt(world);
  });
  return std::make_unique<MpiCommunicator>(runtime, state);
}

}  // namespace tandem::comm
