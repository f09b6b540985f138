// Expected strings are what TensorFlow 2 / numpy print for the same values (str(tf_tensor)).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "tandem/tandem.h"

namespace tandem {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string values(const std::vector<double>& v, DType dtype = float32) {
  return cast(Tensor::from_vector(v, {static_cast<int64_t>(v.size())}), dtype).values_string();
}

TEST(TensorFormat, TensorFlowRepr) {
  EXPECT_EQ(constant({{1.f, 2.f}, {3.f, 4.f}}).to_string(),
            "tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)");
  EXPECT_EQ(constant({1, 2, 3}).to_string(), "tf.Tensor([1 2 3], shape=(3,), dtype=int32)");
  EXPECT_EQ(constant(1.5f).to_string(), "tf.Tensor(1.5, shape=(), dtype=float32)");
  EXPECT_EQ(constant(1.0f).to_string(), "tf.Tensor(1.0, shape=(), dtype=float32)");
  EXPECT_EQ(constant(7).to_string(), "tf.Tensor(7, shape=(), dtype=int32)");
  EXPECT_EQ(constant(true).to_string(), "tf.Tensor(True, shape=(), dtype=bool)");
  EXPECT_EQ(constant("hello").to_string(), "tf.Tensor(b'hello', shape=(), dtype=string)");
  EXPECT_EQ(constant({1.0, 2.5}, float64).to_string(),
            "tf.Tensor([1.  2.5], shape=(2,), dtype=float64)");
  std::ostringstream os;
  os << constant({true, false});
  EXPECT_EQ(os.str(), "tf.Tensor([ True False], shape=(2,), dtype=bool)");
}

TEST(TensorFormat, EmptyTensors) {
  EXPECT_EQ(zeros({0}).to_string(), "tf.Tensor([], shape=(0,), dtype=float32)");
  EXPECT_EQ(zeros({2, 0}, int32).to_string(), "tf.Tensor([], shape=(2, 0), dtype=int32)");
}

TEST(TensorFormat, FloatScalarsLikeNumpyScalars) {
  auto scalar = [](double v, DType t = float32) {
    return cast(constant(v, float64), t).values_string();
  };
  EXPECT_EQ(scalar(0.0), "0.0");
  EXPECT_EQ(scalar(-0.0), "-0.0");
  EXPECT_EQ(scalar(0.1), "0.1");
  EXPECT_EQ(scalar(-2.5), "-2.5");
  EXPECT_EQ(scalar(100.0), "100.0");
  EXPECT_EQ(scalar(123456789.0), "123456790.0");  // float32's shortest digits
  EXPECT_EQ(scalar(1e-4, float64), "0.0001");
  EXPECT_EQ(scalar(1e-4), "1e-04");  // float32(1e-4) is just below 1e-4
  EXPECT_EQ(scalar(1e-5), "1e-05");
  EXPECT_EQ(scalar(1.5e-7), "1.5e-07");
  EXPECT_EQ(scalar(1e16), "1e+16");
  EXPECT_EQ(scalar(1e20), "1e+20");
  EXPECT_EQ(scalar(1e15), "1000000000000000.0");
  EXPECT_EQ(scalar(1.0 / 3.0), "0.33333334");
  EXPECT_EQ(scalar(1.0 / 3.0, float64), "0.3333333333333333");
  EXPECT_EQ(scalar(0.1 + 0.2, float64), "0.30000000000000004");
  EXPECT_EQ(scalar(1e100, float64), "1e+100");
  EXPECT_EQ(scalar(kNaN), "nan");
  EXPECT_EQ(scalar(kInf), "inf");
  EXPECT_EQ(scalar(-kInf, float64), "-inf");
  EXPECT_EQ(scalar(0.1, float16), "0.1");
  EXPECT_EQ(scalar(65504, float16), "65500.0");
  EXPECT_EQ(scalar(1.0 / 3.0, float16), "0.3333");
  // bfloat16 prints through ml_dtypes' repr: iostream's six significant digits.
  EXPECT_EQ(scalar(3.140625, bfloat16), "3.14062");
  EXPECT_EQ(scalar(0.1, bfloat16), "0.100098");
  EXPECT_EQ(scalar(2.0, bfloat16), "2");
}

TEST(TensorFormat, OtherScalars) {
  EXPECT_EQ(constant(-12).values_string(), "-12");
  EXPECT_EQ(constant(int64_t{9007199254740993}, int64).values_string(), "9007199254740993");
  EXPECT_EQ(constant(false).values_string(), "False");
  EXPECT_EQ(cast(constant(200), uint8).values_string(), "200");
}

TEST(TensorFormat, FixedNotationPadsFractionsWithSpaces) {
  EXPECT_EQ(values({1.5, 2.0}), "[1.5 2. ]");
  EXPECT_EQ(values({0.1, 0.2, 0.3}), "[0.1 0.2 0.3]");
  EXPECT_EQ(values({0.1, 0.2, 0.1 + 0.2}, float64), "[0.1 0.2 0.3]");
  EXPECT_EQ(values({1.0 / 3.0, 2.0 / 3.0}), "[0.33333334 0.6666667 ]");
  EXPECT_EQ(values({1.0 / 3.0, 2.0 / 3.0}, float64), "[0.33333333 0.66666667]");
  EXPECT_EQ(values({1.123456789, 2.0}, float64), "[1.12345679 2.        ]");
  EXPECT_EQ(values({-1.5, 2.25}), "[-1.5   2.25]");
  EXPECT_EQ(values({100.5, 0.25}), "[100.5    0.25]");
  EXPECT_EQ(values({-0.0, 1.0}), "[-0.  1.]");
  EXPECT_EQ(values({0.0, 0.0}), "[0. 0.]");
  EXPECT_EQ(values({1000.0, 1.0}), "[1000.    1.]");
  EXPECT_EQ(values({0.0001, 0.1}, float64), "[0.0001 0.1   ]");
  // numpy 1.x compares float32(1e-4), just below 1e-4, in float64: scientific.
  EXPECT_EQ(values({0.0001, 0.1}), "[1.e-04 1.e-01]");
  // Arrays print the exact integer digits; scalars the shortest unique ones.
  EXPECT_EQ(values({-34479488.0}), "[-34479488.]");
  EXPECT_EQ(constant(-34479488.0f).values_string(), "-34479490.0");
}

TEST(TensorFormat, ScientificNotationLikeNumpy) {
  EXPECT_EQ(values({1e-5, 1.0}), "[1.e-05 1.e+00]");
  EXPECT_EQ(values({1.5e10, 1e-5}, float64), "[1.5e+10 1.0e-05]");
  EXPECT_EQ(values({1e8}), "[1.e+08]");
  EXPECT_EQ(values({1.0, 1001.0}), "[1.000e+00 1.001e+03]");
  EXPECT_EQ(values({1.0, 1000.0}), "[   1. 1000.]");  // a ratio of exactly 1000 stays fixed
  EXPECT_EQ(values({-1e-5, 1e10}, float64), "[-1.e-05  1.e+10]");
  EXPECT_EQ(values({1e-100, 1.0}, float64), "[1.e-100 1.e+000]");
  EXPECT_EQ(values({0.0, 1e-5}), "[0.e+00 1.e-05]");
  EXPECT_EQ(values({1.0 / 3.0, 1e9}, float64), "[3.33333333e-01 1.00000000e+09]");
  // Digits added to reach a common width are the exact value's, not zeros.
  EXPECT_EQ(values({0.1, 1.23456789e-5}), "[1.0000000e-01 1.2345679e-05]");
  EXPECT_EQ(values({0.1476, 2e-5}, float16), "[1.476e-01 2.003e-05]");
}

TEST(TensorFormat, NonFiniteValues) {
  EXPECT_EQ(values({1.0, kNaN, kInf}), "[ 1. nan inf]");
  EXPECT_EQ(values({1.0, kNaN, -kInf}), "[  1.  nan -inf]");
  EXPECT_EQ(values({kNaN, kNaN}), "[nan nan]");
  EXPECT_EQ(values({1.5, kNaN}), "[1.5 nan]");
  EXPECT_EQ(values({1e-5, kNaN}), "[1.e-05    nan]");
}

TEST(TensorFormat, IntegersAreRightAligned) {
  EXPECT_EQ(constant({-1, 10, 3}).values_string(), "[-1 10  3]");
  EXPECT_EQ(constant({{1, 200}, {30, 4}}).values_string(), "[[  1 200]\n [ 30   4]]");
  EXPECT_EQ(cast(constant({0, 255}), uint8).values_string(), "[  0 255]");
  EXPECT_EQ(constant({int64_t{-9007199254740993}, int64_t{1}}, int64).values_string(),
            "[-9007199254740993                 1]");
}

TEST(TensorFormat, BoolsAndStrings) {
  EXPECT_EQ(constant({true, true}).values_string(), "[ True  True]");
  EXPECT_EQ(constant({{true}, {false}}).values_string(), "[[ True]\n [False]]");
  EXPECT_EQ(constant({"ab", "c"}).values_string(), "[b'ab' b'c']");
  EXPECT_EQ(constant({{"ab", "c"}, {"abcdef", ""}}).values_string(),
            "[[b'ab' b'c']\n [b'abcdef' b'']]");
  std::string x30(30, 'x');
  Tensor long_strings = Tensor::from_vector(std::vector<std::string>(6, x30), {6});
  std::string item = "b'" + x30 + "'";
  EXPECT_EQ(long_strings.values_string(),
            "[" + item + " " + item + "\n " + item + " " + item + "\n " + item + " " + item + "]");
  EXPECT_EQ(constant({"it's", "say \"hi\"", "both ' \""}).values_string(),
            "[b\"it's\" b'say \"hi\"' b'both \\' \"']");
  EXPECT_EQ(constant({std::string("a\nb\t\\"), std::string("\xff\x01", 2)}).values_string(),
            "[b'a\\nb\\t\\\\' b'\\xff\\x01']");
}

TEST(TensorFormat, HigherRanksSeparateBlocksWithBlankLines) {
  Tensor t = reshape(range(8), {2, 2, 2});
  EXPECT_EQ(t.to_string(),
            "tf.Tensor(\n[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]], shape=(2, 2, 2), dtype=int32)");
  EXPECT_EQ(reshape(range(4), {1, 1, 2, 2}).values_string(), "[[[[0 1]\n   [2 3]]]]");
  EXPECT_EQ(reshape(range(4), {2, 1, 1, 2}).values_string(), "[[[[0 1]]]\n\n\n [[[2 3]]]]");
}

TEST(TensorFormat, WrapsLinesAt75Characters) {
  EXPECT_EQ(range(30).values_string(),
            "[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n"
            " 24 25 26 27 28 29]");
  std::vector<double> v;
  for (int i = 0; i < 10; ++i) v.push_back(i / 9.0);
  EXPECT_EQ(values(v, float64),
            "[0.         0.11111111 0.22222222 0.33333333 0.44444444 0.55555556\n"
            " 0.66666667 0.77777778 0.88888889 1.        ]");
  // Rows wrap with a deeper hanging indent.
  EXPECT_EQ(reshape(range(60), {2, 30}).values_string(),
            "[[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n"
            "  24 25 26 27 28 29]\n"
            " [30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53\n"
            "  54 55 56 57 58 59]]");
}

TEST(TensorFormat, SummarizesBeyondAThousandElements) {
  EXPECT_EQ(range(2000).values_string(), "[   0    1    2 ... 1997 1998 1999]");
  EXPECT_EQ(range(1000).values_string().find("..."), std::string::npos);
  EXPECT_EQ(reshape(range(2000), {100, 20}).values_string(),
            "[[   0    1    2 ...   17   18   19]\n"
            " [  20   21   22 ...   37   38   39]\n"
            " [  40   41   42 ...   57   58   59]\n"
            " ...\n"
            " [1940 1941 1942 ... 1957 1958 1959]\n"
            " [1960 1961 1962 ... 1977 1978 1979]\n"
            " [1980 1981 1982 ... 1997 1998 1999]]");
  // Only the shown values decide the float format: the hidden 1e-9 does not force scientific.
  std::vector<double> v(1001, 0.5);
  v[500] = 1e-9;
  EXPECT_EQ(values(v), "[0.5 0.5 0.5 ... 0.5 0.5 0.5]");
  EXPECT_EQ(reshape(range(2 * 600), {2, 600}).values_string(),
            "[[   0    1    2 ...  597  598  599]\n [ 600  601  602 ... 1197 1198 1199]]");
}

TEST(TensorFormat, SixteenBitFloats) {
  EXPECT_EQ(values({0.1, 0.2}, float16), "[0.1 0.2]");
  EXPECT_EQ(values({1.0 / 3.0, 1.0}, float16), "[0.3333 1.    ]");
  // bfloat16 values are not aligned: numpy prints them with their type's repr.
  EXPECT_EQ(values({0.1, 1.0}, bfloat16), "[0.100098 1]");
  EXPECT_EQ(constant({1.5, 2.0}, bfloat16).to_string(),
            "tf.Tensor([1.5 2], shape=(2,), dtype=bfloat16)");
}

TEST(TensorFormat, VariablesPrintTheirValues) {
  Variable v(constant({1.f, 2.f}), {.name = "w"});
  // TensorFlow's Variable repr shows numpy's repr of the value (array([...], dtype=...)).
  EXPECT_EQ(v.to_string(),
            "<tf.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>");
}

TEST(TensorFormat, UndefinedTensor) {
  EXPECT_EQ(Tensor().to_string(), "tf.Tensor(<undefined>)");
  EXPECT_THROW(Tensor().values_string(), ValueError);
}

}  // namespace
}  // namespace tandem
