// Small models and scripted callbacks shared by the callback tests: a linear regression that fits
// in milliseconds, a callback that overwrites a log entry with a scripted sequence (so the
// callbacks after it see a controlled val_loss), and one that snapshots the weights every epoch.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tandem/layers/core/dense.h"
#include "tandem/models/sequential.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/linalg.h"
#include "tandem/ops/math.h"
#include "tandem/ops/random.h"
#include "tandem/optimizers/sgd.h"
#include "tandem/training/callbacks/callback.h"

namespace tandem::testing {

// y = x @ [2, -3] + 0.5.
inline std::pair<Tensor, Tensor> linear_data(int64_t n, uint64_t seed = 1) {
  Tensor x = random_normal(Shape{n, 2}, {.seed = seed});
  Tensor w = constant(std::vector<float>{2.0f, -3.0f}, Shape{2, 1});
  return {x, matmul(x, w) + 0.5};
}

// A compiled Dense(1) on 2 features, trained by SGD with this learning rate.
inline std::shared_ptr<Sequential> linear_model(double learning_rate = 0.05, Metrics metrics = {},
                                                Losses loss = "mse") {
  auto model = std::make_shared<Sequential>();
  model->add(
      std::make_shared<layers::Dense>(1, layers::DenseOptions{.layer = {.input_shape = Shape{2}}}));
  model->compile({.optimizer = std::make_shared<optimizers::SGD>(
                      optimizers::SGDOptions{.learning_rate = learning_rate}),
                  .loss = std::move(loss),
                  .metrics = std::move(metrics)});
  return model;
}

// Sets logs[key] = values[epoch] at every epoch end (the last value once the list runs out).
class ScriptedLogs : public Callback {
 public:
  ScriptedLogs(std::string key, std::vector<double> values)
      : key_(std::move(key)), values_(std::move(values)) {}
  void on_epoch_end(int epoch, Logs& logs) override {
    size_t i = std::min(static_cast<size_t>(epoch), values_.size() - 1);
    logs.set(key_, values_[i]);
  }

 private:
  std::string key_;
  std::vector<double> values_;
};

// The model's weights at the end of every epoch, as flat float vectors.
class WeightSnapshots : public Callback {
 public:
  void on_epoch_end(int epoch, Logs& /*logs*/) override {
    std::vector<std::vector<float>> flat;
    for (const Tensor& w : model().get_weights()) flat.push_back(w.to_vector<float>());
    by_epoch[epoch] = flat;
  }
  std::map<int, std::vector<std::vector<float>>> by_epoch;
};

inline std::vector<std::vector<float>> flat_weights(const Model& model) {
  std::vector<std::vector<float>> flat;
  for (const Tensor& w : model.get_weights()) flat.push_back(w.to_vector<float>());
  return flat;
}

}  // namespace tandem::testing
