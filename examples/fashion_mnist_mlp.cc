// Fashion-MNIST with a Sequential MLP, the Keras "basic classification" tutorial in C++:
// 784 -> 128 relu -> 10, Adam, sparse categorical crossentropy from logits, 5 epochs (about 0.88
// test accuracy on the full data).
#include <iostream>

#include "example_options.h"
#include "tandem/tandem.h"

using namespace tandem;

int main(int argc, char** argv) {
  auto opts = examples::parse_options(argc, argv, 5);
  auto [train, test] = examples::load_fashion_mnist(opts);
  auto [x_train, y_train] = train;
  auto [x_test, y_test] = test;
  // Scale the pixels to [0, 1], as the Keras tutorial does.
  x_train = cast(x_train, float32) / 255.0;
  x_test = cast(x_test, float32) / 255.0;

  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Flatten>(LayerOptions{.input_shape = Shape{28, 28}}),
      std::make_shared<layers::Dense>(128, layers::DenseOptions{.activation = "relu"}),
      std::make_shared<layers::Dense>(10)});
  model->compile({.optimizer = "adam",
                  .loss = std::make_shared<losses::SparseCategoricalCrossentropy>(
                      losses::SparseCategoricalCrossentropyOptions{.from_logits = true}),
                  .metrics = {"accuracy"}});
  // Under mpirun every rank runs this program; one of them prints (fit's output is the chief's).
  const bool chief = distributed::get_strategy().is_chief();
  if (chief) model->summary();
  model->fit(x_train, y_train, {.epochs = opts.epochs, .verbose = opts.verbose});

  Logs result = model->evaluate(x_test, y_test, {.verbose = 2});
  if (chief) std::cout << "\nTest accuracy: " << result.at("accuracy") << "\n";
  return examples::check_bounds(opts, result.at("accuracy"), result.at("loss"));
}
