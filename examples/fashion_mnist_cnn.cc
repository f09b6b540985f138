// Fashion-MNIST with a small CNN and BatchNormalization: the README's main job. Two
// Conv2D -> BatchNormalization -> ReLU -> MaxPooling2D blocks, then Dense layers, Adam, 5 epochs
// (0.914 test accuracy on the full data in our run; batch size 32, as Keras defaults). Prints "Test
// accuracy: <value>" at the end.
//
//   fashion_mnist_cnn                         # full data, 5 epochs
//   fashion_mnist_cnn --epochs 2 --train-samples 6000 --min-accuracy 0.6    # what CI runs
//   tandemrun -np 2 fashion_mnist_cnn --output-dir out     # the main job: data-parallel, with
//        validation on the test set, the best epoch in out/best.tdm (ModelCheckpoint), and
//        out/backup (BackupAndRestore): killed and started again, it resumes where it was
#include <algorithm>
#include <iostream>

#include "example_options.h"
#include "tandem/tandem.h"

using namespace tandem;
using layers::BatchNormalization;
using layers::Conv2D;
using layers::Dense;
using layers::Dropout;
using layers::Flatten;
using layers::MaxPooling2D;
using layers::ReLU;

// [N, 28, 28] uint8 pixels -> [N, 28, 28, 1] floats in [0, 1] (images are NHWC).
Tensor prepare(const Tensor& images) {
  return reshape(cast(images, float32) / 255.0, Shape{images.shape()[0], 28, 28, 1});
}

std::shared_ptr<Sequential> make_cnn() {
  // Convolutions without bias: the BatchNormalization after each has its own offset (beta).
  auto conv = [](int64_t filters, std::optional<Shape> input_shape = std::nullopt) {
    return std::make_shared<Conv2D>(
        filters, 3,
        layers::Conv2DOptions{
            .padding = "same", .use_bias = false, .layer = {.input_shape = input_shape}});
  };
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      conv(32, Shape{28, 28, 1}), std::make_shared<BatchNormalization>(), std::make_shared<ReLU>(),
      std::make_shared<MaxPooling2D>(),  // 14 x 14
      conv(64), std::make_shared<BatchNormalization>(), std::make_shared<ReLU>(),
      std::make_shared<MaxPooling2D>(),  // 7 x 7
      std::make_shared<Flatten>(),
      std::make_shared<Dense>(128, layers::DenseOptions{.activation = "relu"}),
      std::make_shared<Dropout>(0.3), std::make_shared<Dense>(10)});
}

int main(int argc, char** argv) {
  auto opts = examples::parse_options(argc, argv, 5);
  auto [train, test] = examples::load_fashion_mnist(opts);
  auto [x_train, y_train] = train;
  auto [x_test, y_test] = test;

  auto model = make_cnn();
  model->compile({.optimizer = "adam",
                  .loss = std::make_shared<losses::SparseCategoricalCrossentropy>(
                      losses::SparseCategoricalCrossentropyOptions{.from_logits = true}),
                  .metrics = {"accuracy"}});
  // Under mpirun every rank runs this program; one of them prints (fit's output is the chief's).
  const bool chief = distributed::get_strategy().is_chief();
  if (chief) model->summary();
  // Keras's batch of 32 is the global batch: on N ranks each takes 32 / N per step, so the run
  // takes the same steps as one process (docs/distributed.md: the global-batch convention).
  const int64_t batch =
      std::max<int64_t>(1, 32 / distributed::get_strategy().num_replicas_in_sync());
  FitOptions fit{.batch_size = batch, .epochs = opts.epochs, .verbose = opts.verbose};
  if (opts.output_dir) {
    fit.validation_data = ValidationData(prepare(x_test), y_test);
    fit.callbacks = {std::make_shared<ModelCheckpoint>(
                         *opts.output_dir + "/best.tdm",
                         ModelCheckpointOptions{.monitor = "val_accuracy", .save_best_only = true}),
                     std::make_shared<BackupAndRestore>(*opts.output_dir + "/backup")};
  }
  model->fit(prepare(x_train), y_train, fit);

  Logs result = model->evaluate(prepare(x_test), y_test, {.verbose = 2});
  if (chief) std::cout << "\nTest accuracy: " << result.at("accuracy") << "\n";
  return examples::check_bounds(opts, result.at("accuracy"), result.at("loss"));
}
