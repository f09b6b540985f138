// Wide & deep regression with two inputs and two outputs, the functional-API example of the Keras
// guide ("Hands-on ML", chapter 10) in C++:
//
//   wide  = Input(5, name="wide_input")          deep = Input(6, name="deep_input")
//                                                 h1 = Dense(30, relu)(deep); h2 = Dense(30,
//                                                 relu)(h1)
//   main_output = Dense(1)(concatenate([wide, h2]))
//   aux_output  = Dense(1)(h2)          <- a regulariser: the deep part must predict alone too
//
// The data is a California-housing-like table generated here with a known formula (8 features, a
// smooth non-linear target plus noise), so the program needs no download and the best achievable
// loss is known: the noise variance, 0.01.
//
//   wide_and_deep                         # 20000 training rows, 30 epochs
//   wide_and_deep --epochs 5 --train-samples 4000 --max-loss 0.3
#include <cmath>
#include <iostream>

#include "example_options.h"
#include "tandem/tandem.h"

using namespace tandem;
using namespace tandem::layers;

namespace {

constexpr double kNoiseStddev = 0.1;

// Features x ~ N(0, 1) [n, 8] and the target
//   y = 1.5 x0 - x1 + 0.5 x2 x3 + sin(2 x4) + 0.3 x5^2 - tanh(x6) + 0.1 x7 + noise.
// Linear terms suit the wide path, the products and curves need the deep one.
std::pair<Tensor, Tensor> make_housing_like(int64_t n, uint64_t seed) {
  Tensor x = random_normal(Shape{n, 8}, {.seed = seed});
  auto col = [&](int64_t j) { return x[{Slice(), Slice(j, j + 1)}]; };
  Tensor y = 1.5 * col(0) - col(1) + 0.5 * col(2) * col(3) + sin(2.0 * col(4)) +
             0.3 * square(col(5)) - tanh(col(6)) + 0.1 * col(7);
  y = y + random_normal(Shape{n, 1}, {.stddev = kNoiseStddev, .seed = seed + 1});
  return {x, y};
}

// Columns 0-4 feed the wide path, 2-7 the deep path (they overlap, as in the book's example).
Tensors split_inputs(const Tensor& x) {
  return {x[{Slice(), Slice(0, 5)}], x[{Slice(), Slice(2, 8)}]};
}

// Standardise with the training set's mean and deviation (Keras's Normalization layer would adapt
// to the same numbers).
Tensor standardize(const Tensor& x, const Tensor& mean, const Tensor& stddev) {
  return (x - mean) / stddev;
}

std::shared_ptr<Functional> build_wide_and_deep() {
  KerasTensor wide = Input(Shape{5}, {.name = "wide_input"});
  KerasTensor deep = Input(Shape{6}, {.name = "deep_input"});
  KerasTensor h1 = (*std::make_shared<Dense>(30, DenseOptions{.activation = "relu"}))(deep);
  KerasTensor h2 = (*std::make_shared<Dense>(30, DenseOptions{.activation = "relu"}))(h1);
  KerasTensor merged = concatenate({wide, h2});
  // The output layers' names are the output names that key losses, weights and logs.
  KerasTensor main_output =
      (*std::make_shared<Dense>(1, DenseOptions{.layer = {.name = "main_output"}}))(merged);
  KerasTensor aux_output =
      (*std::make_shared<Dense>(1, DenseOptions{.layer = {.name = "aux_output"}}))(h2);
  return make_model({wide, deep}, {main_output, aux_output}, "wide_and_deep");
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = examples::parse_options(argc, argv, 30);
  set_random_seed(42);  // reproducible weights and shuffling

  auto [x_train, y_train] = make_housing_like(opts.train_samples.value_or(20000), 1);
  auto [x_test, y_test] = make_housing_like(opts.test_samples.value_or(4000), 2);
  Tensor mean = reduce_mean(x_train, {.axis = std::vector<int64_t>{0}, .keepdims = true});
  Tensor stddev = sqrt(
      reduce_mean(square(x_train - mean), {.axis = std::vector<int64_t>{0}, .keepdims = true}));
  Tensors train_inputs = split_inputs(standardize(x_train, mean, stddev));
  Tensors test_inputs = split_inputs(standardize(x_test, mean, stddev));

  auto model = build_wide_and_deep();
  model->summary();

  // One loss per output, by name; the auxiliary loss counts for a tenth of the total:
  //   loss = 0.9 * main_output_loss + 0.1 * aux_output_loss
  model->compile({.optimizer = std::make_shared<optimizers::Adam>(
                      optimizers::AdamOptions{.learning_rate = 0.003}),
                  .loss = LossesByOutput{{"main_output", "mse"}, {"aux_output", "mse"}},
                  .loss_weights = LossWeights{{"main_output", 0.9}, {"aux_output", 0.1}},
                  .metrics = MetricsByOutput{{"main_output", {"mae"}}}});

  // Both outputs learn the same target; the last 10% of the rows validate each epoch.
  History history = model->fit(
      train_inputs, {y_train, y_train},
      {.batch_size = 32, .epochs = opts.epochs, .verbose = opts.verbose, .validation_split = 0.1});
  if (opts.epochs > 0) {
    std::cout << "val_loss: " << history["val_loss"].front() << " after the first epoch, "
              << history["val_loss"].back() << " after the last\n";
  }

  // evaluate returns the total loss, each output's loss and the metrics, in Keras's order.
  Logs result = model->evaluate(test_inputs, {y_test, y_test}, {.verbose = 0});
  std::cout << "\nTest set:\n";
  for (const auto& [name, value] : result.items())
    std::cout << "  " << name << ": " << value << "\n";

  // predict returns one tensor per output.
  Tensors new_rows = {test_inputs[0][{Slice(0, 3)}], test_inputs[1][{Slice(0, 3)}]};
  Tensors predictions = model->predict(new_rows, {.verbose = 0});
  std::vector<float> main_pred = predictions[0].to_vector<float>();
  std::vector<float> aux_pred = predictions[1].to_vector<float>();
  std::vector<float> truth = y_test[{Slice(0, 3)}].to_vector<float>();
  std::cout << "\nFirst test rows (true, main, aux):\n";
  for (size_t i = 0; i < truth.size(); ++i) {
    std::cout << "  " << truth[i] << "  " << main_pred[i] << "  " << aux_pred[i] << "\n";
  }

  double main_loss = result.at("main_output_loss");
  std::cout << "\nTest main_output mse: " << main_loss << " (noise floor "
            << kNoiseStddev * kNoiseStddev << ")\n";
  return examples::check_bounds(opts, std::nullopt, main_loss);
}
