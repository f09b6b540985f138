#include "tandem/data/datasets/fashion_mnist.h"

#include "tandem/data/datasets/idx_dataset.h"

namespace tandem::datasets::fashion_mnist {

TrainTestSplit load_data(const std::string& dir) {
  return detail::load_idx_dataset(
      "fashion_mnist",
      detail::resolve_data_dir("fashion_mnist", dir, "fashion-mnist", kDefaultDir));
}

}  // namespace tandem::datasets::fashion_mnist
