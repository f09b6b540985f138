// Data-parallel training throughput against PyTorch DDP (gloo), issue 11's benchmark: the
// Fashion-MNIST MLP (784-256-128-10, batch 128 per rank) and the CNN with BatchNormalization
// (batch 64 per rank), Adam, on 1 rank and on 2 ranks with one OpenMP thread each. Both sides
// train with the same per-rank batch, each rank on its own contiguous slices of the real images,
// after a warm-up; throughput is global samples per second.
//
//   ./build/bench/ddp_bench [steps]
// runs itself as one process and under `mpirun -np 2`, the PyTorch peer (Debian's python3-torch,
// /usr/bin/python3) as one process and as two DDP processes, and prints
//   BENCH ddp_<model>_<n>rank tandem=<samples/s> peer=<samples/s> ratio=<tandem/peer> ...
//   BENCH ddp_<model>_scaling tandem=<2-rank / (2 x 1-rank)> peer=<same for PyTorch> ...
//         machine_ceiling=<two independent 1-rank runs at once / (2 x 1-rank)>
//   BENCH ddp_<model>_overlap tandem=<share of all-reduce time hidden behind backward> ...
// The hidden share: 1 - (time a step waited for its gradient all-reduces after backward, from
// DataParallel's gradient_stats()) / (time of one all-reduce of all the gradients alone, measured
// in the same 2-rank job), clamped to [0, 1]. The extra step time of 2 ranks over 1 is printed
// too: on a machine with as many cores as ranks it is mostly the ranks competing for memory
// bandwidth and cores (the comm thread included), not waiting for communication.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_models.h"
#include "python_peer.h"
#include "tandem/distributed/strategy.h"
#include "tandem/tandem.h"

using namespace tandem;

namespace {

const char* kPeerScript = R"PY(
import gzip, os, sys, time, numpy as np, torch, torch.nn as nn
import torch.distributed as dist, torch.multiprocessing as mp
def model_for(name):
    if name == 'mlp':
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 10)), 128
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01),
        nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01),
        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(),
        nn.Dropout(0.3), nn.Linear(128, 10)), 64
def worker(rank, world, name, steps, port, queue):
    torch.set_num_threads(1)
    with gzip.open('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz') as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x_all = torch.from_numpy(images.astype(np.float32) / 255.0)
    y_all = torch.from_numpy(labels.astype(np.int64))
    torch.manual_seed(0)
    model, batch = model_for(name)
    if world > 1:
        dist.init_process_group('gloo', init_method='tcp://127.0.0.1:%d' % port, rank=rank,
                                world_size=world)
        model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    def step(i):
        s = ((i * world + rank) * batch) % (x_all.shape[0] - batch)
        x, y = x_all[s:s + batch], y_all[s:s + batch]
        opt.zero_grad()
        logits = model(x)
        loss_fn(logits, y).backward()
        opt.step()
        (logits.argmax(1) == y).float().mean().item()
    for i in range(10): step(i)
    if world > 1: dist.barrier()
    start = time.perf_counter()
    for i in range(steps): step(i)
    if world > 1: dist.barrier()
    if rank == 0: queue.put(steps * batch * world / (time.perf_counter() - start))
if __name__ == '__main__':
    name, steps, world = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    port = 29500 + os.getpid() % 20000
    procs = [ctx.Process(target=worker, args=(r, world, name, steps, port, queue))
             for r in range(world)]
    for p in procs: p.start()
    print(queue.get())
    for p in procs: p.join()
)PY";

std::shared_ptr<Sequential> mlp() {
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Flatten>(LayerOptions{.input_shape = Shape{28, 28, 1}}),
      std::make_shared<layers::Dense>(256, layers::DenseOptions{.activation = "relu"}),
      std::make_shared<layers::Dense>(128, layers::DenseOptions{.activation = "relu"}),
      std::make_shared<layers::Dense>(10)});
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One rank of a measurement: trains `steps` steps and prints, on rank 0, "<samples/s> <seconds
// per step> <seconds per all-reduce of every gradient> <seconds per step waited for gradients>".
int worker(const std::string& name, int steps) {
  distributed::Strategy& strategy = distributed::get_strategy();
  const int n = strategy.num_replicas_in_sync(), r = strategy.replica_id();
  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor images = reshape(cast(train.first, float32) / 255.0, Shape{-1, 28, 28, 1});
  Tensor labels = train.second;
  set_random_seed(0);
  auto model = name == "mlp" ? mlp() : bench::fashion_mnist_cnn();
  const int64_t batch = name == "mlp" ? 128 : 64;
  model->compile({.optimizer = "adam",
                  .loss = std::make_shared<losses::SparseCategoricalCrossentropy>(
                      losses::SparseCategoricalCrossentropyOptions{.from_logits = true}),
                  .metrics = {"accuracy"}});
  const int64_t rows = images.shape()[0];
  auto step = [&](int i) {
    int64_t s = ((int64_t(i) * n + r) * batch) % (rows - batch);
    model->train_on_batch({images[{Slice(s, s + batch)}]}, {labels[{Slice(s, s + batch)}]});
  };
  for (int i = 0; i < 10; ++i) step(i);
  strategy.barrier();
  auto* data_parallel = dynamic_cast<distributed::DataParallel*>(&strategy);
  auto waited = [&] { return data_parallel ? data_parallel->gradient_stats().seconds_waited : 0; };
  const double waited_before = waited();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step(i);
  strategy.barrier();
  const double elapsed = seconds_since(start);
  const double wait_seconds = (waited() - waited_before) / steps;
  // The communication alone: every gradient averaged at once, as many times as there were steps.
  std::vector<Tensor> grads;
  for (const Variable& v : model->trainable_weights()) grads.push_back(zeros_like(v.value()));
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) strategy.all_reduce_sum(grads);
  const double reduce_seconds = seconds_since(start) / steps;
  if (r == 0)
    std::printf("%f %f %f %f\n", double(steps) * double(batch) * n / elapsed, elapsed / steps,
                reduce_seconds, wait_seconds);
  return 0;
}

struct Measurement {
  double samples_per_second = 0, step_seconds = 0, reduce_seconds = 0, wait_seconds = 0;
};

FILE* start_self(const std::string& self, const std::string& name, int steps, int ranks) {
  std::string cmd = "OMP_NUM_THREADS=1 TANDEM_DDP_BENCH_WORKER=";
  cmd += name;
  if (ranks > 1) {
    cmd += " " TANDEM_MPIEXEC " --allow-run-as-root --oversubscribe --mca btl self,vader";
    cmd += " -x OMP_NUM_THREADS -x TANDEM_DDP_BENCH_WORKER -np ";
    cmd += std::to_string(ranks);
  }
  cmd += " ";
  cmd += self;
  cmd += " ";
  cmd += std::to_string(steps);
  cmd += " 2>/dev/null";
  return ::popen(cmd.c_str(), "r");
}

Measurement finish(FILE* pipe) {
  Measurement m;
  char line[512];
  while (pipe != nullptr && std::fgets(line, sizeof(line), pipe) != nullptr)
    std::sscanf(line, "%lf %lf %lf %lf", &m.samples_per_second, &m.step_seconds, &m.reduce_seconds,
                &m.wait_seconds);
  if (pipe != nullptr) ::pclose(pipe);
  return m;
}

Measurement run_self(const std::string& self, const std::string& name, int steps, int ranks) {
  return finish(start_self(self, name, steps, ranks));
}

// What the machine allows: two independent one-rank trainings at once (no communication), as a
// fraction of twice one alone. Two ranks cannot scale better than this on the same cores.
double ceiling(const std::string& self, const std::string& name, int steps, double alone) {
  FILE* a = start_self(self, name, steps, 1);
  FILE* b = start_self(self, name, steps, 1);
  const double both = finish(a).samples_per_second + finish(b).samples_per_second;
  return alone > 0 ? both / (2 * alone) : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  int steps = argc > 1 ? std::stoi(argv[1]) : 200;
  if (const char* name = std::getenv("TANDEM_DDP_BENCH_WORKER")) return worker(name, steps);
  char path[4096] = {};
  const ssize_t len = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  const std::string exe = len > 0 ? std::string(path, size_t(len)) : std::string(argv[0]);
  for (const std::string name : {"mlp", "cnn"}) {
    const int n = name == "mlp" ? steps : steps / 4;
    Measurement one = run_self(exe, name, n, 1);
    Measurement two = run_self(exe, name, n, 2);
    double peer_one = bench::run_python_peer(kPeerScript, name + " " + std::to_string(n) + " 1");
    double peer_two = bench::run_python_peer(kPeerScript, name + " " + std::to_string(n) + " 2");
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    std::printf("BENCH ddp_%s_1rank tandem=%.0f peer=%.0f ratio=%.2f unit=samples/s\n",
                name.c_str(), one.samples_per_second, peer_one,
                ratio(one.samples_per_second, peer_one));
    std::printf("BENCH ddp_%s_2rank tandem=%.0f peer=%.0f ratio=%.2f unit=samples/s\n",
                name.c_str(), two.samples_per_second, peer_two,
                ratio(two.samples_per_second, peer_two));
    const double ours = ratio(two.samples_per_second, 2 * one.samples_per_second);
    const double theirs = ratio(peer_two, 2 * peer_one);
    std::printf(
        "BENCH ddp_%s_scaling tandem=%.2f peer=%.2f ratio=%.2f unit=efficiency "
        "machine_ceiling=%.2f\n",
        name.c_str(), ours, theirs, ratio(ours, theirs),
        ceiling(exe, name, n, one.samples_per_second));
    double hidden = two.reduce_seconds > 0 ? 1.0 - two.wait_seconds / two.reduce_seconds : 0.0;
    hidden = std::min(1.0, std::max(0.0, hidden));
    std::printf(
        "BENCH ddp_%s_overlap tandem=%.2f unit=hidden_share allreduce_ms=%.3f waited_ms=%.3f "
        "step_1rank_ms=%.3f step_2rank_ms=%.3f\n",
        name.c_str(), hidden, two.reduce_seconds * 1e3, two.wait_seconds * 1e3,
        one.step_seconds * 1e3, two.step_seconds * 1e3);
  }
  return 0;
}
