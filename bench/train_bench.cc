// Training and inference throughput on Fashion-MNIST against the same models in PyTorch (Debian's
// python3-torch, run by /usr/bin/python3 in the same command with the same thread count), issue
// 15's cases:
//   mlp      Dense 784-256-128-10 (ReLU)
//   cnn      Conv32-MaxPool-Conv64-MaxPool-Dense128-Dense10 (3x3 SAME convolutions, ReLU)
//   cnn_bn   the examples' CNN: Conv2D (no bias) -> BatchNormalization -> ReLU -> MaxPooling2D
//            twice, Dense 128, Dropout 0.3, Dense 10 (bench_models.h)
// Both sides: batch 128, Adam, crossentropy from logits, the accuracy metric read back every step
// (Keras's logs), the same batches of real images, a warm-up before timing.
//
//   ./build/bench/train_bench [--models mlp,cnn,cnn_bn] [--threads 1,2] [--steps N]
//                             [--predict-batches N] [--fit-samples N] [--no-peer]
// prints, per model and thread count t:
//   BENCH train_<model>_t<t> tandem=<steps/s> peer=<steps/s> ratio=<tandem/peer> unit=steps/s
//   BENCH predict_<model>_t<t> tandem=<samples/s> peer=... unit=samples/s   (the median of 5
//         passes over --predict-batches batches, each side)
//   BENCH fit_epoch_mlp_t<t> tandem=<samples/s> peer=... unit=samples/s   (mlp only: Model::fit
//         over --fit-samples shuffled samples against PyTorch's loop over a shuffling DataLoader)
// and once per process, for its first model and thread count,
//   BENCH peak_rss_<model> tandem=<MiB> peer=<MiB> ratio=<tandem/peer> unit=MiB
// (each side's peak resident memory, the whole training set loaded as float32 included).
// Steps default to 300 for the MLP and 60 for the CNNs; --steps sets both.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_models.h"
#include "bench_timing.h"
#include "python_peer.h"
#include "tandem/core/allocator.h"
#include "tandem/tandem.h"

using namespace tandem;

namespace {

const char* kPeerScript = R"PY(
import gzip, resource, sys, time, numpy as np, torch, torch.nn as nn
name, steps, threads, predict_batches, fit_samples, PREDICT_REPEATS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
torch.set_num_threads(threads)
torch.manual_seed(0)
with gzip.open('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
with gzip.open('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz') as f:
    labels = np.frombuffer(f.read(), np.uint8, offset=8)
x_all = torch.from_numpy(images.astype(np.float32) / 255.0)
y_all = torch.from_numpy(labels.astype(np.int64))
batch = 128
def make():
    if name == 'mlp':
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 10))
    if name == 'cnn':
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
model = make()
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()
def train(x, y):
    opt.zero_grad()
    logits = model(x)
    loss = loss_fn(logits, y)
    loss.backward()
    opt.step()
    (logits.argmax(1) == y).float().mean().item()  # the accuracy metric Keras reports
def step(i):
    s = (i * batch) % (x_all.shape[0] - batch)
    train(x_all[s:s + batch], y_all[s:s + batch])
for i in range(min(10, steps)): step(i)
start = time.perf_counter()
for i in range(steps): step(i)
train_rate = steps / (time.perf_counter() - start)
model.eval()
x_pred = x_all[:predict_batches * batch]
with torch.no_grad():
    model(x_pred[:batch])
    times = []
    for r in range(PREDICT_REPEATS):
        start = time.perf_counter()
        for s in range(0, x_pred.shape[0], batch): model(x_pred[s:s + batch]).numpy()
        times.append(time.perf_counter() - start)
    predict_rate = x_pred.shape[0] / sorted(times)[len(times) // 2]
model.train()
fit_rate = 0.0
if fit_samples > 0:
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_all[:fit_samples], y_all[:fit_samples]),
        batch_size=batch, shuffle=True)
    start = time.perf_counter()
    for x, y in loader: train(x, y)
    fit_rate = fit_samples / (time.perf_counter() - start)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(train_rate, predict_rate, rss, fit_rate)
)PY";

constexpr int64_t kBatch = 128;
// predict is timed this many times on each side and the median rate kept: one pass over 40
// batches takes tens of milliseconds, where a single descheduling moves the rate by 10%.
constexpr int kPredictRepeats = 5;

struct Options {
  std::vector<std::string> models = {"mlp", "cnn", "cnn_bn"};
  std::vector<int> threads = {tandem::config::threading::get_intra_op_parallelism_threads()};
  int steps = 0;  // 0: the per-model default
  int predict_batches = 40;
  int64_t fit_samples = 60000;
  bool peer = true;
};

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--models") {
      o.models = split(value());
    } else if (arg == "--threads") {
      o.threads.clear();
      for (const auto& t : split(value())) o.threads.push_back(std::stoi(t));
    } else if (arg == "--steps") {
      o.steps = std::stoi(value());
    } else if (arg == "--predict-batches") {
      o.predict_batches = std::stoi(value());
    } else if (arg == "--fit-samples") {
      o.fit_samples = std::stoll(value());
    } else if (arg == "--no-peer") {
      o.peer = false;
    } else {
      throw std::invalid_argument("unknown argument " + arg +
                                  " (expected --models, --threads, --steps, --predict-batches, "
                                  "--fit-samples or --no-peer)");
    }
  }
  return o;
}

std::shared_ptr<Sequential> make(const std::string& name) {
  if (name == "mlp") return bench::mlp();
  if (name == "cnn") return bench::cnn();
  if (name == "cnn_bn") return bench::fashion_mnist_cnn();
  throw std::invalid_argument("unknown model " + name + " (expected mlp, cnn or cnn_bn)");
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

struct Rates {
  double train = 0, predict = 0, rss = 0, fit = 0;
  // Per timed training step: allocate() calls (the caching allocator's, served from its lists
  // or not) and blocks that had to come from the system.
  double allocations = 0, system_allocations = 0;
};

Rates tandem_rates(const std::string& name, const Tensor& images, const Tensor& labels, int steps,
                   const Options& o) {
  set_random_seed(0);
  auto model = make(name);
  model->compile({.optimizer = "adam",
                  .loss = std::make_shared<losses::SparseCategoricalCrossentropy>(
                      losses::SparseCategoricalCrossentropyOptions{.from_logits = true}),
                  .metrics = {"accuracy"}});
  const int64_t n = images.shape()[0];
  auto step = [&](int i) {
    int64_t s = (i * kBatch) % (n - kBatch);
    model->train_on_batch({images[{Slice(s, s + kBatch)}]}, {labels[{Slice(s, s + kBatch)}]});
  };
  Rates r;
  for (int i = 0; i < std::min(10, steps); ++i) step(i);
  const AllocatorStats before = cpu_allocator::stats();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step(i);
  r.train = steps / seconds_since(start);
  const AllocatorStats after = cpu_allocator::stats();
  r.allocations = double(after.allocations - before.allocations) / steps;
  r.system_allocations = double(after.system_allocations - before.system_allocations) / steps;

  const Tensor x_pred = images[{Slice(0, o.predict_batches * kBatch)}];
  model->predict(images[{Slice(0, kBatch)}], {.batch_size = kBatch, .verbose = 0});
  const double predict_ms = bench::median_ms(
      [&] { model->predict(x_pred, {.batch_size = kBatch, .verbose = 0}); }, kPredictRepeats);
  r.predict = static_cast<double>(x_pred.shape()[0]) / (predict_ms / 1000.0);

  if (name == "mlp" && o.fit_samples > 0) {
    const int64_t m = std::min(o.fit_samples, n);
    start = std::chrono::steady_clock::now();
    model->fit(images[{Slice(0, m)}], labels[{Slice(0, m)}],
               {.batch_size = kBatch, .epochs = 1, .verbose = 0, .shuffle = true});
    r.fit = static_cast<double>(m) / seconds_since(start);
  }
  r.rss = peak_rss_mib();
  return r;
}

Rates peer_rates(const std::string& name, int steps, int threads, const Options& o) {
  Rates r;
  if (!o.peer) return r;
  const std::string args = name + " " + std::to_string(steps) + " " + std::to_string(threads) +
                           " " + std::to_string(o.predict_batches) + " " +
                           std::to_string(name == "mlp" ? o.fit_samples : 0) + " " +
                           std::to_string(kPredictRepeats);
  std::vector<double> v = bench::run_python_peer_values(kPeerScript, args, 4);
  return {v[0], v[1], v[2], v[3]};
}

void report(const std::string& name, double ours, double peer, const char* unit, int threads) {
  std::printf("BENCH %s tandem=%.1f peer=%.1f ratio=%.2f unit=%s threads=%d\n", name.c_str(), ours,
              peer, peer > 0 ? ours / peer : 0.0, unit, threads);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_bench: %s\n", e.what());
    return 2;
  }
  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor images = reshape(cast(train.first, float32) / 255.0, Shape{-1, 28, 28, 1});
  Tensor labels = train.second;
  bool rss_reported = false;
  for (const std::string& name : o.models) {
    const int steps = o.steps > 0 ? o.steps : (name == "mlp" ? 300 : 60);
    for (int threads : o.threads) {
      // Kernels, oneDNN and OpenBLAS; the peer gets as many threads.
      tandem::config::threading::set_intra_op_parallelism_threads(threads);
      const Rates ours = tandem_rates(name, images, labels, steps, o);
      const Rates peer = peer_rates(name, steps, threads, o);
      const std::string t = "_t" + std::to_string(threads);
      report("train_" + name + t, ours.train, peer.train, "steps/s", threads);
      // Not a comparison (no peer figure): what a steady-state step asks of the allocator.
      std::printf("ALLOC train_%s%s allocations_per_step=%.1f system_allocations_per_step=%.2f\n",
                  name.c_str(), t.c_str(), ours.allocations, ours.system_allocations);
      report("predict_" + name + t, ours.predict, peer.predict, "samples/s", threads);
      if (ours.fit > 0) report("fit_epoch_" + name + t, ours.fit, peer.fit, "samples/s", threads);
      if (!rss_reported) {
        report("peak_rss_" + name, ours.rss, peer.rss, "MiB", threads);
        rss_reported = true;
      }
    }
  }
  return 0;
}
