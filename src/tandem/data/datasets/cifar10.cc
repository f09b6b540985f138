#include "tandem/data/datasets/cifar10.h"

#include <cstring>
#include <filesystem>
#include <vector>

#include "tandem/core/mutable_tensor.h"
#include "tandem/data/datasets/idx_dataset.h"
#include "tandem/io/input_stream.h"

namespace tandem::datasets::cifar10 {
namespace fs = std::filesystem;

namespace {

constexpr int kPixels = kImageSize * kImageSize;

// Concatenates the batches of several files along the first axis.
std::pair<Tensor, Tensor> read_batches(const std::vector<std::string>& paths) {
  std::vector<std::pair<Tensor, Tensor>> parts;
  int64_t total = 0;
  for (const auto& p : paths) {
    parts.push_back(read_batch_file(p));
    total += parts.back().second.shape()[0];
  }
  MutableTensor x = MutableTensor::empty({total, kImageSize, kImageSize, kChannels}, DType::kUInt8,
                                         Device::cpu());
  MutableTensor y = MutableTensor::empty({total, 1}, DType::kUInt8, Device::cpu());
  uint8_t* xd = x.mutable_data<uint8_t>();
  uint8_t* yd = y.mutable_data<uint8_t>();
  for (const auto& [px, py] : parts) {
    std::memcpy(xd, px.raw_data(), px.nbytes());
    std::memcpy(yd, py.raw_data(), py.nbytes());
    xd += px.nbytes();
    yd += py.nbytes();
  }
  return {std::move(x).freeze(), std::move(y).freeze()};
}

std::string batches_dir(const std::string& dir) {
  fs::path sub = fs::path(dir) / "cifar-10-batches-bin";
  return fs::is_directory(sub) ? sub.string() : dir;
}

}  // namespace

std::pair<Tensor, Tensor> read_batch_file(const std::string& path) {
  std::string bytes = io::read_file_maybe_gzip(path);
  TANDEM_CHECK(bytes.size() % kRecordBytes == 0, IOError, "CIFAR-10 batch '", path, "' has ",
               bytes.size(), " bytes, expected a multiple of ", kRecordBytes,
               " (1 label byte + 3072 pixel bytes per image); the last record is truncated");
  auto n = static_cast<int64_t>(bytes.size() / kRecordBytes);
  MutableTensor x =
      MutableTensor::empty({n, kImageSize, kImageSize, kChannels}, DType::kUInt8, Device::cpu());
  MutableTensor y = MutableTensor::empty({n, 1}, DType::kUInt8, Device::cpu());
  uint8_t* xd = x.mutable_data<uint8_t>();
  uint8_t* yd = y.mutable_data<uint8_t>();
  const auto* src = reinterpret_cast<const uint8_t*>(bytes.data());
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* rec = src + i * kRecordBytes;
    TANDEM_CHECK(rec[0] < 10, IOError, "CIFAR-10 batch '", path, "': record ", i,
                 " at byte offset ", i * kRecordBytes, " has label ", static_cast<int>(rec[0]),
                 ", expected 0..9");
    yd[i] = rec[0];
    uint8_t* img = xd + i * kPixels * kChannels;
    for (int c = 0; c < kChannels; ++c) {  // CHW planes -> HWC
      const uint8_t* plane = rec + 1 + c * kPixels;
      for (int p = 0; p < kPixels; ++p) img[p * kChannels + c] = plane[p];
    }
  }
  return {std::move(x).freeze(), std::move(y).freeze()};
}

TrainTestSplit load_data(const std::string& dir) {
  std::string root =
      batches_dir(detail::resolve_data_dir("cifar10", dir, "cifar-10-batches-bin", ""));
  std::vector<std::string> train;
  for (int i = 1; i <= 5; ++i)
    train.push_back((fs::path(root) / ("data_batch_" + std::to_string(i) + ".bin")).string());
  return {read_batches(train), read_batches({(fs::path(root) / "test_batch.bin").string()})};
}

}  // namespace tandem::datasets::cifar10
