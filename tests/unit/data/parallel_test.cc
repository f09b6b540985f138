// Threads in the pipeline: parallel map, prefetch, parallel interleave; errors reach the consumer,
// and iterators destroyed mid-flight stop their threads cleanly.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "data_test_util.h"
#include "tandem/core/config.h"
#include "testing/assertions.h"

namespace tandem::data {
namespace {

using tandem::testing::expect_error;
using testing::iota;
using testing::scalars;

Tensor i64(int64_t v) { return Tensor::from_vector<int64_t>({v}, Shape{}); }

// A map function that sleeps longer for early elements, so workers finish out of order.
MapFunction slow_square() {
  return [](const Element& e) -> Element {
    int64_t v = e[0].item<int64_t>();
    std::this_thread::sleep_for(std::chrono::microseconds(200 * ((v * 7) % 5)));
    return i64(v * v);
  };
}

TEST(ParallelMap, KeepsTheInputOrder) {
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 50; ++i) expected.push_back(i * i);
  for (int64_t threads : {int64_t{2}, int64_t{4}, AUTOTUNE}) {
    Dataset ds = Dataset::range(50).map(slow_square(), {.num_parallel_calls = threads});
    EXPECT_EQ(scalars(ds), expected) << threads << " threads";
    EXPECT_EQ(ds.cardinality(), 50);
  }
}

TEST(ParallelMap, UsesSeveralThreadsAtOnce) {
  // Each call waits (up to 10 s) until another call is running at the same time: a parallel map
  // passes at once however loaded the machine is, a serial one times out with peak 1.
  std::atomic<int> active{0}, peak{0};
  Dataset ds = Dataset::range(16).map(
      [&](const Element& e) -> Element {
        int now = ++active;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (peak.load() < 2 && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        --active;
        return e;
      },
      {.num_parallel_calls = 4});
  EXPECT_EQ(scalars(ds), iota(0, 16));
  EXPECT_GE(peak.load(), 2);
}

TEST(ParallelMap, NonDeterministicYieldsEveryElementOnce) {
  Dataset ds =
      Dataset::range(40).map(slow_square(), {.num_parallel_calls = 4, .deterministic = false});
  std::vector<int64_t> got = scalars(ds);
  std::sort(got.begin(), got.end());
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 40; ++i) expected.push_back(i * i);
  EXPECT_EQ(got, expected);
}

TEST(ParallelMap, ErrorReachesTheConsumerWithTheIndexAndIterationGoesOn) {
  Dataset ds = Dataset::range(20).map(
      [](const Element& e) -> Element {
        int64_t v = e[0].item<int64_t>();
        TANDEM_CHECK(v != 7, ShapeError, "cannot transform ", v);
        return e;
      },
      {.num_parallel_calls = 3});
  auto it = ds.make_iterator();
  for (int64_t i = 0; i < 7; ++i) EXPECT_EQ(it->next()->at(0).item<int64_t>(), i);
  expect_error<ShapeError>([&] { it->next(); },
                           "map: the function failed on element 7: cannot transform 7");
  // Like tf.data, the iterator stays usable after a failed element.
  EXPECT_EQ(it->next()->at(0).item<int64_t>(), 8);
}

TEST(ParallelMap, EveryElementFailingDoesNotDeadlock) {
  Dataset ds =
      Dataset::range(10).map([](const Element&) -> Element { throw std::runtime_error("boom"); },
                             {.num_parallel_calls = 4});
  auto it = ds.make_iterator();
  for (int i = 0; i < 10; ++i) {
    expect_error<Error>([&] { it->next(); }, "failed on element " + std::to_string(i) + ": boom");
  }
  EXPECT_FALSE(it->next().has_value());
}

TEST(ParallelMap, UpstreamErrorEndsTheInput) {
  int calls = 0;
  Dataset ds = Dataset::from_generator([&calls]() -> std::optional<Element> {
                 TANDEM_CHECK(calls < 3, IOError, "disk on fire");
                 return Element(i64(calls++));
               }).map([](const Element& e) { return e; }, {.num_parallel_calls = 2});
  auto it = ds.make_iterator();
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(it->next()->at(0).item<int64_t>(), i);
  expect_error<IOError>([&] { it->next(); }, "disk on fire");
  EXPECT_FALSE(it->next().has_value());
}

TEST(ParallelMap, DestroyedWhileWorkersRunStopsCleanly) {
  std::atomic<int> running{0};
  Dataset ds = Dataset::range(1000000).map(
      [&](const Element& e) -> Element {
        ++running;
        std::this_thread::sleep_for(std::chrono::microseconds(300));
        --running;
        return e;
      },
      {.num_parallel_calls = 4});
  {
    auto it = ds.make_iterator();
    it->next();
    it->next();
  }  // the destructor cancels and joins the workers
  EXPECT_EQ(running.load(), 0);
  // Destroyed before pulling anything, over an infinite input.
  {
    auto it =
        Dataset::range(1).repeat().map(slow_square(), {.num_parallel_calls = 2}).make_iterator();
  }
}

// Chunks follow the function's cost: a cheap function that turns expensive (and back) keeps the
// order and loses nothing, and the look-ahead stays bounded while the consumer is idle.
TEST(ParallelMap, AdaptiveChunksKeepOrderAndBoundTheLookAhead) {
  auto varying = [](const Element& e) -> Element {
    int64_t v = e[0].item<int64_t>();
    if (v >= 300 && v < 340) std::this_thread::sleep_for(std::chrono::microseconds(300));
    return i64(v + 1);
  };
  EXPECT_EQ(scalars(Dataset::range(1000).map(varying, {.num_parallel_calls = 2})), iota(1, 1001));

  std::atomic<int64_t> calls{0};
  Dataset ds = Dataset::range(1000000).map(
      [&](const Element& e) {
        ++calls;
        return e;
      },
      {.num_parallel_calls = 2});
  auto it = ds.make_iterator();
  EXPECT_EQ(it->next()->at(0).item<int64_t>(), 0);
  // Give the workers time to run ahead as far as they may: wait until a second element has been
  // transformed (however loaded the machine), then a little longer.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (calls.load() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // At most 256 elements per worker are transformed ahead of the consumer.
  EXPECT_LE(calls.load(), 2 * 256 + 1);
  EXPECT_GE(calls.load(), 2);
  for (int64_t i = 1; i < 2000; ++i) ASSERT_EQ(it->next()->at(0).item<int64_t>(), i);
}

// A function cheaper than a hand-off runs on the consumer's thread once its cost is measured (the
// workers park): the order, the results and the errors stay those of the parallel map.
TEST(ParallelMap, CheapFunctionRunsInlineOnTheConsumer) {
  const std::thread::id consumer = std::this_thread::get_id();
  std::atomic<int64_t> on_consumer{0};
  Dataset ds = Dataset::range(20000).map(
      [&](const Element& e) -> Element {
        int64_t v = e[0].item<int64_t>();
        if (std::this_thread::get_id() == consumer) ++on_consumer;
        TANDEM_CHECK(v != 15000, ValueError, "bad value ", v);
        return i64(2 * v);
      },
      {.num_parallel_calls = 2});
  auto it = ds.make_iterator();
  for (int64_t i = 0; i < 15000; ++i) ASSERT_EQ(it->next()->at(0).item<int64_t>(), 2 * i);
  // Most calls (all but the first measured ones) ran on the consumer's thread.
  EXPECT_GT(on_consumer.load(), 5000);
  expect_error<ValueError>([&] { it->next(); },
                           "map: the function failed on element 15000: bad value 15000");
  for (int64_t i = 15001; i < 20000; ++i) ASSERT_EQ(it->next()->at(0).item<int64_t>(), 2 * i);
  EXPECT_FALSE(it->next().has_value());
  EXPECT_FALSE(it->next().has_value());
}

// Inline, a function that turns expensive wakes the workers again; the order is kept throughout.
TEST(ParallelMap, InlineMapGoesParallelWhenTheFunctionTurnsExpensive) {
  const std::thread::id consumer = std::this_thread::get_id();
  std::atomic<int64_t> slow_on_workers{0};
  Dataset ds = Dataset::range(8000).map(
      [&](const Element& e) -> Element {
        int64_t v = e[0].item<int64_t>();
        if (v >= 6000 && v < 6100) {
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          if (std::this_thread::get_id() != consumer) ++slow_on_workers;
        }
        return i64(v + 1);
      },
      {.num_parallel_calls = 2});
  EXPECT_EQ(scalars(ds), iota(1, 8001));
  EXPECT_GT(slow_on_workers.load(), 50);
}

// An upstream error while the consumer maps inline ends the input, as in the parallel mode.
TEST(ParallelMap, UpstreamErrorWhileInlineEndsTheInput) {
  int64_t calls = 0;
  Dataset ds = Dataset::from_generator([&calls]() -> std::optional<Element> {
                 TANDEM_CHECK(calls < 10000, IOError, "disk on fire");
                 return Element(i64(calls++));
               }).map([](const Element& e) { return e; }, {.num_parallel_calls = 2});
  auto it = ds.make_iterator();
  for (int64_t i = 0; i < 10000; ++i) ASSERT_EQ(it->next()->at(0).item<int64_t>(), i);
  expect_error<IOError>([&] { it->next(); }, "disk on fire");
  EXPECT_FALSE(it->next().has_value());
}

TEST(Prefetch, YieldsTheSameElementsAndCardinality) {
  Dataset ds = Dataset::range(100).map(slow_square(), {.num_parallel_calls = 2}).prefetch(3);
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 100; ++i) expected.push_back(i * i);
  EXPECT_EQ(scalars(ds), expected);
  EXPECT_EQ(ds.cardinality(), 100);
  EXPECT_EQ(scalars(Dataset::range(5).prefetch(AUTOTUNE)), iota(0, 5));
  EXPECT_TRUE(scalars(Dataset::range(0).prefetch(1)).empty());
  expect_error<ValueError>([] { Dataset::range(3).prefetch(0); }, "buffer_size must be positive");
}

TEST(Prefetch, RunsAheadOnABackgroundThread) {
  std::atomic<int> produced{0};
  Dataset ds = Dataset::range(10)
                   .map([&](const Element& e) -> Element {
                     ++produced;
                     return e;
                   })
                   .prefetch(4);
  auto it = ds.make_iterator();
  // A deadline, not a number of naps: on a loaded machine the background thread may start late.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (produced.load() < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(produced.load(), 4);  // filled its buffer without being asked, and no further
  EXPECT_EQ(it->next()->at(0).item<int64_t>(), 0);
}

TEST(Prefetch, ErrorsArriveInOrderAndEndTheIteration) {
  Dataset ds = Dataset::range(10)
                   .map([](const Element& e) -> Element {
                     TANDEM_CHECK(e[0].item<int64_t>() != 4, ValueError, "four");
                     return e;
                   })
                   .prefetch(8);
  auto it = ds.make_iterator();
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(it->next()->at(0).item<int64_t>(), i);
  expect_error<ValueError>([&] { it->next(); }, "failed on element 4: four");
  EXPECT_FALSE(it->next().has_value());
}

TEST(Prefetch, DestroyedWhilePrefetchingStopsCleanly) {
  for (int round = 0; round < 20; ++round) {
    auto it = Dataset::range(1).repeat().batch(8).prefetch(2).make_iterator();
    if (round % 2) it->next();
  }
  // A consumer that stops part-way through a range-for.
  int64_t count = 0;
  for (const auto& e : Dataset::range(1000).prefetch(16)) {
    if (e[0].item<int64_t>() == 5) break;
    ++count;
  }
  EXPECT_EQ(count, 5);
}

TEST(Interleave, CycleAndBlockOrder) {
  // tf.data's documented example: range(1, 6).interleave(x -> repeat(x, 6), cycle 2, block 4).
  auto fn = [](const Element& e) { return Dataset::from_tensors(e).repeat(6); };
  Dataset ds = Dataset::range(1, 6).interleave(fn, {.cycle_length = 2, .block_length = 4});
  std::vector<int64_t> expected{1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3,
                                3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5};
  EXPECT_EQ(scalars(ds), expected);
  EXPECT_EQ(ds.cardinality(), UNKNOWN_CARDINALITY);
  // The parallel form keeps the order.
  Dataset par = Dataset::range(1, 6).interleave(
      fn, {.cycle_length = 2, .block_length = 4, .num_parallel_calls = 2});
  EXPECT_EQ(scalars(par), expected);
}

TEST(Interleave, FunctionErrorNamesTheElement) {
  Dataset ds = Dataset::range(3).interleave(
      [](const Element& e) -> Dataset {
        TANDEM_CHECK(e[0].item<int64_t>() != 1, ValueError, "no dataset for 1");
        return Dataset::from_tensors(e);
      },
      {.cycle_length = 1});
  expect_error<ValueError>([&] { ds.collect(); },
                           "interleave: the function failed on element 1: no dataset for 1");
  expect_error<ValueError>(
      [] {
        Dataset::range(3).interleave([](const Element& e) { return Dataset::from_tensors(e); },
                                     {.block_length = 0});
      },
      "block_length must be positive");
}

TEST(Iterator, OutlivesItsDatasetHandles) {
  std::unique_ptr<IteratorBase> it;
  {
    Tensor x = Tensor::from_vector<int64_t>({4, 5, 6}, Shape{3});
    it = Dataset::from_tensor_slices(x).map([](const Element& e) { return e; }).make_iterator();
  }
  std::vector<int64_t> got;
  while (auto e = it->next()) got.push_back(e->at(0).item<int64_t>());
  EXPECT_EQ(got, (std::vector<int64_t>{4, 5, 6}));
}

// AUTOTUNE's parallelism is the process's CPU thread budget (the kernels' share), not the machine's
// core count, so that a pipeline and the training step together do not oversubscribe the cores.
class ThreadBudget {
 public:
  explicit ThreadBudget(int n) { config::threading::set_intra_op_parallelism_threads(n); }
  ~ThreadBudget() { config::threading::set_intra_op_parallelism_threads(0); }
};

TEST(Autotune, ABudgetOfOneMapsOnTheCallersThread) {
  ThreadBudget budget(1);
  std::set<std::thread::id> ids;
  Dataset ds = Dataset::range(20).map(
      [&](const Element& e) -> Element {
        ids.insert(std::this_thread::get_id());  // serial: no lock needed
        return e;
      },
      {.num_parallel_calls = AUTOTUNE});
  EXPECT_EQ(scalars(ds), iota(0, 20));
  EXPECT_EQ(ids, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(Autotune, MapRunsAsManyWorkersAsTheBudget) {
  // A budget above this machine's cores too, so that a map sized by the core count would fail.
  const int wanted = static_cast<int>(std::thread::hardware_concurrency()) + 2;
  ThreadBudget budget(wanted);
  EXPECT_EQ(config::threading::get_intra_op_parallelism_threads(), wanted);
  // Each call waits (up to 10 s, once) until `wanted` calls run at the same time: with that many
  // workers it passes at once however loaded the machine is; with fewer, peak stays below.
  std::atomic<int> active{0}, peak{0};
  std::atomic<bool> gave_up{false};
  std::mutex mutex;
  std::set<std::thread::id> ids;
  Dataset ds = Dataset::range(4 * wanted)
                   .map(
                       [&](const Element& e) -> Element {
                         {
                           std::lock_guard<std::mutex> lock(mutex);
                           ids.insert(std::this_thread::get_id());
                         }
                         int now = ++active;
                         int p = peak.load();
                         while (now > p && !peak.compare_exchange_weak(p, now)) {
                         }
                         auto deadline =
                             std::chrono::steady_clock::now() + std::chrono::seconds(10);
                         while (peak.load() < wanted && !gave_up.load()) {
                           if (std::chrono::steady_clock::now() > deadline) gave_up = true;
                           std::this_thread::sleep_for(std::chrono::microseconds(100));
                         }
                         --active;
                         return e;
                       },
                       {.num_parallel_calls = AUTOTUNE});
  EXPECT_EQ(scalars(ds), iota(0, 4 * wanted));
  EXPECT_EQ(peak.load(), wanted);
  EXPECT_EQ(static_cast<int>(ids.size()), wanted);
}

TEST(Autotune, PipelineThreadsRunKernelsWithTheBudget) {
  // OpenMP's thread count is per thread: the pipeline's own threads must start from the budget too,
  // or ops inside a map would start teams sized by OMP_NUM_THREADS or the machine.
  const int wanted = static_cast<int>(std::thread::hardware_concurrency()) + 3;
  ThreadBudget budget(wanted);
  std::mutex mutex;
  std::set<int> seen;
  Dataset ds = Dataset::range(8)
                   .map(
                       [&](const Element& e) -> Element {
                         std::lock_guard<std::mutex> lock(mutex);
                         seen.insert(omp_get_max_threads());
                         return e;
                       },
                       {.num_parallel_calls = 2})
                   .prefetch(2);
  EXPECT_EQ(scalars(ds), iota(0, 8));
  EXPECT_EQ(seen, std::set<int>{wanted});
}

}  // namespace
}  // namespace tandem::data
