// The models the training benchmarks run; the PyTorch peers build the same:
//   mlp: 784-256-128-10 (ReLU);
//   cnn: Conv32-Pool-Conv64-Pool-Dense128-Dense10 (3x3 same convolutions with ReLU);
//   fashion_mnist_cnn (the main job's model): two Conv2D (no bias) -> BatchNormalization -> ReLU ->
//   MaxPooling2D blocks, Dense 128, Dropout 0.3, Dense 10.
#pragma once

#include <memory>
#include <optional>

#include "tandem/tandem.h"

namespace bench {

inline std::shared_ptr<tandem::Sequential> mlp() {
  using namespace tandem;
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Flatten>(LayerOptions{.input_shape = Shape{28, 28, 1}}),
      std::make_shared<layers::Dense>(256, layers::DenseOptions{.activation = "relu"}),
      std::make_shared<layers::Dense>(128, layers::DenseOptions{.activation = "relu"}),
      std::make_shared<layers::Dense>(10)});
}

inline std::shared_ptr<tandem::Sequential> cnn() {
  using namespace tandem;
  auto conv = [](int64_t filters, std::optional<Shape> input_shape = std::nullopt) {
    return std::make_shared<layers::Conv2D>(
        filters, 3,
        layers::Conv2DOptions{
            .padding = "same", .activation = "relu", .layer = {.input_shape = input_shape}});
  };
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      conv(32, Shape{28, 28, 1}), std::make_shared<layers::MaxPooling2D>(), conv(64),
      std::make_shared<layers::MaxPooling2D>(), std::make_shared<layers::Flatten>(),
      std::make_shared<layers::Dense>(128, layers::DenseOptions{.activation = "relu"}),
      std::make_shared<layers::Dense>(10)});
}

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
