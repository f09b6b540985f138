// Custom losses and metrics, as in Keras's "custom models and training" chapter: a Huber loss with
// a `threshold` hyperparameter, written three ways, and a streaming Huber metric, used by compile
// on a regression problem whose noise has outliers (where Huber beats the mean squared error).
//
//   1. A Loss subclass: call() returns per-example losses; the base applies sample weights and
//      the reduction. get_config() carries the threshold, so the loss can be saved and rebuilt.
//   2. A Metric subclass: state in `total` and `count` Variables made with add_weight,
//      update_state() accumulates a batch, result() is total / count.
//   3. A plain function (a lambda) as the loss, Keras's `loss=create_huber(2.0)`.
//
//   custom_loss_and_metric                    # 20000 rows, 20 epochs
//   custom_loss_and_metric --epochs 5 --train-samples 4000 --max-loss 0.2
#include <cmath>
#include <iostream>

#include "example_options.h"
#include "tandem/tandem.h"

using namespace tandem;
using namespace tandem::layers;

namespace {

// Per-example Huber: 0.5 e^2 where |e| < threshold, else threshold * |e| - 0.5 threshold^2,
// averaged over the last axis. y_true is aligned with y_pred's shape and dtype first.
Tensor huber_fn(const Tensor& y_true, const Tensor& y_pred, double threshold) {
  Tensor truth = cast(y_true, y_pred.dtype());
  if (truth.shape().rank() + 1 == y_pred.shape().rank()) truth = reshape(truth, y_pred.shape());
  Tensor error = truth - y_pred;
  Tensor is_small = abs(error) < threshold;
  Tensor squared = 0.5 * square(error);
  Tensor linear = threshold * abs(error) - 0.5 * threshold * threshold;
  return reduce_mean(where(is_small, squared, linear), {.axis = std::vector<int64_t>{-1}});
}

// class HuberLoss(keras.losses.Loss):
//     def __init__(self, threshold=1.0, **kwargs): ...
//     def call(self, y_true, y_pred): ...
//     def get_config(self): return {**super().get_config(), "threshold": self.threshold}
class HuberLoss : public losses::Loss {
 public:
  explicit HuberLoss(double threshold = 1.0, losses::LossOptions options = {})
      : Loss("HuberLoss", "huber_loss", std::move(options)), threshold_(threshold) {}

  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override {
    return huber_fn(y_true, y_pred, threshold_);
  }
  nlohmann::json get_config() const override {
    nlohmann::json config = Loss::get_config();
    config["threshold"] = threshold_;
    return config;
  }
  // The inverse of get_config, for register_loss.
  static losses::LossPtr from_config(const nlohmann::json& config) {
    return std::make_shared<HuberLoss>(
        config.at("threshold").get<double>(),
        losses::LossOptions{.reduction = losses::reduction_from_name(config.at("reduction")),
                            .name = config.at("name")});
  }

 private:
  double threshold_;
};

// class HuberMetric(keras.metrics.Metric): the mean Huber loss over everything seen since the last
// reset_state(). Both state variables are sums, so data-parallel training can add them up across
// ranks and result() stays the global mean.
class HuberMetric : public metrics::Metric {
 public:
  explicit HuberMetric(double threshold = 1.0, std::string name = "huber_metric")
      : Metric("HuberMetric", std::move(name)),
        threshold_(threshold),
        total_(add_weight("total")),
        count_(add_weight("count")) {}

  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) override {
    Tensor values = cast(huber_fn(y_true, y_pred, threshold_), dtype());
    Tensor weights = ones_like(values);
    if (sample_weight) weights = reshape(cast(*sample_weight, dtype()), values.shape());
    total_.assign_add(reduce_sum(values * weights));
    count_.assign_add(reduce_sum(weights));
  }
  Tensor result() const override {
    // 0 before the first update instead of 0 / 0.
    Tensor count = count_.value();
    return where(count > 0.0, total_.value() / maximum(count, ones_like(count)), count);
  }
  nlohmann::json get_config() const override {
    nlohmann::json config = Metric::get_config();
    config["threshold"] = threshold_;
    return config;
  }

 private:
  double threshold_;
  Variable total_;
  Variable count_;
};

// x ~ N(0, 1) [n, 8]; y = x @ w + 0.5 sin(3 x0) + noise, where the noise is N(0, 0.1) except for
// one row in twenty that gets a +-8 outlier (a squared error would chase those).
std::pair<Tensor, Tensor> make_data(int64_t n, uint64_t seed) {
  Tensor x = random_normal(Shape{n, 8}, {.seed = seed});
  Tensor w =
      constant(std::vector<float>{1.0f, -2.0f, 0.5f, 0.0f, 1.5f, -0.5f, 0.25f, 1.0f}, Shape{8, 1});
  Tensor y = matmul(x, w) + 0.5 * sin(3.0 * x[{Slice(), Slice(0, 1)}]);
  Tensor noise = random_normal(Shape{n, 1}, {.stddev = 0.1, .seed = seed + 1});
  Tensor u = random_uniform(Shape{n, 1}, {.seed = seed + 2});
  Tensor outlier = where(u < 0.05, 8.0 * sign(u - 0.025), zeros_like(u));
  return {x, y + noise + outlier};
}

std::shared_ptr<Sequential> make_regressor() {
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(
          30, DenseOptions{.activation = "relu", .layer = {.input_shape = Shape{8}}}),
      std::make_shared<Dense>(30, DenseOptions{.activation = "relu"}), std::make_shared<Dense>(1)});
}

void print_logs(const std::string& title, const Logs& logs) {
  std::cout << title << ":";
  for (const auto& [name, value] : logs.items()) std::cout << "  " << name << " " << value;
  std::cout << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = examples::parse_options(argc, argv, 20);
  set_random_seed(11);
  constexpr double kThreshold = 2.0;

  auto [x_train, y_train] = make_data(opts.train_samples.value_or(20000), 1);
  auto [x_test, y_test] = make_data(opts.test_samples.value_or(4000), 2);

  // Custom objects serialise like built-in ones once registered (Keras's custom_objects).
  losses::register_loss("HuberLoss", HuberLoss::from_config);
  HuberLoss huber_loss(kThreshold);
  std::cout << "HuberLoss config: " << losses::serialize(huber_loss).dump() << "\n";
  losses::LossPtr rebuilt = losses::deserialize(losses::serialize(huber_loss));
  std::cout << "Rebuilt from its config: " << rebuilt->get_config().dump() << "\n";
  std::cout << "HuberMetric config: " << HuberMetric(kThreshold).get_config().dump() << "\n\n";

  // 1 + 2: the Loss and Metric subclasses in compile.
  std::cout << "== HuberLoss + HuberMetric ==\n";
  auto model = make_regressor();
  model->compile({.optimizer = "adam",
                  .loss = std::make_shared<HuberLoss>(kThreshold),
                  .metrics = {std::make_shared<HuberMetric>(kThreshold), "mae"}});
  model->fit(x_train, y_train, {.batch_size = 32, .epochs = opts.epochs, .verbose = opts.verbose});
  Logs result = model->evaluate(x_test, y_test, {.verbose = 0});
  print_logs("Test", result);

  // The metric streams the same quantity the loss averages per batch, so over the test set they
  // agree: a check that update_state/result accumulate correctly.
  double loss = result.at("loss");
  double metric = result.at("huber_metric");
  if (std::abs(loss - metric) > 1e-4 * std::max(1.0, std::abs(loss))) {
    std::cerr << "FAILED: huber_metric " << metric << " differs from the Huber loss " << loss
              << "\n";
    return 1;
  }

  // 3: a plain function as the loss (compile wraps it in a Loss, Keras's LossFunctionWrapper).
  std::cout << "\n== a lambda loss ==\n";
  auto lambda_model = make_regressor();
  lambda_model->compile(
      {.optimizer = "adam",
       .loss = [](const Tensor& y_true,
                  const Tensor& y_pred) { return huber_fn(y_true, y_pred, kThreshold); },
       .metrics = {std::make_shared<HuberMetric>(kThreshold)}});
  lambda_model->fit(x_train, y_train,
                    {.batch_size = 32, .epochs = opts.epochs, .verbose = opts.verbose});
  Logs lambda_result = lambda_model->evaluate(x_test, y_test, {.verbose = 0});
  print_logs("Test", lambda_result);

  // Both must meet the bound: report the worse test loss.
  double worse = std::max(loss, lambda_result.at("loss"));
  std::cout << "\nWorse test Huber loss of the two: " << worse << "\n";
  return examples::check_bounds(opts, std::nullopt, worse);
}
