// map: sequential on the caller's thread, or parallel on num_parallel_calls worker threads that
// keep the input order (or not, when deterministic is false).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "kernels/cpu/threads.h"
#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

std::string failure_context(int64_t index) {
  return "map: the function failed on element " + std::to_string(index);
}

class SequentialMapIterator : public IteratorBase {
 public:
  SequentialMapIterator(std::unique_ptr<IteratorBase> input, MapFunction fn)
      : input_(std::move(input)), fn_(std::move(fn)) {}

  std::optional<Element> next() override {
    std::optional<Element> in = input_->next();
    if (!in) return std::nullopt;
    int64_t index = index_++;
    try {
      return fn_(*in);
    } catch (...) {
      rethrow_with_context(std::current_exception(), failure_context(index));
    }
  }

 private:
  std::unique_ptr<IteratorBase> input_;
  MapFunction fn_;
  int64_t index_ = 0;
};

// Workers reserve a chunk of places in a bounded window, pull the next inputs (in index order under
// input_mutex_), transform them outside any lock and file the results under their indices. The
// consumer takes results in index order (or any ready one). Errors travel as results, so a failing
// function never stalls the pipeline; the destructor cancels and joins the workers.
//
// Hand-offs are what limit scaling: every futex wake-up costs a context switch (tens of
// microseconds on a busy machine) and every lock taken per element is contended. So a chunk is
// sized from the measured cost of the function (about kTargetChunkNs of work), a waiting worker
// is woken only once a whole chunk of room is free (otherwise a full window would be refilled one
// element per wake-up), the consumer is signalled only when it is actually waiting, and it takes
// a whole finished chunk under one lock and serves it lock-free (taken_).
//
// A function cheaper than that per-element bookkeeping (a few hundred nanoseconds) still gains
// nothing from other threads: moving its outputs between cores' caches costs more than the
// function. So once the measured cost per element is below kInlineBelowNs the workers park and
// the consumer maps inline, like the sequential iterator; it keeps timing a sample of the calls
// and wakes the workers again if the cost rises above kParallelAboveNs (the gap between the two
// keeps it from flapping). Parsing a tf.Example and normalising its image (~1.5 us) runs parallel.
class ParallelMapIterator : public IteratorBase {
 public:
  ParallelMapIterator(std::unique_ptr<IteratorBase> input, MapFunction fn, int64_t threads,
                      bool deterministic)
      : input_(std::move(input)),
        fn_(std::move(fn)),
        threads_(threads),
        deterministic_(deterministic) {
    workers_.reserve(static_cast<size_t>(threads));
    for (int64_t i = 0; i < threads; ++i) {
      workers_.emplace_back([this] {
        kernels::cpu::adopt_thread_budget();  // ops inside fn: the process's budget, not the
                                              // machine
        work();
      });
    }
  }

  ~ParallelMapIterator() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
    }
    worker_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  std::optional<Element> next() override {
    if (taken_pos_ < taken_.size()) return serve(taken_[taken_pos_++]);
    std::unique_lock<std::mutex> lock(mutex_);
    held_ = 0;  // everything taken last time has been served
    while (true) {
      auto it = deterministic_ ? results_.find(consumed_) : results_.begin();
      if (it != results_.end()) {
        recycle(std::move(taken_));
        taken_ = std::move(it->second);
        taken_pos_ = 0;
        results_.erase(it);
        int64_t n = static_cast<int64_t>(taken_.size());
        filed_ -= n;
        consumed_ += n;
        held_ = n;
        bool wake = worker_can_start();
        lock.unlock();
        if (wake) worker_cv_.notify_one();
        return serve(taken_[taken_pos_++]);
      }
      if (end_ && consumed_ >= *end_) return std::nullopt;
      // Everything handed to the workers has been consumed: the input is the consumer's.
      if (inline_ && in_flight_ == 0) return next_inline(lock);
      // The chunk just served may have been what kept the workers waiting for room.
      if (worker_can_start()) worker_cv_.notify_one();
      consumer_waiting_ = true;
      consumer_cv_.wait(lock);
      consumer_waiting_ = false;
    }
  }

 private:
  struct Result {
    std::optional<Element> value;
    std::exception_ptr error;
  };

  static std::optional<Element> serve(Result& r) {
    if (r.error) std::rethrow_exception(r.error);
    return std::move(r.value);
  }

  static constexpr int64_t kMaxChunk = 64;
  static constexpr int64_t kMaxSpareChunks = 64;  // more than a window's worth of chunks
  static constexpr double kTargetChunkNs = 100e3;
  static constexpr double kBufferNs = 4e6;
  static constexpr int64_t kMaxWindowPerWorker = 256;
  static constexpr double kInlineBelowNs = 0.5e3;
  static constexpr double kParallelAboveNs = 1e3;
  static constexpr int64_t kMinSamples = 256;  // measured elements before going inline
  static constexpr int64_t kProbeEvery = 16;   // inline: one call in this many is timed

  // The next element mapped on the consumer's thread (mutex_ held by `lock`, the workers parked,
  // so consumed_ == next_index_ and the consumer owns the input).
  std::optional<Element> next_inline(std::unique_lock<std::mutex>& lock) {
    int64_t index = 0;
    std::optional<Element> in;
    {
      std::lock_guard<std::mutex> input_lock(input_mutex_);
      index = next_index_++;
      try {
        in = input_->next();
      } catch (...) {
        stop_inline(index + 1);  // an upstream error ends the input after it
        throw;
      }
    }
    if (!in) {
      stop_inline(index);
      lock.unlock();
      worker_cv_.notify_all();  // the end: workers stop
      return std::nullopt;
    }
    consumed_ = index + 1;
    if (index % kProbeEvery != 0) return call(*in, index);
    auto start = std::chrono::steady_clock::now();
    Element out = call(*in, index);
    resize_chunk(
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
    if (avg_ns_ > kParallelAboveNs) {
      inline_ = false;
      lock.unlock();
      worker_cv_.notify_all();
    }
    return out;
  }

  void stop_inline(int64_t end) {
    input_done_ = true;
    end_ = end;
    consumed_ = std::max(consumed_, end);
  }

  Element call(const Element& in, int64_t index) {
    try {
      return fn_(in);
    } catch (...) {
      rethrow_with_context(std::current_exception(), failure_context(index));
    }
  }

  void work() {
    while (true) {
      int64_t reserved = 0;
      std::vector<Result> chunk;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ++idle_workers_;
        worker_cv_.wait(lock, [&] { return cancelled_ || end_ || (!inline_ && room() >= chunk_); });
        --idle_workers_;
        if (cancelled_ || end_) return;
        reserved = chunk_;
        in_flight_ += reserved;
        if (!spare_.empty()) {
          chunk = std::move(spare_.back());
          spare_.pop_back();
        }
        // More room than this chunk: let another idle worker start too.
        if (worker_can_start()) worker_cv_.notify_one();
      }
      int64_t first = 0;
      int64_t end = -1;  // >= 0: the input ends at this index
      chunk.reserve(static_cast<size_t>(reserved));
      {
        std::lock_guard<std::mutex> input_lock(input_mutex_);
        first = next_index_;
        while (!input_done_ && static_cast<int64_t>(chunk.size()) < reserved) {
          int64_t index = next_index_++;
          Result r;
          try {
            r.value = input_->next();
            if (!r.value) end = index;
          } catch (...) {
            r.error = std::current_exception();
            end = index + 1;  // an upstream error ends the input after it
          }
          input_done_ = end >= 0;
          if (r.value || r.error) chunk.push_back(std::move(r));
        }
        if (input_done_ && end < 0) end = next_index_;
      }
      auto start = std::chrono::steady_clock::now();
      int64_t applied = 0;
      for (size_t k = 0; k < chunk.size(); ++k) {
        if (chunk[k].value) {
          apply(first + static_cast<int64_t>(k), chunk[k]);
          ++applied;
        }
      }
      double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                      .count();
      finish(first, reserved, end, std::move(chunk), applied, ns);
    }
  }

  // Keeps an emptied chunk vector for a worker's next chunk (mutex_ held). A fresh multi-kilobyte
  // vector per chunk makes glibc consolidate every small block freed since the last one (measured:
  // 5% of a 2-thread TFRecord pipeline).
  void recycle(std::vector<Result> v) {
    v.clear();
    if (v.capacity() > 0 && static_cast<int64_t>(spare_.size()) < kMaxSpareChunks) {
      spare_.push_back(std::move(v));
    }
  }

  // Places left in the window (call with mutex_ held).
  int64_t room() const { return window_ - in_flight_ - filed_ - held_; }

  // An idle worker has a whole chunk of room to fill (call with mutex_ held).
  bool worker_can_start() const { return !inline_ && idle_workers_ > 0 && room() >= chunk_; }

  void apply(int64_t index, Result& r) {
    try {
      r.value = fn_(*r.value);
    } catch (...) {
      r.value.reset();
      try {
        rethrow_with_context(std::current_exception(), failure_context(index));
      } catch (...) {
        r.error = std::current_exception();
      }
    }
  }

  void finish(int64_t first, int64_t reserved, int64_t end, std::vector<Result> chunk,
              int64_t applied, double ns) {
    bool wake_consumer = false;
    bool wake_worker = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      in_flight_ -= reserved;
      if (end >= 0) end_ = end_ ? std::min(*end_, end) : end;
      filed_ += static_cast<int64_t>(chunk.size());
      if (!chunk.empty()) results_.emplace(first, std::move(chunk));
      if (applied > 0) resize_chunk(ns / static_cast<double>(applied));
      measured_ += applied;
      if (measured_ >= kMinSamples && avg_ns_ < kInlineBelowNs) inline_ = true;
      wake_consumer = consumer_waiting_;
      // A smaller chunk may have made the free room enough for an idle worker.
      wake_worker = worker_can_start();
    }
    if (wake_worker && end < 0) worker_cv_.notify_one();
    if (wake_consumer || end >= 0) consumer_cv_.notify_one();  // a single consumer
    if (end >= 0) worker_cv_.notify_all();                     // the end: workers stop
  }

  // Follows the function's cost per element (a moving average), so that a chunk is about
  // kTargetChunkNs of work: cheap functions take many elements per hand-off, expensive ones few.
  //
  // The window (elements in flight or waiting for the consumer) holds about kBufferNs of work per
  // worker and at least two chunks each: when the consumer is descheduled (a busy machine gives
  // each thread a few milliseconds at a time), the workers go on instead of blocking, and each
  // wake-up is paid for by a whole batch of elements. Bounded in elements, so large outputs do
  // not pile up.
  void resize_chunk(double ns_per_element) {
    avg_ns_ = avg_ns_ <= 0 ? ns_per_element : 0.8 * avg_ns_ + 0.2 * ns_per_element;
    double ns = std::max(avg_ns_, 1.0);
    chunk_ = std::clamp<int64_t>(static_cast<int64_t>(kTargetChunkNs / ns), 1, kMaxChunk);
    int64_t per_worker =
        std::clamp<int64_t>(static_cast<int64_t>(kBufferNs / ns), 2 * chunk_, kMaxWindowPerWorker);
    window_ = threads_ * per_worker;
  }

  std::unique_ptr<IteratorBase> input_;
  MapFunction fn_;
  const int64_t threads_;
  const bool deterministic_;

  std::mutex input_mutex_;  // guards input_, next_index_, input_done_
  int64_t next_index_ = 0;
  bool input_done_ = false;

  std::mutex mutex_;  // guards everything below
  std::condition_variable worker_cv_, consumer_cv_;
  std::map<int64_t, std::vector<Result>> results_;  // finished chunks by their first index
  int64_t filed_ = 0;                               // elements in results_
  std::vector<std::vector<Result>> spare_;          // emptied chunk vectors, see recycle()
  int64_t chunk_ = 1;  // until the first measurement: small, so the first results come quickly
  int64_t window_ = 2 * threads_;
  double avg_ns_ = 0;
  int64_t measured_ = 0;  // elements timed by the workers
  bool inline_ = false;   // the workers are parked; the consumer maps (see the class comment)
  int64_t in_flight_ = 0;
  int64_t consumed_ = 0;
  int64_t idle_workers_ = 0;
  bool consumer_waiting_ = false;
  int64_t held_ = 0;  // elements of the consumer's last chunk (taken_), still held in the window
  std::optional<int64_t> end_;
  bool cancelled_ = false;
  std::vector<std::thread> workers_;

  // The consumer's side, touched by it alone: a whole chunk taken under one lock and then served
  // without locking, so the consumer locks once per chunk instead of once per element.
  std::vector<Result> taken_;
  size_t taken_pos_ = 0;
};

class MapNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return make_map_node(std::move(input), fn_, options_);
  }
  MapNode(NodePtr input, MapFunction fn, MapOptions options)
      : input_(std::move(input)), fn_(std::move(fn)), options_(options) {
    TANDEM_CHECK(options.num_parallel_calls >= 0 || options.num_parallel_calls == AUTOTUNE,
                 ValueError, "map: num_parallel_calls must be positive or AUTOTUNE, received ",
                 options.num_parallel_calls);
  }
  int64_t cardinality() const override { return input_->cardinality(); }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    int64_t threads =
        options_.num_parallel_calls == AUTOTUNE ? autotune_threads() : options_.num_parallel_calls;
    if (threads <= 1) {
      return std::make_unique<SequentialMapIterator>(input_->make_iterator(ctx), fn_);
    }
    return std::make_unique<ParallelMapIterator>(input_->make_iterator(ctx), fn_, threads,
                                                 options_.deterministic);
  }

 private:
  NodePtr input_;
  MapFunction fn_;
  MapOptions options_;
};

}  // namespace

NodePtr make_map_node(NodePtr input, MapFunction fn, MapOptions options) {
  return std::make_shared<MapNode>(std::move(input), std::move(fn), options);
}

}  // namespace tandem::data::detail
