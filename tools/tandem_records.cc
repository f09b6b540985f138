// tandem-records: converts an MNIST-style dataset (Fashion-MNIST by default) into N sharded
// TFRecord files of tf.Example, so that file-sharded input pipelines can be exercised end to end.
//
//   tandem-records --output-dir DIR [--data-dir DIR] [--num-shards N] [--split train|test|all]
//                  [--compression ""|GZIP|ZLIB] [--prefix NAME]
//
// Each Example holds "image" (bytes_list: the raw 28x28 uint8 pixels, row-major) and "label"
// (int64_list). Shard files are <prefix>-<split>-<i>-of-<N>.tfrecord; example k goes to shard k %
// N.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tandem/data/datasets/fashion_mnist.h"
#include "tandem/io/example.h"
#include "tandem/io/tfrecord_writer.h"

namespace {

struct Args {
  std::string data_dir = "";
  std::string output_dir = "";
  int num_shards = 1;
  std::string split = "all";
  std::string compression = "";
  std::string prefix = "fashion_mnist";
};

constexpr const char* kUsage =
    "usage: tandem-records --output-dir DIR [--data-dir DIR] [--num-shards N]\n"
    "                      [--split train|test|all] [--compression \"\"|GZIP|ZLIB] [--prefix "
    "NAME]\n"
    "Converts Fashion-MNIST IDX files (default: TANDEM_DATA_DIR or\n"
    "/usr/share/datasets/fashion-mnist) into sharded TFRecord files of tf.Example\n"
    "with features image (raw uint8 bytes) and label (int64).\n";

Args parse_args(int argc, char** argv) {
  Args a;
  std::map<std::string, std::string*> strings = {{"--data-dir", &a.data_dir},
                                                 {"--output-dir", &a.output_dir},
                                                 {"--split", &a.split},
                                                 {"--compression", &a.compression},
                                                 {"--prefix", &a.prefix}};
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) throw tandem::ValueError("missing value after " + flag);
    std::string value = argv[++i];
    if (flag == "--num-shards") {
      a.num_shards = std::stoi(value);
    } else if (auto it = strings.find(flag); it != strings.end()) {
      *it->second = value;
    } else {
      throw tandem::ValueError("unknown option " + flag);
    }
  }
  TANDEM_CHECK(!a.output_dir.empty(), tandem::ValueError, "--output-dir is required");
  TANDEM_CHECK(a.num_shards >= 1, tandem::ValueError, "--num-shards must be at least 1, received ",
               a.num_shards);
  TANDEM_CHECK(a.split == "train" || a.split == "test" || a.split == "all", tandem::ValueError,
               "--split must be train, test or all, received '", a.split, "'");
  return a;
}

std::string shard_path(const Args& a, const std::string& split, int shard) {
  char name[64];
  std::snprintf(name, sizeof(name), "-%05d-of-%05d.tfrecord", shard, a.num_shards);
  return (std::filesystem::path(a.output_dir) / (a.prefix + "-" + split + name)).string();
}

void write_split(const Args& a, const std::string& split, const tandem::Tensor& images,
                 const tandem::Tensor& labels) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<tandem::io::TFRecordWriter>> writers;
  for (int s = 0; s < a.num_shards; ++s) {
    writers.push_back(std::make_unique<tandem::io::TFRecordWriter>(
        shard_path(a, split, s), tandem::io::TFRecordOptions{.compression_type = a.compression}));
  }
  int64_t n = images.shape()[0];
  int64_t pixels = images.num_elements() / std::max<int64_t>(n, 1);
  const auto* px = images.data<uint8_t>();
  const auto* lb = labels.data<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    std::string raw(reinterpret_cast<const char*>(px + i * pixels), static_cast<size_t>(pixels));
    auto example = tandem::io::make_example({{"image", tandem::io::bytes_feature({raw})},
                                             {"label", tandem::io::int64_feature({lb[i]})}});
    writers[i % a.num_shards]->write(example.SerializeAsString());
  }
  for (auto& w : writers) w->close();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("tandem-records: wrote %lld %s examples into %d shard(s) %s in %.2f s\n",
              static_cast<long long>(n), split.c_str(), a.num_shards,
              shard_path(a, split, 0).c_str(), secs);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args a = parse_args(argc, argv);
    std::filesystem::create_directories(a.output_dir);
    auto [train, test] = tandem::datasets::fashion_mnist::load_data(a.data_dir);
    if (a.split != "test") write_split(a, "train", train.first, train.second);
    if (a.split != "train") write_split(a, "test", test.first, test.second);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tandem-records: %s\n%s", e.what(), kUsage);
    return 1;
  }
}
