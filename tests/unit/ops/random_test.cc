#include "tandem/ops/random.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "kernels/common/philox.h"
#include "testing/gradient_check.h"

namespace tandem {
namespace {

using kernels::PhiloxBlock;
using kernels::PhiloxCounter;
using kernels::PhiloxKey;

void expect_block(PhiloxCounter c, PhiloxKey k, std::array<uint32_t, 4> expected) {
  PhiloxBlock b = kernels::philox4x32_10(c, k);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.v[i], expected[i]) << "word " << i;
}

// Random123's known-answer vectors (kat_vectors) for philox4x32-10.
TEST(Philox, MatchesRandom123KnownAnswers) {
  expect_block({{0, 0, 0, 0}}, {{0, 0}}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  expect_block({{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}}, {{0xffffffff, 0xffffffff}},
               {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  expect_block({{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, {{0xa4093822, 0x299f31d0}},
               {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST(Philox, UnitConversionsStayInRange) {
  EXPECT_EQ(kernels::uint_to_unit_float(0), 0.0f);
  EXPECT_LT(kernels::uint_to_unit_float(0xffffffffu), 1.0f);
  EXPECT_GT(kernels::uint_to_open_unit_float(0), 0.0f);
  EXPECT_EQ(kernels::uint_to_open_unit_float(0xffffffffu), 1.0f);
  EXPECT_EQ(kernels::uints_to_unit_double(0, 0), 0.0);
  EXPECT_LT(kernels::uints_to_unit_double(0xffffffffu, 0xffffffffu), 1.0);
  EXPECT_GT(kernels::uints_to_open_unit_double(0, 0), 0.0);
}

struct Moments {
  double mean = 0, stddev = 0, min = 0, max = 0;
};

Moments moments(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  Moments m;
  m.min = *std::min_element(v.begin(), v.end());
  m.max = *std::max_element(v.begin(), v.end());
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.stddev += (x - m.mean) * (x - m.mean);
  m.stddev = std::sqrt(m.stddev / static_cast<double>(v.size()));
  return m;
}

constexpr int64_t kSamples = 100000;

TEST(RandomNormal, MeanAndStddev) {
  for (DType dtype : {float32, float64, float16, bfloat16}) {
    Tensor t = random_normal({kSamples}, {.mean = 2.0, .stddev = 3.0, .dtype = dtype, .seed = 11});
    EXPECT_EQ(t.dtype(), dtype);
    EXPECT_EQ(t.shape(), Shape({kSamples}));
    Moments m = moments(t);
    // Standard error of the mean is 3 / sqrt(1e5) ~ 0.0095; of the stddev ~ 0.0067.
    EXPECT_NEAR(m.mean, 2.0, 0.05) << dtype_name(dtype);
    EXPECT_NEAR(m.stddev, 3.0, 0.05) << dtype_name(dtype);
    EXPECT_LT(m.min, 2.0 - 3 * 3.0) << "tails are present";
    EXPECT_GT(m.max, 2.0 + 3 * 3.0) << "tails are present";
  }
}

TEST(RandomNormal, FractionWithinOneStddev) {
  std::vector<double> v =
      random_normal({kSamples}, {.dtype = float64, .seed = 5}).to_vector<double>();
  double inside = static_cast<double>(
      std::count_if(v.begin(), v.end(), [](double x) { return std::abs(x) < 1; }));
  EXPECT_NEAR(inside / kSamples, 0.682689, 0.005);
}

TEST(RandomUniform, RangeMeanAndVariance) {
  for (DType dtype : {float32, float64, float16, bfloat16}) {
    Tensor t =
        random_uniform({kSamples}, {.minval = -2.0, .maxval = 6.0, .dtype = dtype, .seed = 3});
    Moments m = moments(t);
    EXPECT_GE(m.min, -2.0) << dtype_name(dtype);
    EXPECT_LT(m.max, 6.0) << dtype_name(dtype);
    EXPECT_NEAR(m.mean, 2.0, 0.05) << dtype_name(dtype);
    EXPECT_NEAR(m.stddev, 8.0 / std::sqrt(12.0), 0.05) << dtype_name(dtype);
  }
}

TEST(RandomUniform, DefaultIsUnitInterval) {
  Moments m = moments(random_uniform({kSamples}, {.seed = 1}));
  EXPECT_GE(m.min, 0.0);
  EXPECT_LT(m.max, 1.0);
  EXPECT_NEAR(m.mean, 0.5, 0.01);
}

TEST(RandomUniform, NeverReachesMaxvalAfterRounding) {
  // float16 has 11 significant bits: most draws in [1, 1 + 2^-10) round up to maxval in float16
  // arithmetic, and must be stepped back to 1.
  std::vector<double> v =
      random_uniform({1000}, {.minval = 1.0, .maxval = 1.0009765625, .dtype = float16, .seed = 2})
          .to_vector<double>();
  for (double x : v) ASSERT_EQ(x, 1.0);
  std::vector<double> b =
      random_uniform({1000}, {.minval = 0.5, .maxval = 1.0, .dtype = bfloat16, .seed = 2})
          .to_vector<double>();
  for (double x : b) {
    ASSERT_GE(x, 0.5);
    ASSERT_LT(x, 1.0);
  }
}

TEST(RandomUniform, IntegersCoverTheRangeEvenly) {
  for (DType dtype : {int32, int64}) {
    Tensor t = random_uniform({kSamples}, {.minval = -3, .maxval = 7, .dtype = dtype, .seed = 4});
    EXPECT_EQ(t.dtype(), dtype);
    std::map<int64_t, int> counts;
    for (int64_t x : t.to_vector<int64_t>()) ++counts[x];
    ASSERT_EQ(counts.size(), 10u) << dtype_name(dtype);
    EXPECT_EQ(counts.begin()->first, -3);
    EXPECT_EQ(counts.rbegin()->first, 6);
    for (auto [value, count] : counts) EXPECT_NEAR(count, kSamples / 10, 500) << value;
  }
}

TEST(RandomUniform, Int64WideRange) {
  std::vector<int64_t> v =
      random_uniform({1000}, {.minval = -9.0e18, .maxval = 9.0e18, .dtype = int64, .seed = 9})
          .to_vector<int64_t>();
  int negative = 0;
  for (int64_t x : v) {
    EXPECT_GE(x, static_cast<int64_t>(-9.0e18));
    EXPECT_LT(x, static_cast<int64_t>(9.0e18));
    negative += x < 0;
  }
  EXPECT_NEAR(negative, 500, 80);
}

TEST(TruncatedNormal, StaysWithinTwoStddev) {
  for (DType dtype : {float32, float64, float16}) {
    Tensor t =
        truncated_normal({kSamples}, {.mean = 1.0, .stddev = 0.5, .dtype = dtype, .seed = 21});
    Moments m = moments(t);
    EXPECT_GE(m.min, 1.0 - 2 * 0.5 - 1e-3) << dtype_name(dtype);
    EXPECT_LE(m.max, 1.0 + 2 * 0.5 + 1e-3) << dtype_name(dtype);
    EXPECT_LT(m.min, 1.0 - 1.9 * 0.5) << "reaches close to the cut";
    EXPECT_NEAR(m.mean, 1.0, 0.01) << dtype_name(dtype);
    // The standard deviation of a normal truncated at +-2 sigma is 0.87962 sigma.
    EXPECT_NEAR(m.stddev, 0.87962 * 0.5, 0.01) << dtype_name(dtype);
  }
}

TEST(Random, GlobalSeedReproducesTheSequenceOfOps) {
  set_random_seed(1234);
  Tensor a1 = random_normal({50});
  Tensor b1 = random_uniform({50});
  Tensor c1 = truncated_normal({50});
  set_random_seed(1234);
  Tensor a2 = random_normal({50});
  Tensor b2 = random_uniform({50});
  Tensor c2 = truncated_normal({50});
  EXPECT_EQ(a1.to_vector<float>(), a2.to_vector<float>());
  EXPECT_EQ(b1.to_vector<float>(), b2.to_vector<float>());
  EXPECT_EQ(c1.to_vector<float>(), c2.to_vector<float>());
  // Successive ops draw from different streams.
  set_random_seed(1234);
  Tensor first = random_normal({50});
  Tensor second = random_normal({50});
  EXPECT_NE(first.to_vector<float>(), second.to_vector<float>());
  set_random_seed(4321);
  EXPECT_NE(random_normal({50}).to_vector<float>(), first.to_vector<float>());
}

TEST(Random, OpSeedGivesTheSameValuesEveryCall) {
  set_random_seed(1);
  Tensor a = random_normal({20}, {.seed = 77});
  random_normal({20});  // advances the global generator
  Tensor b = random_normal({20}, {.seed = 77});
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  set_random_seed(2);
  EXPECT_EQ(random_normal({20}, {.seed = 77}).to_vector<float>(), a.to_vector<float>())
      << "a pure function of the op seed";
  EXPECT_NE(a.to_vector<float>(), random_normal({20}, {.seed = 78}).to_vector<float>());
  // An op seed equal to the global seed does not replay the global stream.
  set_random_seed(77);
  EXPECT_NE(a.to_vector<float>(), random_normal({20}).to_vector<float>());
}

TEST(Random, OpSeededOpsDoNotAdvanceTheGlobalSequence) {
  set_random_seed(5);
  std::vector<float> plain = random_uniform({10}).to_vector<float>();
  set_random_seed(5);
  random_uniform({10}, {.seed = 3});
  random_shuffle(range(4), 3);
  EXPECT_EQ(random_uniform({10}).to_vector<float>(), plain);
}

TEST(Random, GeneratorStateRoundTrips) {
  set_random_seed(99);
  random_uniform({3});
  RandomGeneratorState saved = get_random_generator_state();
  EXPECT_EQ(saved.seed, 99u);
  EXPECT_EQ(saved.next_stream, 1u);
  Tensor a = random_uniform({30});
  random_uniform({30});
  set_random_generator_state(saved);
  EXPECT_EQ(random_uniform({30}).to_vector<float>(), a.to_vector<float>());
}

TEST(Random, ElementValuesDependOnlyOnTheirIndex) {
  // A prefix of a bigger draw equals the smaller draw: values do not depend on the tensor's size
  // or on how elements are grouped into Philox blocks.
  for (DType dtype : {float32, float64}) {
    RandomOptions o{.dtype = dtype, .seed = 5};
    std::vector<double> small = random_normal({7}, o).to_vector<double>();
    std::vector<double> big = random_normal({3, 11}, o).to_vector<double>();
    for (size_t i = 0; i < small.size(); ++i) EXPECT_EQ(small[i], big[i]) << i;
    std::vector<double> t1 = truncated_normal({5}, o).to_vector<double>();
    std::vector<double> t2 = truncated_normal({1000}, o).to_vector<double>();
    for (size_t i = 0; i < t1.size(); ++i) EXPECT_EQ(t1[i], t2[i]) << i;
    std::vector<double> u1 = random_uniform({3}, o).to_vector<double>();
    std::vector<double> u2 = random_uniform({9}, o).to_vector<double>();
    for (size_t i = 0; i < u1.size(); ++i) EXPECT_EQ(u1[i], u2[i]) << i;
  }
}

// Restores the OpenMP thread count when a test ends.
class ThreadCount {
 public:
  ThreadCount() : saved_(omp_get_max_threads()) {}
  ~ThreadCount() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};

TEST(Random, ResultsDoNotDependOnTheNumberOfThreads) {
  ThreadCount restore;
  // 200k elements: far above the parallel threshold, so two threads really split the work.
  const Shape shape{200000};
  auto draw_all = [&] {
    set_random_seed(3);
    std::vector<std::vector<double>> out;
    for (DType dtype : {float32, float64, bfloat16}) {
      out.push_back(random_normal(shape, {.dtype = dtype, .seed = 8}).to_vector<double>());
      out.push_back(random_uniform(shape, {.dtype = dtype, .seed = 8}).to_vector<double>());
      out.push_back(truncated_normal(shape, {.dtype = dtype, .seed = 8}).to_vector<double>());
    }
    out.push_back(random_uniform(shape, {.minval = 0, .maxval = 1000, .dtype = int32, .seed = 8})
                      .to_vector<double>());
    out.push_back(random_normal(shape).to_vector<double>());
    return out;
  };
  omp_set_num_threads(1);
  auto one = draw_all();
  omp_set_num_threads(2);
  auto two = draw_all();
  ASSERT_EQ(one.size(), two.size());
  for (size_t k = 0; k < one.size(); ++k) EXPECT_EQ(one[k], two[k]) << "draw " << k;
}

TEST(Random, EmptyAndScalarShapes) {
  EXPECT_EQ(random_normal({0, 3}).num_elements(), 0);
  Tensor s = random_uniform(Shape{}, {.minval = 5, .maxval = 6, .seed = 1});
  EXPECT_EQ(s.rank(), 0);
  EXPECT_GE(s.item<double>(), 5.0);
  EXPECT_LT(s.item<double>(), 6.0);
}

using testing::expect_error;

TEST(Random, Errors) {
  expect_error<TypeError>([] { random_normal({2}, {.dtype = int32}); },
                          "random_normal: expected a floating dtype");
  expect_error<TypeError>([] { truncated_normal({2}, {.dtype = bool_}); },
                          "truncated_normal: expected a floating dtype");
  expect_error<TypeError>([] { random_uniform({2}, {.dtype = string}); }, "received string");
  expect_error<TypeError>([] { random_uniform({2}, {.dtype = uint8}); }, "received uint8");
  expect_error<ValueError>([] { random_normal({2, -1}); }, "non-negative dimensions");
  expect_error<ValueError>([] { random_uniform({2}, {.minval = 3, .maxval = 3, .dtype = int32}); },
                           "need minval < maxval, received 3 >= 3");
  expect_error<ValueError>(
      [] { random_uniform({2}, {.minval = 0, .maxval = 2.5, .dtype = int64}); },
      "needs integral minval and maxval, received 2.5");
  expect_error<ValueError>(
      [] { random_uniform({2}, {.minval = 0, .maxval = 3e9, .dtype = int32}); },
      "must fit in int32");
  expect_error<ValueError>([] { random_shuffle(Tensor()); }, "random_shuffle");
}

TEST(RandomShuffle, PermutesRowsKeepingThemIntact) {
  Tensor x = reshape(range(20), {10, 2});
  Tensor y = random_shuffle(x, 42);
  EXPECT_EQ(y.shape(), x.shape());
  EXPECT_EQ(y.dtype(), int32);
  std::vector<int32_t> v = y.to_vector<int32_t>();
  std::set<int32_t> firsts;
  for (size_t r = 0; r < 10; ++r) {
    EXPECT_EQ(v[2 * r] % 2, 0);
    EXPECT_EQ(v[2 * r + 1], v[2 * r] + 1) << "row " << r << " was split";
    firsts.insert(v[2 * r]);
  }
  EXPECT_EQ(firsts.size(), 10u);
  EXPECT_NE(v, x.to_vector<int32_t>()) << "1 in 10! chance of identity";
  EXPECT_EQ(random_shuffle(x, 42).to_vector<int32_t>(), v) << "same seed, same order";
  EXPECT_NE(random_shuffle(x, 43).to_vector<int32_t>(), v);
}

TEST(RandomShuffle, EveryPositionIsReachable) {
  Tensor x = range(5);
  std::vector<std::vector<int>> where(5, std::vector<int>(5, 0));
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    std::vector<int32_t> v = random_shuffle(x, seed).to_vector<int32_t>();
    for (int pos = 0; pos < 5; ++pos) ++where[v[pos]][pos];
  }
  for (int value = 0; value < 5; ++value)
    for (int pos = 0; pos < 5; ++pos)
      EXPECT_NEAR(where[value][pos], 400, 80) << value << "@" << pos;
}

TEST(RandomShuffle, StringsScalarsAndSingleRows) {
  Tensor s = constant({"a", "b", "c", "d"});
  std::vector<std::string> v = random_shuffle(s, 1).to_vector<std::string>();
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v, (std::vector<std::string>{"a", "b", "c", "d"}));
  Tensor scalar = constant(3.5f);
  EXPECT_EQ(random_shuffle(scalar).item<float>(), 3.5f);
  Tensor one_row = constant({{1, 2, 3}});
  EXPECT_EQ(random_shuffle(one_row).to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3}));
}

TEST(RandomShuffle, UsesTheGlobalGeneratorWithoutSeed) {
  Tensor x = range(50);
  set_random_seed(10);
  std::vector<int32_t> a = random_shuffle(x).to_vector<int32_t>();
  std::vector<int32_t> b = random_shuffle(x).to_vector<int32_t>();
  set_random_seed(10);
  EXPECT_EQ(random_shuffle(x).to_vector<int32_t>(), a);
  EXPECT_EQ(random_shuffle(x).to_vector<int32_t>(), b);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace tandem
