// map: sequential on the caller's thread, or parallel on num_parallel_calls worker threads that
// keep the input order (or not, when deterministic is false).
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

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

// Workers reserve a place in a bounded window, pull the next input (in index order under
// input_mutex_), transform it outside any lock and file the result under its index. The consumer
// takes results in index order (or any ready one). Errors travel as results, so a failing function
// never stalls the pipeline; the destructor cancels and joins the workers.
class ParallelMapIterator : public IteratorBase {
 public:
  ParallelMapIterator(std::unique_ptr<IteratorBase> input, MapFunction fn, int64_t threads,
                      bool deterministic)
      : input_(std::move(input)),
        fn_(std::move(fn)),
        window_(2 * threads * kChunk),
        deterministic_(deterministic) {
    workers_.reserve(static_cast<size_t>(threads));
    for (int64_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
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
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      auto it = deterministic_ ? results_.find(consumed_) : results_.begin();
      if (it != results_.end()) {
        Result r = std::move(it->second);
        results_.erase(it);
        ++consumed_;
        lock.unlock();
        worker_cv_.notify_one();
        if (r.error) std::rethrow_exception(r.error);
        return std::move(r.value);
      }
      if (end_ && consumed_ >= *end_) return std::nullopt;
      consumer_cv_.wait(lock);
    }
  }

 private:
  struct Result {
    std::optional<Element> value;
    std::exception_ptr error;
  };

  // A worker takes up to kChunk consecutive inputs at a time: one lock round trip and one wake-up
  // per chunk instead of per element, which is what lets cheap functions scale across threads.
  static constexpr int64_t kChunk = 4;

  void work() {
    while (true) {
      int64_t reserved = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        worker_cv_.wait(lock, [&] { return cancelled_ || end_ || room() > 0; });
        if (cancelled_ || end_) return;
        reserved = std::min(kChunk, room());
        in_flight_ += reserved;
      }
      int64_t first = 0;
      int64_t end = -1;  // >= 0: the input ends at this index
      std::vector<Result> chunk;
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
      for (size_t k = 0; k < chunk.size(); ++k) {
        if (chunk[k].value) apply(first + static_cast<int64_t>(k), chunk[k]);
      }
      finish(first, reserved, end, std::move(chunk));
    }
  }

  // Places left in the window (call with mutex_ held).
  int64_t room() const { return window_ - in_flight_ - static_cast<int64_t>(results_.size()); }

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

  void finish(int64_t first, int64_t reserved, int64_t end, std::vector<Result> chunk) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      in_flight_ -= reserved;
      if (end >= 0) end_ = end_ ? std::min(*end_, end) : end;
      for (size_t k = 0; k < chunk.size(); ++k) {
        results_.emplace(first + static_cast<int64_t>(k), std::move(chunk[k]));
      }
    }
    consumer_cv_.notify_one();  // a single consumer
    // Room freed by a short chunk, or the end: other workers may go on or stop.
    worker_cv_.notify_all();
  }

  std::unique_ptr<IteratorBase> input_;
  MapFunction fn_;
  const int64_t window_;
  const bool deterministic_;

  std::mutex input_mutex_;  // guards input_, next_index_, input_done_
  int64_t next_index_ = 0;
  bool input_done_ = false;

  std::mutex mutex_;  // guards everything below
  std::condition_variable worker_cv_, consumer_cv_;
  std::map<int64_t, Result> results_;
  int64_t in_flight_ = 0;
  int64_t consumed_ = 0;
  std::optional<int64_t> end_;
  bool cancelled_ = false;
  std::vector<std::thread> workers_;
};

class MapNode : public DatasetNode {
 public:
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
