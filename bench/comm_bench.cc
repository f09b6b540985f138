// All-reduce through Tandem's mpi backend against raw MPI, in one run on the same machine (run it
// under mpirun, e.g. `mpirun --allow-run-as-root -np 2 build/bench/comm_bench`):
//   BENCH allreduce_busbw_<bytes> tandem=<GB/s> peer=<GB/s> ratio=<tandem/peer> unit=GB/s
//     bus bandwidth as nccl-tests define it: 2 (n - 1) / n x bytes / time, float32 sum;
//   BENCH resnet50_grads_<unfused|fused> tandem=<ms> peer=<ms> ratio=<peer/tandem> unit=ms
//     ResNet-50's 161 gradient tensors (25.6 M floats) all-reduced one collective per tensor, or
//     through fusion, against one MPI_Allreduce of all the bytes.
// Times are the slowest rank's, best of 9 short alternating trials (see kTrials).
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "comm/communicator.h"

namespace {

using tandem::comm::Buffer;
using tandem::comm::Communicator;
using tandem::comm::ReduceOp;

// Seconds per call of `f`, the slowest rank's, after a warm-up; iterations fit a ~0.05 s budget.
double time_per_call(const std::function<void()>& f, const std::function<void()>& barrier) {
  f();
  barrier();
  auto start = std::chrono::steady_clock::now();
  f();
  double once = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MPI_Allreduce(MPI_IN_PLACE, &once, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  const int iters = std::clamp(static_cast<int>(0.05 / std::max(once, 1e-7)), 2, 2000);
  barrier();
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) f();
  barrier();
  double t =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / iters;
  MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return t;
}

// ResNet-50's trainable tensors: conv kernels, batch-norm gamma and beta, the dense layer.
std::vector<size_t> resnet50_gradient_sizes() {
  std::vector<size_t> sizes{7 * 7 * 3 * 64, 64, 64};
  size_t in = 64;
  const size_t blocks[] = {3, 4, 6, 3};
  for (size_t stage = 0; stage < 4; ++stage) {
    const size_t width = 64 << stage;
    for (size_t b = 0; b < blocks[stage]; ++b) {
      for (size_t t : {in * width, width, width, 9 * width * width, width, width, width * 4 * width,
                       4 * width, 4 * width})
        sizes.push_back(t);
      if (b == 0)
        for (size_t t : {in * 4 * width, 4 * width, 4 * width}) sizes.push_back(t);
      in = 4 * width;
    }
  }
  sizes.push_back(2048 * 1000);
  sizes.push_back(1000);
  return sizes;
}

// Trials alternate between Tandem and the peer and each keeps its best, so load from other
// processes on a shared machine hits both alike instead of whichever ran during a busy spell.
// Many short trials rather than a few long ones: each side more likely gets a quiet moment.
constexpr int kTrials = 9;

void bench_busbw(Communicator* comm) {
  const int ranks = comm->size();
  const double factor = 2.0 * (ranks - 1) / ranks;
  for (size_t bytes = 4; bytes <= (size_t{64} << 20); bytes *= 4) {
    std::vector<float> data(bytes / 4, 1.0f);
    const int count = static_cast<int>(data.size());
    Buffer buf{.data = data.data(), .count = data.size()};
    double ours = 1e30, peer = 1e30;
    for (int trial = 0; trial < kTrials; ++trial) {
      peer = std::min(peer, time_per_call(
                                [&] {
                                  MPI_Allreduce(MPI_IN_PLACE, data.data(), count, MPI_FLOAT,
                                                MPI_SUM, MPI_COMM_WORLD);
                                },
                                [] { MPI_Barrier(MPI_COMM_WORLD); }));
      ours =
          std::min(ours, time_per_call([&] { comm->all_reduce(buf, buf, ReduceOp::kSum, "bench"); },
                                       [&] { comm->barrier(); }));
    }
    const double ours_gbps = factor * static_cast<double>(bytes) / ours / 1e9;
    const double peer_gbps = factor * static_cast<double>(bytes) / peer / 1e9;
    if (comm->rank() == 0)
      std::printf("BENCH allreduce_busbw_%zu tandem=%.3f peer=%.3f ratio=%.3f unit=GB/s\n", bytes,
                  ours_gbps, peer_gbps, ours_gbps / peer_gbps);
  }
}

void bench_resnet50(Communicator* comm) {
  const std::vector<size_t> sizes = resnet50_gradient_sizes();
  size_t total = 0;
  for (size_t s : sizes) total += s;
  if (comm->rank() == 0)
    std::printf("# ranks=%d resnet50 tensors=%zu floats=%zu\n", comm->size(), sizes.size(), total);
  // One allocation per gradient, as a model has; the peer reduces one flat buffer of them all.
  std::vector<float> flat(total, 1.0f);
  std::vector<std::vector<float>> tensors;
  std::vector<Buffer> grads;
  for (size_t s : sizes) {
    tensors.emplace_back(s, 1.0f);
    grads.push_back({.data = tensors.back().data(), .count = s});
  }
  auto fusion = [&](size_t threshold) {
    tandem::comm::CommOptions options = comm->options();
    options.fusion_threshold = threshold;
    comm->set_options(options);
  };
  double unfused = 1e30, fused = 1e30, single = 1e30;
  for (int trial = 0; trial < kTrials; ++trial) {
    single =
        std::min(single, time_per_call(
                             [&] {
                               MPI_Allreduce(MPI_IN_PLACE, flat.data(), static_cast<int>(total),
                                             MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
                             },
                             [] { MPI_Barrier(MPI_COMM_WORLD); }));
    auto reduce = [&] { comm->all_reduce_many(grads, ReduceOp::kSum, "resnet50"); };
    auto barrier = [&] { comm->barrier(); };
    fusion(0);
    unfused = std::min(unfused, time_per_call(reduce, barrier));
    fusion(size_t{64} << 20);
    fused = std::min(fused, time_per_call(reduce, barrier));
  }
  if (comm->rank() == 0) {
    std::printf("BENCH resnet50_grads_unfused tandem=%.2f peer=%.2f ratio=%.3f unit=ms\n",
                unfused * 1e3, single * 1e3, single / unfused);
    std::printf("BENCH resnet50_grads_fused tandem=%.2f peer=%.2f ratio=%.3f unit=ms\n",
                fused * 1e3, single * 1e3, single / fused);
  }
}

}  // namespace

int main() {
  int provided = 0;
  // Tandem's communication thread is not the main thread, so an application that initialises
  // MPI itself (as this benchmark does for the raw calls) must ask for MPI_THREAD_MULTIPLE.
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
  {
    auto comm = tandem::comm::make_mpi_communicator();
    if (comm->size() < 2 && comm->rank() == 0)
      std::printf("# run under mpirun with 2 or more ranks\n");
    bench_busbw(comm.get());
    bench_resnet50(comm.get());
  }
  MPI_Finalize();
  return 0;
}
