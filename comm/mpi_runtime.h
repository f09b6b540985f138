// The process-wide owner of MPI: one communication thread initialises MPI and runs every
// collective, in submission order; compute threads only enqueue and wait on Work handles, so none
// of them ever blocks inside MPI. Two modes (see Runtime::blocking_): blocking MPI calls with a
// watchdog thread on the side channel (MPI_THREAD_MULTIPLE), or non-blocking calls polled by the
// comm thread, which then serves the side channel and the timeout itself. Before each collective
// the ranks check that they all call the same one (see Fingerprint). At exit a process finalises
// MPI only after every rank has come to exit, and aborts the job instead when a collective failed
// in MPI on it or is not complete. Internal to comm/.
#pragma once

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "comm/communicator.h"

namespace tandem::comm::mpi {

// Completion state shared by the comm thread (writer) and a Work handle (reader).
struct WorkState {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::string error;
  // Set (release) after `done` and `error`: lets a waiter spin briefly without the mutex.
  std::atomic<bool> ready{false};
};

// One MPI communicator as the comm thread sees it. `comm` carries the collectives; `side`, a
// duplicate, carries only stall queries and replies so it works while `comm` is stuck.
struct CommState {
  MPI_Comm comm = MPI_COMM_NULL;
  MPI_Comm side = MPI_COMM_NULL;
  MPI_Comm check = MPI_COMM_NULL;  // debug mode's fingerprint all-gathers
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  int local_size = 1;
  std::vector<int> world_ranks;      // rank in this communicator -> rank in MPI_COMM_WORLD
  std::atomic<uint64_t> started{0};  // collectives started here (read by the stall side channel)
  bool closing = false;              // its Communicator is gone; free once idle
  int active = 0;                    // collectives in flight
  // Collectives handed to the comm thread and not yet complete (any thread may read it).
  std::atomic<int64_t> outstanding{0};
};

// What a rank says it is calling. Before each collective the ranks compare a hash of it (one
// small all-reduce on the check channel); when the hashes differ, or in debug mode, they
// all-gather the fingerprints themselves to say who calls what.
struct Fingerprint {
  uint64_t sequence = 0;
  uint64_t count = 0;
  uint64_t counts_hash = 0;  // all_gather_v: the per-rank counts, which every rank must agree on
  int32_t kind = 0;          // a CollectiveKind, or kSplitKind
  int32_t dtype = 0;
  int32_t op = 0;
  int32_t root = 0;
  char name[64] = {};
};
static_assert(sizeof(Fingerprint) == 104, "no padding: the hash reads every byte");
constexpr int32_t kSplitKind = 100;  // Fingerprint::kind of a split
Fingerprint fingerprint_of(const Collective& c);
uint64_t hash_of(const Fingerprint& f);

// How far the check before a collective has got (see Fingerprint).
enum class Stage {
  kCheck,        // the hash all-reduce is the request in flight
  kFingerprint,  // the fingerprint all-gather is the request in flight
  kRun,          // the collective itself
};

// A collective in flight, with everything that must outlive the MPI call.
struct Pending {
  Collective c;
  std::shared_ptr<CommState> comm;
  std::shared_ptr<WorkState> state;
  MPI_Request request = MPI_REQUEST_NULL;
  std::vector<float> in_f, out_f;  // float staging for 16-bit reductions
  std::vector<char> staging;       // input copy for in-place all_to_all
  std::vector<int> counts, displs;
  bool check = true;         // compare the call's hash across ranks first (CommOptions::check)
  bool fingerprint = false;  // debug mode: all-gather the fingerprints of every call
  Stage stage = Stage::kRun;
  bool check_complete = false;  // polling mode: the check stage's request completed (check_rc)
  int check_rc = 0;
  Fingerprint own;  // the send buffer of the fingerprint all-gather
  // hash, ~hash, debug flag: one MPI_MAX all-reduce on the check channel tells whether all hashes
  // agree (max == min) and whether any rank wants the fingerprints, which are then all-gathered
  // into `prints` on the side channel (so no rank posts two check-channel collectives in another
  // order than its peers).
  uint64_t check_send[3] = {};
  uint64_t check_recv[3] = {};
  std::vector<Fingerprint> prints;
  std::chrono::steady_clock::time_point start;
  std::chrono::milliseconds timeout{300000};  // the submitting communicator's watchdog limit
  std::string split;  // non-empty for a split: "color c, key k" (c describes no collective then)
};

class Runtime {
 public:
  // The runtime, started (and MPI initialised) on first use; throws CommError if that fails.
  static std::shared_ptr<Runtime> get();
  ~Runtime();

  int world_rank() const { return world_rank_; }
  int world_size() const { return world_size_; }

  // Runs `task` on the comm thread and waits for it; rethrows what it throws.
  void run_sync(const std::function<void()>& task);
  // Hands `p` to the comm thread, which starts it in submission order.
  void start(std::unique_ptr<Pending> p);

  // Splits `parent` (MPI_Comm_split) as its collective number `sequence`, on the comm thread and,
  // in the blocking mode, under the watchdog: a rank that never calls it is reported after
  // `timeout` like a stalled collective. `check` and `fingerprint` as for Pending. Returns the
  // child, adopted.
  std::shared_ptr<CommState> split(const std::shared_ptr<CommState>& parent, int color, int key,
                                   uint64_t sequence, std::chrono::milliseconds timeout, bool check,
                                   bool fingerprint);
  // Comm thread only: wraps `comm` (which it takes ownership of) with its side channel.
  std::shared_ptr<CommState> adopt(MPI_Comm comm);
  // Its Communicator is gone: frees `s` now when idle (so an application that initialised MPI
  // may finalise it right after), else once its collectives end. Never after a collective failed
  // in MPI: that process aborts the job when it exits.
  void close(const std::shared_ptr<CommState>& s);
  // Comm thread only: frees the communicators marked closing that have nothing in flight.
  void free_closed_communicators();

 private:
  Runtime() = default;
  void launch();
  void loop();
  void initialise();
  void begin(std::unique_ptr<Pending> p);
  int start_mpi(Pending* p, bool blocking);
  void run_blocking(std::unique_ptr<Pending> p);
  std::string check_blocking(Pending* p);
  bool advance_check(Pending* p, int rc);
  void watch();
  bool launch_collective(Pending* p);
  void fail(Pending* p, const std::string& error);
  void complete(Pending& p, std::string error);
  std::string describe_mismatch(const Pending& p) const;
  std::string mpi_failure(const Pending& p, const char* what, int mpi_status);
  void finish(Pending& p, int mpi_status);
  bool progress();
  void serve_queries();
  void check_stalls();
  [[noreturn]] void report_stall(const Pending& p);
  std::string exit_abort_reason();
  [[noreturn]] void abort_job(const std::string& message);
  void exit_barrier();
  void shutdown_mpi();

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;

  std::string abort_reason_;  // set (mutex_) by the destructor: the comm thread aborts the job
  // (mutex_) Collectives handed to the comm thread and not complete, over every communicator: a
  // process that exits with some aborts the job instead of finalising MPI under its peers.
  std::vector<const Pending*> in_flight_;

  std::exception_ptr init_error_;
  bool initialised_by_us_ = false;
  MPI_Comm exit_comm_ = MPI_COMM_NULL;  // a duplicate of the world for the barrier at exit

  // The first collective that failed inside MPI (poison_mutex_): its peers may still sit in it,
  // and MPI's state is unknown, so this process aborts the job when it exits.
  std::atomic<bool> poisoned_{false};
  std::mutex poison_mutex_;
  std::string poison_;
  std::atomic<bool> exiting_{false};  // in the barrier at exit: stall replies say so
  int world_rank_ = 0;
  int world_size_ = 1;

  // With MPI_THREAD_MULTIPLE the comm thread runs each collective as a blocking MPI call (the
  // tuned algorithms, faster than the non-blocking ones) and a watchdog thread serves the side
  // channel and the timeout. Otherwise the comm thread starts non-blocking calls and does both
  // itself between polls. TANDEM_MPI_PROGRESS=poll forces the second mode.
  bool blocking_ = false;
  size_t chunk_bytes_ = 0;  // blocking all-reduces run in pieces of this many bytes (0: whole)
  std::thread watchdog_;
  std::mutex watch_mutex_;
  std::condition_variable watch_cv_;
  bool watch_stop_ = false;
  Pending* current_ = nullptr;  // the blocking collective in flight (watch_mutex_)

  std::mutex comms_mutex_;  // comms_: changed by the comm thread, read by the watchdog
  std::vector<std::shared_ptr<CommState>> comms_;
  std::list<std::unique_ptr<Pending>> active_;  // comm thread only (polling mode)
  std::list<std::pair<MPI_Request, std::unique_ptr<uint64_t>>> replies_;  // serve_queries only
};

}  // namespace tandem::comm::mpi
