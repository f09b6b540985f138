#include "tandem/ops/math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "tandem/ops/clip.h"
#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

using UnaryFn = std::function<Tensor(const Tensor&)>;
using BinaryFn = std::function<Tensor(const Tensor&, const Tensor&)>;

// ---- helpers ----

Tensor f64(const std::vector<double>& v) {
  return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
}
Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f32(const std::vector<float>& v) {
  return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
}
Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor i32(const std::vector<int32_t>& v) {
  return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
}
Tensor i32(const std::vector<int32_t>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor i64(const std::vector<int64_t>& v) {
  return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
}
Tensor u8(const std::vector<uint8_t>& v) {
  return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
}
Tensor bools(const std::vector<bool>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor bools(const std::vector<bool>& v) { return bools(v, Shape{static_cast<int64_t>(v.size())}); }

// Deterministic values spread over [lo, hi) (no two alike for small tensors).
Tensor spread(const Shape& s, double lo, double hi, int seed = 0) {
  std::vector<double> v(static_cast<size_t>(s.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    double u = std::fmod(0.1234 + 0.6180339887 * static_cast<double>(i + 1) + 0.3137 * seed, 1.0);
    v[i] = lo + (hi - lo) * u;
  }
  return Tensor::from_vector(v, s);
}

// Flat index into `in` of output element `flat` when `in` is broadcast to `out` (NumPy rules).
int64_t source_index(int64_t flat, const Shape& out, const Shape& in) {
  int64_t index = 0, in_stride = 1;
  int offset = out.rank() - in.rank();
  for (int d = out.rank() - 1; d >= 0; --d) {
    int64_t coord = flat % out[d];
    flat /= out[d];
    int di = d - offset;
    if (di < 0) continue;
    if (in[di] != 1) index += coord * in_stride;
    in_stride *= in[di];
  }
  return index;
}

std::vector<double> broadcast_reference(const Tensor& a, const Tensor& b, const Shape& out,
                                        const std::function<double(double, double)>& f) {
  std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  std::vector<double> r(static_cast<size_t>(out.num_elements()));
  for (int64_t i = 0; i < out.num_elements(); ++i)
    r[i] = f(va[source_index(i, out, a.shape())], vb[source_index(i, out, b.shape())]);
  return r;
}

std::vector<double> map(const std::vector<double>& v, const std::function<double(double)>& f) {
  std::vector<double> r;
  for (double x : v) r.push_back(f(x));
  return r;
}

double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// ---- unary ops against std:: references ----

struct UnaryCase {
  std::string name;
  UnaryFn op;
  std::function<double(double)> ref;
  std::vector<double> inputs;
};

#define TANDEM_OP(EXPR) [](const Tensor& x) { return EXPR; }
#define TANDEM_REF(EXPR) [](double x) { return EXPR; }

std::vector<UnaryCase> unary_cases() {
  const std::vector<double> any = {-3.5, -1.2, -0.3, 0.0, 0.4, 1.7, 4.2};
  const std::vector<double> positive = {0.1, 0.5, 1.0, 2.5, 9.0};
  return {
      {"negative", TANDEM_OP(negative(x)), TANDEM_REF(-x), any},
      {"abs", TANDEM_OP(tandem::abs(x)), TANDEM_REF(std::fabs(x)), any},
      {"sign", TANDEM_OP(sign(x)), TANDEM_REF(double((x > 0) - (x < 0))), any},
      {"square", TANDEM_OP(square(x)), TANDEM_REF(x * x), any},
      {"sqrt", TANDEM_OP(tandem::sqrt(x)), TANDEM_REF(std::sqrt(x)), positive},
      {"rsqrt", TANDEM_OP(rsqrt(x)), TANDEM_REF(1 / std::sqrt(x)), positive},
      {"reciprocal", TANDEM_OP(reciprocal(x)), TANDEM_REF(1 / x), {-2.0, -0.25, 0.5, 3.0}},
      {"exp", TANDEM_OP(tandem::exp(x)), TANDEM_REF(std::exp(x)), any},
      {"expm1", TANDEM_OP(tandem::expm1(x)), TANDEM_REF(std::expm1(x)), any},
      {"log", TANDEM_OP(tandem::log(x)), TANDEM_REF(std::log(x)), positive},
      {"log1p", TANDEM_OP(tandem::log1p(x)), TANDEM_REF(std::log1p(x)), {-0.5, 0.0, 0.3, 3.0}},
      {"sin", TANDEM_OP(tandem::sin(x)), TANDEM_REF(std::sin(x)), any},
      {"cos", TANDEM_OP(tandem::cos(x)), TANDEM_REF(std::cos(x)), any},
      {"tanh", TANDEM_OP(tandem::tanh(x)), TANDEM_REF(std::tanh(x)), any},
      {"erf", TANDEM_OP(tandem::erf(x)), TANDEM_REF(std::erf(x)), any},
      {"round",
       TANDEM_OP(tandem::round(x)),
       TANDEM_REF(std::nearbyint(x)),
       {2.5, -0.5, 0.5, 1.5, -2.5, 3.7, -3.7, -1.2, 0.49}},
      {"floor",
       TANDEM_OP(tandem::floor(x)),
       TANDEM_REF(std::floor(x)),
       {-1.5, -1.0, -0.2, 0.2, 1.0, 1.5}},
      {"ceil",
       TANDEM_OP(tandem::ceil(x)),
       TANDEM_REF(std::ceil(x)),
       {-1.5, -1.0, -0.2, 0.2, 1.0, 1.5}},
      {"sigmoid", TANDEM_OP(sigmoid(x)), TANDEM_REF(sigmoid_ref(x)), any},
      {"relu", TANDEM_OP(relu(x)), TANDEM_REF(x > 0 ? x : 0.0), any},
      {"relu6",
       TANDEM_OP(relu6(x)),
       TANDEM_REF(std::min(std::max(x, 0.0), 6.0)),
       {-1.0, 0.0, 3.0, 6.0, 7.5}},
      // alpha is a float attribute (as in TensorFlow), so float64 inputs see double(0.2f).
      {"leaky_relu", TANDEM_OP(leaky_relu(x)), TANDEM_REF(x > 0 ? x : double(0.2f) * x), any},
      {"leaky_relu_alpha", TANDEM_OP(leaky_relu(x, 0.01f)),
       TANDEM_REF(x > 0 ? x : double(0.01f) * x), any},
      {"elu", TANDEM_OP(elu(x)), TANDEM_REF(x > 0 ? x : std::expm1(x)), any},
      {"elu_alpha", TANDEM_OP(elu(x, 0.5f)), TANDEM_REF(x > 0 ? x : 0.5 * std::expm1(x)), any},
      {"selu", TANDEM_OP(selu(x)),
       TANDEM_REF(x > 0 ? kSeluScale * x : kSeluScale * kSeluAlpha * std::expm1(x)), any},
      {"gelu", TANDEM_OP(gelu(x)), TANDEM_REF(0.5 * x * (1 + std::erf(x / std::sqrt(2.0)))), any},
      {"gelu_approximate", TANDEM_OP(gelu(x, true)),
       TANDEM_REF(0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)))),
       any},
      {"softplus", TANDEM_OP(softplus(x)), TANDEM_REF(std::log1p(std::exp(x))), any},
      {"softsign", TANDEM_OP(softsign(x)), TANDEM_REF(x / (1 + std::fabs(x))), any},
      {"swish", TANDEM_OP(swish(x)), TANDEM_REF(x * sigmoid_ref(x)), any},
  };
}

TEST(MathUnary, Float64MatchesStdReferences) {
  for (const UnaryCase& c : unary_cases()) {
    SCOPED_TRACE(c.name);
    Tensor y = c.op(f64(c.inputs));
    EXPECT_EQ(y.dtype(), float64);
    EXPECT_EQ(y.shape(), (Shape{static_cast<int64_t>(c.inputs.size())}));
    expect_values(y, map(c.inputs, c.ref), 1e-13);
  }
}

TEST(MathUnary, Float32MatchesStdReferences) {
  for (const UnaryCase& c : unary_cases()) {
    SCOPED_TRACE(c.name);
    std::vector<float> in(c.inputs.begin(), c.inputs.end());
    Tensor y = c.op(f32(in, Shape{1, static_cast<int64_t>(in.size())}));
    EXPECT_EQ(y.dtype(), float32);
    EXPECT_EQ(y.shape(), (Shape{1, static_cast<int64_t>(in.size())}));
    // Reference on the float-rounded inputs, so only the op's own rounding is measured.
    expect_values(y, map(c.inputs, [&](double v) { return c.ref(double(float(v))); }), 2e-6);
  }
}

TEST(MathUnary, HalfPrecisionComputesInFloat) {
  Tensor h = cast(f32({0.25f, 1.0f, 4.0f}), float16);
  Tensor y = tandem::sqrt(h);
  EXPECT_EQ(y.dtype(), float16);
  expect_values(y, {0.5, 1.0, 2.0}, 0);
  Tensor b = sigmoid(cast(f32({0.0f, 2.0f}), bfloat16));
  EXPECT_EQ(b.dtype(), bfloat16);
  expect_values(b, {0.5, sigmoid_ref(2.0)}, 4e-3);
}

TEST(MathUnary, ExpAndLogVariantsArePreciseNearZero) {
  // expm1 / log1p exist for accuracy where exp(x) - 1 would cancel.
  EXPECT_NEAR(tandem::expm1(f64({1e-10})).item<double>(), 1.00000000005e-10, 1e-22);
  EXPECT_NEAR(tandem::log1p(f64({1e-10})).item<double>(), 9.9999999995e-11, 1e-22);
  EXPECT_NEAR(tandem::expm1(f32({1e-7f})).item<float>(), 1e-7f, 1e-13f);
}

TEST(MathUnary, RoundIsHalfToEvenAndKeepsNegativeZero) {
  Tensor y = tandem::round(f32({2.5f, -0.5f, 0.5f, 1.5f, -2.5f, 3.5f}));
  std::vector<float> v = y.to_vector<float>();
  EXPECT_EQ(v, (std::vector<float>{2, -0.f, 0, 2, -2, 4}));
  EXPECT_TRUE(std::signbit(v[1])) << "round(-0.5) must be -0";
  EXPECT_FALSE(std::signbit(v[2]));
}

TEST(MathUnary, SigmoidAndSoftplusAreFiniteAndExactAtLargeMagnitude) {
  Tensor x32 = f32({-100.f, 100.f});
  std::vector<float> s = sigmoid(x32).to_vector<float>();
  EXPECT_TRUE(std::isfinite(s[0]));
  EXPECT_GE(s[0], 0.f);
  EXPECT_LT(s[0], 1e-40f);
  EXPECT_EQ(s[1], 1.f);
  std::vector<float> sp = softplus(x32).to_vector<float>();
  EXPECT_TRUE(std::isfinite(sp[0]));
  EXPECT_GE(sp[0], 0.f);
  EXPECT_LT(sp[0], 1e-40f);
  EXPECT_EQ(sp[1], 100.f);

  // float64: e^-100 = 3.720075976020836e-44 is representable and must come out to full precision.
  Tensor x64 = f64({-100, 100, -800, 800, 1000});
  std::vector<double> s64 = sigmoid(x64).to_vector<double>();
  EXPECT_NEAR(s64[0], 3.720075976020836e-44, 1e-57);
  EXPECT_EQ(s64[1], 1.0);
  EXPECT_EQ(s64[2], 0.0);
  EXPECT_EQ(s64[3], 1.0);
  std::vector<double> sp64 = softplus(x64).to_vector<double>();
  EXPECT_NEAR(sp64[0], 3.720075976020836e-44, 1e-57);
  EXPECT_EQ(sp64[1], 100.0);
  EXPECT_EQ(sp64[3], 800.0);
  EXPECT_EQ(sp64[4], 1000.0);
  EXPECT_DOUBLE_EQ(softplus(f64({0})).item<double>(), std::log(2.0));
  // swish = x * sigmoid(x) stays finite too.
  std::vector<float> sw = swish(x32).to_vector<float>();
  EXPECT_TRUE(std::isfinite(sw[0]));
  EXPECT_EQ(sw[1], 100.f);
}

TEST(MathUnary, ActivationConstants) {
  expect_values(relu6(f32({-1, 0, 3, 6, 7.5})), {0, 0, 3, 6, 6}, 0);
  expect_values(leaky_relu(f32({-2, 3})), {-0.4, 3}, 1e-7);  // default alpha 0.2 like Keras
  expect_values(leaky_relu(f32({-2, 3}), 0.5f), {-1, 3}, 0);
  expect_values(elu(f64({-1, 2}), 0.5f), {0.5 * (std::exp(-1.0) - 1), 2}, 1e-15);
  expect_values(selu(f64({1, -1, 0})), {1.0507009873554805, -1.1113307378125625, 0}, 1e-14);
  // Exact and tanh-approximated GELU differ in the 4th decimal.
  double exact = gelu(f64({1})).item<double>(), approx = gelu(f64({1}), true).item<double>();
  EXPECT_NEAR(exact, 0.8413447460685429, 1e-15);
  EXPECT_NEAR(approx, 0.8411919906082768, 1e-15);
  expect_values(gelu(f64({-10, 10})), {0, 10}, 1e-15);
}

TEST(MathUnary, IntegerInputs) {
  Tensor x = i32({-3, 0, 4, 7});
  EXPECT_EQ(negative(x).dtype(), int32);
  EXPECT_EQ(negative(x).to_vector<int32_t>(), (std::vector<int32_t>{3, 0, -4, -7}));
  EXPECT_EQ(tandem::abs(x).to_vector<int32_t>(), (std::vector<int32_t>{3, 0, 4, 7}));
  EXPECT_EQ(sign(x).to_vector<int32_t>(), (std::vector<int32_t>{-1, 0, 1, 1}));
  EXPECT_EQ(square(x).to_vector<int32_t>(), (std::vector<int32_t>{9, 0, 16, 49}));
  EXPECT_EQ(relu(x).to_vector<int32_t>(), (std::vector<int32_t>{0, 0, 4, 7}));
  EXPECT_EQ(relu6(x).to_vector<int32_t>(), (std::vector<int32_t>{0, 0, 4, 6}));
  EXPECT_EQ(relu6(u8({0, 5, 200})).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 5, 6}));
  EXPECT_EQ(tandem::abs(u8({0, 200})).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 200}));
  EXPECT_EQ(square(i64({3000000000})).item<int64_t>(), int64_t{9000000000000000000});
}

TEST(MathUnary, DtypeErrors) {
  Tensor xi = i32({1, 2});
  for (const auto& entry : std::vector<std::pair<std::string, UnaryFn>>{
           {"sqrt", TANDEM_OP(tandem::sqrt(x))},
           {"exp", TANDEM_OP(tandem::exp(x))},
           {"log", TANDEM_OP(tandem::log(x))},
           {"tanh", TANDEM_OP(tandem::tanh(x))},
           {"sigmoid", TANDEM_OP(sigmoid(x))},
           {"round", TANDEM_OP(tandem::round(x))},
           {"floor", TANDEM_OP(tandem::floor(x))},
           {"leaky_relu", TANDEM_OP(leaky_relu(x))},
           {"gelu", TANDEM_OP(gelu(x))},
           {"softplus", TANDEM_OP(softplus(x))},
           {"reciprocal", TANDEM_OP(reciprocal(x))},
       }) {
    SCOPED_TRACE(entry.first);
    expect_error<TypeError>([&] { entry.second(xi); },
                            entry.first +
                                ": expected a floating-point tensor (float16, bfloat16, float32, "
                                "float64), received int32");
  }
  expect_error<TypeError>([] { negative(u8({1})); },
                          "negative: expected a signed numeric tensor, received uint8");
  expect_error<TypeError>([] { tandem::abs(bools({true})); },
                          "abs: expected a numeric tensor, received dtype bool");
  expect_error<TypeError>([] { tandem::exp(constant({"a"})); },
                          "exp: expected a numeric tensor, received dtype string");
  expect_error<ValueError>([] { tandem::sqrt(Tensor()); }, "sqrt: input is an undefined Tensor");
  expect_error<ValueError>([] { negative(Tensor()); }, "negative: input is an undefined Tensor");
}

TEST(MathUnary, NanPropagates) {
  double nan = std::nan("");
  for (const UnaryCase& c : unary_cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(std::isnan(c.op(f64({nan})).item<double>()));
    EXPECT_TRUE(std::isnan(c.op(f32({std::nanf("")})).item<float>()));
  }
}

TEST(MathUnary, PreservesShapeIncludingScalarsAndEmpty) {
  Tensor s = tandem::exp(f64({0.0}, Shape{}));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.item<double>(), 1.0);
  Tensor e = tandem::tanh(f32({}, Shape{0, 3}));
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
}

TEST(MathUnary, LargeTensorTakesParallelPath) {
  Tensor x = spread(Shape{300, 400}, -5, 5);
  std::vector<double> in = x.to_vector<double>();
  expect_values(tandem::tanh(x), map(in, [](double v) { return std::tanh(v); }), 1e-14);
}

// ---- binary ops ----

TEST(MathBinary, ArithmeticFloat) {
  Tensor a = f64({1.5, -2, 3, 0.5}), b = f64({0.5, 4, -2, 8});
  expect_values(add(a, b), {2, 2, 1, 8.5}, 0);
  expect_values(subtract(a, b), {1, -6, 5, -7.5}, 0);
  expect_values(multiply(a, b), {0.75, -8, -6, 4}, 0);
  expect_values(divide(a, b), {3, -0.5, -1.5, 0.0625}, 0);
  expect_values(pow(a, f64({2, 3, 0.5, -1})), {2.25, -8, std::sqrt(3.0), 2}, 1e-15);
  expect_values(maximum(a, b), {1.5, 4, 3, 8}, 0);
  expect_values(minimum(a, b), {0.5, -2, -2, 0.5}, 0);
  expect_values(squared_difference(a, b), {1, 36, 25, 56.25}, 0);
  EXPECT_TRUE(std::isnan(pow(f64({-8}), f64({1.0 / 3})).item<double>()));
}

TEST(MathBinary, FloatDivisionByZeroFollowsIeee) {
  std::vector<double> v = divide(f64({1, -1, 0}), f64({0, 0, 0})).to_vector<double>();
  EXPECT_EQ(v[0], std::numeric_limits<double>::infinity());
  EXPECT_EQ(v[1], -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(v[2]));
}

TEST(MathBinary, ArithmeticInteger) {
  Tensor a = i32({7, -7, 7, -7, 6}), b = i32({2, 2, -2, -2, -3});
  EXPECT_EQ(add(a, b).to_vector<int32_t>(), (std::vector<int32_t>{9, -5, 5, -9, 3}));
  EXPECT_EQ(subtract(a, b).to_vector<int32_t>(), (std::vector<int32_t>{5, -9, 9, -5, 9}));
  EXPECT_EQ(multiply(a, b).to_vector<int32_t>(), (std::vector<int32_t>{14, -14, -14, 14, -18}));
  // divide on integers is TensorFlow's Div kernel: truncates toward zero, stays integer.
  Tensor q = divide(a, b);
  EXPECT_EQ(q.dtype(), int32);
  EXPECT_EQ(q.to_vector<int32_t>(), (std::vector<int32_t>{3, -3, -3, 3, -2}));
  EXPECT_EQ(maximum(a, b).to_vector<int32_t>(), (std::vector<int32_t>{7, 2, 7, -2, 6}));
  EXPECT_EQ(minimum(a, b).to_vector<int32_t>(), (std::vector<int32_t>{2, -7, -2, -7, -3}));
  EXPECT_EQ(squared_difference(a, b).to_vector<int32_t>(),
            (std::vector<int32_t>{25, 81, 81, 25, 81}));
}

TEST(MathBinary, FloordivAndModUseFloorSemantics) {
  Tensor a = i32({-7, 7, 7, -7, 6, 6, 0}), b = i32({2, -2, 2, -2, -3, 4, -5});
  EXPECT_EQ(floordiv(a, b).to_vector<int32_t>(), (std::vector<int32_t>{-4, -4, 3, 3, -2, 1, 0}));
  Tensor m = mod(i32({-7, 7, -7, 7, 6, 0}), i32({3, -3, -3, 3, -3, 5}));
  EXPECT_EQ(m.dtype(), int32);
  EXPECT_EQ(m.to_vector<int32_t>(), (std::vector<int32_t>{2, -2, -1, 1, 0, 0}));
  EXPECT_EQ(mod(i64({-7}), i64({3})).item<int64_t>(), 2);
  EXPECT_EQ(mod(u8({250}), u8({7})).item<int>(), 5);
  EXPECT_EQ(floordiv(u8({250}), u8({7})).item<int>(), 35);

  expect_values(floordiv(f64({-7.5, 7, 7.5, -7}), f64({2, -2, 2, -3.5})), {-4, -4, 3, 2}, 0);
  expect_values(mod(f64({-7, 7, -7.5, 7.5, 5.25}), f64({3, -3, 2, -2, 2})),
                {2, -2, 0.5, -0.5, 1.25}, 0);
  expect_values(mod(f32({-7, 7}), f32({3, -3})), {2, -2}, 0);
  // The result carries the divisor's sign even for tiny dividends.
  expect_values(mod(f64({-1e-3}), f64({5})), {5 - 1e-3}, 1e-15);
}

TEST(MathBinary, IntegerDivisionByZeroIsAnError) {
  expect_error<ValueError>(
      [] {
        floordiv(i32({1, 2}), i32({1, 0}));
      },
      "floordiv: integer division by zero");
  expect_error<ValueError>([] { mod(i64({1, 2}), i64({0, 1})); }, "mod: integer division by zero");
  expect_error<ValueError>(
      [] {
        divide(i32({4, 2}), i32({2, 0}));
      },
      "divide: integer division by zero");
  expect_error<ValueError>([] { i32({4}) % 0.0; }, "mod: integer division by zero");
}

TEST(MathBinary, IntegerMinDividedByMinusOneDoesNotTrap) {
  // INT_MIN / -1 overflows: it must wrap (two's complement) instead of raising SIGFPE.
  int32_t lo = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(divide(i32({lo}), i32({-1})).item<int32_t>(), lo);
  EXPECT_EQ(floordiv(i32({lo}), i32({-1})).item<int32_t>(), lo);
  EXPECT_EQ(mod(i32({lo}), i32({-1})).item<int32_t>(), 0);
  int64_t lo64 = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(mod(i64({lo64, 7}), i64({-1, -1})).to_vector<int64_t>(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(floordiv(i64({-7}), i64({-1})).item<int64_t>(), 7);
}

TEST(MathBinary, IntegerPow) {
  Tensor p = pow(i32({2, -3, 5, 0, 7, -1, -2}), i32({10, 3, 0, 0, 1, 5, 4}));
  EXPECT_EQ(p.dtype(), int32);
  EXPECT_EQ(p.to_vector<int32_t>(), (std::vector<int32_t>{1024, -27, 1, 1, 7, -1, 16}));
  EXPECT_EQ(pow(i64({3}), i64({39})).item<int64_t>(), int64_t{4052555153018976267});
  EXPECT_EQ(pow(u8({3}), u8({5})).item<int>(), 243);
  expect_error<ValueError>(
      [] {
        pow(i32({2, 2}), i32({1, -1}));
      },
      "pow: integers to negative integer powers are not allowed");
}

TEST(MathBinary, HalfPrecisionArithmetic) {
  Tensor a = cast(f32({1.5f, 1024.f}), float16), b = cast(f32({0.25f, 1.f}), float16);
  Tensor s = add(a, b);
  EXPECT_EQ(s.dtype(), float16);
  expect_values(s, {1.75, 1025}, 0);
  Tensor c = multiply(cast(f32({3.f}), bfloat16), cast(f32({0.5f}), bfloat16));
  EXPECT_EQ(c.dtype(), bfloat16);
  EXPECT_EQ(c.item<float>(), 1.5f);
}

// ---- broadcasting ----

struct NamedBinary {
  std::string name;
  BinaryFn op;
  std::function<double(double, double)> ref;
};

std::vector<NamedBinary> float_binaries() {
  return {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); },
       [](double a, double b) { return a + b; }},
      {"subtract", [](const Tensor& a, const Tensor& b) { return subtract(a, b); },
       [](double a, double b) { return a - b; }},
      {"multiply", [](const Tensor& a, const Tensor& b) { return multiply(a, b); },
       [](double a, double b) { return a * b; }},
      {"divide", [](const Tensor& a, const Tensor& b) { return divide(a, b); },
       [](double a, double b) { return a / b; }},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); },
       [](double a, double b) { return std::pow(a, b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); },
       [](double a, double b) { return std::max(a, b); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); },
       [](double a, double b) { return std::min(a, b); }},
      {"squared_difference",
       [](const Tensor& a, const Tensor& b) { return squared_difference(a, b); },
       [](double a, double b) { return (a - b) * (a - b); }},
      {"floordiv", [](const Tensor& a, const Tensor& b) { return floordiv(a, b); },
       [](double a, double b) { return std::floor(a / b); }},
      {"mod", [](const Tensor& a, const Tensor& b) { return mod(a, b); },
       [](double a, double b) { return a - b * std::floor(a / b); }},
  };
}

void check_broadcast(const Shape& sa, const Shape& sb, const Shape& expected) {
  Tensor a = spread(sa, 0.5, 3, 1), b = spread(sb, 0.7, 2.5, 2);
  for (const NamedBinary& c : float_binaries()) {
    SCOPED_TRACE(c.name + " " + sa.to_list_string() + " with " + sb.to_list_string());
    Tensor z = c.op(a, b);
    EXPECT_EQ(z.shape(), expected);
    expect_values(z, broadcast_reference(a, b, expected, c.ref), 1e-13);
    Tensor r = c.op(b, a);  // the broadcast operand on the left
    EXPECT_EQ(r.shape(), expected);
    expect_values(r, broadcast_reference(b, a, expected, c.ref), 1e-13);
  }
}

TEST(MathBroadcast, RowVector) { check_broadcast(Shape{2, 3}, Shape{3}, Shape{2, 3}); }
TEST(MathBroadcast, ColumnTimesRow) { check_broadcast(Shape{2, 1}, Shape{1, 3}, Shape{2, 3}); }
TEST(MathBroadcast, ScalarAndTensor) { check_broadcast(Shape{}, Shape{2, 3}, Shape{2, 3}); }
TEST(MathBroadcast, Rank4) {
  check_broadcast(Shape{2, 1, 3, 1}, Shape{4, 1, 5}, Shape{2, 4, 3, 5});
}
TEST(MathBroadcast, Rank4WithLeadingOnes) {
  check_broadcast(Shape{1, 3, 1, 2}, Shape{2, 1, 4, 1}, Shape{2, 3, 4, 2});
}
TEST(MathBroadcast, EmptyDimension) { check_broadcast(Shape{0, 3}, Shape{3}, Shape{0, 3}); }

TEST(MathBroadcast, LargeTensorsTakeParallelPaths) {
  // Big enough for OpenMP: each thread's cursor starts mid-tensor.
  Tensor a = spread(Shape{517, 131}, -2, 2, 3);
  for (const Shape& sb : {Shape{131}, Shape{517, 1}, Shape{}, Shape{517, 131}}) {
    SCOPED_TRACE(sb.to_list_string());
    Tensor b = spread(sb, -2, 2, 4);
    expect_values(subtract(a, b),
                  broadcast_reference(a, b, a.shape(), [](double x, double y) { return x - y; }),
                  0);
    expect_values(subtract(b, a),
                  broadcast_reference(b, a, a.shape(), [](double x, double y) { return x - y; }),
                  0);
  }
  Tensor ia = cast(spread(Shape{300, 200}, -50, 50), int32);
  std::vector<int32_t> divisors;
  for (int i = 0; i < 200; ++i) divisors.push_back(i % 2 ? -3 : 3 + i % 5);
  Tensor ib = i32(divisors, Shape{1, 200});
  std::vector<int32_t> got = mod(ia, ib).to_vector<int32_t>();
  std::vector<int32_t> va = ia.to_vector<int32_t>(), vb = ib.to_vector<int32_t>();
  for (size_t i = 0; i < got.size(); ++i) {
    int32_t x = va[i], y = vb[i % 200];
    int32_t r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    ASSERT_EQ(got[i], r) << i;
  }
}

TEST(MathBroadcast, IntegerBroadcast) {
  Tensor z = add(i32({1, 2, 3}, Shape{3, 1}), i32({10, 20}));
  EXPECT_EQ(z.shape(), (Shape{3, 2}));
  EXPECT_EQ(z.to_vector<int32_t>(), (std::vector<int32_t>{11, 21, 12, 22, 13, 23}));
}

TEST(MathBroadcast, IncompatibleShapesAreAShapeError) {
  expect_error<ShapeError>(
      [] {
        add(f32({1, 2, 3, 4, 5, 6}, Shape{2, 3}), f32({1, 2, 3, 4}));
      },
      "add: incompatible shapes [2,3] and [4]");
  expect_error<ShapeError>(
      [] {
        multiply(f32({1, 2}, Shape{2, 1}), f32({1, 2, 3}, Shape{3, 1}));
      },
      "multiply: incompatible shapes [2,1] and [3,1]");
  expect_error<ShapeError>(
      [] {
        less(i32({1, 2}), i32({1, 2, 3}));
      },
      "less: incompatible shapes [2] and [3]");
}

TEST(MathBroadcast, NoImplicitDtypePromotion) {
  expect_error<TypeError>([] { add(f32({1}), i32({1})); },
                          "add: expected y to have dtype float32 like x, received int32");
  expect_error<TypeError>([] { f32({1}) + i32({1}); }, "received int32");
  expect_error<TypeError>([] { multiply(f64({1}), f32({1})); },
                          "multiply: expected y to have dtype float64 like x, received float32");
  expect_error<TypeError>([] { equal(i32({1}), i64({1})); },
                          "equal: expected y to have dtype int32 like x, received int64");
  expect_error<TypeError>([] { floordiv(i32({1}), f32({1})); },
                          "floordiv: expected y to have dtype");
  expect_error<TypeError>([] { add(bools({true}), bools({true})); },
                          "add: expected a numeric tensor, received dtype bool");
}

TEST(MathBroadcast, UndefinedInputs) {
  expect_error<ValueError>([] { add(Tensor(), f32({1})); }, "add: x is an undefined Tensor");
  expect_error<ValueError>([] { add(f32({1}), Tensor()); }, "add: y is an undefined Tensor");
  expect_error<ValueError>([] { mod(i32({1}), Tensor()); }, "mod: y is an undefined Tensor");
  expect_error<ValueError>([] { Tensor() * 2.0; }, "multiply: input is an undefined Tensor");
  expect_error<ValueError>([] { 2.0 - Tensor(); }, "subtract: input is an undefined Tensor");
}

// ---- comparisons and logic ----

TEST(MathCompare, ComparisonsGiveBool) {
  Tensor a = f32({1, 2, 3}), b = f32({2, 2, 2});
  struct Case {
    std::string name;
    Tensor out;
    std::vector<bool> expected;
  };
  for (const Case& c : std::vector<Case>{
           {"equal", equal(a, b), {false, true, false}},
           {"not_equal", not_equal(a, b), {true, false, true}},
           {"less", less(a, b), {true, false, false}},
           {"less_equal", less_equal(a, b), {true, true, false}},
           {"greater", greater(a, b), {false, false, true}},
           {"greater_equal", greater_equal(a, b), {false, true, true}},
       }) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.out.dtype(), bool_);
    EXPECT_EQ(c.out.to_vector<bool>(), c.expected);
  }
  Tensor m = less(i32({1, 5}, Shape{2, 1}), i32({0, 2, 9}));  // broadcast [2,1] x [3]
  EXPECT_EQ(m.dtype(), bool_);
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(m.to_vector<bool>(), (std::vector<bool>{false, true, true, false, false, true}));
  Tensor nan = f64({std::nan("")});
  EXPECT_FALSE(equal(nan, nan).item<bool>());
  EXPECT_TRUE(not_equal(nan, nan).item<bool>());
  EXPECT_EQ(equal(bools({true, false}), bools({true, true})).to_vector<bool>(),
            (std::vector<bool>{true, false}));
}

TEST(MathCompare, LogicalOps) {
  Tensor a = bools({true, true, false, false}), b = bools({true, false, true, false});
  EXPECT_EQ(logical_and(a, b).to_vector<bool>(), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(logical_or(a, b).to_vector<bool>(), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(logical_not(a).to_vector<bool>(), (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(logical_and(a, b).dtype(), bool_);
  EXPECT_EQ(logical_not(a).dtype(), bool_);
  Tensor c = logical_or(bools({true, false}, Shape{2, 1}), bools({false, false, true}));
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(c.to_vector<bool>(), (std::vector<bool>{true, true, true, false, false, true}));
  EXPECT_EQ((a && b).to_vector<bool>(), logical_and(a, b).to_vector<bool>());
  EXPECT_EQ((a || b).to_vector<bool>(), logical_or(a, b).to_vector<bool>());
  EXPECT_EQ((!a).to_vector<bool>(), logical_not(a).to_vector<bool>());
}

TEST(MathCompare, LogicalOpsRejectNonBool) {
  expect_error<TypeError>([] { logical_and(f32({1}), f32({0})); },
                          "logical_and: expected a bool tensor, received float32");
  expect_error<TypeError>([] { logical_or(i32({1}), i32({0})); },
                          "logical_or: expected a bool tensor, received int32");
  expect_error<TypeError>([] { logical_not(i32({1})); },
                          "logical_not: expected a bool tensor, received int32");
  expect_error<TypeError>([] { logical_and(bools({true}), i32({1})); },
                          "logical_and: expected y to have dtype bool like x, received int32");
  expect_error<TypeError>([] { less(bools({true}), bools({false})); },
                          "less: expected a numeric tensor, received dtype bool");
}

// ---- where ----

TEST(MathWhere, SelectsElementwise) {
  Tensor c = bools({true, false, true, false});
  Tensor z = where(c, f32({1, 2, 3, 4}), f32({-1, -2, -3, -4}));
  EXPECT_EQ(z.dtype(), float32);
  expect_values(z, {1, -2, 3, -4}, 0);
  Tensor zi = where(c, i64({1, 2, 3, 4}), i64({0, 0, 0, 0}));
  EXPECT_EQ(zi.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 3, 0}));
}

void check_where_broadcast(const Shape& sc, const Shape& sx, const Shape& sy, const Shape& out) {
  SCOPED_TRACE(sc.to_list_string() + " " + sx.to_list_string() + " " + sy.to_list_string());
  std::vector<bool> cv;
  for (int64_t i = 0; i < sc.num_elements(); ++i) cv.push_back((i * 7 + 3) % 3 != 0);
  Tensor c = bools(cv, sc), x = spread(sx, 1, 2, 1), y = spread(sy, -2, -1, 2);
  Tensor z = where(c, x, y);
  EXPECT_EQ(z.shape(), out);
  std::vector<double> vx = x.to_vector<double>(), vy = y.to_vector<double>(), expected;
  for (int64_t i = 0; i < out.num_elements(); ++i)
    expected.push_back(cv[source_index(i, out, sc)] ? vx[source_index(i, out, sx)]
                                                    : vy[source_index(i, out, sy)]);
  expect_values(z, expected, 0);
}

TEST(MathWhere, BroadcastsAllThreeOperands) {
  check_where_broadcast(Shape{2, 1}, Shape{3}, Shape{}, Shape{2, 3});
  check_where_broadcast(Shape{3}, Shape{2, 1}, Shape{1, 3}, Shape{2, 3});
  check_where_broadcast(Shape{2, 2, 1}, Shape{2}, Shape{1}, Shape{2, 2, 2});
  check_where_broadcast(Shape{}, Shape{2, 3}, Shape{3}, Shape{2, 3});
  check_where_broadcast(Shape{4, 1, 3, 1}, Shape{2, 1, 5}, Shape{1, 1, 1, 1}, Shape{4, 2, 3, 5});
}

TEST(MathWhere, Errors) {
  expect_error<TypeError>([] { where(f32({1}), f32({1}), f32({2})); },
                          "where: expected condition of dtype bool, received float32");
  expect_error<TypeError>([] { where(bools({true}), f32({1}), i32({2})); },
                          "where: expected y to have dtype float32 like x, received int32");
  expect_error<ShapeError>(
      [] {
        where(bools({true, false, true}), f32({1, 2}), f32({1, 2}));
      },
      "where: incompatible shapes");
  expect_error<ShapeError>(
      [] {
        where(bools({true}), f32({1, 2}), f32({1, 2, 3}));
      },
      "where: incompatible shapes [2] and [3]");
  expect_error<ValueError>([] { where(Tensor(), f32({1}), f32({2})); },
                           "where: condition is an undefined Tensor");
  expect_error<ValueError>([] { where(Tensor()); }, "where: condition is an undefined Tensor");
  expect_error<TypeError>([] { where(i32({1})); },
                          "where: expected condition of dtype bool, received int32");
}

TEST(MathWhere, CoordinatesOfTrueElements) {
  Tensor c = bools({true, false, true, false, false, true}, Shape{2, 3});
  Tensor w = where(c);
  EXPECT_EQ(w.dtype(), int64);
  EXPECT_EQ(w.shape(), (Shape{3, 2}));
  EXPECT_EQ(w.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0, 2, 1, 2}));

  Tensor w1 = where(bools({false, true, true}));
  EXPECT_EQ(w1.shape(), (Shape{2, 1}));
  EXPECT_EQ(w1.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));

  Tensor none = where(bools({false, false, false, false}, Shape{2, 2}));
  EXPECT_EQ(none.shape(), (Shape{0, 2}));

  std::vector<bool> v3(24, false);
  v3[5] = v3[23] = true;  // [0,1,1] and [1,2,3] in shape [2,3,4]
  Tensor w3 = where(bools(v3, Shape{2, 3, 4}));
  EXPECT_EQ(w3.shape(), (Shape{2, 3}));
  EXPECT_EQ(w3.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 1, 2, 3}));

  EXPECT_EQ(where(bools({true}, Shape{})).shape(), (Shape{1, 0}));
  EXPECT_EQ(where(bools({false}, Shape{})).shape(), (Shape{0, 0}));
}

// ---- clipping ----

TEST(MathClip, ClipByValue) {
  expect_values(clip_by_value(f32({-2, 0.5, 3}), -1, 1), {-1, 0.5, 1}, 0);
  EXPECT_EQ(clip_by_value(i32({-5, 2, 9}), 0, 6).to_vector<int32_t>(),
            (std::vector<int32_t>{0, 2, 6}));
  Tensor x = f64({-3, 0, 3, 5, 1, -1}, Shape{2, 3});
  Tensor z = clip_by_value(x, f64({-1, -2, 0}), f64({2}, Shape{}));
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  expect_values(z, {-1, 0, 2, 2, 1, 0}, 0);
  expect_error<ValueError>([] { clip_by_value(f32({1}), 2, 1); },
                           "clip_by_value: expected clip_min <= clip_max, received 2 > 1");
  expect_error<TypeError>([] { clip_by_value(f32({1}), i32({0}), i32({1})); },
                          "clip_by_value: expected y to have dtype float32 like x, received int32");
  expect_error<ValueError>([] { clip_by_value(Tensor(), 0, 1); },
                           "clip_by_value: input is an undefined Tensor");
}

TEST(MathClip, ClipByNorm) {
  expect_values(clip_by_norm(f32({3, 4}), 2.5), {1.5, 2}, 1e-7);
  expect_values(clip_by_norm(f32({3, 4}), 10), {3, 4}, 0);  // already inside: unchanged
  Tensor rows = f64({3, 4, 0.3, 0.4}, Shape{2, 2});
  expect_values(clip_by_norm(rows, 1, std::vector<int64_t>{1}), {0.6, 0.8, 0.3, 0.4}, 1e-15);
  expect_values(
      clip_by_norm(rows, 1, std::vector<int64_t>{0}),
      {3 / std::sqrt(9.09), 4 / std::sqrt(16.16), 0.3 / std::sqrt(9.09), 0.4 / std::sqrt(16.16)},
      1e-15);
  expect_values(clip_by_norm(rows, 1, std::vector<int64_t>{-1}), {0.6, 0.8, 0.3, 0.4}, 1e-15);
  Tensor zero = clip_by_norm(f32({0, 0, 0}), 1);
  expect_values(zero, {0, 0, 0}, 0);
  expect_error<ValueError>([] { clip_by_norm(f32({1}), 0); },
                           "clip_by_norm: expected clip_norm > 0, received 0");
  expect_error<TypeError>([] { clip_by_norm(i32({1}), 1); },
                          "clip_by_norm: expected a floating-point tensor");
}

TEST(MathClip, ClipByNormGradientAtZeroIsFinite) {
  Tensor x = f64({0, 0, 0});
  GradientTape tape;
  tape.watch(x);
  Tensor y = clip_by_norm(x, 1);
  auto g = tape.gradient(reduce_sum(y), x);
  ASSERT_TRUE(g.has_value());
  expect_values(*g, {1, 1, 1}, 0);  // clip_by_norm is the identity near 0
}

// ---- cast ----

TEST(MathCast, FloatToIntTruncatesTowardZero) {
  Tensor y = cast(f32({2.7f, -2.7f, 0.5f, -0.5f, 1e9f}), int32);
  EXPECT_EQ(y.dtype(), int32);
  EXPECT_EQ(y.to_vector<int32_t>(), (std::vector<int32_t>{2, -2, 0, 0, 1000000000}));
  EXPECT_EQ(cast(f64({-3.99, 1e15}), int64).to_vector<int64_t>(),
            (std::vector<int64_t>{-3, 1000000000000000}));
  EXPECT_EQ(cast(f32({3.9f, 255.f}), uint8).to_vector<int>(), (std::vector<int>{3, 255}));
}

TEST(MathCast, ToBoolIsNonZero) {
  EXPECT_EQ(cast(f32({0, -0.5, 2, -0.0f}), bool_).to_vector<bool>(),
            (std::vector<bool>{false, true, true, false}));
  // Tiny doubles and huge ints are non-zero even though float would flush/round them.
  EXPECT_EQ(cast(f64({1e-300, 0}), bool_).to_vector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ(cast(i64({int64_t{1} << 40, 0, -1}), bool_).to_vector<bool>(),
            (std::vector<bool>{true, false, true}));
  EXPECT_TRUE(cast(f64({std::nan("")}), bool_).item<bool>());
  EXPECT_EQ(cast(bools({true, false}), float32).to_vector<float>(), (std::vector<float>{1, 0}));
  EXPECT_EQ(cast(bools({true, false}), int32).to_vector<int32_t>(), (std::vector<int32_t>{1, 0}));
}

TEST(MathCast, IntToFloatAndBetweenInts) {
  expect_values(cast(i32({-3, 7}), float64), {-3, 7}, 0);
  EXPECT_EQ(cast(i64({int64_t{1} << 40}), float64).item<double>(), 1099511627776.0);
  EXPECT_EQ(cast(i32({-1, 5}), int64).to_vector<int64_t>(), (std::vector<int64_t>{-1, 5}));
}

TEST(MathCast, HalfAndBFloat16) {
  Tensor h = cast(f32({1.5f, 0.1f, 65504.f, 1e5f, -2.f}), float16);
  EXPECT_EQ(h.dtype(), float16);
  std::vector<float> hv = cast(h, float32).to_vector<float>();
  EXPECT_EQ(hv[0], 1.5f);
  EXPECT_EQ(hv[1], 0.0999755859375f);  // nearest binary16 to 0.1
  EXPECT_EQ(hv[2], 65504.f);
  EXPECT_TRUE(std::isinf(hv[3]));  // overflows binary16
  EXPECT_EQ(hv[4], -2.f);
  Tensor b = cast(f32({1.5f, 0.1f, 3.0e38f}), bfloat16);
  EXPECT_EQ(b.dtype(), bfloat16);
  std::vector<float> bv = cast(b, float32).to_vector<float>();
  EXPECT_EQ(bv[0], 1.5f);
  EXPECT_EQ(bv[1], 0.10009765625f);  // nearest bfloat16 to 0.1
  EXPECT_NEAR(bv[2], 3.0e38f, 3.0e38f * 4e-3f);
  EXPECT_EQ(cast(h, int32).to_vector<int32_t>()[4], -2);
  EXPECT_EQ(cast(cast(f32({2.75f}), bfloat16), float16).item<float>(), 2.75f);
}

TEST(MathCast, SameDtypeReturnsInputAndStringsAreRejected) {
  Tensor x = f32({1, 2});
  EXPECT_EQ(cast(x, float32).id(), x.id());
  expect_error<TypeError>([] { cast(f32({1}), string); }, "cast: cannot cast float32 to string");
  expect_error<TypeError>([] { cast(constant({"a"}), float32); },
                          "cast: expected a numeric tensor, received dtype string");
  expect_error<ValueError>([] { cast(Tensor(), float32); }, "cast: input is an undefined Tensor");
}

TEST(MathCast, GradientFlowsBetweenFloatTypesOnly) {
  Tensor x = f32({1.5f, -2.f});
  GradientTape tape(/*persistent=*/true);
  tape.watch(x);
  Tensor y = cast(x, float64) * f64({3, 4});
  auto g = tape.gradient(reduce_sum(y), x);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->dtype(), float32);
  expect_values(*g, {3, 4}, 0);
  Tensor h = cast(x, float16) * 2.0;
  auto gh = tape.gradient(reduce_sum(h), x);
  ASSERT_TRUE(gh.has_value());
  EXPECT_EQ(gh->dtype(), float32);
  expect_values(*gh, {2, 2}, 0);
  Tensor yi = cast(cast(x, int32), float32);
  EXPECT_FALSE(tape.gradient(reduce_sum(yi), x).has_value()) << "an integer cast cuts the gradient";
}

// ---- operators ----

TEST(MathOperators, TensorTensor) {
  Tensor a = f64({6, -7}), b = f64({4, 3});
  expect_values(a + b, {10, -4}, 0);
  expect_values(a - b, {2, -10}, 0);
  expect_values(a * b, {24, -21}, 0);
  expect_values(a / b, {1.5, -7.0 / 3}, 1e-15);
  expect_values(a % b, {2, 2}, 0);
  expect_values(-a, {-6, 7}, 0);
  EXPECT_EQ((a == b).to_vector<bool>(), (std::vector<bool>{false, false}));
  EXPECT_EQ((a != b).to_vector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ((a < b).to_vector<bool>(), (std::vector<bool>{false, true}));
  EXPECT_EQ((a <= a).to_vector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ((a > b).to_vector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ((a >= b).to_vector<bool>(), (std::vector<bool>{true, false}));
}

TEST(MathOperators, ScalarsAdoptTheTensorDtype) {
  Tensor x = f32({1, -2});
  expect_values(x + 0.5, {1.5, -1.5}, 0);
  expect_values(x - 0.5, {0.5, -2.5}, 0);
  expect_values(x * 3.0, {3, -6}, 0);
  expect_values(x / 4.0, {0.25, -0.5}, 0);
  expect_values(x % 1.5, {1, 1}, 0);
  expect_values(0.5 + x, {1.5, -1.5}, 0);
  expect_values(0.5 - x, {-0.5, 2.5}, 0);
  expect_values(3.0 * x, {3, -6}, 0);
  expect_values(1.0 / x, {1, -0.5}, 0);
  EXPECT_EQ((x + 0.5).dtype(), float32);

  Tensor n = i32({3, -4});
  Tensor doubled = n * 2.0;
  EXPECT_EQ(doubled.dtype(), int32);
  EXPECT_EQ(doubled.to_vector<int32_t>(), (std::vector<int32_t>{6, -8}));
  EXPECT_EQ((n + 1).to_vector<int32_t>(), (std::vector<int32_t>{4, -3}));
  EXPECT_EQ((10 - n).to_vector<int32_t>(), (std::vector<int32_t>{7, 14}));
  EXPECT_EQ((n % 3).to_vector<int32_t>(), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ((n / 2).to_vector<int32_t>(), (std::vector<int32_t>{1, -2}));
  EXPECT_EQ((12 / n).to_vector<int32_t>(), (std::vector<int32_t>{4, -3}));
  EXPECT_EQ((u8({200}) + 55).item<int>(), 255);
  EXPECT_EQ((cast(x, float16) * 2.0).dtype(), float16);
}

TEST(MathOperators, ComparisonsWithScalars) {
  Tensor x = f32({0.25f, 0.5f, 0.75f});
  EXPECT_EQ((x == 0.5).to_vector<bool>(), (std::vector<bool>{false, true, false}));
  EXPECT_EQ((x != 0.5).to_vector<bool>(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ((x < 0.5).to_vector<bool>(), (std::vector<bool>{true, false, false}));
  EXPECT_EQ((x <= 0.5).to_vector<bool>(), (std::vector<bool>{true, true, false}));
  EXPECT_EQ((x > 0.5).to_vector<bool>(), (std::vector<bool>{false, false, true}));
  EXPECT_EQ((x >= 0.5).to_vector<bool>(), (std::vector<bool>{false, true, true}));
  EXPECT_EQ((x > 0.5).dtype(), bool_);
  Tensor n = i64({1, 2, 3});
  EXPECT_EQ((n >= 2).to_vector<bool>(), (std::vector<bool>{false, true, true}));
  EXPECT_EQ((bools({true, false}) == 1.0).to_vector<bool>(), (std::vector<bool>{true, false}));
}

TEST(MathOperators, ScalarsTheDtypeCannotHoldAreRejected) {
  // Truncating 2.5 to 2 would make `x < 2.5` silently wrong for x == 2; TensorFlow refuses too.
  expect_error<TypeError>([] { i32({2}) < 2.5; }, "less: cannot convert 2.5 to dtype int32");
  expect_error<TypeError>([] { i32({2}) * 2.5; }, "multiply: cannot convert 2.5 to dtype int32");
  expect_error<TypeError>([] { 0.5 + i64({2}); }, "add: cannot convert 0.5 to dtype int64");
  expect_error<TypeError>([] { u8({1}) + 300; }, "add: cannot convert 300 to dtype uint8");
  expect_error<TypeError>([] { u8({1}) - (-1); }, "subtract: cannot convert -1 to dtype uint8");
  expect_error<TypeError>([] { i32({1}) + 3e9; }, "add: cannot convert 3e+09 to dtype int32");
  expect_error<TypeError>([] { bools({true}) == 2.0; }, "equal: cannot convert 2 to dtype bool");
  expect_error<TypeError>([] { constant({"a"}) + 1.0; },
                          "add: expected a numeric tensor, received dtype string");
}

// ---- gradients: first order ----

struct GradCase {
  std::string name;
  UnaryFn op;
  double lo, hi;  // inputs drawn from [lo, hi), away from kinks and domain edges
};

std::vector<GradCase> unary_grad_cases() {
  return {
      {"negative", TANDEM_OP(negative(x)), -2, 2},
      {"abs+", TANDEM_OP(tandem::abs(x)), 0.2, 2},
      {"abs-", TANDEM_OP(tandem::abs(x)), -2, -0.2},
      {"sign", TANDEM_OP(sign(x)), 0.2, 2},
      {"square", TANDEM_OP(square(x)), -2, 2},
      {"sqrt", TANDEM_OP(tandem::sqrt(x)), 0.3, 3},
      {"rsqrt", TANDEM_OP(rsqrt(x)), 0.3, 3},
      {"reciprocal+", TANDEM_OP(reciprocal(x)), 0.3, 3},
      {"reciprocal-", TANDEM_OP(reciprocal(x)), -3, -0.3},
      {"exp", TANDEM_OP(tandem::exp(x)), -2, 2},
      {"expm1", TANDEM_OP(tandem::expm1(x)), -2, 2},
      {"log", TANDEM_OP(tandem::log(x)), 0.3, 3},
      {"log1p", TANDEM_OP(tandem::log1p(x)), -0.7, 3},
      {"sin", TANDEM_OP(tandem::sin(x)), -3, 3},
      {"cos", TANDEM_OP(tandem::cos(x)), -3, 3},
      {"tanh", TANDEM_OP(tandem::tanh(x)), -2, 2},
      {"erf", TANDEM_OP(tandem::erf(x)), -2, 2},
      {"sigmoid", TANDEM_OP(sigmoid(x)), -4, 4},
      {"relu+", TANDEM_OP(relu(x)), 0.1, 2},
      {"relu-", TANDEM_OP(relu(x)), -2, -0.1},
      {"relu6_inside", TANDEM_OP(relu6(x)), 0.1, 5.9},
      {"relu6_above", TANDEM_OP(relu6(x)), 6.1, 8},
      {"relu6_below", TANDEM_OP(relu6(x)), -2, -0.1},
      {"leaky_relu+", TANDEM_OP(leaky_relu(x)), 0.1, 2},
      {"leaky_relu-", TANDEM_OP(leaky_relu(x, 0.3f)), -2, -0.1},
      {"elu+", TANDEM_OP(elu(x)), 0.1, 2},
      {"elu-", TANDEM_OP(elu(x, 0.7f)), -2, -0.1},
      {"elu_alpha1-", TANDEM_OP(elu(x)), -2, -0.1},  // the one-pass EluGrad
      {"selu+", TANDEM_OP(selu(x)), 0.1, 2},
      {"selu-", TANDEM_OP(selu(x)), -2, -0.1},
      {"gelu", TANDEM_OP(gelu(x)), -3, 3},
      {"gelu_approximate", TANDEM_OP(gelu(x, true)), -3, 3},
      {"softplus", TANDEM_OP(softplus(x)), -4, 4},
      {"softsign+", TANDEM_OP(softsign(x)), 0.1, 3},
      {"softsign-", TANDEM_OP(softsign(x)), -3, -0.1},
      {"swish", TANDEM_OP(swish(x)), -4, 4},
      {"clip_by_value", TANDEM_OP(clip_by_value(x, -1, 1)), -2, 2},
      {"clip_by_norm_active", TANDEM_OP(clip_by_norm(x, 0.5)), -2, 2},
      {"clip_by_norm_inactive", TANDEM_OP(clip_by_norm(x, 100)), -2, 2},
      {"clip_by_norm_axes", TANDEM_OP(clip_by_norm(x, 1.5, std::vector<int64_t>{1})), -2, 2},
      {"cast_float32", TANDEM_OP(cast(square(cast(x, float32)), float64)), -2, 2},
  };
}

TEST(MathGradients, UnaryOpsMatchNumericGradients) {
  for (const GradCase& c : unary_grad_cases()) {
    SCOPED_TRACE(c.name);
    Tensor x = spread(Shape{2, 3}, c.lo, c.hi);
    // Float32 casts make the numeric gradient coarser: a larger step and tolerance.
    bool coarse = c.name.rfind("cast_", 0) == 0;
    check_gradients([&](const std::vector<Tensor>& in) { return c.op(in[0]); }, {x},
                    coarse ? 1e-3 : 1e-6, coarse ? 2e-3 : 1e-5);
  }
}

TEST(MathGradients, ReluSkipsClippedInputsExactly) {
  Tensor x = f64({-1, 2, 7, 3});
  GradientTape tape;
  tape.watch(x);
  Tensor y = relu6(x) + relu(x);
  expect_values(*tape.gradient(reduce_sum(y), x), {0, 2, 1, 2}, 0);
}

TEST(MathGradients, RoundFloorCeilAndFloordivHaveNoGradient) {
  Tensor x = f64({0.3, 1.7});
  GradientTape tape(/*persistent=*/true);
  tape.watch(x);
  EXPECT_FALSE(tape.gradient(reduce_sum(tandem::round(x)), x).has_value());
  EXPECT_FALSE(tape.gradient(reduce_sum(tandem::floor(x)), x).has_value());
  EXPECT_FALSE(tape.gradient(reduce_sum(tandem::ceil(x)), x).has_value());
  EXPECT_FALSE(tape.gradient(reduce_sum(floordiv(x, f64({2, 2}))), x).has_value());
}

struct BinaryGradCase {
  std::string name;
  BinaryFn op;
  double xlo, xhi, ylo, yhi;
};

std::vector<BinaryGradCase> binary_grad_cases() {
  auto op = [](Tensor (*f)(const Tensor&, const Tensor&)) {
    return BinaryFn([f](const Tensor& a, const Tensor& b) { return f(a, b); });
  };
  return {
      {"add", op(add), -2, 2, -2, 2},
      {"subtract", op(subtract), -2, 2, -2, 2},
      {"multiply", op(multiply), -2, 2, -2, 2},
      {"divide", op(divide), -2, 2, 0.5, 2},
      {"divide_negative", op(divide), -2, 2, -2, -0.5},
      {"pow", op(pow), 0.5, 2, -1.5, 2.5},
      {"maximum", op(maximum), -2, 2, -2.1, 1.9},
      {"minimum", op(minimum), -2, 2, -2.1, 1.9},
      {"squared_difference", op(squared_difference), -2, 2, -2, 2},
      {"mod", op(mod), 0.1, 5, 1.1, 1.45},
      {"mod_negative_divisor", op(mod), -5, 5, -1.45, -1.1},
      {"where", [](const Tensor& a, const Tensor& b) { return where(a > 0.0, a, b); }, -2, 2, -2,
       2},
      {"clip_by_value_tensors",
       [](const Tensor& a, const Tensor& b) { return clip_by_value(a, b - 1.0, b + 1.0); }, -3, 3,
       -1, 1},
      {"operators",
       [](const Tensor& a, const Tensor& b) { return (a * b - 2.0 * a) / (b * b + 1.0) + (-a); },
       -2, 2, -2, 2},
  };
}

void check_binary_gradients(const Shape& sx, const Shape& sy) {
  for (const BinaryGradCase& c : binary_grad_cases()) {
    SCOPED_TRACE(c.name + " " + sx.to_list_string() + " with " + sy.to_list_string());
    Tensor x = spread(sx, c.xlo, c.xhi, 1), y = spread(sy, c.ylo, c.yhi, 2);
    check_gradients([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); }, {x, y});
  }
}

TEST(MathGradients, BinarySameShape) { check_binary_gradients(Shape{2, 3}, Shape{2, 3}); }
TEST(MathGradients, BinaryRowBroadcast) { check_binary_gradients(Shape{2, 3}, Shape{3}); }
TEST(MathGradients, BinaryRowBroadcastLeft) { check_binary_gradients(Shape{3}, Shape{2, 3}); }
TEST(MathGradients, BinaryOuterBroadcast) { check_binary_gradients(Shape{2, 1}, Shape{1, 3}); }
TEST(MathGradients, BinaryScalarLeft) { check_binary_gradients(Shape{}, Shape{2, 3}); }
TEST(MathGradients, BinaryScalarRight) { check_binary_gradients(Shape{2, 3}, Shape{}); }
TEST(MathGradients, BinaryRank4) { check_binary_gradients(Shape{2, 1, 3, 1}, Shape{2, 1, 2}); }

TEST(MathGradients, WhereBroadcastsConditionAndBranches) {
  Tensor c = bools({true, false, false, true, true, false}, Shape{2, 3});
  check_gradients([&](const std::vector<Tensor>& in) { return where(c, in[0], in[1]); },
                  {spread(Shape{3}, -1, 1, 1), spread(Shape{2, 1}, -1, 1, 2)});
  Tensor c1 = bools({true, false}, Shape{2, 1});
  check_gradients([&](const std::vector<Tensor>& in) { return where(c1, in[0], in[1]); },
                  {spread(Shape{1, 3}, -1, 1, 1), spread(Shape{}, -1, 1, 2)});
  // Exact values: the chosen branch gets the incoming gradient, the other zero (summed when
  // broadcast).
  Tensor x = f64({1, 2, 3}), y = f64({0}, Shape{});
  GradientTape tape;
  tape.watch({x, y});
  auto g = tape.gradient(reduce_sum(where(bools({true, false, true}), x, y)), {x, y});
  expect_values(*g[0], {1, 0, 1}, 0);
  expect_values(*g[1], {1}, 0);
}

TEST(MathGradients, MaximumTieGoesToX) {
  Tensor x = f64({1, 2}), y = f64({1, 3});
  GradientTape tape;
  tape.watch({x, y});
  auto g = tape.gradient(reduce_sum(maximum(x, y)), {x, y});
  expect_values(*g[0], {1, 0}, 0);
  expect_values(*g[1], {0, 1}, 0);
}

TEST(MathGradients, IntegerOpsRecordNothing) {
  Tensor x = i32({1, 2});
  GradientTape tape;
  tape.watch(x);
  Tensor y = cast(x * x, float32);
  EXPECT_FALSE(tape.gradient(reduce_sum(y), x).has_value());
}

// ---- gradients: second order (nested tapes) ----

// d/dx sum(f(x)), taken on an inner tape so an outer tape can differentiate it again.
Tensor first_derivative(const UnaryFn& f, const Tensor& x) {
  GradientTape tape;
  tape.watch(x);
  Tensor y = f(x);
  std::optional<Tensor> g = tape.gradient(reduce_sum(y), x);
  if (!g) throw ValueError("no first derivative");
  return *g;
}

// d/dx sum(d/dx sum(f(x))): the first derivative differentiated again on an outer tape.
Tensor second_derivative(const UnaryFn& f, const Tensor& x) {
  GradientTape outer;
  outer.watch(x);
  Tensor d1 = first_derivative(f, x);
  std::optional<Tensor> d2 = outer.gradient(reduce_sum(d1), x);
  if (!d2) throw ValueError("no second derivative");
  return *d2;
}

TEST(MathGradients, SecondOrderClosedForms) {
  Tensor x = f64({-1.3, 0.2, 0.9});
  std::vector<double> v = x.to_vector<double>();
  struct Case {
    std::string name;
    UnaryFn f;
    std::function<double(double)> second;
  };
  for (const Case& c : std::vector<Case>{
           {"tanh", TANDEM_OP(tandem::tanh(x)),
            [](double a) { return -2 * std::tanh(a) * (1 - std::tanh(a) * std::tanh(a)); }},
           {"sigmoid", TANDEM_OP(sigmoid(x)),
            [](double a) {
              double s = sigmoid_ref(a);
              return s * (1 - s) * (1 - 2 * s);
            }},
           {"exp", TANDEM_OP(tandem::exp(x)), [](double a) { return std::exp(a); }},
           {"sin", TANDEM_OP(tandem::sin(x)), [](double a) { return -std::sin(a); }},
       }) {
    SCOPED_TRACE(c.name);
    expect_values(second_derivative(c.f, x), map(v, c.second), 1e-13);
  }
}

// relu, relu6, sigmoid and tanh take their gradient in one kernel (dy * f'(b)); that op has a
// gradient in dy too, which a second derivative of f(x) * x reaches: d2/dx2 (f(x) x) = f''(x) x +
// 2 f'(x).
TEST(MathGradients, ActivationGradientOpsDifferentiateInTheIncomingGradient) {
  Tensor x = f64({-1.5, -0.4, 0.3, 2.0, 6.5});
  std::vector<double> v = x.to_vector<double>();
  struct Case {
    std::string name;
    UnaryFn f;
    std::function<double(double)> second;  // of f(x) * x
  };
  for (const Case& c : std::vector<Case>{
           {"relu", TANDEM_OP(relu(x) * x), [](double a) { return a > 0 ? 2.0 : 0.0; }},
           {"relu6", TANDEM_OP(relu6(x) * x), [](double a) { return a > 0 && a < 6 ? 2.0 : 0.0; }},
           {"tanh", TANDEM_OP(tandem::tanh(x) * x),
            [](double a) {
              double t = std::tanh(a);
              return -2 * t * (1 - t * t) * a + 2 * (1 - t * t);
            }},
           {"sigmoid", TANDEM_OP(sigmoid(x) * x),
            [](double a) {
              double s = sigmoid_ref(a);
              return s * (1 - s) * (1 - 2 * s) * a + 2 * s * (1 - s);
            }},
       }) {
    SCOPED_TRACE(c.name);
    expect_values(second_derivative(c.f, x), map(v, c.second), 1e-12);
  }
}

// As TensorFlow's ReluGrad (gradients * (features > 0)): a NaN incoming gradient stays NaN even
// where the input was clipped; float32 too.
TEST(MathGradients, ReluGradientIsAProductWithTheMask) {
  Tensor x = f32({-1, 2, -3});
  GradientTape tape;
  tape.watch(x);
  Tensor y = relu(x) * f32({std::nanf(""), 5, 1});
  std::vector<float> g = tape.gradient(reduce_sum(y), x)->to_vector<float>();
  EXPECT_TRUE(std::isnan(g[0]));
  EXPECT_EQ(g[1], 5.f);
  EXPECT_EQ(g[2], 0.f);
}

// elu (alpha 1) and selu take their gradient from the output in one pass (EluGrad, SeluGrad):
// f'(x) = exp(x) and scale alpha exp(x) below 0, float32 and float64.
TEST(MathGradients, EluAndSeluGradientsFromTheOutput) {
  const double kAlpha = 1.6732632423543772848170429916717;
  const double kScale = 1.0507009873554804934193349852946;
  const std::vector<double> v = {-2, -0.5, 0.5, 3};
  for (DType dtype : {float32, float64}) {
    Tensor x = cast(f64(v), dtype);
    GradientTape tape(/*persistent=*/true);
    tape.watch(x);
    Tensor e = reduce_sum(elu(x)), s = reduce_sum(selu(x));
    const double tol = dtype == float32 ? 1e-6 : 1e-14;
    expect_values(*tape.gradient(e, x), {std::exp(-2.0), std::exp(-0.5), 1, 1}, tol);
    expect_values(
        *tape.gradient(s, x),
        {kScale * kAlpha * std::exp(-2.0), kScale * kAlpha * std::exp(-0.5), kScale, kScale}, tol);
  }
}

TEST(MathGradients, SecondOrderMultiply) {
  // f = x * x * y: df/dx = 2xy, d2f/dx2 = 2y, d2f/dxdy = 2x.
  Tensor x = f64({1.5, -2}), y = f64({3, 0.5});
  GradientTape outer(/*persistent=*/true);
  outer.watch({x, y});
  Tensor gx;
  {
    GradientTape inner;
    inner.watch({x, y});
    Tensor f = multiply(multiply(x, x), y);
    gx = *inner.gradient(reduce_sum(f), x);
  }
  expect_values(gx, {9, -2}, 0);
  auto second = outer.gradient(reduce_sum(gx), {x, y});
  expect_values(*second[0], {6, 1}, 0);
  expect_values(*second[1], {3, -4}, 0);
}

TEST(MathGradients, SecondOrderMatchesNumericForSmoothOps) {
  std::vector<GradCase> cases = {
      {"tanh", TANDEM_OP(tandem::tanh(x)), -2, 2},
      {"sigmoid", TANDEM_OP(sigmoid(x)), -3, 3},
      {"exp", TANDEM_OP(tandem::exp(x)), -2, 2},
      {"expm1", TANDEM_OP(tandem::expm1(x)), -2, 2},
      {"log", TANDEM_OP(tandem::log(x)), 0.3, 3},
      {"log1p", TANDEM_OP(tandem::log1p(x)), -0.5, 3},
      {"sin", TANDEM_OP(tandem::sin(x)), -3, 3},
      {"cos", TANDEM_OP(tandem::cos(x)), -3, 3},
      {"sqrt", TANDEM_OP(tandem::sqrt(x)), 0.3, 3},
      {"rsqrt", TANDEM_OP(rsqrt(x)), 0.3, 3},
      {"reciprocal", TANDEM_OP(reciprocal(x)), 0.3, 3},
      {"square", TANDEM_OP(square(x)), -2, 2},
      {"erf", TANDEM_OP(tandem::erf(x)), -2, 2},
      {"softplus", TANDEM_OP(softplus(x)), -3, 3},
      {"softsign", TANDEM_OP(softsign(x)), 0.1, 3},
      {"swish", TANDEM_OP(swish(x)), -3, 3},
      {"gelu", TANDEM_OP(gelu(x)), -3, 3},
      {"gelu_approximate", TANDEM_OP(gelu(x, true)), -3, 3},
      {"elu-", TANDEM_OP(elu(x, 0.7f)), -2, -0.1},
      {"elu_alpha1-", TANDEM_OP(elu(x)), -2, -0.1},
      {"elu_alpha1+", TANDEM_OP(elu(x)), 0.1, 2},
      {"selu-", TANDEM_OP(selu(x)), -2, -0.1},
      {"selu+", TANDEM_OP(selu(x)), 0.1, 2},
      {"pow", TANDEM_OP(pow(x, f64({2.5}, Shape{}))), 0.3, 2},
      {"divide", TANDEM_OP(divide(f64({1.5}, Shape{}), x)), 0.3, 2},
      {"clip_by_norm", TANDEM_OP(clip_by_norm(x, 0.5)), -2, 2},
  };
  for (const GradCase& c : cases) {
    SCOPED_TRACE(c.name);
    check_gradients([&](const std::vector<Tensor>& in) { return first_derivative(c.op, in[0]); },
                    {spread(Shape{2, 2}, c.lo, c.hi)});
  }
}

TEST(MathGradients, SecondOrderBinaryMatchesNumeric) {
  // Mixed partials of pow and divide: the sum of both first derivatives, differentiated again.
  for (const BinaryGradCase& c : std::vector<BinaryGradCase>{
           {"pow", [](const Tensor&a, const Tensor&b) { return pow(a, b); }, 0.5, 2, -1, 2},
           {"divide", [](const Tensor&a, const Tensor&b) { return divide(a, b); }, -2, 2, 0.5, 2},
           {"multiply", [](const Tensor&a, const Tensor&b) { return a * a * b; }, -2, 2, -2, 2},
       }) {
    SCOPED_TRACE(c.name);
    check_gradients(
        [&](const std::vector<Tensor>& in) {
          GradientTape tape;
          tape.watch(in);
          auto g = tape.gradient(reduce_sum(c.op(in[0], in[1])), in);
          return add(*g[0], *g[1]);
        },
        {spread(Shape{2, 2}, c.xlo, c.xhi, 1), spread(Shape{2, 2}, c.ylo, c.yhi, 2)});
  }
}

#undef TANDEM_OP
#undef TANDEM_REF

TEST(Math, AddN) {
  Tensor a = constant({1.0f, 2.0f}), b = constant({10.0f, 20.0f}), c = constant({100.0f, 0.5f});
  expect_values(add_n({a, b, c}), {111, 22.5});
  expect_values(add_n({a}), {1, 2});
  check_gradients([](const std::vector<Tensor>& in) { return add_n(in) * in[0]; },
                  {constant({1.0, 2.0}, float64), constant({3.0, -1.0}, float64)});
  expect_error<ValueError>([] { add_n({}); }, "add_n: expected at least one tensor");
  expect_error<ShapeError>(
      [&] {
        add_n({a, constant({1.0f})});
      },
      "expected every input of shape [2], received [1] for input 1");
  expect_error<TypeError>(
      [&] {
        add_n({a, constant({1, 2})});
      },
      "expected every input of dtype float32, received int32");
}

}  // namespace
}  // namespace tandem
