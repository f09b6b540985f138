// The MPI communication thread: initialisation, the start/progress/finish cycle of collectives,
// and the watchdog with its side channel (see mpi_runtime.h).
#include "comm/mpi_runtime.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <sstream>

namespace tandem::comm::mpi {
namespace {

constexpr int kQueryTag = 1;  // payload: the stalled sequence number
constexpr int kReplyTag = 2;  // payload: how many collectives the replying rank has started
// Set in a reply when the replying rank has left its program and waits in the barrier at exit.
constexpr uint64_t kExitingBit = uint64_t{1} << 63;

// Waiting for stall replies longer than this only delays the abort: a live rank answers within
// milliseconds because its comm thread never blocks.
constexpr std::chrono::milliseconds kReplyWindow(3000);

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<size_t>(length));
}

bool is_16bit_float(ScalarType t) {
  return t == ScalarType::kFloat16 || t == ScalarType::kBFloat16;
}

MPI_Datatype mpi_type(ScalarType t) {
  switch (t) {
    case ScalarType::kFloat32:
      return MPI_FLOAT;
    case ScalarType::kFloat64:
      return MPI_DOUBLE;
    case ScalarType::kInt32:
      return MPI_INT32_T;
    case ScalarType::kInt64:
      return MPI_INT64_T;
    case ScalarType::kUInt8:
      return MPI_UINT8_T;
    default:
      return MPI_FLOAT;  // 16-bit floats are reduced through float staging buffers
  }
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kMin:
      return MPI_MIN;
    case ReduceOp::kMax:
      return MPI_MAX;
    case ReduceOp::kProduct:
      return MPI_PROD;
    default:
      return MPI_SUM;  // avg is a sum divided by the size afterwards
  }
}

// MPI reduction functions for 16-bit floats carried as MPI_UINT16_T (fusion's wire
// compression): each pair is combined in float and rounded back to 16 bits.
template <class T, ReduceOp kOp>
void reduce_16bit(void* in, void* inout, int* len, MPI_Datatype*) {
  const T* a = static_cast<const T*>(in);
  T* b = static_cast<T*>(inout);
  for (int i = 0; i < *len; ++i) {
    const float x = static_cast<float>(a[i]), y = static_cast<float>(b[i]);
    float r = x + y;  // kSum and kAvg (divided at the end)
    if constexpr (kOp == ReduceOp::kMin) r = std::min(x, y);
    if constexpr (kOp == ReduceOp::kMax) r = std::max(x, y);
    if constexpr (kOp == ReduceOp::kProduct) r = x * y;
    b[i] = T(r);
  }
}

template <class T>
MPI_Op make_16bit_op(ReduceOp op) {
  MPI_User_function* fn = &reduce_16bit<T, ReduceOp::kSum>;
  if (op == ReduceOp::kMin) fn = &reduce_16bit<T, ReduceOp::kMin>;
  if (op == ReduceOp::kMax) fn = &reduce_16bit<T, ReduceOp::kMax>;
  if (op == ReduceOp::kProduct) fn = &reduce_16bit<T, ReduceOp::kProduct>;
  MPI_Op result;
  MPI_Op_create(fn, 1, &result);
  return result;
}

// The 16-bit reduction op for (dtype, op), created once on the comm thread.
MPI_Op wire_16bit_op(ScalarType t, ReduceOp op) {
  static MPI_Op ops[2][5] = {};
  static bool made = false;
  if (!made) {
    for (int k = 0; k < 5; ++k) {
      ops[0][k] = make_16bit_op<kernels::Half>(static_cast<ReduceOp>(k));
      ops[1][k] = make_16bit_op<kernels::BFloat16>(static_cast<ReduceOp>(k));
    }
    made = true;
  }
  return ops[t == ScalarType::kBFloat16 ? 1 : 0][static_cast<int>(op)];
}

void to_float(const Buffer& b, std::vector<float>* out) {
  out->resize(b.count);
  kernels::visit_float(b.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* src = static_cast<const T*>(b.data);
    for (size_t i = 0; i < b.count; ++i) (*out)[i] = static_cast<float>(src[i]);
  });
}

void from_float(const std::vector<float>& in, float scale, const Buffer& b) {
  kernels::visit_float(b.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* dst = static_cast<T*>(b.data);
    for (size_t i = 0; i < b.count; ++i) dst[i] = T(in[i] * scale);
  });
}

void divide(const Buffer& b, int n) {
  kernels::visit_numeric(b.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      T* data = static_cast<T*>(b.data);
      // Integers divide with truncation, like an integer mean in TensorFlow.
      for (size_t i = 0; i < b.count; ++i) data[i] = static_cast<T>(data[i] / static_cast<T>(n));
    }
  });
}

// TANDEM_MPI_CHUNK: the largest piece, in bytes, a blocking all-reduce hands to one
// MPI_Allreduce (0: the whole buffer at once). A large all-reduce streams its data through memory
// several times (reduce-scatter, then all-gather, staged through shared memory); on the 2-core
// development VM 16 MiB pieces of a 64 MB all-reduce ran 2x faster than one call, and 2-4 MiB
// pieces of 100 MB 2.5x. 16 MiB, not 4: with 4 MiB the ResNet-50 set (tensors up to 9.4 MB) was
// slow in more runs (medians 39 vs 25 ms), and messages up to 16 MB gain nothing from pieces.
size_t chunk_bytes_from_env() {
  const char* text = std::getenv("TANDEM_MPI_CHUNK");
  if (text == nullptr || *text == '\0') return size_t{16} << 20;
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= 0))
    throw CommError(
        std::string("TANDEM_MPI_CHUNK: expected a non-negative number of bytes, got '") + text +
        "'");
  return static_cast<size_t>(v);
}

// MPI_Allreduce in pieces of at most `chunk` bytes (element-aligned), in order. Each element is
// reduced by exactly one call, so the pieces give what one call over the same elements would on
// two ranks; with more ranks MPI may pick another algorithm per size (as for any two sizes).
int chunked_all_reduce(const void* send, void* recv, int count, MPI_Datatype type, MPI_Op op,
                       MPI_Comm comm, size_t chunk) {
  int type_size = 1;
  MPI_Type_size(type, &type_size);
  const size_t esize = static_cast<size_t>(type_size);
  const size_t per_call =
      chunk == 0 ? static_cast<size_t>(count) : std::max<size_t>(1, chunk / esize);
  if (static_cast<size_t>(count) <= per_call)
    return MPI_Allreduce(send, recv, count, type, op, comm);
  for (size_t offset = 0; offset < static_cast<size_t>(count); offset += per_call) {
    const int n = static_cast<int>(std::min(per_call, static_cast<size_t>(count) - offset));
    const void* from =
        send == MPI_IN_PLACE ? MPI_IN_PLACE : static_cast<const char*>(send) + offset * esize;
    const int rc =
        MPI_Allreduce(from, static_cast<char*>(recv) + offset * esize, n, type, op, comm);
    if (rc != MPI_SUCCESS) return rc;
  }
  return MPI_SUCCESS;
}

int checked_int(size_t n, const Collective& c) {
  if (n > static_cast<size_t>(INT_MAX))
    throw CommError(std::string(kind_name(c.kind)) + " '" + c.name + "': " + std::to_string(n) +
                    " elements exceed MPI's int count limit " + std::to_string(INT_MAX));
  return static_cast<int>(n);
}

std::string rank_list(const std::vector<int>& ranks) {
  if (ranks.empty()) return "none";
  std::string s;
  for (int r : ranks) s += (s.empty() ? "" : ", ") + std::to_string(r);
  return s;
}

// A 64-bit mix of `words` (position-dependent, so reordered fields hash differently).
uint64_t mix(const uint64_t* words, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= words[i];
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  }
  return h;
}

// "all_reduce 'grads' (sequence 3)", or "split (sequence 3)".
std::string what_of(const Pending& p) {
  const std::string head =
      p.split.empty() ? std::string(kind_name(p.c.kind)) + " '" + p.c.name + "'" : "split";
  return head + " (sequence " + std::to_string(p.c.sequence) + ")";
}

// Fills the check's send buffer: the call's hash, its complement (so one MPI_MAX gives the
// maximum and the minimum hash), and the debug flag.
void prepare_check(Pending* p) {
  p->own = fingerprint_of(p->c);
  if (!p->split.empty()) {
    p->own.kind = kSplitKind;  // color and key differ between ranks by design
    p->own.count = 0;
  }
  const uint64_t h = hash_of(p->own);
  p->check_send[0] = h;
  p->check_send[1] = ~h;
  p->check_send[2] = p->fingerprint ? 1 : 0;
}

// After the check's all-reduce: whether the ranks must all-gather their fingerprints (some hash
// differs, or some rank is in debug mode). Every rank computes the same answer.
bool needs_prints(const Pending& p) {
  return p.check_recv[0] != ~p.check_recv[1] || p.check_recv[2] != 0;
}

}  // namespace

Fingerprint fingerprint_of(const Collective& c) {
  Fingerprint f;
  f.sequence = c.sequence;
  // all_gather_v inputs differ by design; the gathered total and the counts must agree.
  f.count = c.kind == CollectiveKind::kBarrier ? 0 : c.out.count;
  if (c.kind == CollectiveKind::kAllGatherV) {
    std::vector<uint64_t> counts(c.counts.begin(), c.counts.end());
    f.counts_hash = mix(counts.data(), counts.size());
  }
  f.kind = static_cast<int32_t>(c.kind);
  f.dtype =
      static_cast<int32_t>(c.kind == CollectiveKind::kBarrier ? ScalarType::kFloat32 : c.in.dtype);
  f.op = static_cast<int32_t>(c.kind == CollectiveKind::kAllReduce ||
                                      c.kind == CollectiveKind::kReduceScatter
                                  ? c.op
                                  : ReduceOp::kSum);
  f.root = c.kind == CollectiveKind::kBroadcast ? c.root : 0;
  std::strncpy(f.name, c.name.c_str(), sizeof f.name - 1);
  return f;
}

uint64_t hash_of(const Fingerprint& f) {
  uint64_t words[sizeof(Fingerprint) / sizeof(uint64_t)];
  std::memcpy(words, &f, sizeof words);
  return mix(words, sizeof words / sizeof words[0]);
}

std::string describe(const Fingerprint& f) {
  if (f.kind == kSplitKind) return "split (sequence " + std::to_string(f.sequence) + ")";
  const Collective c{.kind = static_cast<CollectiveKind>(f.kind)};
  std::string s =
      std::string(kind_name(c.kind)) + " '" + f.name + "' (sequence " + std::to_string(f.sequence);
  if (c.kind != CollectiveKind::kBarrier)
    s += ", " + std::to_string(f.count) + " x " + dtype_name(static_cast<ScalarType>(f.dtype));
  if (c.kind == CollectiveKind::kAllReduce || c.kind == CollectiveKind::kReduceScatter)
    s += std::string(", ") + op_name(static_cast<ReduceOp>(f.op));
  if (c.kind == CollectiveKind::kBroadcast) s += ", root " + std::to_string(f.root);
  if (c.kind == CollectiveKind::kAllGatherV) {
    char digest[32];
    std::snprintf(digest, sizeof digest, ", counts #%08x",
                  static_cast<unsigned>(f.counts_hash >> 32));
    s += digest;
  }
  return s + ")";
}

std::string Runtime::describe_mismatch(const Pending& p) const {
  // Group ranks by what they called; one group means every rank agrees.
  std::vector<std::pair<std::string, std::vector<int>>> groups;
  for (size_t r = 0; r < p.prints.size(); ++r) {
    Fingerprint f = p.prints[r];
    f.name[sizeof f.name - 1] = '\0';
    const std::string what = describe(f);
    auto it = std::find_if(groups.begin(), groups.end(), [&](auto& g) { return g.first == what; });
    if (it == groups.end()) {
      groups.push_back({what, {}});
      it = std::prev(groups.end());
    }
    it->second.push_back(p.comm->world_ranks[r]);
  }
  if (groups.size() == 1) return "";
  std::string msg = "[rank " + std::to_string(world_rank_) + "/" + std::to_string(world_size_) +
                    "] collective mismatch: ";
  for (size_t g = 0; g < groups.size(); ++g)
    msg += std::string(g ? "; " : "") + (groups[g].second.size() == 1 ? "rank " : "ranks ") +
           rank_list(groups[g].second) + (groups[g].second.size() == 1 ? " calls " : " call ") +
           groups[g].first;
  return msg;
}

std::shared_ptr<Runtime> Runtime::get() {
  static std::mutex mutex;
  static std::shared_ptr<Runtime> runtime;
  std::lock_guard<std::mutex> lock(mutex);
  if (!runtime) {
    std::shared_ptr<Runtime> r(new Runtime());
    r->launch();
    runtime = r;
  }
  return runtime;
}

void Runtime::launch() {
  std::promise<void> ready;
  std::future<void> started = ready.get_future();
  thread_ = std::thread([this, &ready] {
    try {
      initialise();
      if (blocking_) watchdog_ = std::thread([this] { watch(); });
      ready.set_value();
    } catch (...) {
      ready.set_exception(std::current_exception());
      return;
    }
    loop();
  });
  try {
    started.get();
  } catch (...) {
    thread_.join();
    throw;
  }
}

void Runtime::initialise() {
  chunk_bytes_ = chunk_bytes_from_env();  // checked before MPI starts, like the progress mode
  int initialised = 0;
  MPI_Initialized(&initialised);
  int provided = 0;
  if (initialised) {
    // The application initialised MPI on its main thread; ours is another thread, so only
    // MPI_THREAD_MULTIPLE lets it call MPI.
    MPI_Query_thread(&provided);
    if (provided < MPI_THREAD_MULTIPLE)
      throw CommError(
          "MPI was initialised by the application with a thread level below "
          "MPI_THREAD_MULTIPLE; Tandem's communication thread needs MPI_THREAD_MULTIPLE then "
          "(or let Tandem initialise MPI itself)");
    blocking_ = true;
  } else {
    // MPI_THREAD_MULTIPLE lets the watchdog thread use the side channel while this thread is
    // inside a blocking collective; MPI_THREAD_FUNNELED (only this thread calls MPI) suffices for
    // the polling mode.
    const char* progress = std::getenv("TANDEM_MPI_PROGRESS");
    const std::string mode = progress != nullptr ? progress : "";
    if (!mode.empty() && mode != "poll" && mode != "blocking")
      throw CommError("TANDEM_MPI_PROGRESS: expected 'blocking' or 'poll', got '" + mode + "'");
    const bool poll = mode == "poll";
    MPI_Init_thread(nullptr, nullptr, poll ? MPI_THREAD_FUNNELED : MPI_THREAD_MULTIPLE, &provided);
    initialised_by_us_ = true;
    if (provided < MPI_THREAD_FUNNELED) {
      MPI_Finalize();
      throw CommError("MPI provides thread level " + std::to_string(provided) +
                      ", Tandem needs at least MPI_THREAD_FUNNELED (" +
                      std::to_string(MPI_THREAD_FUNNELED) + ") for its communication thread");
    }
    blocking_ = !poll && provided >= MPI_THREAD_MULTIPLE;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size_);
  if (initialised_by_us_) {
    // Open MPI reports the error of a non-blocking collective (the polling mode) through the
    // world's handler, not its communicator's: return it to us instead of killing the process.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_dup(MPI_COMM_WORLD, &exit_comm_);
    MPI_Comm_set_errhandler(exit_comm_, MPI_ERRORS_RETURN);
  }
}

Runtime::~Runtime() {
  // The process is exiting. After a collective failed here, or with collectives not complete, its
  // peers may sit inside one: finalising MPI under them made Open MPI 4.1's mpirun crash or hang
  // (issue 14), so the job is aborted instead.
  const std::string reason = exit_abort_reason();
  // In the blocking mode any thread may call MPI, and the comm thread may be stuck in a collective.
  if (!reason.empty() && blocking_) abort_job(reason);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    abort_reason_ = reason;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string Runtime::exit_abort_reason() {
  if (!initialised_by_us_) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return "";  // the application finalised MPI itself: nothing left to abort
  }
  const std::string prefix =
      "[rank " + std::to_string(world_rank_) + "/" + std::to_string(world_size_) + "] ";
  if (poisoned_.load()) {
    std::lock_guard<std::mutex> lock(poison_mutex_);
    return prefix + "exiting after " + poison_ +
           "; aborting the job instead of finalizing MPI, since the other ranks may still be "
           "inside that collective or a later one\n";
  }
  std::string pending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Pending* p : in_flight_) pending += (pending.empty() ? "" : ", ") + what_of(*p);
  }
  if (pending.empty()) return "";
  return prefix + "exiting with collectives not complete (" + pending +
         "): aborting the job instead of finalizing MPI under ranks that may be waiting in them\n";
}

void Runtime::abort_job(const std::string& message) {
  std::fputs(message.c_str(), stderr);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);  // MPI_Abort does not return
}

void Runtime::run_sync(const std::function<void()>& task) {
  std::promise<void> done;
  std::future<void> result = done.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back([&] {
      try {
        task();
        done.set_value();
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
  }
  wake_.notify_all();
  result.get();
}

void Runtime::start(std::unique_ptr<Pending> p) {
  ++p->comm->outstanding;
  auto shared = std::make_shared<std::unique_ptr<Pending>>(std::move(p));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_flight_.push_back(shared->get());
    tasks_.push_back([this, shared] { begin(std::move(*shared)); });
  }
  wake_.notify_all();
}

std::shared_ptr<CommState> Runtime::split(const std::shared_ptr<CommState>& parent, int color,
                                          int key, uint64_t sequence,
                                          std::chrono::milliseconds timeout, bool check,
                                          bool fingerprint) {
  std::shared_ptr<CommState> child;
  run_sync([&] {
    Pending p;
    p.c.sequence = sequence;
    p.c.name = "split";
    p.comm = parent;
    p.timeout = timeout;
    p.check = check;
    p.fingerprint = fingerprint;
    p.split = "color " + std::to_string(color) + ", key " + std::to_string(key);
    p.start = std::chrono::steady_clock::now();
    ++parent->started;
    ++parent->active;
    // Only the blocking mode has a watchdog thread to see a split that never returns; the
    // polling mode's comm thread is inside MPI_Comm_split itself (MPI has no non-blocking split).
    if (blocking_) {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      current_ = &p;
    }
    // The polling mode posts a communicator's collectives in order: the ones before this split
    // must have left their checks (posted their own MPI calls) before it posts anything.
    auto earlier_in_check = [&] {
      return std::any_of(active_.begin(), active_.end(), [&](const auto& q) {
        return q->comm == parent && q->stage != Stage::kRun;
      });
    };
    while (!blocking_ && earlier_in_check()) progress();
    // Then it is checked like every collective, with calls that wait: the split blocks anyway.
    const std::string error = check_blocking(&p);
    MPI_Comm comm = MPI_COMM_NULL;
    const int rc = error.empty() ? MPI_Comm_split(parent->comm, color, key, &comm) : MPI_SUCCESS;
    if (blocking_) {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      current_ = nullptr;
    }
    --parent->active;
    if (!error.empty()) throw CommError(error);
    if (rc != MPI_SUCCESS) throw CommError(mpi_failure(p, "", rc));
    child = adopt(comm);
  });
  return child;
}

std::shared_ptr<CommState> Runtime::adopt(MPI_Comm comm) {
  auto s = std::make_shared<CommState>();
  s->comm = comm;
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm, &s->rank);
  MPI_Comm_size(comm, &s->size);
  MPI_Comm_dup(comm, &s->side);
  MPI_Comm_dup(comm, &s->check);
  MPI_Comm shared;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shared);
  MPI_Comm_rank(shared, &s->local_rank);
  MPI_Comm_size(shared, &s->local_size);
  MPI_Comm_free(&shared);
  MPI_Group group, world;
  MPI_Comm_group(comm, &group);
  MPI_Comm_group(MPI_COMM_WORLD, &world);
  std::vector<int> ranks(static_cast<size_t>(s->size));
  for (int i = 0; i < s->size; ++i) ranks[static_cast<size_t>(i)] = i;
  s->world_ranks.resize(ranks.size());
  MPI_Group_translate_ranks(group, s->size, ranks.data(), world, s->world_ranks.data());
  MPI_Group_free(&group);
  MPI_Group_free(&world);
  std::lock_guard<std::mutex> lock(comms_mutex_);
  comms_.push_back(s);
  return s;
}

void Runtime::loop() {
  using Clock = std::chrono::steady_clock;
  // After activity the thread stays hot for a moment, because the next collective usually follows
  // at once (a training step issues many); only then does it sleep between polls.
  constexpr auto kHotWindow = std::chrono::microseconds(500);
  constexpr auto kHousekeepingPeriod = std::chrono::milliseconds(1);
  auto last_busy = Clock::now();
  auto last_housekeeping = Clock::now();
  for (;;) {
    std::deque<std::function<void()>> tasks;
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (tasks_.empty() && active_.empty() && !stop_ && Clock::now() - last_busy > kHotWindow) {
        // Idle: sleep briefly, but keep answering stall queries from other ranks.
        wake_.wait_for(lock, std::chrono::milliseconds(2));
      }
      tasks.swap(tasks_);
      stopping = stop_ && tasks.empty();
      if (!abort_reason_.empty())
        abort_job(abort_reason_);  // the polling mode's exit (see ~Runtime)
    }
    for (auto& t : tasks) t();
    const bool finished = progress();
    const auto now = Clock::now();
    if (!tasks.empty() || finished) last_busy = now;
    // Stall queries and timeouts are about seconds; checking them every millisecond keeps the
    // polling loop of small collectives short.
    if (now - last_housekeeping >= kHousekeepingPeriod || stopping) {
      last_housekeeping = now;
      if (!blocking_) {
        serve_queries();
        check_stalls();
      }
      free_closed_communicators();
    }
    if (stopping && active_.empty()) break;
    if (!finished && tasks.empty()) std::this_thread::yield();
  }
  shutdown_mpi();
}

void Runtime::close(const std::shared_ptr<CommState>& s) {
  auto mark = [this, s] {
    s->closing = true;
    free_closed_communicators();
  };
  if (poisoned_.load() || s->outstanding.load() > 0) {
    // Not now: waiting could block behind a collective its peers never join. A process that
    // exits before they complete aborts the job (~Runtime).
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.push_back(mark);
    }
    wake_.notify_all();
    return;
  }
  run_sync(mark);
}

void Runtime::free_closed_communicators() {
  // After a failed collective nothing is freed: its peers may still be inside it, and this process
  // aborts the job when it exits.
  if (poisoned_.load()) return;
  std::lock_guard<std::mutex> lock(comms_mutex_);
  for (auto it = comms_.begin(); it != comms_.end();) {
    CommState& s = **it;
    if (s.closing && s.comm != MPI_COMM_NULL && s.active == 0 && s.outstanding.load() == 0) {
      MPI_Comm_free(&s.comm);
      MPI_Comm_free(&s.check);
    }
    if (s.comm == MPI_COMM_NULL && !initialised_by_us_) {
      MPI_Comm_free(&s.side);  // the application may finalise MPI as soon as we return
      it = comms_.erase(it);
      continue;
    }
    // Otherwise the side channel stays until exit: a rank that dropped its communicator and
    // left its program still answers its peers' stall queries (freed in shutdown_mpi).
    ++it;
  }
}

// Waits until every rank has come to exit, answering stall queries meanwhile. A rank that returns
// from main while its peers sit in a collective it skipped must not finalise MPI under them:
// Open MPI 4.1's mpirun then crashed (SIGSEGV in PMIx_server_finalize) or hung in about half of
// the runs once the peers' watchdog aborted the job. Waiting here instead, the peers' watchdog
// reports the skipped collective and aborts the job as when a rank sleeps.
void Runtime::exit_barrier() {
  exiting_ = true;
  MPI_Request request = MPI_REQUEST_NULL;
  if (MPI_Ibarrier(exit_comm_, &request) != MPI_SUCCESS) return;
  for (;;) {
    int flag = 0;
    if (MPI_Test(&request, &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS || flag) break;
    serve_queries();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void Runtime::shutdown_mpi() {
  if (watchdog_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      watch_stop_ = true;
    }
    watch_cv_.notify_all();
    watchdog_.join();
  }
  if (exit_comm_ != MPI_COMM_NULL) {
    exit_barrier();
    MPI_Comm_free(&exit_comm_);
  }
  for (auto& s : comms_)
    for (MPI_Comm* c : {&s->comm, &s->side, &s->check})
      if (*c != MPI_COMM_NULL) MPI_Comm_free(c);
  comms_.clear();
  for (auto& r : replies_) MPI_Wait(&r.first, MPI_STATUS_IGNORE);
  replies_.clear();
  if (initialised_by_us_) MPI_Finalize();
}

int Runtime::start_mpi(Pending* p, bool blocking) {
  Collective& c = p->c;
  CommState& s = *p->comm;
  const size_t esize = element_size(c.in.dtype);
  const bool narrow = is_16bit_float(c.in.dtype);
  const MPI_Datatype type = mpi_type(c.in.dtype);
  const MPI_Op op = mpi_op(c.op);
  MPI_Request* request = &p->request;
  // The blocking forms run MPI's tuned algorithms, measurably faster than the non-blocking ones.
  auto all_reduce = [&](const void* send, void* recv, int n, MPI_Datatype t) {
    return blocking ? chunked_all_reduce(send, recv, n, t, op, s.comm, chunk_bytes_)
                    : MPI_Iallreduce(send, recv, n, t, op, s.comm, request);
  };
  auto reduce_scatter = [&](const void* send, void* recv, int n, MPI_Datatype t) {
    return blocking ? MPI_Reduce_scatter_block(send, recv, n, t, op, s.comm)
                    : MPI_Ireduce_scatter_block(send, recv, n, t, op, s.comm, request);
  };
  int rc = MPI_SUCCESS;
  switch (c.kind) {
    case CollectiveKind::kAllReduce: {
      const int n = checked_int(c.in.count, c);
      if (narrow && c.wire_16bit) {
        const MPI_Op wire_op = wire_16bit_op(c.in.dtype, c.op);
        const void* send = c.in.data == c.out.data ? MPI_IN_PLACE : c.in.data;
        rc = blocking ? chunked_all_reduce(send, c.out.data, n, MPI_UINT16_T, wire_op, s.comm,
                                           chunk_bytes_)
                      : MPI_Iallreduce(send, c.out.data, n, MPI_UINT16_T, wire_op, s.comm, request);
      } else if (narrow) {
        to_float(c.in, &p->in_f);
        p->out_f.resize(c.in.count);
        rc = all_reduce(p->in_f.data(), p->out_f.data(), n, MPI_FLOAT);
      } else {
        rc = all_reduce(c.in.data == c.out.data ? MPI_IN_PLACE : c.in.data, c.out.data, n, type);
      }
      break;
    }
    case CollectiveKind::kBroadcast: {
      const int bytes = checked_int(c.in.count * esize, c);
      rc = blocking ? MPI_Bcast(c.in.data, bytes, MPI_BYTE, c.root, s.comm)
                    : MPI_Ibcast(c.in.data, bytes, MPI_BYTE, c.root, s.comm, request);
      break;
    }
    case CollectiveKind::kAllGather: {
      const int bytes = checked_int(c.in.count * esize, c);
      char* own = static_cast<char*>(c.out.data) + static_cast<size_t>(s.rank) * c.in.count * esize;
      const void* send = c.in.data == own ? MPI_IN_PLACE : c.in.data;
      rc = blocking ? MPI_Allgather(send, bytes, MPI_BYTE, c.out.data, bytes, MPI_BYTE, s.comm)
                    : MPI_Iallgather(send, bytes, MPI_BYTE, c.out.data, bytes, MPI_BYTE, s.comm,
                                     request);
      break;
    }
    case CollectiveKind::kAllGatherV: {
      size_t offset = 0;
      for (size_t count : c.counts) {
        p->counts.push_back(checked_int(count * esize, c));
        p->displs.push_back(checked_int(offset, c));
        offset += count * esize;
      }
      rc = MPI_Iallgatherv(c.in.data, p->counts[static_cast<size_t>(s.rank)], MPI_BYTE, c.out.data,
                           p->counts.data(), p->displs.data(), MPI_BYTE, s.comm, request);
      break;
    }
    case CollectiveKind::kReduceScatter: {
      checked_int(c.in.count, c);
      const int n = checked_int(c.out.count, c);
      if (narrow) {
        to_float(c.in, &p->in_f);
        p->out_f.resize(c.out.count);
        rc = reduce_scatter(p->in_f.data(), p->out_f.data(), n, MPI_FLOAT);
      } else {
        rc = reduce_scatter(c.in.data, c.out.data, n, type);
      }
      break;
    }
    case CollectiveKind::kAllToAll: {
      const int block = checked_int(c.in.count / static_cast<size_t>(s.size) * esize, c);
      const void* send = c.in.data;
      if (c.in.data == c.out.data && c.in.count) {
        const char* src = static_cast<const char*>(c.in.data);
        p->staging.assign(src, src + c.in.count * esize);
        send = p->staging.data();
      }
      rc = MPI_Ialltoall(send, block, MPI_BYTE, c.out.data, block, MPI_BYTE, s.comm, request);
      break;
    }
    case CollectiveKind::kBarrier:
      rc = MPI_Ibarrier(s.comm, request);
      break;
  }
  return rc;
}

void Runtime::fail(Pending* p, const std::string& error) { complete(*p, error); }

// Publishes the outcome of `p` to its Work (exactly once per collective).
void Runtime::complete(Pending& p, std::string error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find(in_flight_.begin(), in_flight_.end(), &p);
    if (it != in_flight_.end()) {
      *it = in_flight_.back();
      in_flight_.pop_back();
    }
  }
  --p.comm->outstanding;
  std::lock_guard<std::mutex> lock(p.state->mutex);
  p.state->error = std::move(error);
  p.state->done = true;
  p.state->ready.store(true, std::memory_order_release);
  p.state->done_cv.notify_all();
}

// The message of a call that failed inside MPI; marks this process as one that must abort the
// job rather than finalise MPI (its peers may be left inside the collective).
std::string Runtime::mpi_failure(const Pending& p, const char* stage, int mpi_status) {
  const std::string what =
      std::string(stage) + what_of(p) + " failed in MPI: " + mpi_error_text(mpi_status);
  {
    std::lock_guard<std::mutex> lock(poison_mutex_);
    if (poison_.empty()) poison_ = what;
  }
  poisoned_ = true;
  return "[rank " + std::to_string(world_rank_) + "/" + std::to_string(world_size_) + "] " + what;
}

// Blocking calls: every rank says what it calls before it runs (see Fingerprint). Returns "" when
// all agree, else the error for `p` (a mismatch names each rank's call, on every rank).
// In the polling mode (a split) the same exchange runs as non-blocking calls waited for: they
// must match the peers' non-blocking checks, and MPI never matches blocking with non-blocking.
std::string Runtime::check_blocking(Pending* p) {
  if (!p->check && !p->fingerprint) return "";
  prepare_check(p);
  const CommState& s = *p->comm;
  auto wait = [](int rc, MPI_Request* r) {
    return rc == MPI_SUCCESS ? MPI_Wait(r, MPI_STATUS_IGNORE) : rc;
  };
  MPI_Request request = MPI_REQUEST_NULL;
  int rc = blocking_
               ? MPI_Allreduce(p->check_send, p->check_recv, 3, MPI_UINT64_T, MPI_MAX, s.check)
               : wait(MPI_Iallreduce(p->check_send, p->check_recv, 3, MPI_UINT64_T, MPI_MAX,
                                     s.check, &request),
                      &request);
  if (rc == MPI_SUCCESS && needs_prints(*p)) {
    p->prints.resize(static_cast<size_t>(s.size));
    const int bytes = static_cast<int>(sizeof(Fingerprint));
    rc = blocking_
             ? MPI_Allgather(&p->own, bytes, MPI_BYTE, p->prints.data(), bytes, MPI_BYTE, s.side)
             : wait(MPI_Iallgather(&p->own, bytes, MPI_BYTE, p->prints.data(), bytes, MPI_BYTE,
                                   s.side, &request),
                    &request);
    if (rc == MPI_SUCCESS) return describe_mismatch(*p);
  }
  return rc == MPI_SUCCESS ? "" : mpi_failure(*p, "the check before ", rc);
}

// Polling mode: the check request of `p` completed with `rc`; starts the next request (the
// fingerprint all-gather or the collective). False when `p` is finished.
bool Runtime::advance_check(Pending* p, int rc) {
  if (rc != MPI_SUCCESS) {
    complete(*p, mpi_failure(*p, "the check before ", rc));
    return false;
  }
  if (p->stage == Stage::kCheck && needs_prints(*p)) {
    const CommState& s = *p->comm;
    p->stage = Stage::kFingerprint;
    p->prints.resize(static_cast<size_t>(s.size));
    const int bytes = static_cast<int>(sizeof(Fingerprint));
    rc = MPI_Iallgather(&p->own, bytes, MPI_BYTE, p->prints.data(), bytes, MPI_BYTE, s.side,
                        &p->request);
    if (rc == MPI_SUCCESS) return true;
    complete(*p, mpi_failure(*p, "the check before ", rc));
    return false;
  }
  if (p->stage == Stage::kFingerprint) {
    const std::string mismatch = describe_mismatch(*p);
    if (!mismatch.empty()) {
      fail(p, mismatch);
      return false;
    }
  }
  p->stage = Stage::kRun;
  return launch_collective(p);
}

// Starts the MPI collective of `p`; false when it failed (and `p` is finished).
bool Runtime::launch_collective(Pending* p) {
  int rc = MPI_SUCCESS;
  try {
    rc = start_mpi(p, false);
  } catch (const CommError& e) {
    fail(p, e.what());
    return false;
  }
  if (rc != MPI_SUCCESS) {
    finish(*p, rc);
    return false;
  }
  return true;
}

void Runtime::begin(std::unique_ptr<Pending> p) {
  CommState& s = *p->comm;
  p->start = std::chrono::steady_clock::now();
  ++s.started;
  if (blocking_) {
    run_blocking(std::move(p));
    return;
  }
  bool running = false;
  if (p->check || p->fingerprint) {
    // First the check on its own channel (see Fingerprint); progress() starts the rest.
    prepare_check(p.get());
    p->stage = Stage::kCheck;
    const int rc = MPI_Iallreduce(p->check_send, p->check_recv, 3, MPI_UINT64_T, MPI_MAX, s.check,
                                  &p->request);
    running = rc == MPI_SUCCESS;
    if (!running) complete(*p, mpi_failure(*p, "the check before ", rc));
  } else {
    running = launch_collective(p.get());
  }
  if (!running) return;
  ++s.active;
  active_.push_back(std::move(p));
}

void Runtime::run_blocking(std::unique_ptr<Pending> p) {
  CommState& s = *p->comm;
  ++s.active;
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    current_ = p.get();
  }
  const std::string error = check_blocking(p.get());
  if (!error.empty()) {
    fail(p.get(), error);
  } else {
    try {
      int rc = start_mpi(p.get(), true);
      // The collectives without a blocking form here (all_gather_v, all_to_all, barrier).
      if (rc == MPI_SUCCESS && p->request != MPI_REQUEST_NULL)
        rc = MPI_Wait(&p->request, MPI_STATUS_IGNORE);
      finish(*p, rc);
    } catch (const CommError& e) {
      fail(p.get(), e.what());
    }
  }
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    current_ = nullptr;
  }
  --s.active;
}

void Runtime::watch() {
  std::unique_lock<std::mutex> lock(watch_mutex_);
  while (!watch_stop_) {
    watch_cv_.wait_for(lock, std::chrono::milliseconds(2));
    if (watch_stop_) break;
    if (current_ != nullptr &&
        std::chrono::steady_clock::now() - current_->start > current_->timeout) {
      // A copy: the comm thread may finish the collective meanwhile; the job is aborted anyway.
      Pending stalled;
      stalled.c = current_->c;
      stalled.comm = current_->comm;
      stalled.timeout = current_->timeout;
      stalled.split = current_->split;
      stalled.check = current_->check;
      lock.unlock();
      report_stall(stalled);
    }
    lock.unlock();
    serve_queries();
    lock.lock();
  }
}

void Runtime::finish(Pending& p, int mpi_status) {
  const Collective& c = p.c;
  std::string error;
  if (mpi_status != MPI_SUCCESS) {
    error = mpi_failure(p, "", mpi_status);
  } else if (c.kind == CollectiveKind::kAllReduce || c.kind == CollectiveKind::kReduceScatter) {
    const float scale = c.op == ReduceOp::kAvg ? 1.0f / static_cast<float>(p.comm->size) : 1.0f;
    if (is_16bit_float(c.in.dtype) && !c.wire_16bit) {
      from_float(p.out_f, scale, c.out);
    } else if (c.op == ReduceOp::kAvg) {
      divide(c.out, p.comm->size);
    }
  }
  complete(p, std::move(error));
}

bool Runtime::progress() {
  bool any = false;
  // Each rank must post a communicator's collectives in one order: a collective leaves its check
  // (posting a fingerprint all-gather or its own MPI call) only after every earlier collective
  // of its communicator has, whenever its own check request completes.
  std::vector<const CommState*> checking;
  for (auto it = active_.begin(); it != active_.end();) {
    Pending* p = it->get();
    const bool in_check = p->stage != Stage::kRun;
    if (!in_check || !p->check_complete) {
      int flag = 0;
      const int rc = MPI_Test(&p->request, &flag, MPI_STATUS_IGNORE);
      if (rc != MPI_SUCCESS || flag) {
        p->check_complete = in_check;
        p->check_rc = rc;
        if (!in_check) {
          any = true;
          finish(*p, rc);
          --p->comm->active;
          it = active_.erase(it);
          continue;
        }
      }
    }
    if (!in_check) {
      ++it;
      continue;
    }
    const bool behind =
        std::find(checking.begin(), checking.end(), p->comm.get()) != checking.end();
    if (p->check_complete && !behind) {
      any = true;
      p->check_complete = false;
      if (!advance_check(p, p->check_rc)) {
        --p->comm->active;
        it = active_.erase(it);
        continue;
      }
    }
    if (p->stage != Stage::kRun) checking.push_back(p->comm.get());
    ++it;
  }
  return any;
}

void Runtime::serve_queries() {
  std::lock_guard<std::mutex> lock(comms_mutex_);
  for (auto& s : comms_) {
    for (;;) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, kQueryTag, s->side, &flag, &status);
      if (!flag) break;
      uint64_t sequence = 0;
      MPI_Recv(&sequence, 1, MPI_UINT64_T, status.MPI_SOURCE, kQueryTag, s->side,
               MPI_STATUS_IGNORE);
      auto reply =
          std::make_unique<uint64_t>(s->started.load() | (exiting_.load() ? kExitingBit : 0));
      MPI_Request request;
      MPI_Isend(reply.get(), 1, MPI_UINT64_T, status.MPI_SOURCE, kReplyTag, s->side, &request);
      replies_.emplace_back(request, std::move(reply));
    }
  }
  for (auto it = replies_.begin(); it != replies_.end();) {
    int flag = 0;
    MPI_Test(&it->first, &flag, MPI_STATUS_IGNORE);
    it = flag ? replies_.erase(it) : std::next(it);
  }
}

void Runtime::check_stalls() {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& p : active_)
    if (now - p->start > p->timeout) report_stall(*p);
}

void Runtime::report_stall(const Pending& p) {
  const Collective& c = p.c;
  const CommState& s = *p.comm;
  const std::chrono::milliseconds timeout = p.timeout;
  // Ask every other rank over the side channel how many collectives it has started.
  std::vector<uint64_t> query(static_cast<size_t>(s.size), c.sequence);
  std::vector<MPI_Request> sends;
  for (int r = 0; r < s.size; ++r) {
    if (r == s.rank) continue;
    sends.emplace_back();
    MPI_Isend(&query[static_cast<size_t>(r)], 1, MPI_UINT64_T, r, kQueryTag, s.side, &sends.back());
  }
  std::vector<int64_t> started(static_cast<size_t>(s.size), -1);
  std::vector<bool> exiting(static_cast<size_t>(s.size), false);
  started[static_cast<size_t>(s.rank)] = static_cast<int64_t>(s.started.load());
  int missing = s.size - 1;
  const auto deadline = std::chrono::steady_clock::now() + kReplyWindow;
  while (missing > 0 && std::chrono::steady_clock::now() < deadline) {
    serve_queries();  // other stalled ranks may be asking us at the same time
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kReplyTag, s.side, &flag, &status);
    if (!flag) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    uint64_t count = 0;
    MPI_Recv(&count, 1, MPI_UINT64_T, status.MPI_SOURCE, kReplyTag, s.side, MPI_STATUS_IGNORE);
    int64_t& slot = started[static_cast<size_t>(status.MPI_SOURCE)];
    if (slot < 0) --missing;
    slot = static_cast<int64_t>(count & ~kExitingBit);
    exiting[static_cast<size_t>(status.MPI_SOURCE)] = (count & kExitingBit) != 0;
  }
  std::vector<int> reached, not_reached, silent, left;
  for (int r = 0; r < s.size; ++r) {
    const int64_t n = started[static_cast<size_t>(r)];
    const int world = s.world_ranks[static_cast<size_t>(r)];
    if (n < 0) {
      silent.push_back(world);
    } else if (static_cast<uint64_t>(n) > c.sequence) {
      reached.push_back(world);
    } else {
      not_reached.push_back(world);
    }
    if (n >= 0 && exiting[static_cast<size_t>(r)]) left.push_back(world);
  }
  std::ostringstream msg;
  msg << "[rank " << world_rank_ << "/" << world_size_ << "] collective stalled: ";
  if (!p.split.empty()) {
    msg << "split (sequence " << c.sequence << ", " << p.split;
  } else {
    msg << kind_name(c.kind) << " '" << c.name << "' (sequence " << c.sequence << ", " << c.in.count
        << " x " << dtype_name(c.in.dtype);
    if (c.kind == CollectiveKind::kAllReduce || c.kind == CollectiveKind::kReduceScatter)
      msg << ", " << op_name(c.op);
  }
  msg << ") did not complete within " << static_cast<double>(timeout.count()) / 1000.0
      << " s; ranks that reached it: " << rank_list(reached)
      << "; ranks that have not: " << rank_list(not_reached);
  if (!left.empty())
    msg << "; ranks that have left their program (waiting to exit): " << rank_list(left);
  if (!silent.empty())
    msg << "; ranks that did not answer (dead, hung or exited): " << rank_list(silent);
  if (not_reached.empty() && silent.empty())
    msg << (p.check ? "; every rank is inside it, so the stall is in MPI itself (a lost process "
                      "or transport), not a missing or mismatched call"
                    : "; every rank is inside it: the ranks may call collectives that do not "
                      "match (kind, size, dtype or root), which the check TANDEM_COMM_CHECK=0 "
                      "turned off would name");
  msg << ". Aborting the job (TANDEM_COMM_TIMEOUT sets the limit).\n";
  std::fputs(msg.str().c_str(), stderr);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

}  // namespace tandem::comm::mpi
