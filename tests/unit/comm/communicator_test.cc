// The local backend, argument checks, fusion bookkeeping, options and backend choice: everything
// in comm/ that a single process can exercise (tests/mpi covers the mpi backend).
#include "comm/communicator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "testing/assertions.h"

namespace tandem::comm {
namespace {

using tandem::testing::expect_error;

Buffer floats(std::vector<float>& v) { return {.data = v.data(), .count = v.size()}; }

TEST(LocalCommunicator, IsRankZeroOfOne) {
  auto comm = make_local_communicator();
  EXPECT_EQ(comm->rank(), 0);
  EXPECT_EQ(comm->size(), 1);
  EXPECT_EQ(comm->local_rank(), 0);
  EXPECT_EQ(comm->local_size(), 1);
  EXPECT_EQ(comm->backend(), "local");
  EXPECT_EQ(comm->split(3, 0)->size(), 1);
}

TEST(LocalCommunicator, CollectivesAreTheIdentity) {
  auto comm = make_local_communicator();
  std::vector<float> in{1, 2, 3}, out(3);
  for (ReduceOp op :
       {ReduceOp::kSum, ReduceOp::kAvg, ReduceOp::kMin, ReduceOp::kMax, ReduceOp::kProduct}) {
    out.assign(3, 0);
    comm->all_reduce(floats(in), floats(out), op, "ar");
    EXPECT_EQ(out, in) << op_name(op);
  }
  out.assign(3, 0);
  comm->all_gather(floats(in), floats(out), "ag");
  EXPECT_EQ(out, in);
  out.assign(3, 0);
  comm->all_gather_v(floats(in), floats(out), {3}, "agv");
  EXPECT_EQ(out, in);
  out.assign(3, 0);
  comm->reduce_scatter(floats(in), floats(out), ReduceOp::kSum, "rs");
  EXPECT_EQ(out, in);
  out.assign(3, 0);
  comm->all_to_all(floats(in), floats(out), "a2a");
  EXPECT_EQ(out, in);
  comm->broadcast(floats(in), 0, "bcast");
  comm->barrier();
  auto work = comm->iall_reduce(floats(in), floats(in), ReduceOp::kSum, "nb");
  EXPECT_TRUE(work->test());
  EXPECT_EQ(work->error(), "");
  work->wait();
  EXPECT_EQ(in, (std::vector<float>{1, 2, 3}));
}

TEST(LocalCommunicator, ZeroLengthBuffersNeedNoData) {
  auto comm = make_local_communicator();
  Buffer empty{.data = nullptr, .count = 0, .dtype = ScalarType::kInt64};
  comm->all_reduce(empty, empty, ReduceOp::kSum, "empty");
  comm->all_gather(empty, empty, "empty");
}

TEST(Communicator, ChecksArgumentsAndNamesTheCollective) {
  auto comm = make_local_communicator();
  std::vector<float> a(4), b(3);
  expect_error<CommError>([&] { comm->all_reduce(floats(a), floats(b), ReduceOp::kSum, "grads"); },
                          "[rank 0/1] all_reduce 'grads': expected an output of 4 elements, got 3");
  expect_error<CommError>([&] { comm->broadcast(floats(a), 1, "w"); },
                          "broadcast 'w': root 1 is not a rank in [0, 1)");
  expect_error<CommError>([&] { comm->all_gather(floats(a), floats(b), "g"); },
                          "expected an output (size x input) of 4 elements, got 3");
  expect_error<CommError>(
      [&] {
        comm->all_gather_v(floats(a), floats(a), {4, 1}, "v");
      },
      "expected counts (one per rank) of 1 elements, got 2");
  expect_error<CommError>([&] { comm->reduce_scatter(floats(a), floats(b), ReduceOp::kSum, "r"); },
                          "expected an input (size x output) of 3 elements, got 4");
  std::vector<double> d(4);
  expect_error<CommError>(
      [&] {
        comm->all_reduce(floats(a), {.data = d.data(), .count = 4, .dtype = ScalarType::kFloat64},
                         ReduceOp::kSum, "mixed");
      },
      "input dtype float32 differs from output dtype float64");
  expect_error<CommError>(
      [&] {
        Buffer s{.data = a.data(), .count = 1, .dtype = ScalarType::kString};
        comm->all_reduce(s, s, ReduceOp::kSum, "s");
      },
      "input dtype string is not supported");
  expect_error<CommError>(
      [&] {
        Buffer null{.data = nullptr, .count = 2};
        comm->all_reduce(null, null, ReduceOp::kSum, "n");
      },
      "input buffer has 2 elements but no data");
  expect_error<CommError>(
      [&] {
        Buffer gpu{.data = a.data(), .count = 4, .dtype = ScalarType::kFloat32, .device = 0};
        comm->all_reduce(gpu, gpu, ReduceOp::kSum, "gpu");
      },
      "device buffers need the nccl backend");
}

TEST(Communicator, AllReduceManyUnpacksEveryBufferWithAndWithoutFusion) {
  auto comm = make_local_communicator();
  for (size_t threshold : {size_t{0}, size_t{16}, size_t{1} << 20}) {
    CommOptions options;
    options.fusion_threshold = threshold;
    comm->set_options(options);
    std::vector<float> a{1, 2}, b{3}, c{4, 5, 6};
    std::vector<int32_t> d{7, 8};
    std::vector<Buffer> buffers{floats(a),
                                floats(b),
                                {.data = d.data(), .count = 2, .dtype = ScalarType::kInt32},
                                floats(c)};
    comm->all_reduce_many(buffers, ReduceOp::kSum, "grads");
    EXPECT_EQ(a, (std::vector<float>{1, 2})) << threshold;
    EXPECT_EQ(b, (std::vector<float>{3}));
    EXPECT_EQ(c, (std::vector<float>{4, 5, 6}));
    EXPECT_EQ(d, (std::vector<int32_t>{7, 8}));
  }
}

// Records what all_reduce_many submits and acts as the sum over two ranks holding equal data
// (doubles every element), so the test sees both the grouping and the unpacked results.
class RecordingCommunicator : public Communicator {
 public:
  struct Call {
    std::string name;
    const void* data;
    size_t count;
    ScalarType dtype;
  };
  int rank() const override { return 0; }
  int size() const override { return 2; }
  int local_rank() const override { return 0; }
  int local_size() const override { return 2; }
  std::string backend() const override { return "recording"; }
  std::unique_ptr<Communicator> split(int, int) override { return nullptr; }
  std::vector<Call> calls;

 protected:
  std::unique_ptr<Work> submit(Collective c) override {
    calls.push_back({c.name, c.in.data, c.in.count, c.in.dtype});
    kernels::visit_numeric(c.in.dtype, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, bool>) {
        T* data = static_cast<T*>(c.in.data);
        for (size_t i = 0; i < c.in.count; ++i) data[i] = static_cast<T>(data[i] + data[i]);
      }
    });
    return make_local_communicator()->ibarrier("done");
  }
};

TEST(Communicator, AllReduceManyReducesLargeBuffersInPlaceAndPacksTheRest) {
  RecordingCommunicator comm;
  CommOptions options;
  options.fusion_threshold = 1 << 20;
  options.fusion_pack_limit = 1000;  // bytes: the 300-float buffer is reduced where it lies
  comm.set_options(options);
  std::vector<float> a{1, 2}, large(300, 0.5f), c{3, 4, 5};
  std::vector<int32_t> d{7, 8}, e{9};
  comm.all_reduce_many({floats(a),
                        floats(large),
                        floats(c),
                        {.data = d.data(), .count = 2, .dtype = ScalarType::kInt32},
                        {.data = e.data(), .count = 1, .dtype = ScalarType::kInt32}},
                       ReduceOp::kSum, "g");
  // The large buffer goes first, in place, while the float32 group keeps filling past it; the
  // dtype change closes that group.
  ASSERT_EQ(comm.calls.size(), 3u);
  EXPECT_EQ(comm.calls[0].name, "g[1]");
  EXPECT_EQ(comm.calls[0].data, large.data());
  EXPECT_EQ(comm.calls[0].count, 300u);
  EXPECT_EQ(comm.calls[1].name, "g[0]+1");
  EXPECT_EQ(comm.calls[1].count, 5u);
  EXPECT_EQ(comm.calls[1].dtype, ScalarType::kFloat32);
  EXPECT_EQ(comm.calls[2].name, "g[3]+1");
  EXPECT_EQ(comm.calls[2].count, 3u);
  EXPECT_EQ(comm.calls[2].dtype, ScalarType::kInt32);
  EXPECT_EQ(a, (std::vector<float>{2, 4}));
  EXPECT_EQ(large, std::vector<float>(300, 1.0f));
  EXPECT_EQ(c, (std::vector<float>{6, 8, 10}));
  EXPECT_EQ(d, (std::vector<int32_t>{14, 16}));
  EXPECT_EQ(e, (std::vector<int32_t>{18}));

  // With compression every float32 buffer is converted, so the large one is packed (alone: it is
  // over the threshold) as 300 float16 values; threshold 0 reduces each buffer in place.
  options.compression = ScalarType::kFloat16;
  options.fusion_threshold = 1000;
  comm.set_options(options);
  comm.calls.clear();
  comm.all_reduce_many({floats(a), floats(large)}, ReduceOp::kSum, "h");
  ASSERT_EQ(comm.calls.size(), 2u);
  EXPECT_EQ(comm.calls[0].name, "h[0]+0");
  EXPECT_EQ(comm.calls[1].name, "h[1]+0");
  EXPECT_EQ(comm.calls[1].dtype, ScalarType::kFloat16);
  EXPECT_NE(comm.calls[1].data, large.data());
  EXPECT_EQ(large, std::vector<float>(300, 2.0f));
  options.compression = ScalarType::kFloat32;
  options.fusion_threshold = 0;
  comm.set_options(options);
  comm.calls.clear();
  comm.all_reduce_many({floats(a), floats(c)}, ReduceOp::kSum, "off");
  ASSERT_EQ(comm.calls.size(), 2u);
  EXPECT_EQ(comm.calls[0].data, a.data());
  EXPECT_EQ(comm.calls[1].data, c.data());
  EXPECT_EQ(a, (std::vector<float>{8, 16}));
}

TEST(Communicator, AllReduceManyCompressesFloat32OnTheWire) {
  auto comm = make_local_communicator();
  CommOptions options;
  options.compression = ScalarType::kFloat16;
  comm->set_options(options);
  // 1 + 2^-12 is below float16's resolution at 1; 3.5 is exact. Integers are never compressed.
  std::vector<float> a{1.0f + 1.0f / 4096, 3.5f}, b{-2.0f};
  std::vector<int32_t> d{16777217};
  std::vector<Buffer> buffers{
      floats(a), floats(b), {.data = d.data(), .count = 1, .dtype = ScalarType::kInt32}};
  comm->all_reduce_many(buffers, ReduceOp::kSum, "grads");
  EXPECT_EQ(a, (std::vector<float>{1.0f, 3.5f}));
  EXPECT_EQ(b, (std::vector<float>{-2.0f}));
  EXPECT_EQ(d[0], 16777217);
  options.compression = ScalarType::kBFloat16;
  comm->set_options(options);
  std::vector<float> c{1.01f};
  comm->all_reduce_many({floats(c)}, ReduceOp::kSum, "one");
  EXPECT_EQ(c[0], 1.0078125f);  // bfloat16 keeps 8 significant bits
}

TEST(CommOptions, EnvironmentOverridesDefaults) {
  unsetenv("TANDEM_COMM_TIMEOUT");
  unsetenv("TANDEM_FUSION_THRESHOLD");
  EXPECT_EQ(options_from_env().timeout.count(), 300000);
  EXPECT_EQ(options_from_env().fusion_threshold, size_t{64} << 20);
  setenv("TANDEM_COMM_TIMEOUT", "2.5", 1);
  setenv("TANDEM_FUSION_THRESHOLD", "1024", 1);
  EXPECT_EQ(options_from_env().timeout.count(), 2500);
  EXPECT_EQ(options_from_env().fusion_threshold, 1024u);
  EXPECT_EQ(options_from_env().fusion_pack_limit, size_t{256} << 10);
  setenv("TANDEM_FUSION_PACK_LIMIT", "4096", 1);
  EXPECT_EQ(options_from_env().fusion_pack_limit, 4096u);
  unsetenv("TANDEM_FUSION_PACK_LIMIT");
  setenv("TANDEM_FUSION_COMPRESSION", "bfloat16", 1);
  EXPECT_EQ(options_from_env().compression, ScalarType::kBFloat16);
  setenv("TANDEM_FUSION_COMPRESSION", "int8", 1);
  expect_error<CommError>([] { options_from_env(); },
                          "TANDEM_FUSION_COMPRESSION: expected float16, bfloat16 or none, got "
                          "'int8'");
  unsetenv("TANDEM_FUSION_COMPRESSION");
  setenv("TANDEM_COMM_TIMEOUT", "soon", 1);
  expect_error<CommError>([] { options_from_env(); },
                          "TANDEM_COMM_TIMEOUT: expected a non-negative number, got 'soon'");
  unsetenv("TANDEM_COMM_TIMEOUT");
  unsetenv("TANDEM_FUSION_THRESHOLD");
}

TEST(MakeCommunicator, LauncherRankComesFromTheEnvironment) {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    unsetenv(var);
  EXPECT_EQ(launcher_rank(), 0);
  setenv("SLURM_PROCID", "3", 1);
  EXPECT_EQ(launcher_rank(), 3);
  setenv("OMPI_COMM_WORLD_RANK", "1", 1);  // Open MPI's own variable wins
  EXPECT_EQ(launcher_rank(), 1);
  unsetenv("OMPI_COMM_WORLD_RANK");
  unsetenv("SLURM_PROCID");
}

TEST(MakeCommunicator, PicksLocalWithoutALauncherAndHonoursTheOverride) {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "SLURM_NTASKS"})
    unsetenv(var);
  unsetenv("TANDEM_COMM_BACKEND");
  EXPECT_FALSE(launched_by_mpi_launcher());
  EXPECT_EQ(make_communicator()->backend(), "local");
  setenv("SLURM_NTASKS", "4", 1);
  EXPECT_TRUE(launched_by_mpi_launcher());
  setenv("TANDEM_COMM_BACKEND", "local", 1);
  EXPECT_EQ(make_communicator()->backend(), "local");
  setenv("TANDEM_COMM_BACKEND", "gloo", 1);
  expect_error<CommError>([] { make_communicator(); },
                          "TANDEM_COMM_BACKEND: expected 'local' or 'mpi', got 'gloo'");
  unsetenv("TANDEM_COMM_BACKEND");
  unsetenv("SLURM_NTASKS");
}

}  // namespace
}  // namespace tandem::comm

namespace tandem::comm {
namespace {

TEST(MakeCommunicator, RoutesBuffersByDevice) {
  unsetenv("TANDEM_COMM_BACKEND");
  auto comm = make_communicator();
  std::vector<float> host{1, 2};
  // Host buffers go to the host backend, options included.
  CommOptions options;
  options.compression = ScalarType::kFloat16;
  comm->set_options(options);
  std::vector<float> fine{1.0f + 1.0f / 4096};
  comm->all_reduce_many({{.data = fine.data(), .count = 1}}, ReduceOp::kSum, "fine");
  EXPECT_EQ(fine[0], 1.0f);
  Buffer device{.data = host.data(), .count = 2, .dtype = ScalarType::kFloat32, .device = 0};
  expect_error<CommError>(
      [&] { comm->all_reduce({.data = host.data(), .count = 2}, device, ReduceOp::kSum, "mixed"); },
      "all_reduce 'mixed': input and output must both be host or both be device buffers");
  // Device buffers go to nccl. Where this build or machine lacks it, the routed call fails with
  // the same reason; with a GPU, tests/mpi/mpi_nccl_test covers the device path.
  std::string reason;
  try {
    make_nccl_communicator(make_local_communicator());
  } catch (const CommError& e) {
    reason = e.what();
  }
  if (!reason.empty())
    expect_error<CommError>([&] { comm->all_reduce(device, device, ReduceOp::kSum, "gpu"); },
                            reason);
}

TEST(MakeNcclCommunicator, SaysWhyItIsUnavailableOrWorksOnOneGpu) {
  std::shared_ptr<Communicator> bootstrap = make_local_communicator();
  try {
    auto comm = make_nccl_communicator(bootstrap);
    EXPECT_EQ(comm->backend(), "nccl");
    EXPECT_EQ(comm->size(), 1);
    std::vector<float> host(2);
    tandem::testing::expect_error<CommError>(
        [&] {
          comm->all_reduce({.data = host.data(), .count = 2}, {.data = host.data(), .count = 2},
                           ReduceOp::kSum, "host");
        },
        "the nccl backend takes buffers on CUDA device");
  } catch (const CommError& e) {
    const std::string what = e.what();
    EXPECT_TRUE(what.find("built without CUDA and NCCL") != std::string::npos ||
                what.find("no CUDA device is visible") != std::string::npos)
        << what;
  }
}

}  // namespace
}  // namespace tandem::comm
