// make_histogram: equal-width buckets from min to max given by their right edges, the statistics
// TensorBoard shows, and the edge cases (one value, none, non-finite values).
#include "tandem/io/histogram.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "tandem/core/error.h"
#include "testing/assertions.h"

namespace tandem::io {
namespace {

std::vector<double> limits(const proto::HistogramProto& h) {
  return {h.bucket_limit().begin(), h.bucket_limit().end()};
}
std::vector<double> counts(const proto::HistogramProto& h) {
  return {h.bucket().begin(), h.bucket().end()};
}

TEST(MakeHistogram, EqualWidthBucketsEndingAtTheMaximum) {
  // 0..9 in 5 buckets of width 1.8: [0, 1.8) [1.8, 3.6) [3.6, 5.4) [5.4, 7.2) [7.2, 9].
  std::vector<double> values = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  proto::HistogramProto h = make_histogram(values, 5);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 9);
  EXPECT_EQ(h.num(), 10);
  EXPECT_EQ(h.sum(), 45);
  EXPECT_EQ(h.sum_squares(), 285);
  ASSERT_EQ(h.bucket_limit_size(), 5);
  std::vector<double> expected_limits = {1.8, 3.6, 5.4, 7.2, 9};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(h.bucket_limit(i), expected_limits[i], 1e-12);
  EXPECT_EQ(h.bucket_limit(4), 9);  // exactly the maximum
  EXPECT_EQ(counts(h), (std::vector<double>{2, 2, 2, 2, 2}));
}

TEST(MakeHistogram, DefaultsToThirtyBucketsAndCountsEveryValue) {
  std::vector<double> values;
  for (int i = 0; i < 300; ++i) values.push_back(-1.5 + i * 0.01);
  proto::HistogramProto h = make_histogram(values);
  ASSERT_EQ(h.bucket_size(), 30);
  double total = 0;
  for (double c : counts(h)) total += c;
  EXPECT_EQ(total, 300);
  EXPECT_DOUBLE_EQ(h.min(), -1.5);
  EXPECT_DOUBLE_EQ(h.max(), -1.5 + 299 * 0.01);
}

TEST(MakeHistogram, EqualValuesMakeOneBucketAndNoValuesNone) {
  proto::HistogramProto same = make_histogram({2.5, 2.5, 2.5});
  EXPECT_EQ(limits(same), (std::vector<double>{2.5}));
  EXPECT_EQ(counts(same), (std::vector<double>{3}));
  EXPECT_EQ(same.min(), 2.5);
  EXPECT_EQ(same.max(), 2.5);
  proto::HistogramProto none = make_histogram({});
  EXPECT_EQ(none.num(), 0);
  EXPECT_EQ(none.bucket_size(), 0);
  EXPECT_EQ(none.bucket_limit_size(), 0);
}

TEST(MakeHistogram, LeavesOutNonFiniteValues) {
  double inf = std::numeric_limits<double>::infinity();
  proto::HistogramProto h =
      make_histogram({1, std::numeric_limits<double>::quiet_NaN(), inf, -inf, 3}, 2);
  EXPECT_EQ(h.num(), 2);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 3);
  EXPECT_EQ(counts(h), (std::vector<double>{1, 1}));
  proto::HistogramProto only_nan = make_histogram({std::numeric_limits<double>::quiet_NaN()});
  EXPECT_EQ(only_nan.num(), 0);
  EXPECT_EQ(only_nan.bucket_size(), 0);
}

TEST(MakeHistogram, RejectsFewerThanOneBucket) {
  testing::expect_error<ValueError>([] { make_histogram({1.0}, 0); },
                                    "at least 1 bucket, received 0");
}

}  // namespace
}  // namespace tandem::io
