// The Fashion-MNIST CNN with BatchNormalization that the training benchmarks run (the main job's
// model): two Conv2D (no bias) -> BatchNormalization -> ReLU -> MaxPooling2D blocks, Dense 128,
// Dropout 0.3, Dense 10. The PyTorch peers build the same.
#pragma once

#include <memory>
#include <optional>

#include "tandem/tandem.h"

namespace bench {

inline std::shared_ptr<tandem::Sequential> fashion_mnist_cnn() {
  using namespace tandem;
  auto conv = [](int64_t filters, std::optional<Shape> input_shape = std::nullopt) {
    return std::make_shared<layers::Conv2D>(
        filters, 3,
        layers::Conv2DOptions{
            .padding = "same", .use_bias = false, .layer = {.input_shape = input_shape}});
  };
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      conv(32, Shape{28, 28, 1}), std::make_shared<layers::BatchNormalization>(),
      std::make_shared<layers::ReLU>(), std::make_shared<layers::MaxPooling2D>(), conv(64),
      std::make_shared<layers::BatchNormalization>(), std::make_shared<layers::ReLU>(),
      std::make_shared<layers::MaxPooling2D>(), std::make_shared<layers::Flatten>(),
      std::make_shared<layers::Dense>(128, layers::DenseOptions{.activation = "relu"}),
      std::make_shared<layers::Dropout>(0.3), std::make_shared<layers::Dense>(10)});
}

}  // namespace bench
