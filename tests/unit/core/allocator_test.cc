#include "tandem/core/allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <set>
#include <thread>
#include <vector>

#include "tandem/ops/random.h"
#include "testing/gradient_check.h"

namespace tandem {
namespace {

bool aligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % cpu_allocator::kAlignment == 0;
}

TEST(CpuAllocator, BlocksAre64ByteAligned) {
  std::vector<std::pair<void*, size_t>> blocks;
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{100},
                       size_t{4096}, size_t{5000}, size_t{1} << 20, (size_t{1} << 20) + 3}) {
    void* p = cpu_allocator::allocate(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(aligned(p)) << bytes << " bytes at " << p;
    std::memset(p, 0xab, bytes);  // the whole request is usable
    blocks.emplace_back(p, bytes);
  }
  for (auto [p, bytes] : blocks) cpu_allocator::deallocate(p, bytes);
}

TEST(CpuAllocator, FreedBlocksAreReusedWithoutSystemCalls) {
  void* first = cpu_allocator::allocate(1000);
  cpu_allocator::deallocate(first, 1000);
  AllocatorStats before = cpu_allocator::stats();
  void* again = cpu_allocator::allocate(1000);
  EXPECT_EQ(again, first);
  cpu_allocator::deallocate(again, 1000);
  // 990 bytes round up to the same 1024-byte class.
  void* same_class = cpu_allocator::allocate(990);
  EXPECT_EQ(same_class, first);
  AllocatorStats after = cpu_allocator::stats();
  EXPECT_EQ(after.system_allocations, before.system_allocations);
  EXPECT_EQ(after.allocations, before.allocations + 2);
  cpu_allocator::deallocate(same_class, 990);
}

TEST(CpuAllocator, StatsTrackBytesInUseAndCached) {
  cpu_allocator::empty_cache();
  AllocatorStats start = cpu_allocator::stats();
  EXPECT_EQ(start.bytes_cached, 0);
  void* p = cpu_allocator::allocate(100);  // a 128-byte class
  AllocatorStats held = cpu_allocator::stats();
  EXPECT_EQ(held.bytes_in_use - start.bytes_in_use, 128);
  EXPECT_EQ(held.system_allocations, start.system_allocations + 1);
  cpu_allocator::deallocate(p, 100);
  AllocatorStats freed = cpu_allocator::stats();
  EXPECT_EQ(freed.bytes_in_use, start.bytes_in_use);
  EXPECT_EQ(freed.bytes_cached, 128);
  cpu_allocator::empty_cache();
  EXPECT_EQ(cpu_allocator::stats().bytes_cached, 0);
  // After emptying the cache a new block comes from the system again.
  void* q = cpu_allocator::allocate(100);
  EXPECT_EQ(cpu_allocator::stats().system_allocations, freed.system_allocations + 1);
  cpu_allocator::deallocate(q, 100);
}

TEST(CpuAllocator, LargeSizeClassesWasteAtMostAQuarter) {
  cpu_allocator::empty_cache();
  int64_t in_use = cpu_allocator::stats().bytes_in_use;
  size_t bytes = (size_t{1} << 20) + 1;  // just past a power of two: the next class is 1.25 MiB
  void* p = cpu_allocator::allocate(bytes);
  int64_t block = cpu_allocator::stats().bytes_in_use - in_use;
  EXPECT_GE(block, static_cast<int64_t>(bytes));
  EXPECT_LE(block, static_cast<int64_t>(bytes + bytes / 4));
  cpu_allocator::deallocate(p, bytes);
}

TEST(CpuAllocator, TensorsUseTheAllocator) {
  int64_t before = cpu_allocator::stats().allocations;
  Tensor t = Tensor::empty({3, 5}, float32, Device::cpu());
  EXPECT_TRUE(aligned(t.raw_data()));
  EXPECT_GT(cpu_allocator::stats().allocations, before);
}

// One step of a small two-layer perceptron written with element-wise ops and reductions: the
// matrix product is a broadcast multiply followed by reduce_sum.
struct TinyMlp {
  Variable w1{random_normal({8, 16}, {.stddev = 0.3, .seed = 1}), {.name = "w1"}};
  Variable b1{zeros({16}), {.name = "b1"}};
  Variable w2{random_normal({16, 1}, {.stddev = 0.3, .seed = 2}), {.name = "w2"}};
  Tensor x = random_normal({32, 8}, {.seed = 3});
  Tensor y = random_uniform({32, 1}, {.seed = 4});

  static Tensor dense(const Tensor& in, const Tensor& w) {
    Tensor prod = reshape(in, {in.shape()[0], in.shape()[1], 1}) * w;  // [batch, in, out]
    return reduce_sum(prod, {.axis = std::vector<int64_t>{1}});
  }

  double step(float learning_rate) {
    std::vector<std::optional<Tensor>> grads;
    double loss_value;
    {
      GradientTape tape;
      Tensor h = exp(-square(dense(x, w1) + b1));  // a Gaussian activation
      Tensor out = dense(h, w2);
      Tensor loss = reduce_sum(square(out - y)) * (1.0 / 32);
      loss_value = loss.item<double>();
      grads = tape.gradient(loss, std::vector<Variable>{w1, b1, w2});
    }
    w1.assign_sub(*grads[0] * learning_rate);
    b1.assign_sub(*grads[1] * learning_rate);
    w2.assign_sub(*grads[2] * learning_rate);
    return loss_value;
  }
};

TEST(CpuAllocator, SteadyStateTrainingStepsDoNotCallTheSystemAllocator) {
  TinyMlp model;
  double first_loss = model.step(0.1f);
  for (int i = 0; i < 3; ++i) model.step(0.1f);  // warm-up fills the cache
  AllocatorStats warm = cpu_allocator::stats();
  double last_loss = 0;
  for (int i = 0; i < 20; ++i) last_loss = model.step(0.1f);
  AllocatorStats steady = cpu_allocator::stats();
  EXPECT_EQ(steady.system_allocations, warm.system_allocations)
      << "a repeated training step must be served from the cache";
  EXPECT_GT(steady.allocations, warm.allocations + 20 * 10) << "the steps did allocate tensors";
  EXPECT_EQ(steady.bytes_in_use, warm.bytes_in_use) << "nothing leaks from step to step";
  EXPECT_LT(last_loss, first_loss) << "the steps really trained";
}

// A pipeline allocates an element's tensors on one thread and frees them on another. Blocks freed
// by the consumer come back to the producer through the shared pool (no system allocation once
// warm), the counts stay exact across threads, and a thread that exits leaves its cache to the
// pool.
TEST(CpuAllocator, BlocksFreedOnAnotherThreadAreReusedAndCounted) {
  constexpr int kBlocks = 2000;    // more than a thread keeps for itself, so blocks reach the pool
  constexpr size_t kBytes = 3136;  // a 28x28 float32 image
  cpu_allocator::empty_cache();
  AllocatorStats start = cpu_allocator::stats();
  auto produce = [&] {
    std::vector<void*> blocks(kBlocks);
    std::thread producer([&] {
      for (void*& b : blocks) b = cpu_allocator::allocate(kBytes);
    });
    producer.join();  // the producer exits: its (empty) cache goes away with it
    for (void* b : blocks) cpu_allocator::deallocate(b, kBytes);  // freed by the consumer
  };
  produce();
  AllocatorStats first = cpu_allocator::stats();
  EXPECT_EQ(first.system_allocations - start.system_allocations, kBlocks);
  EXPECT_EQ(first.allocations - start.allocations, kBlocks);
  EXPECT_EQ(first.bytes_in_use, start.bytes_in_use);
  EXPECT_EQ(first.bytes_cached - start.bytes_cached,
            kBlocks * int64_t{kBytes});  // 3136 is a size class
  produce();  // a new producer is served from the blocks the consumer freed
  AllocatorStats second = cpu_allocator::stats();
  // All but the few the consumer keeps in its own cache (256 KiB of this class: 83 blocks).
  EXPECT_LE(second.system_allocations - first.system_allocations, 83);
  EXPECT_EQ(second.bytes_in_use, start.bytes_in_use);
  cpu_allocator::empty_cache();
  EXPECT_EQ(cpu_allocator::stats().bytes_cached, 0);
}

// Tensor ids are handed out in per-thread blocks; they must still never collide.
TEST(TensorIds, AreUniqueAcrossThreads) {
  std::vector<uint64_t> ids[3];
  std::vector<std::thread> threads;
  for (auto& list : ids) {
    threads.emplace_back([&list] {
      for (int i = 0; i < 10000; ++i) list.push_back(Tensor::empty({1}, float32).id());
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (const auto& list : ids) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), 30000u);
}

// A block larger than the machine's memory plus swap is refused without asking the system (which,
// with overcommit on, would hand out address space that the first write turns into an OOM kill).
TEST(CpuAllocator, RequestsBeyondTheMachinesMemoryAreRefused) {
  AllocatorStats before = cpu_allocator::stats();
  EXPECT_THROW(cpu_allocator::allocate(size_t{1} << 50), std::bad_alloc);  // 1 PiB
  EXPECT_THROW(cpu_allocator::allocate(std::numeric_limits<size_t>::max()), std::bad_alloc);
  AllocatorStats after = cpu_allocator::stats();
  EXPECT_EQ(after.system_allocations, before.system_allocations);
  EXPECT_EQ(after.bytes_in_use, before.bytes_in_use);
  void* p = cpu_allocator::allocate(1 << 20);  // ordinary requests still work
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, 1 << 20);
  cpu_allocator::deallocate(p, 1 << 20);
}

}  // namespace
}  // namespace tandem
