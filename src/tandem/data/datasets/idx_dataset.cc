#include "tandem/data/datasets/idx_dataset.h"

#include <cstdlib>
#include <filesystem>

#include "tandem/data/readers/idx_reader.h"

namespace tandem::datasets::detail {
namespace fs = std::filesystem;

namespace {

// <dir>/<base> or <dir>/<base>.gz, whichever exists.
std::string find_file(const std::string& dataset, const std::string& dir, const std::string& base) {
  for (const std::string& name : {base + ".gz", base}) {
    fs::path p = fs::path(dir) / name;
    if (fs::exists(p)) return p.string();
  }
  throw IOError(dataset + ".load_data: neither '" + (fs::path(dir) / base).string() + "' nor '" +
                (fs::path(dir) / base).string() + ".gz' exists");
}

std::pair<Tensor, Tensor> load_split(const std::string& dataset, const std::string& dir,
                                     const std::string& prefix) {
  std::string images_path = find_file(dataset, dir, prefix + "-images-idx3-ubyte");
  std::string labels_path = find_file(dataset, dir, prefix + "-labels-idx1-ubyte");
  Tensor images = data::read_idx(images_path);
  Tensor labels = data::read_idx(labels_path);
  TANDEM_CHECK(images.dtype() == DType::kUInt8 && images.rank() == 3, IOError, "'", images_path,
               "': expected uint8 images of rank 3, received ", dtype_name(images.dtype()),
               " of shape ", images.shape().to_string());
  TANDEM_CHECK(labels.dtype() == DType::kUInt8 && labels.rank() == 1, IOError, "'", labels_path,
               "': expected uint8 labels of rank 1, received ", dtype_name(labels.dtype()),
               " of shape ", labels.shape().to_string());
  TANDEM_CHECK(images.shape()[0] == labels.shape()[0], IOError, dataset, ": '", images_path,
               "' holds ", images.shape()[0], " images but '", labels_path, "' holds ",
               labels.shape()[0], " labels");
  return {images, labels};
}

}  // namespace

std::string resolve_data_dir(const std::string& dataset, const std::string& dir,
                             const std::string& subdir, const std::string& fallback) {
  if (!dir.empty()) return dir;
  if (const char* env = std::getenv("TANDEM_DATA_DIR"); env != nullptr && *env != '\0') {
    fs::path sub = fs::path(env) / subdir;
    return fs::is_directory(sub) ? sub.string() : std::string(env);
  }
  TANDEM_CHECK(!fallback.empty(), ValueError, dataset,
               ".load_data: no directory given and TANDEM_DATA_DIR is not set");
  return fallback;
}

TrainTestSplit load_idx_dataset(const std::string& dataset, const std::string& dir) {
  TANDEM_CHECK(fs::is_directory(dir), IOError, dataset, ".load_data: directory '", dir,
               "' does not exist");
  return {load_split(dataset, dir, "train"), load_split(dataset, dir, "t10k")};
}

}  // namespace tandem::datasets::detail
