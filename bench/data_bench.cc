// Input-pipeline throughput against PyTorch's DataLoader, one run on the same machine:
//   Fashion-MNIST-sized uint8 data (60000 x 28 x 28 images, uint8 labels)
//   -> map(normalise to float32 in [0, 1]) -> shuffle(10000) -> batch(128) -> prefetch
// Tandem: from_tensor_slices over the tensors. Peer: a torch Dataset over the same bytes (read
// from the file this program writes) with DataLoader(batch_size=128, shuffle=True), num_workers 0
// and 2, run by /usr/bin/python3 (Debian's python3-torch). The same transformation per sample.
// Prints `BENCH <case> tandem=<v> peer=<v> ratio=<tandem/peer> unit=samples/s`, and the parallel
// map's speed-up from 1 to 2 threads.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tandem/data/dataset.h"
#include "tandem/ops/math.h"

namespace {

using Clock = std::chrono::steady_clock;
using tandem::Tensor;
using tandem::data::AUTOTUNE;
using tandem::data::Dataset;
using tandem::data::Element;

constexpr int64_t kSamples = 60000;
constexpr int64_t kPixels = 28 * 28;

// Deterministic bytes standing in for the images (throughput does not depend on the values).
std::vector<uint8_t> make_bytes(int64_t n, uint32_t salt) {
  std::vector<uint8_t> v(static_cast<size_t>(n));
  uint32_t x = 2463534242u ^ salt;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return v;
}

// Samples per second of one full epoch through the pipeline.
double tandem_rate(const Tensor& images, const Tensor& labels, int64_t map_threads) {
  Dataset ds = Dataset::from_tensor_slices({images, labels})
                   .map(
                       [](const Element& e) -> Element {
                         return {tandem::cast(e[0], tandem::float32) / 255.0f, e[1]};
                       },
                       {.num_parallel_calls = map_threads})
                   .shuffle(10000, 42)
                   .batch(128)
                   .prefetch(AUTOTUNE);
  auto start = Clock::now();
  int64_t seen = 0;
  double checksum = 0;
  for (const auto& batch : ds) {
    seen += batch[0].shape()[0];
    checksum += batch[0].data<float>()[0];
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (seen != kSamples || checksum < 0) std::fprintf(stderr, "unexpected sample count %ld\n", seen);
  return static_cast<double>(seen) / seconds;
}

const char* kPeerScript = R"PY(
import sys, time, numpy as np, torch
from torch.utils.data import Dataset, DataLoader
path, workers = sys.argv[1], int(sys.argv[2])
raw = np.fromfile(path, dtype=np.uint8)
n = 60000
images = torch.from_numpy(raw[: n * 784].reshape(n, 28, 28).copy())
labels = torch.from_numpy(raw[n * 784 :].copy())
class Fashion(Dataset):
    def __len__(self): return n
    def __getitem__(self, i): return images[i].float() / 255.0, labels[i]
torch.manual_seed(42)
loader = DataLoader(Fashion(), batch_size=128, shuffle=True, num_workers=workers)
start = time.perf_counter(); seen = 0
for x, y in loader: seen += x.shape[0]
print(seen / (time.perf_counter() - start))
)PY";

double peer_rate(const std::string& data_path, int workers) {
  std::string script = "/tmp/tandem_data_bench_" + std::to_string(::getpid()) + ".py";
  std::ofstream(script) << kPeerScript;
  std::string cmd = "/usr/bin/python3 " + script + " " + data_path + " " + std::to_string(workers);
  FILE* pipe = ::popen(cmd.c_str(), "r");
  double rate = 0;
  if (pipe == nullptr || std::fscanf(pipe, "%lf", &rate) != 1) rate = 0;
  if (pipe != nullptr) ::pclose(pipe);
  std::remove(script.c_str());
  return rate;
}

void print(const std::string& name, double tandem, double peer) {
  std::printf("BENCH %s tandem=%.0f peer=%.0f ratio=%.2f unit=samples/s\n", name.c_str(), tandem,
              peer, peer > 0 ? tandem / peer : 0.0);
}

}  // namespace

int main() {
  std::vector<uint8_t> image_bytes = make_bytes(kSamples * kPixels, 1);
  std::vector<uint8_t> label_bytes = make_bytes(kSamples, 2);
  for (auto& l : label_bytes) l %= 10;
  Tensor images = Tensor::from_vector(image_bytes, tandem::Shape{kSamples, 28, 28});
  Tensor labels = Tensor::from_vector(label_bytes, tandem::Shape{kSamples});

  std::string data_path = "/tmp/tandem_data_bench_" + std::to_string(::getpid()) + ".u8";
  {
    std::ofstream out(data_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(image_bytes.data()),
              static_cast<std::streamsize>(image_bytes.size()));
    out.write(reinterpret_cast<const char*>(label_bytes.data()),
              static_cast<std::streamsize>(label_bytes.size()));
  }

  tandem_rate(images, labels, 1);  // warm-up: allocator caches, page faults
  double t1 = tandem_rate(images, labels, 1);
  double t2 = tandem_rate(images, labels, 2);
  double peer0 = peer_rate(data_path, 0);
  double peer2 = peer_rate(data_path, 2);
  std::remove(data_path.c_str());
  if (peer0 == 0 || peer2 == 0) {
    std::printf("note: the PyTorch peer did not run (install python3-torch); peer=0\n");
  }
  double best_peer = std::max(peer0, peer2);
  double best_tandem = std::max(t1, t2);
  print("fashion_mnist_pipeline_vs_dataloader_workers0", best_tandem, peer0);
  print("fashion_mnist_pipeline_vs_dataloader_workers2", best_tandem, peer2);
  print("fashion_mnist_pipeline_vs_dataloader_best", best_tandem, best_peer);
  std::printf(
      "BENCH parallel_map_speedup threads1=%.0f threads2=%.0f speedup=%.2f unit=samples/s\n", t1,
      t2, t2 / t1);
  return 0;
}
