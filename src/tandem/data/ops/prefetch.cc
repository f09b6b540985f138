// prefetch: a background thread pulls up to buffer_size elements ahead of the consumer. Errors
// travel through the buffer in order; destroying the iterator stops and joins the thread.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "kernels/cpu/threads.h"
#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

// What AUTOTUNE picks: two elements keep the consumer busy while the producer works on the next,
// without holding many batches in memory.
constexpr int64_t kAutotuneBuffer = 2;

class PrefetchIterator : public IteratorBase {
 public:
  PrefetchIterator(std::unique_ptr<IteratorBase> input, int64_t buffer_size)
      : input_(std::move(input)), capacity_(static_cast<size_t>(buffer_size)) {
    thread_ = std::thread([this] {
      kernels::cpu::adopt_thread_budget();  // ops upstream: the process's budget, not the machine
      produce();
    });
  }

  ~PrefetchIterator() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
    }
    producer_cv_.notify_all();
    thread_.join();
  }

  std::optional<Element> next() override {
    std::unique_lock<std::mutex> lock(mutex_);
    consumer_cv_.wait(lock, [&] { return !buffer_.empty() || finished_; });
    if (buffer_.empty()) return std::nullopt;
    Item item = std::move(buffer_.front());
    buffer_.pop_front();
    lock.unlock();
    producer_cv_.notify_one();
    if (item.error) std::rethrow_exception(item.error);
    return std::move(item.value);
  }

 private:
  struct Item {
    std::optional<Element> value;
    std::exception_ptr error;
  };

  void produce() {
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        producer_cv_.wait(lock, [&] { return cancelled_ || buffer_.size() < capacity_; });
        if (cancelled_) break;
      }
      Item item;
      try {
        item.value = input_->next();
      } catch (...) {
        item.error = std::current_exception();
      }
      // The input stops after an error: its iterator may be in any state.
      bool stop = !item.value || item.error;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (item.value || item.error) buffer_.push_back(std::move(item));
        if (stop) finished_ = true;
      }
      consumer_cv_.notify_one();
      if (stop) break;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    consumer_cv_.notify_all();
  }

  std::unique_ptr<IteratorBase> input_;
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable producer_cv_, consumer_cv_;
  std::deque<Item> buffer_;
  bool cancelled_ = false;
  bool finished_ = false;  // the producer will add nothing more
  std::thread thread_;     // last: started after everything it uses exists
};

class PrefetchNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return std::make_shared<PrefetchNode>(std::move(input), buffer_size_);
  }
  PrefetchNode(NodePtr input, int64_t buffer_size)
      : input_(std::move(input)),
        buffer_size_(buffer_size == AUTOTUNE ? kAutotuneBuffer : buffer_size) {
    TANDEM_CHECK(buffer_size_ > 0, ValueError,
                 "prefetch: buffer_size must be positive or AUTOTUNE, received ", buffer_size);
  }
  int64_t cardinality() const override { return input_->cardinality(); }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    return make_prefetch_iterator(input_->make_iterator(ctx), buffer_size_);
  }

 private:
  NodePtr input_;
  int64_t buffer_size_;
};

}  // namespace

std::unique_ptr<IteratorBase> make_prefetch_iterator(std::unique_ptr<IteratorBase> input,
                                                     int64_t buffer_size) {
  return std::make_unique<PrefetchIterator>(std::move(input), buffer_size);
}

NodePtr make_prefetch_node(NodePtr input, int64_t buffer_size) {
  return std::make_shared<PrefetchNode>(std::move(input), buffer_size);
}

}  // namespace tandem::data::detail
