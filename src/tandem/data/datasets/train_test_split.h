// What the Keras dataset loaders return: ((x_train, y_train), (x_test, y_test)), so that
//   auto [train, test] = datasets::fashion_mnist::load_data();
//   auto [x_train, y_train] = train;
#pragma once

#include <utility>

#include "tandem/core/tensor.h"

namespace tandem::datasets {

using TrainTestSplit = std::pair<std::pair<Tensor, Tensor>, std::pair<Tensor, Tensor>>;

}  // namespace tandem::datasets
