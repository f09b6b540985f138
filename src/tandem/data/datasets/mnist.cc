#include "tandem/data/datasets/mnist.h"

#include "tandem/data/datasets/idx_dataset.h"

namespace tandem::datasets::mnist {

TrainTestSplit load_data(const std::string& dir) {
  return detail::load_idx_dataset("mnist",
                                  detail::resolve_data_dir("mnist", dir, "mnist", kDefaultDir));
}

}  // namespace tandem::datasets::mnist
