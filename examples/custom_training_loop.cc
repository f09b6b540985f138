// Writing a training loop from scratch, the TensorFlow guide's pattern in C++: no fit(), just a
// Dataset, a GradientTape, a loss object, an optimizer and streaming metrics, on Fashion-MNIST.
//
//   for epoch in range(epochs):
//       for x, y in train_dataset:
//           with tf.GradientTape() as tape:
//               logits = model(x, training=True)
//               loss = loss_fn(y, logits) + sum(model.losses)
//           grads = tape.gradient(loss, model.trainable_weights)
//           optimizer.apply_gradients(zip(grads, model.trainable_weights))
//           train_acc_metric.update_state(y, logits)
//       ... validation with val_acc_metric, then reset both metrics
//
//   custom_training_loop                        # all 60000 images, 3 epochs
//   custom_training_loop --epochs 1 --train-samples 6000 --min-accuracy 0.7
//   mpirun -np 2 custom_training_loop           # data-parallel: the lines marked [N ranks]
//
// On N ranks (docs/distributed.md) the same loop trains data-parallel: apply_gradients applies
// the gradients averaged over the ranks. What the loop adds for it, as TensorFlow's strategy.run
// loops do: each rank reads its share of the data, and the metrics are read over all ranks.
#include <iostream>

#include "example_options.h"
#include "tandem/tandem.h"

using namespace tandem;
using namespace tandem::layers;

namespace {

constexpr int64_t kBatchSize = 64;

// Flattened images scaled to [0, 1], and the uint8 labels.
std::pair<Tensor, Tensor> prepare(const Tensor& x, const Tensor& y) {
  return {reshape(cast(x, float32) / 255.0, Shape{-1, 784}), y};
}

// 784 -> 64 relu -> 64 relu -> 10 logits. The L2 penalty on the first kernel shows up in
// model->losses(), which a hand-written loop has to add to the loss itself (fit does it for you).
std::shared_ptr<Functional> build_model() {
  KerasTensor inputs = Input(Shape{784}, {.name = "digits"});
  KerasTensor x = (*std::make_shared<Dense>(
      64, DenseOptions{.activation = "relu", .kernel_regularizer = regularizers::l2(1e-4)}))(
      inputs);
  x = (*std::make_shared<Dense>(64, DenseOptions{.activation = "relu"}))(x);
  KerasTensor logits = (*std::make_shared<Dense>(10, DenseOptions{.layer = {.name = "logits"}}))(x);
  return make_model({inputs}, {logits}, "mlp");
}

// The sum of the regularization losses (a scalar zero when there are none).
Tensor regularization_loss(const Model& model) {
  Tensor total = zeros(Shape{});
  for (const Tensor& l : model.losses()) total = total + l;
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = examples::parse_options(argc, argv, 3);
  set_random_seed(1337);
  distributed::Strategy& strategy = distributed::get_strategy();  // [N ranks] (or implicit)
  const bool chief = strategy.is_chief();                         // [N ranks] who prints

  auto [train, test] = examples::load_fashion_mnist(opts);
  auto [x_train, y_train] = prepare(train.first, train.second);
  auto [x_val, y_val] = prepare(test.first, test.second);

  // The input pipelines: shuffle the training set each epoch, batch both.
  data::Dataset train_dataset =
      data::Dataset::from_tensor_slices({x_train, y_train}).shuffle(1024).batch(kBatchSize);
  data::Dataset val_dataset = data::Dataset::from_tensor_slices({x_val, y_val}).batch(kBatchSize);
  // [N ranks] Each rank takes every N-th batch; every rank runs as many steps as the smallest.
  train_dataset = distributed::distribute_dataset(train_dataset);
  train_dataset = train_dataset.take(strategy.agree_min(train_dataset.cardinality()));
  val_dataset = distributed::distribute_dataset(val_dataset);

  auto model = build_model();
  auto optimizer =
      std::make_shared<optimizers::Adam>(optimizers::AdamOptions{.learning_rate = 1e-3});
  losses::SparseCategoricalCrossentropy loss_fn({.from_logits = true});
  metrics::SparseCategoricalAccuracy train_acc_metric;
  metrics::SparseCategoricalAccuracy val_acc_metric;

  double val_acc = 0.0;
  double epoch_loss = 0.0;  // the mean training loss of the last epoch
  for (int epoch = 0; epoch < opts.epochs; ++epoch) {
    if (chief) std::cout << "Epoch " << epoch + 1 << "/" << opts.epochs << "\n";
    // The loss is averaged over the steps by the bar; the accuracy is already a running value.
    Progbar progbar(train_dataset.cardinality(),
                    {.verbose = chief ? opts.verbose : 0, .stateful_metrics = {"accuracy"}});
    int64_t step = 0;
    double loss_sum = 0.0;
    for (const data::Element& batch : train_dataset) {
      const Tensor& x = batch[0];
      const Tensor& y = batch[1];
      std::vector<Variable> weights = model->trainable_weights();
      std::vector<std::optional<Tensor>> grads;
      Tensor logits;
      Tensor loss;
      {
        // Everything computed inside the tape's scope is recorded for the backward pass.
        GradientTape tape;
        logits = (*model)(x, /*training=*/true);
        loss = loss_fn(y, logits) + regularization_loss(*model);
        grads = tape.gradient(loss, weights);
      }
      optimizer->apply_gradients(grads, weights);
      train_acc_metric.update_state(y, logits);

      double loss_value = loss.item<float>();
      loss_sum += loss_value;
      ++step;
      if (opts.verbose > 0) {
        progbar.update(
            step, {{"loss", loss_value}, {"accuracy", train_acc_metric.result().item<float>()}});
      }
    }
    epoch_loss = loss_sum / static_cast<double>(step);
    double train_acc = global_result(train_acc_metric).item<float>();  // [N ranks] all ranks'
    train_acc_metric.reset_state();

    // Validation at the end of the epoch: training=false (matters for Dropout, BatchNorm).
    for (const data::Element& batch : val_dataset) {
      val_acc_metric.update_state(batch[1], (*model)(batch[0], /*training=*/false));
    }
    val_acc = global_result(val_acc_metric).item<float>();  // [N ranks] every rank's share
    val_acc_metric.reset_state();
    if (chief)
      std::cout << "Training acc over epoch: " << train_acc << "\n"
                << "Validation acc: " << val_acc << "\n";
  }

  if (chief)
    std::cout << "\nFinal validation accuracy: " << val_acc << " (mean training loss " << epoch_loss
              << ")\n";
  return examples::check_bounds(opts, val_acc, epoch_loss);
}
