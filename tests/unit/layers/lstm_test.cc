#include "tandem/layers/recurrent/lstm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::GRU;
using layers::LSTM;
using layers::RecurrentOptions;
using testing::expect_error;
using testing::expect_values;

Tensor sequence(int64_t batch, int64_t time, int64_t features) {
  std::vector<double> v(static_cast<size_t>(batch * time * features));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.9 * static_cast<double>(i) + 0.2);
  return Tensor::from_vector(v, Shape{batch, time, features});
}

double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST(LSTM, Conformance) {
  check_layer_conformance(testing::LayerCase{
      .make =
          [] { return std::make_shared<LSTM>(3, RecurrentOptions{.layer = {.dtype = float64}}); },
      .inputs = {sequence(2, 4, 2)},
      .expected_output_shapes = {Shape{-1, 3}},
      .bad_input = sequence(2, 4, 3),
      .bad_input_error = "expected input last dimension 2, received [2,4,3]"});
}

TEST(LSTM, SequencesAndStates) {
  check_layer_conformance(testing::LayerCase{
      .make =
          [] {
            return std::make_shared<LSTM>(2, RecurrentOptions{.return_sequences = true,
                                                              .return_state = true,
                                                              .layer = {.dtype = float64}});
          },
      .inputs = {sequence(2, 3, 2)},
      .expected_output_shapes = {Shape{-1, 3, 2}, Shape{-1, 2}, Shape{-1, 2}}});
}

TEST(LSTM, ParameterCountAndForgetBias) {
  LSTM lstm(64);
  lstm(zeros(Shape{1, 5, 32}));
  EXPECT_EQ(lstm.count_params(), 4 * (32 * 64 + 64 * 64 + 64));
  std::vector<float> bias = lstm.weights()[2].value().to_vector<float>();
  EXPECT_EQ(bias[0], 0.0f);
  EXPECT_EQ(bias[64], 1.0f);  // forget gate
  EXPECT_EQ(bias[128], 0.0f);
}

TEST(LSTM, MatchesTheEquationsByHand) {
  // One unit, one feature: weights [i f c o] chosen by hand, two time steps.
  LSTM lstm(1, RecurrentOptions{.layer = {.dtype = float64}});
  Tensor x = Tensor::from_vector(std::vector<double>{0.5, -1.0}, Shape{1, 2, 1});
  lstm(x);
  std::vector<double> w = {0.1, 0.2, 0.3, 0.4}, u = {-0.5, 0.6, 0.7, -0.8},
                      b = {0.01, 1.0, -0.02, 0.03};
  lstm.set_weights({Tensor::from_vector(w, Shape{1, 4}), Tensor::from_vector(u, Shape{1, 4}),
                    Tensor::from_vector(b, Shape{4})});
  double h = 0, c = 0;
  for (double xt : {0.5, -1.0}) {
    double zi = xt * w[0] + h * u[0] + b[0], zf = xt * w[1] + h * u[1] + b[1];
    double zc = xt * w[2] + h * u[2] + b[2], zo = xt * w[3] + h * u[3] + b[3];
    c = sig(zf) * c + sig(zi) * std::tanh(zc);
    h = sig(zo) * std::tanh(c);
  }
  expect_values(lstm(x), {h}, 1e-12);
}

TEST(GRU, ConformanceAndParameterCount) {
  check_layer_conformance(testing::LayerCase{
      .make =
          [] { return std::make_shared<GRU>(3, RecurrentOptions{.layer = {.dtype = float64}}); },
      .inputs = {sequence(2, 4, 2)},
      .expected_output_shapes = {Shape{-1, 3}}});
  GRU gru(64);
  gru(zeros(Shape{1, 5, 32}));
  EXPECT_EQ(gru.count_params(), 3 * (32 * 64 + 64 * 64 + 2 * 64));
}

TEST(GRU, MatchesTheEquationsByHand) {
  GRU gru(1, RecurrentOptions{.layer = {.dtype = float64}});
  Tensor x = Tensor::from_vector(std::vector<double>{0.5, -1.0}, Shape{1, 2, 1});
  gru(x);
  std::vector<double> w = {0.1, 0.2, 0.3}, u = {-0.5, 0.6, 0.7},
                      b = {0.01, 0.02, -0.03, 0.04, 0.05, -0.06};
  gru.set_weights({Tensor::from_vector(w, Shape{1, 3}), Tensor::from_vector(u, Shape{1, 3}),
                   Tensor::from_vector(b, Shape{2, 3})});
  double h = 0;
  for (double xt : {0.5, -1.0}) {
    double z = sig(xt * w[0] + b[0] + h * u[0] + b[3]);
    double r = sig(xt * w[1] + b[1] + h * u[1] + b[4]);
    double cand = std::tanh(xt * w[2] + b[2] + r * (h * u[2] + b[5]));
    h = z * h + (1 - z) * cand;
  }
  expect_values(gru(x), {h}, 1e-12);
  expect_error<ShapeError>([&] { gru(zeros(Shape{2, 3}, float64)); }, "expected input of rank 3");
}

}  // namespace
}  // namespace tandem
