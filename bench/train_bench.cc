// Training throughput: Fashion-MNIST steps per second through Model::train_on_batch for the
// examples' MLP (batch 32) and CNN with BatchNormalization (batch 64), against the same models in
// PyTorch (Debian's python3-torch, run by /usr/bin/python3 in the same command, same thread count).
// Both sides: Adam, crossentropy from logits, the same batches of real images, a warm-up first.
//
//   ./build/bench/train_bench [steps]
// prints `BENCH train_<model> tandem=<steps/s> peer=<steps/s> ratio=<tandem/peer> unit=steps/s`.
#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "bench_models.h"
#include "python_peer.h"
#include "tandem/tandem.h"

using namespace tandem;

namespace {

const char* kPeerScript = R"PY(
import gzip, sys, time, numpy as np, torch, torch.nn as nn
model_name, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
with gzip.open('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
with gzip.open('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz') as f:
    labels = np.frombuffer(f.read(), np.uint8, offset=8)
x_all = torch.from_numpy(images.astype(np.float32) / 255.0)
y_all = torch.from_numpy(labels.astype(np.int64))
if model_name == 'mlp':
    batch = 32
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
else:
    batch = 64
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()
def step(i):
    s = (i * batch) % (x_all.shape[0] - batch)
    x, y = x_all[s:s + batch], y_all[s:s + batch]
    opt.zero_grad()
    logits = model(x)
    loss = loss_fn(logits, y)
    loss.backward()
    opt.step()
    (logits.argmax(1) == y).float().mean().item()  # the accuracy metric Keras reports
for i in range(10): step(i)
start = time.perf_counter()
for i in range(steps): step(i)
print(steps / (time.perf_counter() - start))
)PY";

double peer_rate(const std::string& model, int steps, int threads) {
  return bench::run_python_peer(
      kPeerScript, model + " " + std::to_string(steps) + " " + std::to_string(threads));
}

std::shared_ptr<Sequential> mlp() {
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Flatten>(LayerOptions{.input_shape = Shape{28, 28, 1}}),
      std::make_shared<layers::Dense>(128, layers::DenseOptions{.activation = "relu"}),
      std::make_shared<layers::Dense>(10)});
}

double tandem_rate(Sequential& model, const Tensor& images, const Tensor& labels, int64_t batch,
                   int steps) {
  model.compile({.optimizer = "adam",
                 .loss = std::make_shared<losses::SparseCategoricalCrossentropy>(
                     losses::SparseCategoricalCrossentropyOptions{.from_logits = true}),
                 .metrics = {"accuracy"}});
  int64_t n = images.shape()[0];
  auto step = [&](int i) {
    int64_t s = (i * batch) % (n - batch);
    model.train_on_batch({images[{Slice(s, s + batch)}]}, {labels[{Slice(s, s + batch)}]});
  };
  for (int i = 0; i < 10; ++i) step(i);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step(i);
  return steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int steps = argc > 1 ? std::stoi(argv[1]) : 300;
  auto [train, test] = datasets::fashion_mnist::load_data();
  Tensor images = reshape(cast(train.first, float32) / 255.0, Shape{-1, 28, 28, 1});
  Tensor labels = train.second;
  int threads = omp_get_max_threads();  // the peer gets as many threads as our kernels use
  for (const std::string name : {"mlp", "cnn"}) {
    auto model = name == "mlp" ? mlp() : bench::fashion_mnist_cnn();
    int64_t batch = name == "mlp" ? 32 : 64;
    int n = name == "mlp" ? steps : steps / 5;
    double ours = tandem_rate(*model, images, labels, batch, n);
    double peer = peer_rate(name, n, threads);
    std::printf(
        "BENCH train_%s_batch%lld tandem=%.1f peer=%.1f ratio=%.2f unit=steps/s threads=%d\n",
        name.c_str(), static_cast<long long>(batch), ours, peer, peer > 0 ? ours / peer : 0.0,
        threads);
  }
  return 0;
}
