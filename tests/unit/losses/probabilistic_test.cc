// Cross-entropies, KL divergence and Poisson against Keras's docstring examples and float64
// values computed by hand (with Keras's epsilon of 1e-7).
#include "tandem/losses/probabilistic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/gradient_check.h"

namespace tandem::losses {
namespace {

using testing::expect_error;
using testing::expect_values;

constexpr double kEps = 1e-7;

Tensor f64(const Literal& value) { return constant(value, float64); }

double log_sigmoid(double x) { return -std::log1p(std::exp(-x)); }

TEST(BinaryCrossentropy, KerasProbabilityExample) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{0.6, 0.4}, {0.4, 0.6}});
  // -log(0.4 + eps) twice; then -log(0.6 + eps) and -log(0.4 + eps).
  double a = -std::log(0.4 + kEps), b = -std::log(0.6 + kEps);
  BinaryCrossentropy bce;
  EXPECT_EQ(bce.name(), "binary_crossentropy");
  EXPECT_NEAR(bce(y_true, y_pred).item<double>(), (a + (a + b) / 2) / 2, 1e-6);        // 0.815
  EXPECT_NEAR(bce(y_true, y_pred, constant({1.0, 0.0})).item<double>(), a / 2, 1e-6);  // 0.458
  EXPECT_NEAR(BinaryCrossentropy({.reduction = Reduction::sum})(y_true, y_pred).item<double>(),
              a + (a + b) / 2, 1e-6);  // 1.630
  expect_values(BinaryCrossentropy({.reduction = Reduction::none})(y_true, y_pred),
                {0.9162904818741863, 0.7135579694867622}, 1e-6);
  expect_values(binary_crossentropy(y_true, y_pred), {0.9162904818741863, 0.7135579694867622},
                1e-6);
  // Probabilities of exactly 0 and 1 are clipped: finite losses.
  expect_values(binary_crossentropy(f64({{1.0, 0.0}}), f64({{0.0, 1.0}})), {-std::log(kEps + kEps)},
                1e-9);
}

TEST(BinaryCrossentropy, KerasLogitsExample) {
  Tensor y_true = constant({0.0, 1.0, 0.0, 0.0});
  Tensor y_pred = constant({-18.6, 0.51, 2.94, -12.8});
  BinaryCrossentropy bce({.from_logits = true});
  EXPECT_NEAR(bce(y_true, y_pred).item<double>(), 0.8654579497810972, 1e-6);
  Tensor t2 = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor p2 = constant({{-18.6, 0.51}, {2.94, -12.8}});
  EXPECT_NEAR(bce(t2, p2, constant({0.8, 0.2})).item<double>(), 0.2436385889167092, 1e-6);
  EXPECT_NEAR(
      BinaryCrossentropy({.from_logits = true, .reduction = Reduction::sum})(t2, p2).item<double>(),
      1.7309158995621945, 1e-6);
  expect_values(binary_crossentropy(t2, p2, /*from_logits=*/true),
                {0.23515666320163256, 1.4957592363605619}, 1e-6);
}

TEST(BinaryCrossentropy, LogitsMatchProbabilitiesAndSmoothing) {
  Tensor y_true = f64({{0.0, 1.0, 1.0}, {1.0, 0.0, 0.3}});
  Tensor logits = f64({{-1.5, 0.2, 3.0}, {0.7, -2.2, 0.0}});
  Tensor probs = sigmoid(logits);
  for (double ls : {0.0, 0.2}) {
    std::vector<double> from_logits =
        binary_crossentropy(y_true, logits, true, ls).to_vector<double>();
    expect_values(binary_crossentropy(y_true, probs, false, ls), from_logits, 1e-5);
  }
  // Label smoothing: y * 0.8 + 0.1, checked against the closed form on logits.
  std::vector<double> t = {0.0, 1.0, 1.0}, x = {-1.5, 0.2, 3.0};
  double expected = 0;
  for (size_t i = 0; i < 3; ++i) {
    double s = t[i] * 0.8 + 0.1;
    expected -= s * log_sigmoid(x[i]) + (1 - s) * log_sigmoid(-x[i]);
  }
  EXPECT_NEAR(binary_crossentropy(y_true, logits, true, 0.2).to_vector<double>()[0], expected / 3,
              1e-12);
  // Keras docstring numbers on probabilities with label_smoothing 0.2.
  expect_values(binary_crossentropy(constant({{0.0, 1.0}, {0.0, 0.0}}),
                                    constant({{0.6, 0.4}, {0.4, 0.6}}), false, 0.2),
                {0.8757439793967015, 0.7135579694867622}, 1e-6);
  // The mean over another axis.
  expect_values(
      binary_crossentropy(f64({{1.0, 0.0}, {1.0, 1.0}}), f64({{0.0, 0.0}, {0.0, 0.0}}), true, 0, 0),
      {std::log(2.0), std::log(2.0)}, 1e-12);
  expect_error<ValueError>([] { BinaryCrossentropy({.label_smoothing = 1.5}); },
                           "BinaryCrossentropy expected label_smoothing in [0, 1], received 1.5");
}

TEST(CategoricalCrossentropy, KerasExample) {
  Tensor y_true = constant({{0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}});
  Tensor y_pred = constant({{0.05, 0.95, 0.0}, {0.1, 0.8, 0.1}});
  CategoricalCrossentropy cce;
  EXPECT_NEAR(cce(y_true, y_pred).item<double>(), 1.176939193690798, 1e-6);
  EXPECT_NEAR(cce(y_true, y_pred, constant({0.3, 0.7})).item<double>(), 0.8135987767060484, 1e-6);
  EXPECT_NEAR(CategoricalCrossentropy({.reduction = Reduction::sum})(y_true, y_pred).item<double>(),
              2.353878387381596, 1e-6);
  expect_values(categorical_crossentropy(y_true, y_pred), {-std::log(0.95), -std::log(0.1)}, 1e-6);
  // Unnormalised probabilities are renormalised over the class axis first.
  expect_values(categorical_crossentropy(y_true, y_pred * 3.0), {-std::log(0.95), -std::log(0.1)},
                1e-6);
  // Label smoothing ls / num_classes: y * 0.7 + 0.1 with the zero probability clipped to eps.
  expect_values(categorical_crossentropy(f64({{0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}}),
                                         f64({{0.05, 0.95, 0.0}, {0.1, 0.8, 0.1}}), false, 0.3),
                {1.9524174279612714, 2.094640938826062}, 1e-9);
}

TEST(CategoricalCrossentropy, LogitsMatchProbabilitiesAndAxis) {
  Tensor y_true = f64({{0.0, 1.0, 0.0}, {0.2, 0.3, 0.5}});
  Tensor logits = f64({{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}});
  Tensor probs = softmax(logits);
  // Closed form for the first row: logsumexp - 2.
  double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(0.5));
  EXPECT_NEAR(categorical_crossentropy(y_true, logits, true).to_vector<double>()[0], lse - 2.0,
              1e-12);
  EXPECT_NEAR(categorical_crossentropy(y_true, logits, true, 0.3).to_vector<double>()[0],
              0.714368784107945, 1e-12);
  for (double ls : {0.0, 0.3}) {
    std::vector<double> expected =
        categorical_crossentropy(y_true, logits, true, ls).to_vector<double>();
    expect_values(categorical_crossentropy(y_true, probs, false, ls), expected, 1e-6);
    expect_values(CategoricalCrossentropy(
                      {.from_logits = true, .label_smoothing = ls, .reduction = Reduction::none})(
                      y_true, logits),
                  expected, 1e-12);
  }
  // Classes along axis 0: the transposed problem gives the same losses.
  expect_values(categorical_crossentropy(transpose(y_true), transpose(logits), true, 0, 0),
                categorical_crossentropy(y_true, logits, true).to_vector<double>(), 1e-12);
  expect_values(categorical_crossentropy(transpose(y_true), transpose(probs), false, 0, 0),
                categorical_crossentropy(y_true, probs).to_vector<double>(), 1e-12);
}

TEST(SparseCategoricalCrossentropy, KerasExampleAndLabelForms) {
  Tensor y_pred = constant({{0.05, 0.95, 0.0}, {0.1, 0.8, 0.1}});
  SparseCategoricalCrossentropy scce;
  EXPECT_EQ(scce.name(), "sparse_categorical_crossentropy");
  std::vector<double> expected = {-std::log(0.95), -std::log(0.1)};
  // Labels as [batch] or [batch, 1], int32, int64, float32, float64.
  for (const Tensor& labels : {constant({1, 2}, int32), constant({{1}, {2}}, int64),
                               constant({1.0, 2.0}), constant({{1.0}, {2.0}}, float64)}) {
    SCOPED_TRACE(labels.to_string());
    EXPECT_NEAR(scce(labels, y_pred).item<double>(), 1.176939193690798, 1e-6);
    expect_values(sparse_categorical_crossentropy(labels, y_pred), expected, 1e-6);
  }
  Tensor labels = constant({1, 2}, int32);
  EXPECT_NEAR(scce(labels, y_pred, constant({0.3, 0.7})).item<double>(), 0.8135987767060484, 1e-6);
  EXPECT_NEAR(
      SparseCategoricalCrossentropy({.reduction = Reduction::sum})(labels, y_pred).item<double>(),
      2.353878387381596, 1e-6);
  // Sequences: [batch, steps] labels against [batch, steps, classes].
  Tensor seq_logits = f64({{{1.0, 2.0, 0.5}, {0.0, 0.0, 0.0}}});
  Tensor seq_labels = constant({{1, 0}}, int64);
  double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(0.5));
  expect_values(sparse_categorical_crossentropy(seq_labels, seq_logits, true),
                {lse - 2.0, std::log(3.0)}, 1e-12);
}

TEST(SparseCategoricalCrossentropy, MatchesCategoricalOnOneHot) {
  Tensor logits = f64({{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}, {0.3, 0.3, -0.4}});
  Tensor labels = constant({2, 0, 1}, int32);
  Tensor one_hot_labels = one_hot(labels, 3, {.dtype = float64});
  std::vector<double> dense =
      categorical_crossentropy(one_hot_labels, logits, true).to_vector<double>();
  expect_values(sparse_categorical_crossentropy(labels, logits, true), dense, 1e-12);
  // Probabilities: the probability form agrees with the logits form.
  expect_values(sparse_categorical_crossentropy(labels, softmax(logits)), dense, 1e-6);
  // Classes on axis 0 of a [classes, batch] tensor.
  expect_values(sparse_categorical_crossentropy(labels, transpose(logits), true, 0), dense, 1e-12);
}

TEST(SparseCategoricalCrossentropy, IgnoreClass) {
  Tensor y_pred = f64({{0.05, 0.95, 0.0}, {0.1, 0.8, 0.1}, {0.2, 0.5, 0.3}});
  Tensor labels = constant({1, 2, 0}, int32);
  // The 0 of the first row is clipped to eps, and the row renormalised (Keras's sparse path).
  double a = -std::log(0.95 / (1 + kEps)), c = -std::log(0.2);
  expect_values(sparse_categorical_crossentropy(labels, y_pred, false, -1, 2), {a, 0.0, c}, 1e-9);
  // sum_over_batch_size averages over the valid examples only (Keras's mask).
  SparseCategoricalCrossentropy ignoring({.ignore_class = 2});
  EXPECT_NEAR(ignoring(labels, y_pred).item<double>(), (a + c) / 2, 1e-9);
  EXPECT_NEAR(ignoring(labels, y_pred, f64({2.0, 5.0, 1.0})).item<double>(), (2 * a + c) / 2, 1e-9);
  EXPECT_NEAR(SparseCategoricalCrossentropy({.ignore_class = 2, .reduction = Reduction::sum})(
                  labels, y_pred)
                  .item<double>(),
              a + c, 1e-9);
  // A padding label outside the class range, e.g. -1.
  Tensor padded = constant({1, -1, 0}, int64);
  EXPECT_NEAR(SparseCategoricalCrossentropy({.ignore_class = -1})(padded, y_pred).item<double>(),
              (a + c) / 2, 1e-9);
  // Everything ignored: 0, not NaN.
  EXPECT_DOUBLE_EQ(SparseCategoricalCrossentropy({.ignore_class = 7})(constant({7, 7, 7}), y_pred)
                       .item<double>(),
                   0.0);
}

TEST(KLDivergence, KerasExample) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{0.6, 0.4}, {0.4, 0.6}});
  KLDivergence kld;
  EXPECT_EQ(kld.name(), "kl_divergence");
  EXPECT_NEAR(kld(y_true, y_pred).item<double>(), 0.45814304511982884, 1e-6);
  EXPECT_NEAR(kld(y_true, y_pred, constant({0.8, 0.2})).item<double>(), 0.3665153603681115, 1e-6);
  expect_values(kl_divergence(f64({{0.0, 1.0}, {0.0, 0.0}}), f64({{0.6, 0.4}, {0.4, 0.6}})),
                {0.9162891711471524, -3.080907494627649e-06}, 1e-9);
}

TEST(Poisson, KerasExample) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{1.0, 1.0}, {0.0, 0.0}});
  Poisson p;
  EXPECT_NEAR(p(y_true, y_pred).item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(p(y_true, y_pred, constant({0.8, 0.2})).item<double>(), 0.4, 1e-6);
  EXPECT_NEAR(Poisson({.reduction = Reduction::sum})(y_true, y_pred).item<double>(), 1.0, 1e-6);
  expect_values(poisson(f64({{2.0, 1.0}}), f64({{3.0, 0.5}})),
                {(3.0 - 2.0 * std::log(3.0 + kEps) + 0.5 - std::log(0.5 + kEps)) / 2}, 1e-12);
}

TEST(ProbabilisticLosses, Gradients) {
  Tensor soft = f64({{0.2, 0.7, 0.1}, {0.6, 0.1, 0.3}});
  Tensor probs = f64({{0.3, 0.5, 0.2}, {0.25, 0.15, 0.6}});
  Tensor logits = f64({{0.4, -1.3, 2.0}, {-0.2, 0.9, 0.1}});
  Tensor weights = f64({0.6, 1.7});
  auto check = [&](const Loss& loss, const Tensor& y_true, const Tensor& y_pred) {
    SCOPED_TRACE(loss.get_config().dump());
    testing::check_gradients([&](const std::vector<Tensor>& in) { return loss(in[0], in[1]); },
                             {y_true, y_pred});
    testing::check_gradients(
        [&](const std::vector<Tensor>& in) { return loss(in[0], in[1], weights); },
        {y_true, y_pred});
  };
  check(BinaryCrossentropy(), soft, probs);
  check(BinaryCrossentropy({.label_smoothing = 0.1}), soft, probs);
  check(BinaryCrossentropy({.from_logits = true}), soft, logits);
  check(BinaryCrossentropy({.from_logits = true, .label_smoothing = 0.2}), soft, logits);
  check(CategoricalCrossentropy(), soft, probs);
  check(CategoricalCrossentropy({.label_smoothing = 0.1}), soft, probs);
  check(CategoricalCrossentropy({.from_logits = true}), soft, logits);
  check(CategoricalCrossentropy({.from_logits = true, .label_smoothing = 0.2}), soft, logits);
  check(KLDivergence(), soft, probs);
  check(Poisson(), soft, probs);
  // Sparse labels are not differentiable: float32 labels are skipped by check_gradients.
  Tensor labels = constant({2.0, 0.0});
  check(SparseCategoricalCrossentropy(), labels, probs);
  check(SparseCategoricalCrossentropy({.from_logits = true}), labels, logits);
  check(SparseCategoricalCrossentropy({.from_logits = true, .ignore_class = 0}), labels, logits);
}

TEST(ProbabilisticLosses, BadInputs) {
  expect_error<ShapeError>(
      [] {
        BinaryCrossentropy()(zeros({32, 1}), zeros({32, 10}));
      },
      "BinaryCrossentropy expected y_true and y_pred of the same shape, "
      "received [32, 1] and [32, 10]");
  expect_error<ShapeError>(
      [] {
        categorical_crossentropy(zeros({2, 3}), zeros({2, 4}));
      },
      "categorical_crossentropy expected y_true and y_pred of the same shape");
  expect_error<ShapeError>(
      [] {
        SparseCategoricalCrossentropy()(constant({1, 2, 0}), zeros({2, 4}));
      },
      "SparseCategoricalCrossentropy expected y_true of shape [2] or [2, 1] (one class index per "
      "example) for y_pred of shape [2, 4], received [3]");
  expect_error<ValueError>(
      [] {
        sparse_categorical_crossentropy(constant({1, 4}), zeros({2, 4}), true);
      },
      "outside the valid range");
  expect_error<TypeError>(
      [] {
        KLDivergence()(zeros({2, 2}), zeros({2, 2}, int64));
      },
      "KLDivergence expected a floating-point y_pred, received dtype int64");
  expect_error<ValueError>(
      [] {
        categorical_crossentropy(zeros({2, 3}), zeros({2, 3}), true, 0, 2);
      },
      "categorical_crossentropy expected axis in [-2, 2)");
  expect_error<ValueError>([] { CategoricalCrossentropy({.label_smoothing = -0.1}); },
                           "expected label_smoothing in [0, 1]");
}

// Keras's _keras_logits: the output of the softmax / sigmoid *activation* (not of the plain op) is
// scored from its logits when from_logits = false: the fused kernel's loss (no clipping, so a
// saturated softmax still gives its true loss) and the gradient softmax - labels.
TEST(CrossentropyFromActivationOutputs, UseTheActivationsLogits) {
  Tensor logits = f64({{0.0, 40.0, 1.0}, {2.0, -1.0, 0.5}});
  Tensor onehot = f64({{1.0, 0.0, 0.0}, {0.0, 0.0, 1.0}});
  Tensor labels = constant({0, 2}, int64);
  const double lse0 = 40.0 + std::log1p(std::exp(-40.0) + std::exp(-39.0));
  const activations::Activation softmax_act = activations::get("softmax");
  for (bool sparse : {false, true}) {
    SCOPED_TRACE(sparse ? "sparse" : "dense");
    GradientTape tape;
    tape.watch(logits);
    Tensor probs = softmax_act(logits);
    Tensor loss = sparse ? sparse_categorical_crossentropy(labels, probs)
                         : categorical_crossentropy(onehot, probs);
    // Row 0 saturates: clipping the probability would give -log(1e-7) = 16.1, not lse - 0 = 40.
    EXPECT_NEAR(loss.to_vector<double>()[0], lse0, 1e-9);
    Tensor from_logits = sparse ? sparse_categorical_crossentropy(labels, logits, true)
                                : categorical_crossentropy(onehot, logits, true);
    expect_values(loss, from_logits.to_vector<double>(), 0);
    Tensor grad = *tape.gradient(reduce_sum(loss), logits);
    expect_values(grad, (softmax(logits) - onehot).to_vector<double>(), 1e-12);
  }
  // The plain op carries no logits (tf.nn.softmax neither): the clipped probability formula.
  EXPECT_NEAR(categorical_crossentropy(onehot, softmax(logits)).to_vector<double>()[0],
              -std::log(kEps), 1e-6);
  // Over another axis than the softmax's the logits say nothing: probabilities, as for the op's.
  Tensor p = softmax_act(logits);
  expect_values(categorical_crossentropy(onehot, p, false, 0, 0),
                categorical_crossentropy(onehot, softmax(logits), false, 0, 0).to_vector<double>(),
                0);
}

TEST(CrossentropyFromActivationOutputs, SigmoidActivationGivesBinaryCrossentropyFromLogits) {
  Tensor logits = f64({{-30.0, 0.5}, {2.0, 20.0}});
  Tensor y_true = f64({{1.0, 0.0}, {1.0, 0.0}});
  GradientTape tape;
  tape.watch(logits);
  Tensor probs = activations::get("sigmoid")(logits);
  Tensor loss = binary_crossentropy(y_true, probs);
  expect_values(loss, binary_crossentropy(y_true, logits, true).to_vector<double>(), 0);
  // Unclipped: -log(sigmoid(-30)) = 30 in the first entry, mean with the second.
  EXPECT_NEAR(loss.to_vector<double>()[0], (30.0 - log_sigmoid(-0.5)) / 2, 1e-9);
  Tensor grad = *tape.gradient(reduce_sum(loss), logits);
  expect_values(grad, ((sigmoid(logits) - y_true) * 0.5).to_vector<double>(), 1e-12);
}

}  // namespace
}  // namespace tandem::losses
