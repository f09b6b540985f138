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

}  // namespace

Fingerprint fingerprint_of(const Collective& c) {
  Fingerprint f;
  f.sequence = c.sequence;
  // all_gather_v inputs differ by design; the gathered total must agree.
  f.count = c.kind == CollectiveKind::kBarrier ? 0 : c.out.count;
  f.kind = static_cast<int32_t>(c.kind);
  f.dtype = static_cast<int32_t>(c.in.dtype);
  f.op = static_cast<int32_t>(c.op);
  f.root = c.root;
  std::strncpy(f.name, c.name.c_str(), sizeof f.name - 1);
  return f;
}

std::string describe(const Fingerprint& f) {
  const Collective c{.kind = static_cast<CollectiveKind>(f.kind)};
  std::string s = std::string(kind_name(c.kind)) + " '" + f.name + "' (sequence " +
                  std::to_string(f.sequence) + ", " + std::to_string(f.count) + " x " +
                  dtype_name(static_cast<ScalarType>(f.dtype));
  if (c.kind == CollectiveKind::kAllReduce || c.kind == CollectiveKind::kReduceScatter)
    s += std::string(", ") + op_name(static_cast<ReduceOp>(f.op));
  if (c.kind == CollectiveKind::kBroadcast) s += ", root " + std::to_string(f.root);
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
                    "] collective mismatch (TANDEM_COMM_DEBUG): ";
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
}

Runtime::~Runtime() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
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
  auto shared = std::make_shared<std::unique_ptr<Pending>>(std::move(p));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back([this, shared] { begin(std::move(*shared)); });
  }
  wake_.notify_all();
}

std::shared_ptr<CommState> Runtime::split(const std::shared_ptr<CommState>& parent, int color,
                                          int key, uint64_t sequence,
                                          std::chrono::milliseconds timeout) {
  std::shared_ptr<CommState> child;
  run_sync([&] {
    Pending p;
    p.c.sequence = sequence;
    p.c.name = "split";
    p.comm = parent;
    p.timeout = timeout;
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
    MPI_Comm comm = MPI_COMM_NULL;
    const int rc = MPI_Comm_split(parent->comm, color, key, &comm);
    if (blocking_) {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      current_ = nullptr;
    }
    --parent->active;
    if (rc != MPI_SUCCESS)
      throw CommError("[rank " + std::to_string(world_rank_) + "/" + std::to_string(world_size_) +
                      "] split (sequence " + std::to_string(sequence) +
                      ") failed in MPI: " + mpi_error_text(rc));
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

void Runtime::free_closed_communicators() {
  std::lock_guard<std::mutex> lock(comms_mutex_);
  for (auto it = comms_.begin(); it != comms_.end();) {
    if ((*it)->closing && (*it)->active == 0) {
      MPI_Comm_free(&(*it)->comm);
      MPI_Comm_free(&(*it)->side);
      MPI_Comm_free(&(*it)->check);
      it = comms_.erase(it);
    } else {
      ++it;
    }
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
  for (auto& s : comms_) {
    MPI_Comm_free(&s->comm);
    MPI_Comm_free(&s->side);
    MPI_Comm_free(&s->check);
  }
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

void Runtime::fail(Pending* p, const std::string& error) {
  std::lock_guard<std::mutex> lock(p->state->mutex);
  p->state->error = error;
  p->state->done = true;
  p->state->ready.store(true, std::memory_order_release);
  p->state->done_cv.notify_all();
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
  if (p->fingerprint) {
    // Debug mode: first all-gather every rank's description of this call on the check channel.
    p->own = fingerprint_of(p->c);
    p->prints.resize(static_cast<size_t>(s.size));
    p->verifying = true;
    const int bytes = static_cast<int>(sizeof(Fingerprint));
    running = MPI_Iallgather(&p->own, bytes, MPI_BYTE, p->prints.data(), bytes, MPI_BYTE, s.check,
                             &p->request) == MPI_SUCCESS;
    if (!running) fail(p.get(), "fingerprint exchange failed in MPI");
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
  bool ok = true;
  if (p->fingerprint) {
    p->own = fingerprint_of(p->c);
    p->prints.resize(static_cast<size_t>(s.size));
    const int bytes = static_cast<int>(sizeof(Fingerprint));
    if (MPI_Allgather(&p->own, bytes, MPI_BYTE, p->prints.data(), bytes, MPI_BYTE, s.check) !=
        MPI_SUCCESS) {
      fail(p.get(), "fingerprint exchange failed in MPI");
      ok = false;
    } else if (std::string mismatch = describe_mismatch(*p); !mismatch.empty()) {
      fail(p.get(), mismatch);
      ok = false;
    }
  }
  if (ok) {
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
    error = "[rank " + std::to_string(world_rank_) + "/" + std::to_string(world_size_) + "] " +
            kind_name(c.kind) + " '" + c.name + "' (sequence " + std::to_string(c.sequence) +
            ") failed in MPI: " + mpi_error_text(mpi_status);
  } else if (c.kind == CollectiveKind::kAllReduce || c.kind == CollectiveKind::kReduceScatter) {
    const float scale = c.op == ReduceOp::kAvg ? 1.0f / static_cast<float>(p.comm->size) : 1.0f;
    if (is_16bit_float(c.in.dtype) && !c.wire_16bit) {
      from_float(p.out_f, scale, c.out);
    } else if (c.op == ReduceOp::kAvg) {
      divide(c.out, p.comm->size);
    }
  }
  std::lock_guard<std::mutex> lock(p.state->mutex);
  p.state->error = error;
  p.state->done = true;
  p.state->ready.store(true, std::memory_order_release);
  p.state->done_cv.notify_all();
}

bool Runtime::progress() {
  bool any = false;
  for (auto it = active_.begin(); it != active_.end();) {
    int flag = 0;
    MPI_Status status;
    int rc = MPI_Test(&(*it)->request, &flag, &status);
    if (rc == MPI_SUCCESS && flag && (*it)->verifying) {
      (*it)->verifying = false;
      const std::string mismatch = describe_mismatch(**it);
      if (mismatch.empty() && launch_collective(it->get())) {
        ++it;
        continue;
      }
      if (!mismatch.empty()) fail(it->get(), mismatch);
      --(*it)->comm->active;
      it = active_.erase(it);
      any = true;
    } else if (rc != MPI_SUCCESS || flag) {
      finish(**it, rc);
      --(*it)->comm->active;
      it = active_.erase(it);
      any = true;
    } else {
      ++it;
    }
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
      auto reply = std::make_unique<uint64_t>(s->started.load());
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
    slot = static_cast<int64_t>(count);
  }
  std::vector<int> reached, not_reached, silent;
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
  if (!silent.empty()) msg << "; ranks that did not answer (dead or hung): " << rank_list(silent);
  msg << ". Aborting the job (TANDEM_COMM_TIMEOUT sets the limit).\n";
  std::fputs(msg.str().c_str(), stderr);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

}  // namespace tandem::comm::mpi
