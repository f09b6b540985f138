// A subclassed Model (Keras's "model subclassing"): layers are created in the constructor and
// registered with track(), the forward pass is C++ in call(), and the model trains with the usual
// compile/fit/evaluate. A second class overrides train_step, the Keras way of customising what fit
// does on each batch, here to clip gradients by their global norm and to count the steps.
//
//   subclassed_model                          # all 60000 images, 5 epochs each variant
//   subclassed_model --epochs 1 --train-samples 6000 --min-accuracy 0.75
#include <cmath>
#include <iostream>

#include "example_options.h"
#include "tandem/tandem.h"

using namespace tandem;
using namespace tandem::layers;

namespace {

// class FashionClassifier(keras.Model):
//     def __init__(self, hidden_units):
//         self.hidden = Dense(hidden_units, activation="relu")
//         self.dropout = Dropout(0.2)
//         self.classifier = Dense(10)
//     def call(self, inputs, training=False):
//         return self.classifier(self.dropout(self.hidden(inputs), training=training))
class FashionClassifier : public Model {
 public:
  explicit FashionClassifier(int64_t hidden_units, std::string name = "fashion_classifier")
      : Model("FashionClassifier", {.name = std::move(name)}) {
    // track() registers each layer (Keras does it on attribute assignment): its weights become
    // the model's weights, and summary() lists it.
    hidden_ =
        track("hidden", std::make_shared<Dense>(hidden_units, DenseOptions{.activation = "relu"}));
    dropout_ = track("dropout", std::make_shared<Dropout>(0.2));
    classifier_ = track("classifier", std::make_shared<Dense>(10));
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override {
    Tensor h = (*hidden_)(inputs[0]);
    h = (*dropout_)(h, ctx.training);  // dropout only while training
    return {(*classifier_)(h)};
  }

 private:
  std::shared_ptr<Dense> hidden_, classifier_;
  std::shared_ptr<Dropout> dropout_;
};

// The same network with a custom train_step: Keras's "customizing what happens in fit()". It does
// what the default step does (forward under a tape, compute_loss, gradients, apply, metrics) but
// rescales the gradients so their global norm is at most `clip_norm` (tf.clip_by_global_norm), and
// reports the unclipped norm and the number of steps taken in the logs fit prints.
class ClippedFashionClassifier : public FashionClassifier {
 public:
  ClippedFashionClassifier(int64_t hidden_units, double clip_norm)
      : FashionClassifier(hidden_units, "clipped_fashion_classifier"), clip_norm_(clip_norm) {}

  Logs train_step(const Batch& data) override {
    Tensors y_pred;
    std::vector<Variable> variables;
    std::vector<std::optional<Tensor>> grads;
    {
      GradientTape tape;
      y_pred = (*this)(data.x, /*training=*/true);
      Tensor loss = compute_loss(data, y_pred);  // compiled loss + regularization losses
      // Read after the forward pass, which creates the weights on the first call.
      variables = trainable_weights();
      grads = tape.gradient(loss, variables);
    }
    double norm = global_norm(grads);
    double scale = norm > clip_norm_ ? clip_norm_ / norm : 1.0;
    for (auto& g : grads) {
      if (g) g = *g * scale;
    }
    optimizer()->apply_gradients(grads, variables);
    ++steps_;

    Logs logs = compute_metrics(data, y_pred);  // loss tracker and compiled metrics
    logs.set("grad_norm", norm);
    return logs;
  }

  int64_t steps() const { return steps_; }

 private:
  // sqrt(sum of every gradient's squared L2 norm).
  static double global_norm(const std::vector<std::optional<Tensor>>& grads) {
    double sum = 0.0;
    for (const auto& g : grads) {
      if (g) sum += reduce_sum(square(*g)).item<float>();
    }
    return std::sqrt(sum);
  }

  double clip_norm_;
  int64_t steps_ = 0;
};

// compile + fit + evaluate, the same for both models; returns the test logs.
Logs train_and_evaluate(Model& model, const Tensor& x_train, const Tensor& y_train,
                        const Tensor& x_test, const Tensor& y_test,
                        const examples::ExampleOptions& opts) {
  // A subclassed model has no input shape until it is called: one call on a sample creates its
  // weights, so summary() can list them before training.
  model(x_train[{Slice(0, 1)}]);
  model.summary();
  model.compile({.optimizer = "adam",
                 .loss = std::make_shared<losses::SparseCategoricalCrossentropy>(
                     losses::SparseCategoricalCrossentropyOptions{.from_logits = true}),
                 .metrics = {"accuracy"}});
  model.fit(x_train, y_train, {.batch_size = 32, .epochs = opts.epochs, .verbose = opts.verbose});
  return model.evaluate(x_test, y_test, {.verbose = 0});
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = examples::parse_options(argc, argv, 5);
  set_random_seed(7);

  auto [train, test] = examples::load_fashion_mnist(opts);
  auto [x_train, y_train] = train;
  auto [x_test, y_test] = test;
  // Flattened to 784 features and scaled to [0, 1].
  x_train = reshape(cast(x_train, float32) / 255.0, Shape{-1, 784});
  x_test = reshape(cast(x_test, float32) / 255.0, Shape{-1, 784});

  std::cout << "== Subclassed model, default train_step ==\n";
  auto plain = std::make_shared<FashionClassifier>(128);
  Logs plain_result = train_and_evaluate(*plain, x_train, y_train, x_test, y_test, opts);
  std::cout << "Test accuracy: " << plain_result.at("accuracy") << "\n\n";

  std::cout << "== Subclassed model, custom train_step (global-norm clipping at 1.0) ==\n";
  auto clipped = std::make_shared<ClippedFashionClassifier>(128, /*clip_norm=*/1.0);
  Logs clipped_result = train_and_evaluate(*clipped, x_train, y_train, x_test, y_test, opts);
  std::cout << "Test accuracy: " << clipped_result.at("accuracy") << " after " << clipped->steps()
            << " custom steps\n";
  // Each epoch runs ceil(samples / 32) steps; a different count means fit bypassed train_step.
  int64_t samples = x_train.shape()[0];
  int64_t expected_steps = opts.epochs * ((samples + 31) / 32);
  if (clipped->steps() != expected_steps) {
    std::cerr << "FAILED: the custom train_step ran " << clipped->steps() << " times, expected "
              << expected_steps << "\n";
    return 1;
  }

  // Both variants must meet the bounds: report the worse of the two.
  double accuracy = std::min(plain_result.at("accuracy"), clipped_result.at("accuracy"));
  double loss = std::max(plain_result.at("loss"), clipped_result.at("loss"));
  std::cout << "\nWorse test accuracy of the two: " << accuracy << "\n";
  return examples::check_bounds(opts, accuracy, loss);
}
