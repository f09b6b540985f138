// Every collective with every dtype and op on 2, 3 and 4 ranks (ctest runs this under mpirun):
// odd and zero-length sizes, in and out of place, non-blocking overlap, sub-communicators and
// fusion. Values are small integers so every dtype holds them exactly.
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>

#include "mpi_test_main.h"

namespace tandem::comm::testing {
namespace {

const ScalarType kDtypes[] = {ScalarType::kFloat32,  ScalarType::kFloat64, ScalarType::kFloat16,
                              ScalarType::kBFloat16, ScalarType::kInt32,   ScalarType::kInt64,
                              ScalarType::kUInt8};
const ReduceOp kOps[] = {ReduceOp::kSum, ReduceOp::kAvg, ReduceOp::kMin, ReduceOp::kMax,
                         ReduceOp::kProduct};
const size_t kCounts[] = {0, 1, 13, 1001};

// Rank r's element i: 1, 2 or 3, so products over 4 ranks stay below 256.
double value(int rank, size_t i) {
  return static_cast<double>((static_cast<size_t>(rank) + i) % 3 + 1);
}

double reduced(ReduceOp op, size_t i, int size, ScalarType dtype) {
  double acc = value(0, i);
  for (int r = 1; r < size; ++r) {
    double v = value(r, i);
    switch (op) {
      case ReduceOp::kSum:
      case ReduceOp::kAvg:
        acc += v;
        break;
      case ReduceOp::kMin:
        acc = std::min(acc, v);
        break;
      case ReduceOp::kMax:
        acc = std::max(acc, v);
        break;
      case ReduceOp::kProduct:
        acc *= v;
        break;
    }
  }
  if (op == ReduceOp::kAvg) acc = kernels::is_floating(dtype) ? acc / size : std::floor(acc / size);
  return acc;
}

double tolerance(ScalarType dtype) {
  return dtype == ScalarType::kFloat16 || dtype == ScalarType::kBFloat16 ? 1e-2 : 1e-6;
}

std::string label(ScalarType dtype, ReduceOp op, size_t count) {
  return std::string(dtype_name(dtype)) + " " + op_name(op) + " n=" + std::to_string(count);
}

TEST(MpiCommunicator, ReportsRankSizeAndLocalRank) {
  Communicator& comm = world();
  EXPECT_EQ(comm.backend(), "mpi");
  EXPECT_EQ(comm.size(), std::atoi(std::getenv("OMPI_COMM_WORLD_SIZE")));
  EXPECT_EQ(comm.rank(), std::atoi(std::getenv("OMPI_COMM_WORLD_RANK")));
  // One machine: every rank is local.
  EXPECT_EQ(comm.local_size(), comm.size());
  EXPECT_EQ(comm.local_rank(), comm.rank());
}

TEST(MpiCommunicator, AllReduceEveryDtypeOpAndSize) {
  Communicator& comm = world();
  for (ScalarType dtype : kDtypes) {
    for (ReduceOp op : kOps) {
      for (size_t count : kCounts) {
        for (bool in_place : {false, true}) {
          TypedBuffer in(dtype, count), out(dtype, count);
          for (size_t i = 0; i < count; ++i) in.set(i, value(comm.rank(), i));
          comm.all_reduce(in.buffer(), in_place ? in.buffer() : out.buffer(), op, "ar");
          const TypedBuffer& result = in_place ? in : out;
          for (size_t i = 0; i < count; ++i)
            ASSERT_NEAR(result.get(i), reduced(op, i, comm.size(), dtype),
                        tolerance(dtype) * reduced(op, i, comm.size(), dtype))
                << label(dtype, op, count) << (in_place ? " in place" : "") << " element " << i;
        }
      }
    }
  }
}

TEST(MpiCommunicator, ReduceScatterEveryDtypeAndOp) {
  Communicator& comm = world();
  const size_t n = static_cast<size_t>(comm.size());
  for (ScalarType dtype : kDtypes) {
    for (ReduceOp op : kOps) {
      for (size_t block : {size_t{0}, size_t{1}, size_t{7}}) {
        TypedBuffer in(dtype, block * n), out(dtype, block);
        for (size_t i = 0; i < block * n; ++i) in.set(i, value(comm.rank(), i));
        comm.reduce_scatter(in.buffer(), out.buffer(), op, "rs");
        for (size_t i = 0; i < block; ++i) {
          const size_t global = static_cast<size_t>(comm.rank()) * block + i;
          const double expected = reduced(op, global, comm.size(), dtype);
          ASSERT_NEAR(out.get(i), expected, tolerance(dtype) * expected)
              << label(dtype, op, block) << " element " << i;
        }
      }
    }
  }
}

TEST(MpiCommunicator, BroadcastFromEveryRoot) {
  Communicator& comm = world();
  for (ScalarType dtype : kDtypes) {
    for (int root = 0; root < comm.size(); ++root) {
      for (size_t count : kCounts) {
        TypedBuffer buf(dtype, count);
        for (size_t i = 0; i < count; ++i) buf.set(i, comm.rank() == root ? value(root, i) : 0);
        comm.broadcast(buf.buffer(), root, "bcast");
        for (size_t i = 0; i < count; ++i)
          ASSERT_EQ(buf.get(i), value(root, i)) << dtype_name(dtype) << " root " << root;
      }
    }
  }
}

TEST(MpiCommunicator, AllGatherEqualSizes) {
  Communicator& comm = world();
  const size_t n = static_cast<size_t>(comm.size());
  for (ScalarType dtype : kDtypes) {
    for (size_t count : kCounts) {
      TypedBuffer in(dtype, count), out(dtype, count * n);
      for (size_t i = 0; i < count; ++i) in.set(i, value(comm.rank(), i));
      comm.all_gather(in.buffer(), out.buffer(), "ag");
      for (size_t r = 0; r < n; ++r)
        for (size_t i = 0; i < count; ++i)
          ASSERT_EQ(out.get(r * count + i), value(static_cast<int>(r), i)) << dtype_name(dtype);
    }
  }
}

TEST(MpiCommunicator, AllGatherVariableSizesIncludingEmpty) {
  Communicator& comm = world();
  // Rank r contributes 2r + 1 elements except rank 1, which contributes none.
  std::vector<size_t> counts;
  for (int r = 0; r < comm.size(); ++r)
    counts.push_back(r == 1 ? 0 : static_cast<size_t>(2 * r + 1));
  size_t total = 0;
  for (size_t c : counts) total += c;
  for (ScalarType dtype : kDtypes) {
    TypedBuffer in(dtype, counts[static_cast<size_t>(comm.rank())]), out(dtype, total);
    for (size_t i = 0; i < in.count(); ++i) in.set(i, value(comm.rank(), i));
    comm.all_gather_v(in.buffer(), out.buffer(), counts, "agv");
    size_t offset = 0;
    for (int r = 0; r < comm.size(); ++r) {
      for (size_t i = 0; i < counts[static_cast<size_t>(r)]; ++i)
        ASSERT_EQ(out.get(offset + i), value(r, i)) << dtype_name(dtype) << " from rank " << r;
      offset += counts[static_cast<size_t>(r)];
    }
  }
}

TEST(MpiCommunicator, AllToAllInAndOutOfPlace) {
  Communicator& comm = world();
  const size_t n = static_cast<size_t>(comm.size());
  for (ScalarType dtype : kDtypes) {
    for (size_t block : {size_t{0}, size_t{3}}) {
      for (bool in_place : {false, true}) {
        TypedBuffer in(dtype, block * n), out(dtype, block * n);
        // Block j of rank i holds 10 i + j (+ element index), so its arrival place is checkable.
        for (size_t j = 0; j < n; ++j)
          for (size_t k = 0; k < block; ++k)
            in.set(j * block + k,
                   static_cast<double>(10 * comm.rank()) + static_cast<double>(j + k));
        comm.all_to_all(in.buffer(), in_place ? in.buffer() : out.buffer(), "a2a");
        const TypedBuffer& result = in_place ? in : out;
        for (size_t i = 0; i < n; ++i)
          for (size_t k = 0; k < block; ++k)
            ASSERT_EQ(result.get(i * block + k),
                      static_cast<double>(10 * i + static_cast<size_t>(comm.rank()) + k))
                << dtype_name(dtype);
      }
    }
  }
}

TEST(MpiCommunicator, NonBlockingOverlapsWithComputation) {
  Communicator& comm = world();
  std::vector<float> a(1 << 16, static_cast<float>(comm.rank() + 1));
  std::vector<double> b(777, 1.0);
  auto first = comm.iall_reduce({.data = a.data(), .count = a.size()},
                                {.data = a.data(), .count = a.size()}, ReduceOp::kSum, "a");
  auto second = comm.iall_reduce(
      {.data = b.data(), .count = b.size(), .dtype = ScalarType::kFloat64},
      {.data = b.data(), .count = b.size(), .dtype = ScalarType::kFloat64}, ReduceOp::kSum, "b");
  // Computation on this thread while the comm thread moves data.
  double work = 0;
  for (int i = 0; i < 200000; ++i) work += std::sqrt(static_cast<double>(i));
  EXPECT_GT(work, 0);
  second->wait();
  first->wait();
  EXPECT_TRUE(first->test());
  EXPECT_EQ(first->error(), "");
  const float n = static_cast<float>(comm.size());
  EXPECT_EQ(a[0], n * (n + 1) / 2);
  EXPECT_EQ(a.back(), n * (n + 1) / 2);
  EXPECT_EQ(b[776], comm.size());
  // test() polls without blocking until done.
  int32_t x = 1;
  auto w = comm.iall_reduce({.data = &x, .count = 1, .dtype = ScalarType::kInt32},
                            {.data = &x, .count = 1, .dtype = ScalarType::kInt32}, ReduceOp::kSum,
                            "poll");
  while (!w->test()) std::this_thread::yield();
  EXPECT_EQ(x, comm.size());
  comm.barrier();
}

TEST(MpiCommunicator, SplitIntoEvenAndOddRanks) {
  Communicator& comm = world();
  std::unique_ptr<Communicator> sub = comm.split(comm.rank() % 2, comm.rank());
  const int expected_size = (comm.size() + (comm.rank() % 2 == 0 ? 1 : 0)) / 2;
  EXPECT_EQ(sub->size(), expected_size);
  EXPECT_EQ(sub->rank(), comm.rank() / 2);
  int64_t v = comm.rank(), sum = 0;
  sub->all_reduce({.data = &v, .count = 1, .dtype = ScalarType::kInt64},
                  {.data = &sum, .count = 1, .dtype = ScalarType::kInt64}, ReduceOp::kSum, "sub");
  int64_t expected = 0;
  for (int r = comm.rank() % 2; r < comm.size(); r += 2) expected += r;
  EXPECT_EQ(sum, expected);
  // The parent still works after the child is used, and the child's own sequence is separate.
  int32_t one = 1, total = 0;
  comm.all_reduce({.data = &one, .count = 1, .dtype = ScalarType::kInt32},
                  {.data = &total, .count = 1, .dtype = ScalarType::kInt32}, ReduceOp::kSum,
                  "parent");
  EXPECT_EQ(total, comm.size());
  EXPECT_THROW(comm.split(-1, 0), CommError);
}

TEST(MpiCommunicator, FusionOnAndOffGiveIdenticalResults) {
  Communicator& comm = world();
  // 40 buffers of mixed sizes and two dtypes, reduced fused (threshold 4 KiB) and unfused.
  auto make = [&](std::vector<std::vector<float>>* f, std::vector<std::vector<double>>* d) {
    for (size_t k = 0; k < 40; ++k) {
      if (k % 5 == 4) {
        d->emplace_back(k * 7 + 1);
        for (size_t i = 0; i < d->back().size(); ++i)
          d->back()[i] = value(comm.rank(), i + k) * 0.5;
      } else {
        f->emplace_back(k * k % 300);
        for (size_t i = 0; i < f->back().size(); ++i)
          f->back()[i] = static_cast<float>(value(comm.rank(), i * k)) * 0.25f;
      }
    }
  };
  auto buffers = [](std::vector<std::vector<float>>& f, std::vector<std::vector<double>>& d) {
    std::vector<Buffer> out;
    size_t fi = 0, di = 0;
    for (size_t k = 0; k < 40; ++k) {
      if (k % 5 == 4) {
        out.push_back({.data = d[di].data(), .count = d[di].size(), .dtype = ScalarType::kFloat64});
        ++di;
      } else {
        out.push_back({.data = f[fi].data(), .count = f[fi].size()});
        ++fi;
      }
    }
    return out;
  };
  std::vector<std::vector<float>> f1, f2, f3;
  std::vector<std::vector<double>> d1, d2, d3;
  make(&f1, &d1);
  make(&f2, &d2);
  make(&f3, &d3);
  const CommOptions saved = comm.options();
  CommOptions options = saved;
  options.fusion_threshold = 4096;
  comm.set_options(options);
  comm.all_reduce_many(buffers(f1, d1), ReduceOp::kAvg, "fused");
  auto w = comm.iall_reduce_many(buffers(f1, d1), ReduceOp::kSum, "fused_nb");
  w->wait();
  // Buffers over 512 bytes reduced in place while the small ones around them are packed.
  options.fusion_pack_limit = 512;
  comm.set_options(options);
  comm.all_reduce_many(buffers(f3, d3), ReduceOp::kAvg, "mixed");
  comm.all_reduce_many(buffers(f3, d3), ReduceOp::kSum, "mixed_nb");
  options.fusion_threshold = 0;
  comm.set_options(options);
  comm.all_reduce_many(buffers(f2, d2), ReduceOp::kAvg, "unfused");
  comm.all_reduce_many(buffers(f2, d2), ReduceOp::kSum, "unfused_nb");
  comm.set_options(saved);
  EXPECT_EQ(f1, f2);
  EXPECT_EQ(d1, d2);
  EXPECT_EQ(f3, f2);
  EXPECT_EQ(d3, d2);
  // And the values are right: avg then sum over the ranks is the sum (d1[0] is buffer k = 4).
  EXPECT_NEAR(d1[0][0], reduced(ReduceOp::kSum, 4, comm.size(), ScalarType::kFloat64) * 0.5, 1e-12);
}

TEST(MpiCommunicator, FusionWithWireCompressionReducesIn16Bits) {
  Communicator& comm = world();
  const CommOptions saved = comm.options();
  const float n = static_cast<float>(comm.size());
  for (ScalarType wire : {ScalarType::kFloat16, ScalarType::kBFloat16}) {
    CommOptions options = saved;
    options.compression = wire;
    comm.set_options(options);
    // Exact in 16 bits: the same as uncompressed. 1 + 2^-12 is not: it arrives as 1.
    std::vector<float> exact{0.5f * static_cast<float>(comm.rank() + 1), -3.0f};
    std::vector<float> fine(5, 1.0f + 1.0f / 4096);
    std::vector<float> peak{static_cast<float>(comm.rank())};
    comm.all_reduce_many({{.data = exact.data(), .count = 2}, {.data = fine.data(), .count = 5}},
                         ReduceOp::kSum, "compressed");
    EXPECT_EQ(exact[0], 0.25f * n * (n + 1)) << dtype_name(wire);
    EXPECT_EQ(exact[1], -3.0f * n) << dtype_name(wire);
    EXPECT_EQ(fine[4], n) << dtype_name(wire);
    comm.all_reduce_many({{.data = peak.data(), .count = 1}}, ReduceOp::kMax, "peak");
    EXPECT_EQ(peak[0], n - 1) << dtype_name(wire);
    auto w = comm.iall_reduce_many({{.data = exact.data(), .count = 2}}, ReduceOp::kAvg, "avg");
    w->wait();
    EXPECT_EQ(exact[1], -3.0f * n) << dtype_name(wire);
  }
  comm.set_options(saved);
}

TEST(MpiCommunicator, RejectsMismatchedBuffersWithTheirSizes) {
  Communicator& comm = world();
  float a[4] = {}, b[3] = {};
  try {
    comm.all_reduce({.data = a, .count = 4}, {.data = b, .count = 3}, ReduceOp::kSum, "bad");
    FAIL() << "expected CommError";
  } catch (const CommError& e) {
    EXPECT_NE(
        std::string(e.what()).find("all_reduce 'bad': expected an output of 4 elements, got 3"),
        std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("[rank " + std::to_string(comm.rank()) + "/"),
              std::string::npos);
  }
}

TEST(MpiCommunicator, DebugModeReportsMismatchedCallsInsteadOfHanging) {
  Communicator& comm = world();
  const CommOptions saved = comm.options();
  CommOptions options = saved;
  options.fingerprint = true;
  comm.set_options(options);
  std::vector<float> data(8, 1.0f);
  // Matching calls pass the check and reduce as usual.
  comm.all_reduce({.data = data.data(), .count = 8}, {.data = data.data(), .count = 8},
                  ReduceOp::kSum, "grads");
  EXPECT_EQ(data[7], static_cast<float>(comm.size()));
  // Rank 1 passes 5 elements where the others pass 8: every rank gets the same report.
  const size_t count = comm.rank() == 1 ? 5 : 8;
  try {
    comm.all_reduce({.data = data.data(), .count = count}, {.data = data.data(), .count = count},
                    ReduceOp::kSum, "grads");
    ADD_FAILURE() << "expected CommError";
  } catch (const CommError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("collective mismatch: rank"), std::string::npos) << what;
    EXPECT_NE(what.find("; rank 1 calls all_reduce 'grads' (sequence "), std::string::npos) << what;
    EXPECT_NE(what.find(", 5 x float32, sum)"), std::string::npos) << what;
    EXPECT_NE(what.find(", 8 x float32, sum)"), std::string::npos) << what;
  }
  comm.set_options(saved);
  // The ranks are still in step afterwards.
  comm.all_reduce({.data = data.data(), .count = 8}, {.data = data.data(), .count = 8},
                  ReduceOp::kMax, "after");
  EXPECT_EQ(data[0], static_cast<float>(comm.size()));
}

// "rank 0 calls" / "ranks 0, 2 call": the ranks other than 1, as the mismatch report names them.
std::string others_call(int size) {
  std::string ranks;
  for (int r = 0; r < size; ++r)
    if (r != 1) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  return (size == 2 ? "rank " : "ranks ") + ranks + (size == 2 ? " calls " : " call ");
}

// Expects `call` to throw the same mismatch report on every rank, naming rank 1's call and the
// others'; returns the message.
template <class F>
std::string expect_mismatch(F call, const std::string& rank1, const std::string& others) {
  Communicator& comm = world();
  try {
    call();
    ADD_FAILURE() << "expected a collective mismatch";
    return "";
  } catch (const CommError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("[rank " + std::to_string(comm.rank()) + "/" + std::to_string(comm.size()) +
                        "] collective mismatch: "),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("rank 1 calls " + rank1), std::string::npos) << what;
    EXPECT_NE(what.find(others_call(comm.size()) + others), std::string::npos) << what;
    return what;
  }
}

// Without debug mode: rank 1 all-reduces int32 where the others reduce float32 (the same bytes).
// The always-on check fails the call on every rank before any data moves.
TEST(MpiCommunicator, MismatchedDtypeFailsOnEveryRankWithoutDebugMode) {
  Communicator& comm = world();
  ASSERT_FALSE(comm.options().fingerprint);
  ASSERT_TRUE(comm.options().check);
  std::vector<float> f(8, 1.5f);
  std::vector<int32_t> i(8, 7);
  const bool odd = comm.rank() == 1;
  const Buffer b = odd ? Buffer{.data = i.data(), .count = 8, .dtype = ScalarType::kInt32}
                       : Buffer{.data = f.data(), .count = 8};
  const std::string what =
      expect_mismatch([&] { comm.all_reduce(b, b, ReduceOp::kSum, "grads"); },
                      "all_reduce 'grads' (sequence ", "all_reduce 'grads' (sequence ");
  EXPECT_NE(what.find(", 8 x int32, sum)"), std::string::npos) << what;
  EXPECT_NE(what.find(", 8 x float32, sum)"), std::string::npos) << what;
  // Nothing was mixed: every rank still holds its own values.
  EXPECT_EQ(f[3], 1.5f);
  EXPECT_EQ(i[3], 7);
  // The ranks are still in step: a matching call reduces as usual.
  comm.all_reduce({.data = f.data(), .count = 8}, {.data = f.data(), .count = 8}, ReduceOp::kSum,
                  "after");
  EXPECT_EQ(f[0], 1.5f * static_cast<float>(comm.size()));
}

TEST(MpiCommunicator, MismatchedCountAndOpAreNamed) {
  Communicator& comm = world();
  std::vector<float> data(8, 1.0f);
  const bool odd = comm.rank() == 1;
  const Buffer b{.data = data.data(), .count = odd ? size_t{5} : size_t{8}};
  std::string what = expect_mismatch([&] { comm.all_reduce(b, b, ReduceOp::kSum, "grads"); },
                                     "all_reduce 'grads'", "all_reduce 'grads'");
  EXPECT_NE(what.find(", 5 x float32, sum)"), std::string::npos) << what;
  EXPECT_NE(what.find(", 8 x float32, sum)"), std::string::npos) << what;
  const Buffer all{.data = data.data(), .count = 8};
  what = expect_mismatch(
      [&] { comm.all_reduce(all, all, odd ? ReduceOp::kMax : ReduceOp::kSum, "loss"); },
      "all_reduce 'loss'", "all_reduce 'loss'");
  EXPECT_NE(what.find(", 8 x float32, max)"), std::string::npos) << what;
  EXPECT_EQ(data[7], 1.0f);
}

// Rank 1 broadcasts where the others all-reduce: named as such, not reported as a stall.
TEST(MpiCommunicator, BroadcastWhereOthersAllReduceIsNamed) {
  Communicator& comm = world();
  std::vector<float> data(8, static_cast<float>(comm.rank()));
  const Buffer b{.data = data.data(), .count = 8};
  const std::string what = expect_mismatch(
      [&] {
        if (comm.rank() == 1) {
          comm.broadcast(b, 0, "weights");
        } else {
          comm.all_reduce(b, b, ReduceOp::kSum, "weights");
        }
      },
      "broadcast 'weights' (sequence ", "all_reduce 'weights' (sequence ");
  EXPECT_NE(what.find(", 8 x float32, root 0)"), std::string::npos) << what;
  EXPECT_EQ(data[0], static_cast<float>(comm.rank()));
}

// A split is checked like a collective; all_gather_v's counts must agree too.
TEST(MpiCommunicator, MismatchedSplitAndGatherCountsAreNamed) {
  Communicator& comm = world();
  expect_mismatch(
      [&] {
        if (comm.rank() == 1) {
          comm.split(0, 0);
        } else {
          comm.barrier("sync");
        }
      },
      "split (sequence ", "barrier 'sync' (sequence ");
  // Every rank sends one element, but rank 1 says rank 0 sends 2 and itself 0 (same total).
  const size_t n = static_cast<size_t>(comm.size());
  std::vector<size_t> counts(n, 1);
  if (comm.rank() == 1) counts = std::vector<size_t>(n, 1), counts[0] = 2, counts[1] = 0;
  std::vector<float> in(counts[static_cast<size_t>(comm.rank())], 1.0f), out(n, 0.0f);
  const std::string what = expect_mismatch(
      [&] {
        comm.all_gather_v({.data = in.data(), .count = in.size()}, {.data = out.data(), .count = n},
                          counts, "rows");
      },
      "all_gather_v 'rows' (sequence ", "all_gather_v 'rows' (sequence ");
  EXPECT_NE(what.find(", counts #"), std::string::npos) << what;
  comm.barrier("after");
}

// The check can be turned off (TANDEM_COMM_CHECK=0); matching calls then work as before.
TEST(MpiCommunicator, CheckOffStillReduces) {
  Communicator& comm = world();
  const CommOptions saved = comm.options();
  CommOptions options = saved;
  options.check = false;
  comm.set_options(options);
  std::vector<double> data(3, 2.0);
  const Buffer b{.data = data.data(), .count = 3, .dtype = ScalarType::kFloat64};
  comm.all_reduce(b, b, ReduceOp::kSum, "unchecked");
  EXPECT_EQ(data[2], 2.0 * comm.size());
  auto child = comm.split(comm.rank() % 2, comm.rank());
  child->barrier("child");
  comm.set_options(saved);
}

}  // namespace
}  // namespace tandem::comm::testing

int main(int argc, char** argv) {
  return tandem::comm::testing::run_all_tests_on_every_rank(argc, argv);
}
